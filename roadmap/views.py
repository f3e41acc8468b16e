"""Roadmap pages. Thin: reads through roadmap.selectors and the roll-ups, writes through
roadmap.services and roadmap.import_export, and asks accounts.policy who may see (404) and do
(403) what."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import policy
from roadmap import selectors, services
from roadmap.choices import Status
from roadmap.forms import (
    AssignOrganisationForm,
    CancelAssignmentForm,
    DueDateForm,
    ImportUploadForm,
)
from roadmap.import_export import (
    COLUMNS,
    EDITABLE_COLUMNS,
    MAX_ROWS,
    ImportFileError,
    ImportRow,
    apply_import,
    preview_import,
    read_upload,
)
from roadmap.models import ActionItem, KeyOutcome, LineOfEffort
from tracker import data_version
from tracker.best_practice_selectors import related_best_practices
from tracker.models import StatusUpdate
from tracker.rollups import (
    rollup_by_organisation,
    rollup_for_action,
    rollup_for_line,
    rollup_for_outcome,
    rollup_roadmap,
)
from tracker.services import VersionConflict

NOT_REPORTED = "not_reported"
# Short forms for the heat map's cells; the legend gives each with its colour and full word.
STATUS_ABBREVIATIONS = {
    Status.BLOCKED: pgettext_lazy("status abbreviation", "BLK"),
    Status.OFF_TRACK: pgettext_lazy("status abbreviation", "OFF"),
    Status.AT_RISK: pgettext_lazy("status abbreviation", "RISK"),
    Status.ON_TRACK: pgettext_lazy("status abbreviation", "OK"),
    Status.NOT_STARTED: pgettext_lazy("status abbreviation", "NS"),
    Status.COMPLETED: pgettext_lazy("status abbreviation", "DONE"),
    Status.CANCELLED: pgettext_lazy("status abbreviation", "CXL"),
    NOT_REPORTED: pgettext_lazy("status abbreviation", "NR"),
}
ORGANISATION_PAGE_SIZE = 100
IMPORT_SESSION_KEY = "roadmap_import"


def _require_reader(user) -> None:
    if not policy.can_view_roadmap(user):
        raise PermissionDenied


def _status_label(status: str | None) -> str:
    return Status(status).label if status in Status.values else _("Not reported")


def _legend() -> list[dict]:
    """Each status's abbreviation and words, translated once for the page's 280 cells."""
    return [
        {"status": status, "abbreviation": str(abbreviation), "label": str(_status_label(status))}
        for status, abbreviation in STATUS_ABBREVIATIONS.items()
    ]


def _cell(figure, legend: dict[str, dict]) -> dict | None:
    """A heat map cell: colour class, abbreviation, words and progress of one figure;
    `legend` is `_legend()` by status."""
    if figure is None:
        return None
    status = figure.status or NOT_REPORTED
    progress = None if figure.progress is None else round(figure.progress)
    return {
        "status": status,
        "abbreviation": legend[status]["abbreviation"],
        "label": legend[status]["label"],
        "progress": progress,
        "figure": figure,
    }


def _shows_illustrative_content(lines) -> bool:
    """Drives the page banner that keeps demo outcomes and actions from passing as roadmap text.

    Reads the already prefetched tree, so it costs no query.
    """
    return any(
        outcome.is_illustrative or any(action.is_illustrative for action in outcome.actions.all())
        for line in lines
        for outcome in line.outcomes.all()
    )


@login_required
def home(request):
    user = request.user
    _require_reader(user)
    key = (policy.roadmap_view_key(user), get_language(), timezone.localdate())
    body = data_version.cached("home", key, lambda: _home_body(user))
    return render(request, "roadmap/home.html", {"body": body})


def _home_body(user) -> str:
    lines = selectors.roadmap_overview(user=user)
    return render_to_string(
        "roadmap/_home_body.html",
        {
            "lines": lines,
            "rollup": rollup_roadmap(user=user),
            "reads_industry_release": policy.reads_industry_view_only(user),
            "shows_illustrative": _shows_illustrative_content(lines),
        },
    )


@login_required
@require_GET
def dashboard(request):
    user = request.user
    _require_reader(user)
    key = (
        policy.shared_view_key(user),
        get_language(),
        timezone.get_current_timezone_name(),
        timezone.localdate(),
    )
    body = data_version.cached(
        "dashboard",
        key,
        lambda: render_to_string("roadmap/_dashboard_body.html", _dashboard_figures(user)),
    )
    return render(request, "roadmap/dashboard.html", {"body": body})


def _dashboard_figures(user) -> dict:
    rollup, line_progress = selectors.roadmap_progress(user=user)
    heat = selectors.heat_map(user=user, lines=[line for line, _figure in line_progress])
    # One aggregate counts for the tallies, the two lists' headings and the open cycle.
    counts, cycle = selectors.dashboard_tallies(user=user)
    legend = _legend()
    by_status = {item["status"]: item for item in legend}
    return {
        "roadmap_figure": rollup.roadmap,
        "line_progress": [
            {"line": line, "cell": _cell(figure, by_status) if figure.total else None}
            for line, figure in line_progress
        ],
        "heat_lines": heat.lines,
        "heat_rows": [
            {
                "organisation": row.organisation,
                "cells": [
                    (line, _cell(figure, by_status))
                    for line, figure in zip(heat.lines, row.cells, strict=True)
                ],
            }
            for row in heat.rows
        ],
        "legend": legend,
        "counts": counts,
        "overdue": selectors.overdue_assignments(user=user, count=counts["overdue"]),
        "at_risk": selectors.at_risk_assignments(user=user, count=counts["at_risk"]),
        "recent": selectors.recent_status_updates(user=user),
        "recent_days": selectors.RECENT_DAYS,
        "cycle": cycle,
        "reads_industry_release": policy.reads_industry_view_only(user),
    }


# Structure pages


def _children(figure, items) -> list[dict]:
    """Pairs each child (outcome or action) with its figure from the parent's roll-up."""
    by_code = {child["code"]: child for child in figure.counted_children}
    not_reported = set(figure.not_reported_children)
    left_out = set(figure.left_out_children)
    rows = []
    for item in items:
        child = by_code.get(item.code)
        if child:
            status, progress = child["status"], round(child["progress"])
        elif item.code in left_out:
            status, progress = Status.CANCELLED.value, None
        else:
            status, progress = NOT_REPORTED, None
        rows.append(
            {
                "item": item,
                "status": status,
                "label": _status_label(None if status == NOT_REPORTED else status),
                "progress": progress,
                "has_holders": item.code in by_code or item.code in not_reported | left_out,
            }
        )
    return rows


