from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts import policy
from accounts.choices import Releasability
from roadmap.choices import AssignmentRole, Status
from tracker.models import StatusUpdate
from tracker.services import (
    EVIDENCE_LINK_MAX_LENGTH,
    EVIDENCE_LINKS_MAX,
    NARRATIVE_MAX_LENGTH,
    UpdateRequest,
)


def to_update_request(data: dict, *, base_version: int) -> UpdateRequest:
    """The service's request from an input serializer's validated data."""
    return UpdateRequest(
        assignment_id=data["assignment"],
        base_version=base_version,
        status=data["status"],
        progress=data["progress"],
        narrative=data["narrative"],
        evidence_links=tuple(data["evidence_links"]),
        releasability=data["releasability"],
    )


def _iso_datetime(value: datetime) -> str:
    """As DRF's DateTimeField writes it: in the current time zone, UTC as "Z"."""
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class AssignmentSerializer(serializers.Serializer):
    """An assignment row (`tracker.selectors.assignment_rows`) as the caller may see it: the
    selector's shown status, never another."""

    id = serializers.IntegerField(read_only=True)
    action = serializers.CharField(source="action_code", read_only=True)
    action_title = serializers.CharField(read_only=True)
    organisation = serializers.CharField(source="organisation_code", read_only=True)
    role = serializers.ChoiceField(choices=AssignmentRole.choices, read_only=True)
    due_date = serializers.DateField(
        source="effective_due_date",
        read_only=True,
        allow_null=True,
        help_text=_("The assignment's own due date, or else its action item's."),
    )
    status = serializers.ChoiceField(
        source="shown_status",
        choices=Status.choices,
        read_only=True,
        allow_blank=True,
        help_text=_("Empty when nothing has been released to the caller yet."),
    )
    progress = serializers.IntegerField(source="shown_progress", read_only=True, allow_null=True)
    last_reported_at = serializers.DateTimeField(
        source="shown_reported_at", read_only=True, allow_null=True
    )
    version = serializers.IntegerField(read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    is_stale = serializers.BooleanField(read_only=True)
    can_update = serializers.SerializerMethodField()

    def get_can_update(self, row) -> bool:
        if not hasattr(self, "_can_update"):
            self._can_update = policy.assignment_updater(self.context["request"].user)
        return self._can_update(row["organisation_id"])

    def to_representation(self, row) -> dict:
        """The fields above, written out: going through each declared field costs more than
        the database takes to read the page. A test holds the two to the same output."""
        due, reported = row["effective_due_date"], row["shown_reported_at"]
        return {
            "id": row["id"],
            "action": row["action_code"],
            "action_title": row["action_title"],
            "organisation": row["organisation_code"],
            "role": row["role"],
            "due_date": None if due is None else due.isoformat(),
            "status": row["shown_status"],
            "progress": row["shown_progress"],
            "last_reported_at": None if reported is None else _iso_datetime(reported),
            "version": row["version"],
            "is_overdue": bool(row["is_overdue"]),
            "is_stale": bool(row["is_stale"]),
            "can_update": self.get_can_update(row),
        }


class StatusUpdateSerializer(serializers.ModelSerializer):
    action = serializers.CharField(source="assignment.action.code", read_only=True)
    organisation = serializers.CharField(source="assignment.organisation.code", read_only=True)
    author = serializers.SerializerMethodField()

    class Meta:
        model = StatusUpdate
        fields = [
            "id",
            "assignment",
            "action",
            "organisation",
            "status",
            "progress",
            "narrative",
            "evidence_links",
            "releasability",
            "author",
            "created_at",
            "base_version",
            "version",
        ]
        read_only_fields = fields

    def get_author(self, update) -> str | None:
        return str(update.author) if update.author_id else None


class StatusUpdateInputSerializer(serializers.Serializer):
    """Checks types and bounds so a bad field gets a 400 naming it; the service has the rules."""

    assignment = serializers.IntegerField(min_value=1)
    base_version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=_("The assignment version the update is based on; or send it as If-Match."),
    )
    status = serializers.ChoiceField(choices=Status.choices)
    progress = serializers.IntegerField(min_value=0, max_value=100)
    narrative = serializers.CharField(
        max_length=NARRATIVE_MAX_LENGTH, allow_blank=True, trim_whitespace=False, default=""
    )
    evidence_links = serializers.ListField(
        child=serializers.URLField(max_length=EVIDENCE_LINK_MAX_LENGTH),
        max_length=EVIDENCE_LINKS_MAX,
        default=list,
    )
    releasability = serializers.ChoiceField(
        choices=Releasability.choices, default=Releasability.NATO
    )


class BulkItemSerializer(StatusUpdateInputSerializer):
    base_version = serializers.IntegerField(min_value=1)


class BulkInputSerializer(serializers.Serializer):
    items = BulkItemSerializer(many=True, min_length=1, max_length=200)


class BulkOutputSerializer(serializers.Serializer):
    items = StatusUpdateSerializer(many=True)


class BulkErrorSerializer(serializers.Serializer):
    errors = serializers.DictField(
        child=serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        help_text=_("By position in `items`: each failed item's errors by field."),
    )


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = AssignmentSerializer()
