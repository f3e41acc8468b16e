"""The notifications page and the calendar feed page, and the feed itself. Thin: reads and
writes go through tracker.notifications and tracker.calendar_feed, which ask accounts.policy.

Marking read is always a POST: opening a notification posts, marks it read and redirects to
its link, so no GET ever writes."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from accounts import policy
from tracker import calendar_feed, notifications

PAGE_SIZE = 20
# The one-time display of a freshly issued feed address, between the POST and the page.
NEW_FEED_SESSION_KEY = "calendar_feed_new_token"


def _local(request, url: str, fallback: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


@login_required
@require_GET
def notification_list(request):
    paginator = Paginator(notifications.notification_list(user=request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = notifications.with_text(page.object_list)
    return render(
        request,
        "notifications/list.html",
        {"page": page, "here": request.get_full_path()},
    )


@login_required
@require_POST
def notification_read(request, pk):
    notifications.mark_notification_read(user=request.user, notification_id=pk)
    return redirect(_local(request, request.POST.get("next", ""), reverse("notifications:list")))


@login_required
@require_POST
def notification_open(request, pk):
    notification = notifications.mark_notification_read(user=request.user, notification_id=pk)
    return redirect(_local(request, notification.link, reverse("notifications:list")))


@login_required
@require_POST
def notification_read_all(request):
    count = notifications.mark_all_notifications_read(user=request.user)
    if count:
        messages.success(request, _("All notifications marked read."))
    return redirect("notifications:list")


# The calendar feed


def _feed_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("calendar:feed", args=[token]))


def _event_rows(events) -> list[dict]:
    """Date order for the page; timed events (review deadlines) on their local day."""
    rows = []
    for event in events:
        all_day = not isinstance(event.start, datetime)
        day = event.start if all_day else localdate(event.start)
        rows.append({"event": event, "all_day": all_day, "day": day})
    return sorted(rows, key=lambda row: row["day"])


@login_required
@require_GET
def calendar_page(request):
    if not policy.can_have_calendar_feed(request.user):
        raise PermissionDenied
    token = request.session.pop(NEW_FEED_SESSION_KEY, None)
    events = _event_rows(calendar_feed.feed_events(user=request.user, site=""))
    return render(
        request,
        "notifications/calendar.html",
        {
            "feed": calendar_feed.calendar_feed_of(user=request.user),
            "new_url": _feed_url(request, token) if token else "",
            "events": events,
        },
    )


@login_required
@require_POST
def calendar_issue(request):
    token = calendar_feed.issue_calendar_feed(user=request.user)
    request.session[NEW_FEED_SESSION_KEY] = token
    messages.success(
        request, _("New feed address issued. Any earlier address has stopped working.")
    )
    return redirect("calendar:page")


@login_required
@require_POST
def calendar_turn_off(request):
    if calendar_feed.turn_off_calendar_feed(user=request.user):
        messages.success(request, _("Calendar feed turned off. Its address no longer works."))
    return redirect("calendar:page")


@require_safe
def calendar_ics(request, token):
    """For calendar apps: no session, the secret in the address is the credential."""
    user = calendar_feed.feed_owner(token=token)
    if user is None:
        raise Http404
    site = request.build_absolute_uri("/").rstrip("/")
    response = HttpResponse(
        calendar_feed.feed_ics(user=user, site=site), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="roadmap-deadlines.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response