@login_required
@require_GET
def line_detail(request, code):
    _require_reader(request.user)
    try:
        line = selectors.line_with_outcomes(code=code)
    except LineOfEffort.DoesNotExist:
        raise Http404 from None
    figure = rollup_for_line(user=request.user, line=line)
    return render(
        request,
        "roadmap/line_detail.html",
        {
            "line": line,
            "figure": figure,
            "children": _children(figure, line.outcomes.all()),
            "best_practices": related_best_practices(user=request.user, line=line),
        },
    )


@login_required
@require_GET
def outcome_detail(request, code):
    _require_reader(request.user)
    try:
        outcome = selectors.outcome_with_actions(user=request.user, code=code)
    except KeyOutcome.DoesNotExist:
        raise Http404 from None
    figure = rollup_for_outcome(user=request.user, outcome=outcome)
    return render(
        request,
        "roadmap/outcome_detail.html",
        {
            "outcome": outcome,
            "figure": figure,
            "children": _children(figure, outcome.actions.all()),
        },
    )


def _visible_action(user, code) -> ActionItem:
    _require_reader(user)
    return get_object_or_404(ActionItem.objects.select_related("outcome__line"), code=code)


def _visible_assignment(user, pk):
    _require_reader(user)
    return get_object_or_404(
        policy.visible_assignments(user).select_related("action", "organisation"), pk=pk
    )


