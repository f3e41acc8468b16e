from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer

from accounts.choices import Releasability
from accounts.models import Membership, Organisation
from tracker.api.rollup_fields import RollupField


class EmailAuthTokenSerializer(AuthTokenSerializer):
    """DRF's token login, with the e-mail address as the username."""

    username = serializers.EmailField(label=_("E-mail address"), write_only=True)

    default_error_messages = {
        "invalid_login": _("Unable to log in with this e-mail address and password."),
    }

    def validate(self, attrs):
        attrs["username"] = attrs["username"].strip().lower()
        try:
            return super().validate(attrs)
        except serializers.ValidationError:
            self.fail("invalid_login")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class OrganisationSerializer(serializers.ModelSerializer):
    rollup = RollupField(help_text="From all of the organisation's assignments, each weight 1.")

    class Meta:
        model = Organisation
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "iso3",
            "joined_year",
            "summary",
            "is_active",
            "rollup",
        ]


class OrganisationBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["code", "name", "kind"]


class MembershipSerializer(serializers.ModelSerializer):
    organisation = OrganisationBriefSerializer()

    class Meta:
        model = Membership
        fields = ["organisation", "role"]


class AbilitiesSerializer(serializers.Serializer):
    """What the caller may do, as accounts.policy decides it."""

    is_secretariat = serializers.BooleanField()
    can_view_roadmap = serializers.BooleanField()
    can_edit_roadmap = serializers.BooleanField()
    can_manage_review_cycles = serializers.BooleanField()
    can_submit_best_practice = serializers.BooleanField()
    can_review_best_practice = serializers.BooleanField()
    can_view_audit_trail = serializers.BooleanField()
    can_update_any_assignment = serializers.BooleanField()
    readable_releasabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=Releasability.choices)
    )
    updatable_organisations = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Codes of the organisations whose assignments the caller updates as a member."),
    )


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user.id")
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.__str__")
    language = serializers.CharField(source="user.language")
    memberships = MembershipSerializer(many=True)
    abilities = AbilitiesSerializer()
