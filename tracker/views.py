"""Review pages. Thin: each reads through tracker.review_selectors, writes through
tracker.review_services, and asks accounts.policy who may see (404) and do (403) what."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import policy
from roadmap import tabular
from roadmap.choices import Status
from tracker import review_pdf
from tracker import review_selectors as selectors
from tracker import review_services as services
from tracker.models import CycleState, CycleSubmission, ReviewCycle
from tracker.review_forms import (
    AssessmentForm,
    ExtendCycleForm,
    ReturnSubmissionForm,
    ReviewCycleForm,
    add_service_errors,
)
from tracker.selectors import shown_fields


def _visible_cycle(user, pk: int) -> ReviewCycle:
    return get_object_or_404(selectors.cycle_list(user=user), pk=pk)


def _require_manager(user) -> None:
    if not policy.can_manage_review_cycles(user):
        raise PermissionDenied


@login_required
@require_GET
def cycle_list(request):
    if not policy.can_view_roadmap(request.user):
        raise PermissionDenied
    return render(
        request,
        "tracker/cycle_list.html",
        {
            "cycles": selectors.cycle_list(user=request.user),
            "can_manage": policy.can_manage_review_cycles(request.user),
        },
    )


@login_required
def cycle_plan(request):
    _require_manager(request.user)
    form = ReviewCycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.plan_review_cycle(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Review cycle planned."))
            return redirect("reviews:detail", pk=cycle.pk)
    status = 400 if form.errors else 200
    return render(request, "tracker/cycle_form.html", {"form": form}, status=status)


@login_required
def cycle_edit(request, pk):
    cycle = _visible_cycle(request.user, pk)
    _require_manager(request.user)
    if cycle.state == CycleState.CLOSED:
        raise PermissionDenied
    form_class = ReviewCycleForm if cycle.state == CycleState.PLANNED else ExtendCycleForm
    initial = {
        "title": cycle.title,
        "lines": list(cycle.lines.all()),
        "opens_at": cycle.opens_at,
        "deadline": cycle.deadline,
        "closes_at": cycle.closes_at,
        "reminder_days_before": ", ".join(str(day) for day in cycle.reminder_days_before),
        "overdue_every_days": cycle.overdue_every_days,
    }
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_review_cycle(user=request.user, cycle=cycle, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Review cycle saved."))
            return redirect("reviews:detail", pk=cycle.pk)
    status = 400 if form.errors else 200
    return render(request, "tracker/cycle_form.html", {"form": form, "cycle": cycle}, status=status)


@login_required
@require_GET
def cycle_detail(request, pk):
    cycle = _visible_cycle(request.user, pk)
    context = {
        "cycle": cycle,
        "scope": list(cycle.lines.all()),
        "can_manage": policy.can_manage_review_cycles(request.user),
    }
    if cycle.state == CycleState.OPEN:
        context["progress"] = selectors.cycle_progress(cycle=cycle)
    return render(request, "tracker/cycle_detail.html", context)


def _transition(request, pk, service, done_message):
    cycle = _visible_cycle(request.user, pk)
    _require_manager(request.user)
    try:
        service(cycle=cycle, user=request.user)
    except ValidationError as error:
        for message_list in error.message_dict.values():
            for message in message_list:
                messages.error(request, message)
        return render(
            request,
            "tracker/cycle_detail.html",
            {"cycle": cycle, "scope": list(cycle.lines.all()), "can_manage": True},
            status=409,
        )
    messages.success(request, done_message)
    return redirect("reviews:detail", pk=cycle.pk)


@login_required
@require_POST
def cycle_open(request, pk):
    return _transition(request, pk, services.open_review_cycle, _("Review cycle opened."))


@login_required
@require_POST
def cycle_close(request, pk):
    return _transition(request, pk, services.close_review_cycle, _("Review cycle closed."))


def _closed_cycle_for_report(user, pk) -> ReviewCycle:
    cycle = _visible_cycle(user, pk)
    if cycle.state != CycleState.CLOSED:
        raise Http404
    if policy.reads_industry_view_only(user):
        # The report aggregates statuses that are releasable to NATO only.
        raise PermissionDenied
    return cycle


@login_required
@require_GET
def cycle_report(request, pk):
    cycle = _closed_cycle_for_report(request.user, pk)
    report = selectors.cycle_report(cycle=cycle)
    pdf_ids = policy.review_report_organisation_ids(request.user)
    if pdf_ids is None:
        pdf_ids = {row.organisation_id for row in report.organisations}
    return render(
        request,
        "tracker/cycle_report.html",
        {
            "cycle": cycle,
            "report": report,
            "legend": [
                (category, selectors.category_label(category))
                for category in selectors.REPORT_CATEGORIES
            ],
            "pdf_organisation_ids": pdf_ids,
            "total_chart": _chart_row(report.totals),
            "org_charts": [_chart_row(row) for row in report.organisations],
            "line_charts": [_chart_row(row) for row in report.lines],
        },
    )


def _chart_row(row: selectors.ReportRow) -> dict:
    """One stacked bar: each category a rectangle, x and width in percent of the row."""
    segments, x = [], 0.0
    total = row.figures["total"] or 1
    for category, count, percent in row.distribution:
        if not count:
            continue
        width = 100 * count / total
        segments.append(
            {
                "category": category,
                "x": round(x, 2),
                "width": round(width, 2),
                "label": selectors.category_label(category),
                "count": count,
                "percent": percent,
            }
        )
        x += width
    return {"row": row, "segments": segments}


@login_required
@require_GET
def cycle_report_pdf(request, pk, code):
    """One organisation's page of the report, for the secretariat and that organisation."""
    cycle = _closed_cycle_for_report(request.user, pk)
    organisation = get_object_or_404(
        selectors.report_organisations(user=request.user, cycle=cycle), code=code
    )
    allowed = policy.review_report_organisation_ids(request.user)
    if allowed is not None and organisation.pk not in allowed:
        raise PermissionDenied
    report = selectors.organisation_report(cycle=cycle, organisation=organisation)
    response = HttpResponse(
        review_pdf.organisation_report_pdf(report=report), content_type="application/pdf"
    )
    filename = f"review-{cycle.pk}-{organisation.code}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


