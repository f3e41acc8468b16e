"""Writes to the roadmap structure that carry rules."""

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from accounts import policy
from accounts.choices import OrganisationKind, Releasability
from accounts.models import Organisation
from roadmap.choices import AssignmentRole, Status
from roadmap.loading import (
    SECTIONS,
    CheckedDocument,
    Record,
    RoadmapLoadError,
    check_document,
    read_document,
)
from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort, Roadmap
from tracker.services import UpdateRequest, record_imported_status, record_status_update

__all__ = [
    "LoadReport",
    "RoadmapLoadError",
    "assign_organisation",
    "cancel_assignment",
    "change_due_date",
    "load_roadmap_data",
    "load_roadmap_file",
]

# Status and progress change only through a status update, so the history holds every state;
# releasability says who may read that update.
_STATUS_FIELDS = ("status", "progress", "releasability")


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class LoadReport:
    """What a load did, per section of the file format."""

    counts: dict[str, KindCounts] = field(
        default_factory=lambda: {kind: KindCounts() for kind in SECTIONS}
    )

    def lines(self) -> list[str]:
        return [
            _("%(kind)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
            % {
                "kind": kind,
                "created": counts.created,
                "updated": counts.updated,
                "unchanged": counts.unchanged,
            }
            for kind, counts in self.counts.items()
        ]

    def __str__(self):
        return "; ".join(self.lines())


def load_roadmap_file(*, path: Path) -> LoadReport:
    """Loads a .yaml, .yml or .json roadmap file; see `load_roadmap_data`."""
    return load_roadmap_data(data=read_document(path))


def load_roadmap_data(*, data: dict) -> LoadReport:
    """Creates or updates everything in the document, matched by code, or nothing at all.

    The whole document is checked first and every problem is reported in one RoadmapLoadError.
    Fields a record leaves out keep their stored value; records whose values are already
    stored are not written, so a repeated load changes nothing.
    """
    with transaction.atomic():
        document = check_document(data)
        return _write(document)


def _save(instance: models.Model, record: Record, update_fields: list[str] | None = None) -> None:
    """Turns a refusal by the database into a load error; the caller's transaction rolls back."""
    try:
        instance.save(update_fields=update_fields)
    except IntegrityError as exc:
        raise RoadmapLoadError(
            [
                _("%(record)s: the database refused it: %(error)s")
                % {"record": record.label, "error": exc}
            ]
        ) from exc


def _upsert(
    *,
    model: type[models.Model],
    current: models.Model | None,
    values: dict,
    record: Record,
    counts: KindCounts,
) -> models.Model:
    if current is None:
        instance = model(**values)
        _save(instance, record)
        counts.created += 1
        return instance
    changed = [name for name, value in values.items() if getattr(current, name) != value]
    if not changed:
        counts.unchanged += 1
        return current
    for name in changed:
        setattr(current, name, values[name])
    if model is Assignment:
        changed.append("updated_at")
    _save(current, record, update_fields=changed)
    counts.updated += 1
    return current


def _codes_to_ids(record: Record, ids_by_field: dict[str, dict[str, int]]) -> dict:
    values = dict(record.values)
    for name, ids in ids_by_field.items():
        values[f"{name}_id"] = ids[values.pop(name)]
    return values


def _ids_by_code(model: type[models.Model], codes: set[str]) -> dict[str, int]:
    return dict(model.objects.filter(code__in=codes).values_list("code", "pk"))


def _upsert_by_code(
    model: type[models.Model], records: list[Record], counts: KindCounts, values_of=None
) -> None:
    stored = model.objects.in_bulk([r.key for r in records], field_name="code")
    for record in records:
        _upsert(
            model=model,
            current=stored.get(record.key),
            values=values_of(record) if values_of else record.values,
            record=record,
            counts=counts,
        )


def _write(document: CheckedDocument) -> LoadReport:
    report = LoadReport()
    counts = report.counts
    sections = document.sections

    roadmap_id = document.line_roadmap_id
    if document.roadmap is not None:
        record = document.roadmap
        roadmap = _upsert(
            model=Roadmap,
            current=Roadmap.objects.filter(code=record.key).first(),
            values=record.values,
            record=record,
            counts=counts["roadmap"],
        )
        roadmap_id = roadmap.pk

    _upsert_by_code(Organisation, sections["organisations"], counts["organisations"])
    _upsert_by_code(
        LineOfEffort,
        sections["lines_of_effort"],
        counts["lines_of_effort"],
        lambda record: {**record.values, "roadmap_id": roadmap_id},
    )
    outcomes = sections["key_outcomes"]
    line_ids = _ids_by_code(LineOfEffort, {r.values["line"] for r in outcomes})
    _upsert_by_code(
        KeyOutcome,
        outcomes,
        counts["key_outcomes"],
        lambda record: _codes_to_ids(record, {"line": line_ids}),
    )
    actions = sections["action_items"]
    outcome_ids = _ids_by_code(KeyOutcome, {r.values["outcome"] for r in actions})
    _upsert_by_code(
        ActionItem,
        actions,
        counts["action_items"],
        lambda record: _codes_to_ids(record, {"outcome": outcome_ids}),
    )

    assignments = sections["assignments"]
    ids = {
        "action": _ids_by_code(ActionItem, {r.values["action"] for r in assignments}),
        "organisation": _ids_by_code(Organisation, {r.values["organisation"] for r in assignments}),
    }
    # Locked in pk order so that concurrent writers of assignments cannot deadlock.
    stored = {
        (a.action_id, a.organisation_id): a
        for a in Assignment.objects.select_for_update()
        .filter(
            action_id__in=ids["action"].values(),
            organisation_id__in=ids["organisation"].values(),
        )
        .order_by("pk")
    }
    for record in assignments:
        values = _codes_to_ids(record, ids)
        reported = {name: values.pop(name) for name in _STATUS_FIELDS if name in values}
        current = stored.get((values["action_id"], values["organisation_id"]))
        structure_counts = KindCounts()
        assignment = _upsert(
            model=Assignment, current=current, values=values, record=record, counts=structure_counts
        )
        status_changed = _record_reported_status(assignment, reported, record)
        if structure_counts.created:
            counts["assignments"].created += 1
        elif structure_counts.updated or status_changed:
            counts["assignments"].updated += 1
        else:
            counts["assignments"].unchanged += 1
    return report


def _record_reported_status(assignment: Assignment, reported: dict, record: Record) -> bool:
    """Appends a status update when the file's status or progress differs from the current."""
    status = reported.get("status", assignment.status)
    progress = reported.get("progress", assignment.progress)
    if (status, progress) == (assignment.status, assignment.progress):
        return False
    if status == Status.COMPLETED and "progress" not in reported:
        progress = 100
    releasability = reported.get("releasability", Releasability.NATO)
    try:
        record_imported_status(
            assignment=assignment, status=status, progress=progress, releasability=releasability
        )
    except ValidationError as exc:
        raise RoadmapLoadError(
            [
                f"{record.label}: {name}: {message}"
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        ) from exc
    return True


# The secretariat's controls on an action item page


def _require_roadmap_editor(user) -> None:
    if not policy.can_edit_roadmap(user):
        raise PermissionDenied(_("Only the secretariat may change assignments."))


def assign_organisation(
    *, user, action: ActionItem, organisation: Organisation, role: str, due_date: date | None
) -> Assignment:
    """Gives an organisation a part in an action item; at most one part each, one lead."""
    _require_roadmap_editor(user)
    errors: dict[str, list[str]] = {}
    if role not in AssignmentRole.values:
        errors["role"] = [_("Unknown role %(value)r.") % {"value": role}]
    if organisation.kind == OrganisationKind.SECRETARIAT or not organisation.is_active:
        errors["organisation"] = [_("This organisation cannot hold action items.")]
    with transaction.atomic(), set_actor(user):
        # The action row is the lock every assignment of it waits on.
        ActionItem.objects.select_for_update().get(pk=action.pk)
        holders = dict(
            Assignment.objects.filter(action=action).values_list("organisation_id", "role")
        )
        if organisation.pk in holders:
            errors.setdefault("organisation", []).append(
                _("%(org)s already has a part in this action item.") % {"org": organisation.code}
            )
        if role == AssignmentRole.LEAD and AssignmentRole.LEAD in holders.values():
            errors.setdefault("role", []).append(_("This action item already has a lead."))
        if errors:
            raise ValidationError(errors)
        return Assignment.objects.create(
            action=action, organisation=organisation, role=role, due_date=due_date
        )


def change_due_date(*, user, assignment_id: int, due_date: date | None) -> Assignment:
    """Sets an assignment's own due date; none means it follows its action's."""
    _require_roadmap_editor(user)
    with transaction.atomic(), set_actor(user):
        assignment = policy.visible_assignments(user).select_for_update().get(pk=assignment_id)
        if assignment.due_date != due_date:
            assignment.due_date = due_date
            assignment.save(update_fields=["due_date", "updated_at"])
        return assignment


def cancel_assignment(*, user, assignment_id: int, base_version: int, reason: str):
    """Cancels through a status update, so the history says who cancelled, when and why.

    Raises what tracker.services.record_status_update raises, VersionConflict included.
    """
    _require_roadmap_editor(user)
    if not reason.strip():
        raise ValidationError({"narrative": [_("Say why the assignment is cancelled.")]})
    assignment = policy.visible_assignments(user).get(pk=assignment_id)
    return record_status_update(
        user=user,
        request=UpdateRequest(
            assignment_id=assignment.pk,
            base_version=base_version,
            status=Status.CANCELLED,
            progress=assignment.progress,
            narrative=reason.strip(),
        ),
    )
