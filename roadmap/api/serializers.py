from rest_framework import serializers

from roadmap.models import ActionItem, Assignment, KeyOutcome, LineOfEffort
from tracker.api.rollup_fields import RollupField


class LineOfEffortSerializer(serializers.ModelSerializer):
    outcomes = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    rollup = RollupField()

    class Meta:
        model = LineOfEffort
        fields = [
            "id",
            "code",
            "number",
            "title",
            "title_status",
            "summary",
            "source",
            "outcomes",
            "rollup",
        ]


class KeyOutcomeSerializer(serializers.ModelSerializer):
    line = serializers.SlugRelatedField(slug_field="code", read_only=True)
    actions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    rollup = RollupField()

    class Meta:
        model = KeyOutcome
        fields = [
            "id",
            "code",
            "line",
            "number",
            "title",
            "description",
            "is_illustrative",
            "actions",
            "rollup",
        ]


class AssigneeSerializer(serializers.ModelSerializer):
    """Who holds an action item; the status is read from the assignments endpoint."""

    organisation = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "organisation", "role", "due_date"]


class ActionItemSerializer(serializers.ModelSerializer):
    line = serializers.CharField(source="outcome.line.code", read_only=True)
    outcome = serializers.SlugRelatedField(slug_field="code", read_only=True)
    assignees = AssigneeSerializer(source="assignments", many=True, read_only=True)
    rollup = RollupField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "code",
            "line",
            "outcome",
            "number",
            "title",
            "description",
            "due_date",
            "is_illustrative",
            "assignees",
            "rollup",
        ]
