"""Best-practice pages. Thin: reads through tracker.best_practice_selectors, writes through
tracker.best_practices; what a user may not see is a 404, what they may not do a 403, and a
step the state does not allow a 409 with the reason."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts import policy
from roadmap import tabular
from roadmap.form_options import read_options
from tracker import best_practice_selectors as selectors
from tracker import best_practices as services
from tracker.best_practice_filtersets import BestPracticeFilterSet
from tracker.best_practice_forms import BestPracticeForm, CommentForm
from tracker.markdown import render_markdown
from tracker.models import BestPracticeAttachment, BestPracticeState
from tracker.review_forms import add_service_errors

PAGE_SIZE = 25
# The library's filter form; `action` (hundreds of choices) is reached from links instead.
FILTERS_ON_PAGE = [
    "q",
    "line",
    "material",
    "organisation",
    "tag",
    "published_after",
    "published_before",
]


def _require_reader(user) -> None:
    if not policy.can_view_roadmap(user) and not policy.can_submit_best_practice(user):
        raise PermissionDenied


def _page_with_links(rows, request):
    """One page of list entries, their links read in one query (see with_link_labels)."""
    page = Paginator(rows.prefetch_related(None), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_link_labels(list(page.object_list))
    return page


def _filtered_library(request) -> BestPracticeFilterSet:
    return BestPracticeFilterSet(
        request.GET, queryset=selectors.library(user=request.user), request=request
    )


@login_required
@require_GET
def library(request):
    _require_reader(request.user)
    filterset = _filtered_library(request)
    status = 200 if filterset.is_valid() else 400
    rows = filterset.qs if status == 200 else filterset.queryset.none()
    page = _page_with_links(rows, request)
    for name in FILTERS_ON_PAGE:
        field = filterset.form.fields[name]
        if hasattr(field, "queryset"):
            field.widget.choices = read_options(field)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "best_practices/library.html",
        {
            "filterset": filterset,
            "filter_fields": [filterset.form[name] for name in FILTERS_ON_PAGE],
            "page": page,
            "query": query.urlencode(),
            "can_submit": policy.can_submit_best_practice(request.user),
            "can_review": policy.can_review_best_practice(request.user),
        },
        status=status,
    )


EXPORT_COLUMNS = [
    "id",
    "title",
    "summary",
    "organisation",
    "releasability",
    "published_at",
    "lines",
    "materials",
    "tags",
    "url",
]


@login_required
@require_GET
def library_export(request, kind: str):
    """The library list with the page's filters, one row per best practice."""
    _require_reader(request.user)
    filterset = _filtered_library(request)
    if not filterset.is_valid():
        return tabular.bad_filters(filterset.form)
    base = settings.REVIEW_SITE_URL.rstrip("/")
    rows = (
        (
            best_practice.pk,
            best_practice.title,
            best_practice.summary,
            best_practice.organisation.code,
            best_practice.get_releasability_display(),
            best_practice.published_at.isoformat() if best_practice.published_at else "",
            " ".join(line.code for line in best_practice.lines.all()),
            " ".join(material.slug for material in best_practice.materials.all()),
            ", ".join(tag.name for tag in best_practice.tags.all()),
            base + reverse("best_practices:detail", args=[best_practice.pk]),
        )
        for best_practice in filterset.qs
    )
    filters = tabular.describe_filters(filterset.form, _("Best-practice library"))
    table = tabular.Table(
        sheet=_("Best practices"),
        columns=EXPORT_COLUMNS,
        rows=rows,
        preamble=tabular.preamble(user=request.user, about=[filters]),
    )
    return tabular.download(table, kind=kind, filename="best-practices")


@login_required
@require_GET
def mine(request):
    if not policy.can_submit_best_practice(request.user):
        raise PermissionDenied
    page = _page_with_links(selectors.own_best_practices(user=request.user), request)
    return render(
        request,
        "best_practices/mine.html",
        {"page": page, "can_review": policy.can_review_best_practice(request.user)},
    )


@login_required
@require_GET
def queue(request):
    if not policy.can_review_best_practice(request.user):
        raise PermissionDenied
    rows = selectors.review_queue(user=request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "best_practices/queue.html", {"page": page})


def _visible(user, pk):
    best_practice = selectors.best_practice_detail(user=user, pk=pk)
    if best_practice is None:
        raise Http404
    return best_practice


def _detail_page(request, best_practice, *, comment_form=None, status=200):
    user = request.user
    may_decide = policy.can_decide_best_practice(user, best_practice)
    state = best_practice.state
    context = {
        "bp": best_practice,
        "body_html": render_markdown(best_practice.body),
        "can_edit": policy.can_edit_best_practice(user, best_practice),
        "can_start_review": may_decide and state == BestPracticeState.SUBMITTED,
        "can_publish": may_decide and state == BestPracticeState.UNDER_REVIEW,
        "can_return": may_decide
        and state in {BestPracticeState.SUBMITTED, BestPracticeState.UNDER_REVIEW},
        # The exchange between author and secretariat is theirs, not the library readers'.
        "show_history": best_practice.author_id == user.pk or policy.can_review_best_practice(user),
        "comment_form": comment_form or CommentForm(),
    }
    return render(request, "best_practices/detail.html", context, status=status)


