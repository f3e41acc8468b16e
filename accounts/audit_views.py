"""The secretariat's page over the audit trail, and its CSV and XLSX exports (same filters)."""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET

from accounts import policy
from accounts.audit_selectors import (
    AuditFilterForm,
    audit_entry_list,
    describe_event,
    describe_person,
)
from roadmap import tabular
from roadmap.form_options import read_options
from roadmap.pagination import DeferredJoinPaginator

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
    page = DeferredJoinPaginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    organisation = form.fields["organisation"]
    organisation.widget.choices = read_options(organisation)
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


AUDIT_COLUMNS = [
    _lazy("Time"),
    _lazy("Event"),
    _lazy("Object type"),
    _lazy("Object id"),
    _lazy("Object"),
    _lazy("Person"),
    _lazy("Address"),
    _lazy("Changes"),
    _lazy("Details"),
]


def _as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False) if value else ""


@login_required
@require_GET
def audit_trail_export(request, kind: str):
    form, entries = _filtered_entries(request)
    rows = (
        [
            timezone.localtime(entry.timestamp).isoformat(),
            describe_event(entry),
            entry.content_type.model,
            entry.object_pk,
            entry.object_repr,
            describe_person(entry),
            entry.remote_addr or "",
            _as_json(entry.changes),
            _as_json(entry.additional_data),
        ]
        for entry in entries.iterator(chunk_size=2000)
    )
    table = tabular.Table(
        sheet=_("Audit trail"),
        columns=[str(column) for column in AUDIT_COLUMNS],
        rows=rows,
        preamble=tabular.preamble(
            user=request.user, about=[tabular.describe_filters(form, _("Audit trail"))]
        ),
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return tabular.download(table, kind=kind, filename=f"audit-trail-{stamp}")