def _action_page(request, action, *, assign_form=None, failed=None, conflict=None, status=200):
    """The action item page; `failed` is (assignment id, control, bound form) to show open.
    A page that comes back with a form's errors is its own: it is never kept (see
    `_kept_action_page`)."""
    body = _action_body(request, action, assign_form, failed, conflict)
    return _action_page_around(request, action.code, body, status=status)


def _kept_action_page(request, code):
    """The action item page, its body kept against the data version for readers alike
    (policy.shared_view_key), as the dashboard's is: rendering it costs several times what its
    queries take. Kept by the action's code, so a look at a kept page does not read the action
    again: any change to it, or its removal, moves the version, and a code that names no
    action is never kept (its body ends in a 404)."""
    user = request.user

    def body() -> str:
        return _action_body(request, _visible_action(user, code), None, None, None)

    key = (
        policy.shared_view_key(user),
        get_language(),
        timezone.get_current_timezone_name(),
        timezone.localdate(),
        code,
    )
    return _action_page_around(request, code, data_version.cached("action", key, body))


def _action_page_around(request, code, body: str, *, status=200):
    """The page around its body, with the best practices, which are read for each reader
    (an author reads their own whatever its marking)."""
    return render(
        request,
        "roadmap/action_detail.html",
        {
            "code": code,
            "body": body,
            "best_practices": related_best_practices(user=request.user, action_code=code),
        },
        status=status,
    )


def _action_body(request, action, assign_form, failed, conflict) -> str:
    return render_to_string(
        "roadmap/_action_body.html",
        _action_body_context(request.user, action, assign_form, failed, conflict),
        request=request,
    )


def _action_body_context(user, action, assign_form, failed, conflict) -> dict:
    can_edit = policy.can_edit_roadmap(user)
    assignments = list(selectors.action_assignments(user=user, action=action))
    if can_edit:
        for assignment in assignments:
            assignment.controls = _row_controls(assignment, failed)
    updatable = policy.updatable_organisation_ids(user)
    return {
        "action": action,
        "outcome": action.outcome,
        "line": action.outcome.line,
        "assignments": assignments,
        "figure": rollup_for_action(user=user, action=action),
        "timeline": selectors.action_timeline(user=user, action=action),
        "evidence": selectors.action_evidence(user=user, action=action),
        "can_edit": can_edit,
        "has_own_assignment": any(a.organisation_id in updatable for a in assignments),
        "assign_form": assign_form,
        "conflict": conflict,
        "reads_industry_release": policy.reads_industry_view_only(user),
    }


@login_required
@require_GET
def action_detail(request, code):
    _require_reader(request.user)
    return _kept_action_page(request, code)


@login_required
@require_GET
def action_timeline(request, code):
    """The timeline's older pages: the next page's items, which htmx puts in place of the
    "show older" link, or a page of their own for a browser without JavaScript."""
    action = _visible_action(request.user, code)
    before = request.GET.get("before", "")
    if not before.isdigit():
        raise Http404(_("No such update."))
    try:
        timeline = selectors.action_timeline(user=request.user, action=action, before=int(before))
    except StatusUpdate.DoesNotExist:
        raise Http404(_("No such update.")) from None
    context = {"action": action, "timeline": timeline}
    template = "roadmap/_timeline_page.html" if request.htmx else "roadmap/action_timeline.html"
    return render(request, template, context)


def _add_service_errors(form, error: ValidationError) -> None:
    for name, field_messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, field_messages)


@login_required
@require_http_methods(["GET", "POST"])
def action_assign(request, code):
    """GET: the form, loaded when the page's control is opened (htmx) or a page of its own;
    like the holders' controls, rendering it with every action page cost the page's time."""
    action = _visible_action(request.user, code)
    if not policy.can_edit_roadmap(request.user):
        raise PermissionDenied
    if request.method == "GET":
        context = {
            "action": action,
            "form": AssignOrganisationForm(user=request.user, action=action),
        }
        template = "roadmap/_assign_form.html" if request.htmx else "roadmap/action_assign.html"
        return render(request, template, context)
    form = AssignOrganisationForm(request.POST, user=request.user, action=action)
    if form.is_valid():
        try:
            assignment = services.assign_organisation(
                user=request.user, action=action, **form.cleaned_data
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(org)s now has a part in %(action)s.")
                % {"org": assignment.organisation.code, "action": action.code},
            )
            return redirect("roadmap:action", code=action.code)
    return _action_page(request, action, assign_form=form, status=400)