REPORT_COLUMNS = [
    "total",
    "expected",
    "reported",
    "overdue",
    "stale",
    "improved",
    "worsened",
    "unchanged",
    "assessed_differs",
]


def _report_table(report: selectors.CycleReport) -> tuple[list[str], list[list]]:
    header = [
        _("Group"),
        _("Code"),
        _("Name"),
        _("Reporting rate (%)"),
        *[name.replace("_", " ") for name in REPORT_COLUMNS],
        *[str(selectors.category_label(category)) for category in selectors.REPORT_CATEGORIES],
    ]
    rows = []
    for group, report_rows in (
        (_("Organisation"), report.organisations),
        (_("Line of effort"), report.lines),
        (_("All"), [report.totals]),
    ):
        for row in report_rows:
            rows.append(
                [
                    group,
                    row.code,
                    row.name,
                    "" if row.rate is None else row.rate,
                    *[row.figures[name] for name in REPORT_COLUMNS],
                    *[row.figures[f"n_{category}"] for category in selectors.REPORT_CATEGORIES],
                ]
            )
    return header, rows


def _report_download(request, pk, kind: str):
    cycle = _closed_cycle_for_report(request.user, pk)
    header, rows = _report_table(selectors.cycle_report(cycle=cycle))
    closed = _("Review cycle: %(title)s, closed on %(date)s") % {
        "title": cycle.title,
        "date": timezone.localdate(cycle.closed_at).isoformat() if cycle.closed_at else "",
    }
    table = tabular.Table(
        sheet=_("Report"),
        columns=header,
        rows=rows,
        preamble=tabular.preamble(user=request.user, about=[closed]),
    )
    return tabular.download(table, kind=kind, filename=f"review-{cycle.pk}-report")


