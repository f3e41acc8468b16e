"""The critical raw materials register over the API: output and input shapes."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from roadmap.choices import Status
from roadmap.material_selectors import concentration
from roadmap.materials import ConcentrationClass
from roadmap.models import (
    ActionItem,
    CriticalMaterial,
    MaterialDefenceUse,
    MaterialMitigation,
    MaterialSupplier,
    MitigationApproach,
)


def _share_field(**kwargs):
    # No min/max here: the service refuses a bad share with one clear message.
    return serializers.DecimalField(
        max_digits=7, decimal_places=2, coerce_to_string=False, **kwargs
    )


class SupplierSerializer(serializers.ModelSerializer):
    material = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    share_pct = _share_field(read_only=True)
    is_ally = serializers.BooleanField(
        read_only=True, help_text=_("The country is a NATO Ally (by its ISO code).")
    )

    class Meta:
        model = MaterialSupplier
        fields = [
            "id",
            "material",
            "country",
            "iso3",
            "share_pct",
            "is_ally",
            "year",
            "reference_period",
            "source",
        ]


class SupplierInputSerializer(serializers.Serializer):
    material = serializers.SlugRelatedField(
        slug_field="slug", queryset=CriticalMaterial.objects.all()
    )
    country = serializers.CharField(max_length=100)
    iso3 = serializers.CharField(max_length=3, required=False, allow_blank=True)
    share_pct = _share_field()
    source = serializers.CharField()
    year = serializers.IntegerField(required=False, allow_null=True)
    reference_period = serializers.CharField(max_length=100, required=False, allow_blank=True)


class DefenceUseSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaterialDefenceUse
        fields = ["use", "source"]


@extend_schema_field(serializers.ChoiceField(choices=Status.choices, allow_null=True))
class RolledUpStatusField(serializers.Field):
    """The mitigating action's rolled-up status, read from the view's figures (one roll-up for
    the whole page, never one per row)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, mitigation):
        figure = self.context["action_figure"](mitigation.action_id)
        return None if figure is None else figure.status


class MitigationSerializer(serializers.ModelSerializer):
    material = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    action = serializers.SlugRelatedField(slug_field="code", read_only=True)
    action_title = serializers.CharField(source="action.title", read_only=True)
    action_status = RolledUpStatusField(
        help_text=_("Rolled-up status of the action; null when nothing was reported.")
    )

    class Meta:
        model = MaterialMitigation
        fields = [
            "id",
            "material",
            "action",
            "action_title",
            "approach",
            "note",
            "is_illustrative",
            "action_status",
        ]


class MitigationInputSerializer(serializers.Serializer):
    material = serializers.SlugRelatedField(
        slug_field="slug", queryset=CriticalMaterial.objects.all()
    )
    action = serializers.SlugRelatedField(slug_field="code", queryset=ActionItem.objects.all())
    approach = serializers.ChoiceField(
        choices=MitigationApproach.choices,
        error_messages={
            "invalid_choice": _(
                'Unknown approach "{input}" (allowed: stockpiling, recycling, substitution, '
                "diversification, research)."
            )
        },
    )
    note = serializers.CharField(required=False, allow_blank=True)
    is_illustrative = serializers.BooleanField(required=False)


class ConcentrationSerializer(serializers.Serializer):
    top_share = serializers.FloatField(allow_null=True)
    hhi = serializers.FloatField(
        allow_null=True, help_text=_("Sum of the squared known percentage shares (0 to 10,000).")
    )
    coverage = serializers.FloatField(
        allow_null=True, help_text=_("How much of world production the known shares cover (%).")
    )
    known_suppliers = serializers.IntegerField()
    concentration_class = serializers.ChoiceField(choices=ConcentrationClass.choices)
    explanation = serializers.CharField()


@extend_schema_field(ConcentrationSerializer)
class ConcentrationField(serializers.Field):
    """The product's own indicator, from the annotations of material_register."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, material):
        return ConcentrationSerializer(concentration(material).as_dict()).data


class MaterialSerializer(serializers.ModelSerializer):
    sources = serializers.ListField(
        source="source_list", child=serializers.CharField(), read_only=True
    )
    concentration = ConcentrationField(
        help_text=_("The product's own indicator, never an official score.")
    )
    supply_risk_score = serializers.DecimalField(
        max_digits=6, decimal_places=2, coerce_to_string=False, read_only=True, allow_null=True
    )
    suppliers = SupplierSerializer(many=True, read_only=True)
    defence_uses = DefenceUseSerializer(many=True, read_only=True)
    mitigations = MitigationSerializer(many=True, read_only=True)

    class Meta:
        model = CriticalMaterial
        fields = [
            "slug",
            "name",
            "symbol",
            "nato_defence_critical_2024",
            "eu_critical_2023",
            "eu_strategic_2023",
            "eu_foresight_2020_high_risk",
            "concentration",
            "supply_risk_score",
            "supply_risk_band",
            "supply_risk_source",
            "supply_risk_year",
            "suppliers",
            "defence_uses",
            "mitigations",
            "notes",
            "sources",
        ]


class MaterialInputSerializer(serializers.ModelSerializer):
    """What the secretariat may set; sources are one per line."""

    supply_risk_score = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True, min_value=0
    )

    class Meta:
        model = CriticalMaterial
        fields = [
            "slug",
            "name",
            "symbol",
            "nato_defence_critical_2024",
            "eu_critical_2023",
            "eu_strategic_2023",
            "eu_foresight_2020_high_risk",
            "supply_risk_score",
            "supply_risk_band",
            "supply_risk_source",
            "supply_risk_year",
            "notes",
            "sources",
        ]