# The secretariat's controls of a holder: URL name, form template, title.
CONTROLS = {
    "due": (
        "roadmap:assignment-due-date",
        "roadmap/_due_date_form.html",
        pgettext_lazy("page title", "Change due date"),
    ),
    "cancel": (
        "roadmap:assignment-cancel",
        "roadmap/_cancel_form.html",
        pgettext_lazy("page title", "Cancel assignment"),
    ),
}


def _row_controls(assignment, failed) -> list[dict]:
    """A holder row's controls. Their forms load when a control is opened (`_control`); only
    a form that came back with errors (`failed`: assignment id, control, bound form) is part
    of the page, shown open."""
    names = ["due"] if assignment.status == Status.CANCELLED else ["due", "cancel"]
    controls = []
    for name in names:
        url_name, template, title = CONTROLS[name]
        open_form = failed[2] if failed and failed[:2] == (assignment.pk, name) else None
        controls.append(
            {
                "url": reverse(url_name, args=[assignment.pk]),
                "template": template,
                "title": title,
                "form": open_form,
            }
        )
    return controls


def _control(request, assignment, control: str, form):
    """One secretariat control's form: the fragment a row loads when it is opened (htmx), or
    a page of its own for a browser without JavaScript. Rendering the forms of every holder
    with the action page cost it a third of its time."""
    _url_name, template, title = CONTROLS[control]
    context = {"assignment": assignment, "form": form}
    if request.htmx:
        return render(request, template, context)
    return render(
        request,
        "roadmap/assignment_control.html",
        {**context, "form_template": template, "title": title, "action": assignment.action},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_due_date(request, pk):
    assignment = _visible_assignment(request.user, pk)
    if not policy.can_edit_roadmap(request.user):
        raise PermissionDenied
    if request.method == "GET":
        return _control(request, assignment, "due", DueDateForm(assignment=assignment))
    form = DueDateForm(request.POST, assignment=assignment)
    if form.is_valid():
        services.change_due_date(
            user=request.user, assignment_id=assignment.pk, due_date=form.cleaned_data["due_date"]
        )
        messages.success(
            request, _("Due date of %(assignment)s saved.") % {"assignment": assignment}
        )
        return redirect("roadmap:action", code=assignment.action.code)
    return _action_page(request, assignment.action, failed=(assignment.pk, "due", form), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_cancel(request, pk):
    assignment = _visible_assignment(request.user, pk)
    if not policy.can_edit_roadmap(request.user):
        raise PermissionDenied
    if request.method == "GET":
        return _control(request, assignment, "cancel", CancelAssignmentForm(assignment=assignment))
    form = CancelAssignmentForm(request.POST, assignment=assignment)
    status = 400
    if form.is_valid():
        try:
            services.cancel_assignment(
                user=request.user,
                assignment_id=assignment.pk,
                base_version=form.cleaned_data["base_version"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _add_service_errors(form, error)
            if "narrative" in error.message_dict:
                form.add_error("reason", error.message_dict["narrative"])
        except VersionConflict as conflict:
            form = CancelAssignmentForm(
                {
                    "base_version": conflict.assignment.version,
                    "reason": form.cleaned_data["reason"],
                },
                assignment=assignment,
            )
            form.add_error(None, str(conflict))
            status = 409
        else:
            messages.success(request, _("%(assignment)s cancelled.") % {"assignment": assignment})
            return redirect("roadmap:action", code=assignment.action.code)
    return _action_page(
        request, assignment.action, failed=(assignment.pk, "cancel", form), status=status
    )


@login_required
@require_GET
def organisation_detail(request, code):
    user = request.user
    _require_reader(user)
    organisation = get_object_or_404(policy.visible_organisations(user), code=code)
    rows = selectors.organisation_assignments(user=user, organisation=organisation)
    page = Paginator(rows, ORGANISATION_PAGE_SIZE).get_page(request.GET.get("page"))
    activity = selectors.organisation_activity(user=user, organisation=organisation)
    return render(
        request,
        "roadmap/organisation_detail.html",
        {
            "organisation": organisation,
            "figure": rollup_by_organisation(user=user).get(organisation.pk),
            "page": page,
            "activity": activity,
            "chart": _activity_chart(activity),
            "reads_industry_release": policy.reads_industry_view_only(user),
        },
    )


CHART_HEIGHT = 120
CHART_BAR = 28
CHART_GAP = 10


def _activity_chart(activity) -> dict:
    """Bars of updates per month, as SVG coordinates (pages carry no inline style)."""
    top = max((count for _month, count in activity), default=0) or 1
    bars = []
    for index, (month, count) in enumerate(activity):
        height = round(CHART_HEIGHT * count / top)
        x = index * (CHART_BAR + CHART_GAP)
        bars.append(
            {
                "x": x,
                "y": CHART_HEIGHT - height + 16,
                "height": height,
                "label_x": x + CHART_BAR / 2,
                "month": month,
                "count": count,
            }
        )
    return {
        "bars": bars,
        "bar_width": CHART_BAR,
        "width": len(activity) * (CHART_BAR + CHART_GAP),
        "height": CHART_HEIGHT + 40,
        "axis_y": CHART_HEIGHT + 16,
        "month_y": CHART_HEIGHT + 32,
    }


# Import


def _require_importer(user) -> None:
    _require_reader(user)
    if not policy.can_edit_roadmap(user):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    _require_importer(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_upload(upload)
        except ImportFileError as error:
            form.add_error("file", str(error))
        else:
            result = preview_import(user=request.user, rows=rows)
            if not result.errors:
                request.session[IMPORT_SESSION_KEY] = {
                    "name": upload.name,
                    "digest": result.digest,
                    "rows": [row.as_json() for row in rows],
                }
            return _import_page(
                request, form=ImportUploadForm(), result=result, name=upload.name, rows=rows
            )
    return _import_page(request, form=form, status=400 if form.errors else 200)


def _import_page(request, *, form, result=None, name="", rows=(), status=None):
    if status is None:
        status = 400 if result and result.errors else 200
    return render(
        request,
        "roadmap/import.html",
        {
            "form": form,
            "result": result,
            "name": name,
            "row_count": len(rows),
            "columns": COLUMNS,
            "editable_columns": EDITABLE_COLUMNS,
            "max_rows": MAX_ROWS,
        },
        status=status,
    )


@login_required
@require_POST
def import_apply(request):
    _require_importer(request.user)
    pending = request.session.get(IMPORT_SESSION_KEY)
    if not pending or request.POST.get("digest") != pending["digest"]:
        messages.error(request, _("There is no previewed import to apply; upload the file again."))
        return _import_page(request, form=ImportUploadForm(), status=400)
    rows = [ImportRow.from_json(row) for row in pending["rows"]]
    result = apply_import(user=request.user, rows=rows, expected_digest=pending["digest"])
    if not result.applied:
        if not [error for error in result.errors if error.row is not None]:
            # The data moved under the preview: the new preview can be applied in turn.
            pending["digest"] = result.digest
            request.session[IMPORT_SESSION_KEY] = pending
        return _import_page(
            request,
            form=ImportUploadForm(),
            result=result,
            name=pending["name"],
            rows=rows,
            status=409,
        )
    del request.session[IMPORT_SESSION_KEY]
    messages.success(
        request,
        _("Import applied: %(changes)d changes from %(name)s.")
        % {"changes": len(result.changes), "name": pending["name"]},
    )
    return redirect("roadmap:import")