@login_required
@require_GET
def cycle_report_csv(request, pk):
    return _report_download(request, pk, "csv")


@login_required
@require_GET
def cycle_report_xlsx(request, pk):
    return _report_download(request, pk, "xlsx")


# Submissions


def _visible_submission(user, pk) -> CycleSubmission:
    """Readable by the secretariat and by the members who answer for the organisation; 404 for
    everyone else."""
    submission = get_object_or_404(
        CycleSubmission.objects.select_related("cycle", "organisation"), pk=pk
    )
    if not (
        policy.is_secretariat(user)
        or submission.organisation_id in policy.updatable_organisation_ids(user)
    ):
        raise Http404
    return submission


def _submission_page(request, submission, *, return_form=None, assess_form=None, status=200):
    user = request.user
    assignments = list(
        selectors.submission_assignments(submission=submission).annotate(**shown_fields(user))
    )
    for assignment in assignments:
        # Labels of what this reader may see, never of a status they may not read.
        assignment.shown_label = (
            Status(assignment.shown_status).label if assignment.shown_status else ""
        )
        assignment.assessed_label = (
            Status(assignment.assessed_status).label if assignment.assessed_status else ""
        )
    return render(
        request,
        "tracker/submission_detail.html",
        {
            "submission": submission,
            "cycle": submission.cycle,
            "assignments": assignments,
            "reported_count": sum(1 for assignment in assignments if assignment.reported_in_cycle),
            "events": submission.events.select_related("actor"),
            "can_manage": policy.can_manage_review_cycles(user),
            "can_submit": submission.organisation_id in policy.updatable_organisation_ids(user)
            and submission.state in services.SUBMITTABLE
            and submission.cycle.state == CycleState.OPEN,
            "return_form": return_form or ReturnSubmissionForm(),
            "assess_form": assess_form,
            "statuses": Status.choices,
        },
        status=status,
    )


@login_required
@require_GET
def submission_detail(request, pk):
    return _submission_page(request, _visible_submission(request.user, pk))


def _act_on_submission(request, pk, action):
    submission = _visible_submission(request.user, pk)
    try:
        action(submission)
    except ValidationError as error:
        for message_list in error.message_dict.values():
            for message in message_list:
                messages.error(request, message)
        submission.refresh_from_db()
        return _submission_page(request, submission, status=400)
    return redirect("reviews:submission", pk=submission.pk)


@login_required
@require_POST
def submission_submit(request, pk):
    def submit(submission):
        services.submit_cycle_submission(user=request.user, submission_id=submission.pk)
        messages.success(request, _("Submission sent to the secretariat."))

    return _act_on_submission(request, pk, submit)


@login_required
@require_POST
def submission_accept(request, pk):
    def accept(submission):
        services.accept_cycle_submission(user=request.user, submission_id=submission.pk)
        messages.success(request, _("Submission accepted."))

    return _act_on_submission(request, pk, accept)


@login_required
@require_POST
def submission_return(request, pk):
    submission = _visible_submission(request.user, pk)
    _require_manager(request.user)
    form = ReturnSubmissionForm(request.POST)
    if form.is_valid():
        try:
            services.return_cycle_submission(
                user=request.user, submission_id=submission.pk, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Submission returned."))
            return redirect("reviews:submission", pk=submission.pk)
    submission.refresh_from_db()
    return _submission_page(request, submission, return_form=form, status=400)


@login_required
@require_POST
def submission_assess(request, pk):
    submission = _visible_submission(request.user, pk)
    _require_manager(request.user)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        try:
            services.record_assessment(
                user=request.user,
                cycle=submission.cycle,
                assignment_id=form.cleaned_data["assignment"],
                status=form.cleaned_data["status"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Assessment recorded."))
            return redirect("reviews:submission", pk=submission.pk)
    return _submission_page(request, submission, assess_form=form, status=400)