@login_required
@require_GET
def detail(request, pk):
    return _detail_page(request, _visible(request.user, pk))


def _form_page(request, form, best_practice=None, status=200):
    return render(
        request,
        "best_practices/form.html",
        {"form": form, "bp": best_practice},
        status=status,
    )


def _uploads(form) -> list:
    upload = form.cleaned_data.get("attachment")
    return [upload] if upload else []


@login_required
def create(request):
    if not policy.can_submit_best_practice(request.user):
        raise PermissionDenied
    form = BestPracticeForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            best_practice = services.create_best_practice(
                user=request.user,
                title=data["title"],
                summary=data["summary"],
                body=data["body"],
                organisation=data["organisation"],
                releasability=data["releasability"],
                lines=data["lines"],
                actions=data["actions"],
                materials=data["materials"],
                tags=data["tags"],
                attachments=_uploads(form),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Draft saved. Submit it when it is ready."))
            return redirect("best_practices:detail", pk=best_practice.pk)
    return _form_page(request, form, status=400 if form.errors else 200)


@login_required
def edit(request, pk):
    best_practice = _visible(request.user, pk)
    if not policy.can_author_best_practice(request.user, best_practice):
        raise PermissionDenied
    if not policy.can_edit_best_practice(request.user, best_practice):
        messages.error(
            request,
            _("A best practice can be changed only while it is a draft or returned to you."),
        )
        return _detail_page(request, best_practice, status=409)
    initial = {
        "title": best_practice.title,
        "summary": best_practice.summary,
        "body": best_practice.body,
        "organisation": best_practice.organisation,
        "releasability": best_practice.releasability,
        "lines": list(best_practice.lines.all()),
        "actions": list(best_practice.actions.all()),
        "materials": list(best_practice.materials.all()),
        "tags": ", ".join(tag.name for tag in best_practice.tags.all()),
    }
    form = BestPracticeForm(
        request.POST or None, request.FILES or None, initial=initial, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in initial}
        try:
            services.update_best_practice(
                user=request.user,
                best_practice_id=best_practice.pk,
                attachments=_uploads(form),
                **changes,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except services.TransitionRefused as refused:
            messages.error(request, str(refused))
            return _detail_page(request, _visible(request.user, pk), status=409)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("best_practices:detail", pk=best_practice.pk)
    return _form_page(request, form, best_practice, status=400 if form.errors else 200)


STEP_DONE = {
    "submit": gettext_lazy("Submitted to the secretariat."),
    "start_review": gettext_lazy("Taken under review."),
    "publish": gettext_lazy("Published in the library."),
    "return": gettext_lazy("Returned to the author."),
    "reject": gettext_lazy("Rejected."),
}


def _step(request, pk, action):
    best_practice = _visible(request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.transition_best_practice(
                user=request.user,
                best_practice_id=best_practice.pk,
                action=action,
                comment=form.cleaned_data["comment"],
            )
        except services.TransitionRefused as refused:
            messages.error(request, str(refused))
            return _detail_page(request, _visible(request.user, pk), status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, STEP_DONE[action])
            return redirect("best_practices:detail", pk=best_practice.pk)
    return _detail_page(request, best_practice, comment_form=form, status=400)


@login_required
@require_POST
def submit(request, pk):
    return _step(request, pk, "submit")


@login_required
@require_POST
def start_review(request, pk):
    return _step(request, pk, "start_review")


@login_required
@require_POST
def publish(request, pk):
    return _step(request, pk, "publish")


@login_required
@require_POST
def return_to_author(request, pk):
    return _step(request, pk, "return")


@login_required
@require_POST
def reject(request, pk):
    return _step(request, pk, "reject")


def visible_attachment(user, pk) -> BestPracticeAttachment:
    """An attachment of a best practice the user may read; 404 otherwise."""
    attachment = (
        BestPracticeAttachment.objects.filter(
            pk=pk, best_practice__in=policy.visible_best_practices(user)
        )
        .select_related("best_practice")
        .first()
    )
    if attachment is None:
        raise Http404
    return attachment


def attachment_response(attachment: BestPracticeAttachment) -> FileResponse:
    """Always a download, never rendered by the browser: a file cannot run as a page here."""
    try:
        handle = services.attachment_path(attachment).open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def attachment_download(request, pk):
    return attachment_response(visible_attachment(request.user, pk))


@login_required
@require_POST
def attachment_delete(request, pk):
    attachment = visible_attachment(request.user, pk)
    try:
        services.delete_attachment(user=request.user, attachment_id=attachment.pk)
    except services.TransitionRefused as refused:
        messages.error(request, str(refused))
        return _detail_page(
            request, _visible(request.user, attachment.best_practice_id), status=409
        )
    messages.success(request, _("Attachment removed."))
    return redirect("best_practices:detail", pk=attachment.best_practice_id)
