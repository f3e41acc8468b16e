from functools import cache
from types import SimpleNamespace

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import policy, two_factor
from accounts.api.serializers import (
    EmailAuthTokenSerializer,
    MeSerializer,
    OrganisationSerializer,
    TokenSerializer,
)
from accounts.lockout import LoginLockedOut
from tracker import rollups


class EmailObtainAuthToken(ObtainAuthToken):
    """Trades an e-mail address and password for a token; throttled like the login page."""

    serializer_class = EmailAuthTokenSerializer
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "api-token"

    @extend_schema(request=EmailAuthTokenSerializer, responses={200: TokenSerializer})
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            if getattr(request, "axes_locked_out", False):
                raise LoginLockedOut() from None
            raise
        user = serializer.validated_data["user"]
        # A password alone must not open what the log-in guards with a second factor.
        if not policy.can_get_token_with_password(
            user, has_second_factor=two_factor.has_second_factor(user)
        ):
            raise PermissionDenied(
                _(
                    "This account uses two-factor authentication, so a password alone gets no "
                    "API token. Ask the secretariat to issue one through the admin."
                )
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(APIView):
    """The caller, their memberships and what the policy lets them do."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        memberships = policy.memberships(user)
        updatable = policy.updatable_organisation_ids(user)
        abilities = {
            "is_secretariat": policy.is_secretariat(user),
            "can_view_roadmap": policy.can_view_roadmap(user),
            "can_edit_roadmap": policy.can_edit_roadmap(user),
            "can_manage_review_cycles": policy.can_manage_review_cycles(user),
            "can_submit_best_practice": policy.can_submit_best_practice(user),
            "can_review_best_practice": policy.can_review_best_practice(user),
            "can_view_audit_trail": policy.can_view_audit_trail(user),
            "can_update_any_assignment": policy.is_secretariat(user),
            "readable_releasabilities": sorted(policy.readable_releasabilities(user)),
            "updatable_organisations": [
                m.organisation.code for m in memberships if m.organisation_id in updatable
            ],
        }
        me = SimpleNamespace(user=user, memberships=memberships, abilities=abilities)
        return Response(MeSerializer(me).data)


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganisationSerializer
    lookup_field = "code"
    filterset_fields = ["kind", "is_active"]

    def get_queryset(self):
        return policy.visible_organisations(self.request.user).order_by("code")

    def get_serializer_context(self):
        """Every organisation's roll-up in one query, looked up by id."""
        context = super().get_serializer_context()
        user = self.request.user
        figures = cache(lambda: rollups.rollup_by_organisation(user=user))
        context["rollup_of"] = lambda org: figures().get(org.pk) or rollups.Figure("assignment")
        return context
