"""Status updates: the only way an assignment's status, progress and version change."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import policy
from accounts.choices import Releasability
from roadmap.choices import Status
from roadmap.models import Assignment
from tracker.models import CycleState, ReviewCycle, StatusUpdate

NARRATIVE_MAX_LENGTH = 10_000
EVIDENCE_LINKS_MAX = 20
EVIDENCE_LINK_MAX_LENGTH = 500
IMPORT_NARRATIVE = "Recorded from a roadmap data file."
INDUSTRY_READABLE = {Releasability.INDUSTRY, Releasability.PUBLIC}


class VersionConflict(Exception):
    """The update was based on an older version; `assignment` holds the current state."""

    def __init__(self, assignment: Assignment, sent_version: int):
        super().__init__(
            _(
                "Assignment %(code)s has changed: your update was based on version %(sent)s, "
                "the current version is %(current)s."
            )
            % {"code": str(assignment), "sent": sent_version, "current": assignment.version}
        )
        self.assignment = assignment
        self.sent_version = sent_version


@dataclass
class BulkUpdateError(Exception):
    """At least one item of a bulk request failed; nothing was recorded."""

    errors: dict[int, dict] = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateRequest:
    assignment_id: int
    base_version: int
    status: str
    progress: int
    narrative: str = ""
    evidence_links: Sequence[str] = ()
    releasability: str = Releasability.NATO


def record_status_update(*, user, request: UpdateRequest, now: datetime | None = None):
    """Records one update, or raises Http404, PermissionDenied, ValidationError or
    VersionConflict and records nothing."""
    with transaction.atomic(), set_actor(user):
        assignment = _lock_for_update(user=user, assignment_ids=[request.assignment_id])[
            request.assignment_id
        ]
        update = _apply(user=user, assignment=assignment, request=request, now=now)
        _sync_review_submissions(organisation_ids={assignment.organisation_id}, now=now)
        return update


def record_status_updates(*, user, requests: Sequence[UpdateRequest], now=None):
    """All or nothing: every item is checked, and one failure records none of them.

    Raises BulkUpdateError with the errors of each failed item by position.
    """
    errors: dict[int, dict] = {}
    with transaction.atomic(), set_actor(user):
        ids = [item.assignment_id for item in requests]
        if len(set(ids)) != len(ids):
            raise ValidationError(
                {"items": _("Each assignment may appear only once in a bulk request.")}
            )
        locked = _lock_for_update(user=user, assignment_ids=ids, missing_ok=True)
        recorded = []
        for position, item in enumerate(requests):
            assignment = locked.get(item.assignment_id)
            try:
                if assignment is None:
                    raise Http404
                recorded.append(_apply(user=user, assignment=assignment, request=item, now=now))
            except Http404:
                errors[position] = {"assignment": [_("No such assignment.")]}
            except PermissionDenied:
                errors[position] = {
                    "assignment": [_("You may not update this organisation's assignment.")]
                }
            except ValidationError as exc:
                errors[position] = exc.message_dict
            except VersionConflict as exc:
                errors[position] = {
                    "base_version": [
                        _("Stale version %(sent)s; the current version is %(current)s.")
                        % {"sent": item.base_version, "current": exc.assignment.version}
                    ]
                }
        if errors:
            transaction.set_rollback(True)
            raise BulkUpdateError(errors)
        _sync_review_submissions(
            organisation_ids={a.organisation_id for a in locked.values()}, now=now
        )
        return recorded


def record_imported_status(
    *,
    assignment: Assignment,
    status: str,
    progress: int,
    releasability: str = Releasability.NATO,
) -> StatusUpdate:
    """A status given in a roadmap data file, kept in the history like any other update."""
    locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
    request = UpdateRequest(
        assignment_id=locked.pk,
        base_version=locked.version,
        status=status,
        progress=progress,
        narrative=IMPORT_NARRATIVE,
        releasability=releasability,
    )
    _check_values(request, user=None)
    update = _write(assignment=locked, request=request, author=None, now=None)
    assignment.refresh_from_db()
    return update


def _sync_review_submissions(*, organisation_ids: set[int], now) -> None:
    """An organisation's first update in an open review cycle moves its submission to draft
    in the same transaction, so the review pages never show a stale state."""
    from tracker import review_services  # review services build on this module

    cycle = ReviewCycle.objects.filter(state=CycleState.OPEN).first()
    if cycle is not None:
        review_services.sync_submission_states(
            cycle=cycle, now=now, organisation_ids=organisation_ids
        )


def _lock_for_update(*, user, assignment_ids: Iterable[int], missing_ok=False):
    """Locks in primary-key order so that two bulk requests cannot deadlock."""
    visible = policy.visible_assignments(user).select_related("organisation", "action")
    locked = {
        assignment.pk: assignment
        for assignment in visible.select_for_update(of=("self",))
        .filter(pk__in=list(assignment_ids))
        .order_by("pk")
    }
    if not missing_ok and set(assignment_ids) - set(locked):
        raise Http404(_("No such assignment."))
    return locked


def _apply(*, user, assignment: Assignment, request: UpdateRequest, now) -> StatusUpdate:
    if not policy.can_update_assignment(user, assignment):
        raise PermissionDenied(_("You may not update this organisation's assignment."))
    _check_values(request, user=user, current_status=assignment.status)
    if request.base_version != assignment.version:
        raise VersionConflict(assignment, request.base_version)
    return _write(assignment=assignment, request=request, author=user, now=now)


def _check_values(request: UpdateRequest, *, user, current_status: str | None = None) -> None:
    errors: dict[str, list[str]] = {}
    if request.status not in Status.values:
        errors["status"] = [_("Unknown status %(value)r.") % {"value": request.status}]
    if isinstance(request.progress, bool) or not isinstance(request.progress, int):
        errors["progress"] = [_("Progress must be a whole number from 0 to 100.")]
    elif not 0 <= request.progress <= 100:
        errors["progress"] = [_("Progress must be from 0 to 100.")]
    elif request.status == Status.COMPLETED and request.progress != 100:
        errors["progress"] = [_("A completed assignment is at 100 %.")]
    if request.releasability not in Releasability.values:
        errors["releasability"] = [
            _("Unknown releasability %(value)r.") % {"value": request.releasability}
        ]
    if not isinstance(request.narrative, str):
        errors["narrative"] = [_("The narrative must be text.")]
    elif len(request.narrative) > NARRATIVE_MAX_LENGTH:
        errors["narrative"] = [
            _("The narrative is limited to %(max)d characters.") % {"max": NARRATIVE_MAX_LENGTH}
        ]
    link_errors = _check_links(request.evidence_links)
    if link_errors:
        errors["evidence_links"] = link_errors
    if (
        request.status == Status.COMPLETED
        and not str(request.narrative or "").strip()
        and not request.evidence_links
    ):
        errors["narrative"] = [_("Completed needs a narrative or evidence.")]
    if user is not None and not policy.is_secretariat(user):
        if request.status == Status.CANCELLED:
            errors["status"] = [_("Only the secretariat may cancel an assignment.")]
        elif current_status == Status.CANCELLED:
            errors["status"] = [_("This assignment was cancelled by the secretariat.")]
    if errors:
        raise ValidationError(errors)


def _check_links(links) -> list[str]:
    if not isinstance(links, list | tuple):
        return [_("Evidence links must be a list of URLs.")]
    if len(links) > EVIDENCE_LINKS_MAX:
        return [_("At most %(max)d evidence links.") % {"max": EVIDENCE_LINKS_MAX}]
    validate = URLValidator(schemes=["https", "http"])
    problems = []
    for link in links:
        try:
            if not isinstance(link, str) or len(link) > EVIDENCE_LINK_MAX_LENGTH:
                raise ValidationError("bad")
            validate(link)
        except ValidationError:
            problems.append(_("Not a valid http(s) URL: %(link)r") % {"link": str(link)[:80]})
    return problems


def _write(*, assignment: Assignment, request: UpdateRequest, author, now) -> StatusUpdate:
    now = now or timezone.now()
    update = StatusUpdate.objects.create(
        assignment=assignment,
        status=request.status,
        progress=request.progress,
        narrative=request.narrative,
        evidence_links=list(request.evidence_links),
        releasability=request.releasability,
        author=author,
        created_at=now,
        base_version=assignment.version,
        version=assignment.version + 1,
    )
    assignment.status = request.status
    assignment.progress = request.progress
    assignment.version += 1
    assignment.last_reported_at = now
    fields = ["status", "progress", "version", "last_reported_at", "updated_at"]
    if request.releasability in INDUSTRY_READABLE:
        assignment.industry_status = request.status
        assignment.industry_progress = request.progress
        assignment.industry_reported_at = now
        fields += ["industry_status", "industry_progress", "industry_reported_at"]
    assignment.save(update_fields=fields)
    return update
