"""The roll-up figure of a line, outcome, action or organisation, as the API shows it."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from roadmap.choices import Status


class CountedChildSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    progress = serializers.FloatField()
    weight = serializers.CharField(allow_null=True)


class ExplanationSerializer(serializers.Serializer):
    text = serializers.CharField(help_text=_("How the figure was reached, in words."))
    children = serializers.CharField(help_text=_("What was rolled up: assignments, actions..."))
    weight_each = serializers.CharField(allow_null=True, help_text=_("For example 1/3."))
    counted = CountedChildSerializer(many=True, help_text=_("Filled on detail views only."))
    not_reported = serializers.ListField(child=serializers.CharField())
    left_out_cancelled = serializers.ListField(child=serializers.CharField())


class RollupSerializer(serializers.Serializer):
    progress = serializers.FloatField(
        allow_null=True, help_text=_("Mean of the reported children; null when none reported.")
    )
    status = serializers.ChoiceField(
        choices=Status.choices,
        allow_null=True,
        help_text=_("The worst counted child; null when nothing beneath was reported."),
    )
    total = serializers.IntegerField()
    counted = serializers.IntegerField()
    reported = serializers.IntegerField()
    not_reported = serializers.IntegerField()
    left_out_cancelled = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    explanation = ExplanationSerializer()


@extend_schema_field(RollupSerializer)
class RollupField(serializers.Field):
    """Reads the figure from the view's `rollup_of` in the context, so a list computes its
    roll-ups once for the whole page instead of once per row."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, node):
        return self.context["rollup_of"](node).as_dict()
