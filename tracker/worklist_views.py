"""The worklist: a member's assignments with in-place status updates, the list of every
assignment, and their CSV and XLSX exports.

Thin: lists come from roadmap.selectors and tracker.selectors (shown_* fields, never a raw
status) filtered by tracker.filtersets.AssignmentFilterSet; updates go through
tracker.services.record_status_update with the version the form was based on. A row's update
form opens in place with htmx and falls back to a plain page without JavaScript.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import policy
from accounts.models import Organisation
from roadmap import selectors, tabular
from roadmap.form_options import read_options
from roadmap.import_export import assignment_table
from roadmap.pagination import DeferredJoinPaginator
from tracker.filtersets import AssignmentFilterSet
from tracker.forms import StatusUpdateForm
from tracker.selectors import assignment_list
from tracker.services import VersionConflict, record_status_update

PAGE_SIZE = 50
MINE, ALL = "mine", "all"


def _require_reader(user) -> None:
    if not policy.can_view_roadmap(user):
        raise PermissionDenied


def _scoped_rows(user, scope: str):
    return selectors.worklist(user=user) if scope == MINE else assignment_list(user=user)


def _scope_label(user, scope: str) -> str:
    if scope == ALL:
        return _("All assignments")
    codes = Organisation.objects.filter(
        pk__in=sorted(policy.updatable_organisation_ids(user))
    ).values_list("code", flat=True)
    return _("Assignments of %(organisations)s") % {"organisations": ", ".join(codes)}


def _filterset(request, scope: str) -> AssignmentFilterSet:
    filterset = AssignmentFilterSet(
        request.GET or None, queryset=_scoped_rows(request.user, scope), request=request
    )
    fields = filterset.form.fields
    # Presentation only: short lists as checkboxes, the sort select named as people say it.
    for name in ("line", "status"):
        fields[name].widget = forms.CheckboxSelectMultiple()
        fields[name].widget.choices = fields[name].choices
    fields["line"].label_from_instance = lambda line: line.code
    fields["ordering"].label = _("Sort by")
    fields["ordering"].choices = [("", _("Action code")), *fields["ordering"].choices[1:]]
    for name in ("overdue", "stale"):
        fields[name].choices = [("", _("Either")), *fields[name].choices]
    for name in ("due_after", "due_before"):
        fields[name].widget = forms.DateInput(attrs={"type": "date"})
    fields["organisation"].label_from_instance = lambda org: org.code
    return filterset


def _list_page(request, scope: str):
    user = request.user
    filterset = _filterset(request, scope)
    valid = not filterset.is_bound or filterset.is_valid()
    rows = filterset.qs if valid else filterset.queryset.none()
    page = DeferredJoinPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    # The organisation drop-down is shown on the list of all assignments only.
    for name in ("line", "organisation") if scope == ALL else ("line",):
        field = filterset.form.fields[name]
        field.widget.choices = read_options(field)
    for assignment in page:
        assignment.can_update = policy.can_update_assignment(user, assignment)
    return render(
        request,
        "worklist/list.html",
        {
            "scope": scope,
            "scope_label": _scope_label(user, scope),
            "filterset": filterset,
            "form": filterset.form,
            "page": page,
            "filters_active": sum(
                1 for name, value in request.GET.lists() if name in filterset.filters and any(value)
            ),
            "has_own": bool(policy.updatable_organisation_ids(user)),
            "can_import": policy.can_edit_roadmap(user),
            "reads_industry_release": policy.reads_industry_view_only(user),
        },
        status=200 if valid else 400,
    )


@login_required
@require_GET
def my_worklist(request):
    _require_reader(request.user)
    if not policy.updatable_organisation_ids(request.user):
        # The secretariat and observers hold no assignments of their own.
        return redirect("worklist:all")
    return _list_page(request, MINE)


@login_required
@require_GET
def all_assignments(request):
    _require_reader(request.user)
    return _list_page(request, ALL)


@login_required
@require_GET
def export(request, scope: str, kind: str):
    """Every row the list shows under the same filters, however many pages."""
    user = request.user
    _require_reader(user)
    if scope == MINE and not policy.updatable_organisation_ids(user):
        raise PermissionDenied
    filterset = _filterset(request, scope)
    if filterset.is_bound and not filterset.is_valid():
        return tabular.bad_filters(filterset.form)
    filters = tabular.describe_filters(filterset.form, _scope_label(user, scope))
    now = timezone.now()
    table = assignment_table(user=user, assignments=filterset.qs, filters=filters, now=now)
    filename = f"assignments-{scope}-{timezone.localtime(now):%Y-%m-%d}"
    return tabular.download(table, kind=kind, filename=filename)


# One row and its update form


def _assignment(user, pk: int):
    _require_reader(user)
    assignment = get_object_or_404(assignment_list(user=user), pk=pk)
    assignment.can_update = policy.can_update_assignment(user, assignment)
    return assignment


def _updatable_assignment(user, pk: int):
    assignment = _assignment(user, pk)
    if not assignment.can_update:
        raise PermissionDenied
    return assignment


def _back_to_list(user):
    return redirect("worklist:mine" if policy.updatable_organisation_ids(user) else "worklist:all")


@login_required
@require_GET
def assignment_row(request, pk):
    assignment = _assignment(request.user, pk)
    if not request.htmx:
        return _back_to_list(request.user)
    return render(request, "worklist/_row.html", {"assignment": assignment})


def _form_response(request, assignment, form, *, conflict=None, status=200):
    template = "worklist/_edit_row.html" if request.htmx else "worklist/edit.html"
    context = {
        "assignment": assignment,
        "form": form,
        "conflict": conflict,
        "reads_industry_release": policy.reads_industry_view_only(request.user),
    }
    return render(request, template, context, status=status)


@login_required
@require_GET
def assignment_edit(request, pk):
    assignment = _updatable_assignment(request.user, pk)
    form = StatusUpdateForm.for_assignment(user=request.user, assignment=assignment)
    return _form_response(request, assignment, form)


@login_required
@require_POST
def assignment_update(request, pk):
    user = request.user
    assignment = _updatable_assignment(user, pk)
    form = StatusUpdateForm(request.POST, user=user, assignment=assignment)
    if not form.is_valid():
        return _form_response(request, assignment, form, status=400)
    try:
        update = record_status_update(user=user, request=form.update_request())
    except ValidationError as error:
        for name, field_messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, field_messages)
        return _form_response(request, assignment, form, status=400)
    except VersionConflict as conflict:
        sent = form.cleaned_data["base_version"]
        current = _assignment(user, pk)
        return _form_response(
            request,
            current,
            form.keep_typed_text_on(conflict.assignment.version),
            conflict={
                "sent": sent,
                "newer": selectors.newer_updates(user=user, assignment=current, since_version=sent),
            },
            status=409,
        )
    if not request.htmx:
        messages.success(
            request,
            _("Update recorded for %(assignment)s (version %(version)d).")
            % {"assignment": assignment, "version": update.version},
        )
        return _back_to_list(user)
    return render(
        request, "worklist/_row.html", {"assignment": _assignment(user, pk), "saved": update}
    )
