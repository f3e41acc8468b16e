"""The secretariat's page over the audit trail, and its CSV export (same filters)."""

import csv
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts import policy
from accounts.audit_selectors import (
    AuditFilterForm,
    audit_entry_list,
    describe_event,
    describe_person,
)

PAGE_SIZE = 50


def _filtered_entries(request):
    if not policy.can_view_audit_trail(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        # Bad filters show their errors and no rows, rather than every row.
        return form, audit_entry_list(user=request.user, filters={}).none()
    filters = form.cleaned_data if form.is_bound else {}
    return form, audit_entry_list(user=request.user, filters=filters)


@login_required
@require_GET
def audit_trail(request):
    form, entries = _filtered_entries(request)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.event_label = describe_event(entry)
        entry.person_label = describe_person(entry)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/audit_trail.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


class _Echo:
    def write(self, value):
        return value


@login_required
@require_GET
def audit_trail_csv(request):
    _form, entries = _filtered_entries(request)
    writer = csv.writer(_Echo())
    header = [
        _("Time"),
        _("Event"),
        _("Object type"),
        _("Object id"),
        _("Object"),
        _("Person"),
        _("Address"),
        _("Changes"),
        _("Details"),
    ]

    def rows():
        yield writer.writerow(header)
        for entry in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    timezone.localtime(entry.timestamp).isoformat(),
                    describe_event(entry),
                    entry.content_type.model,
                    entry.object_pk,
                    entry.object_repr,
                    describe_person(entry),
                    entry.remote_addr or "",
                    json.dumps(entry.changes, ensure_ascii=False) if entry.changes else "",
                    json.dumps(entry.additional_data, ensure_ascii=False)
                    if entry.additional_data
                    else "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response
