"""Materials, supplier shares and mitigating links over the API.

Everyone who may read the roadmap reads the register; only the secretariat writes, through the
services in roadmap.materials (the same rules as the admin and the loader), with the audit trail.
"""

from functools import cache

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts import policy
from roadmap import material_selectors as selectors
from roadmap import materials as services
from roadmap.api import material_serializers as serializers
from roadmap.material_filtersets import (
    CriticalMaterialFilterSet,
    MaterialMitigationFilterSet,
    MaterialSupplierFilterSet,
)
from roadmap.models import MaterialMitigation


class ServiceErrors:
    """The services speak Django; answer in DRF with their messages, and refuse writes by
    anyone but the secretariat before reading their input."""

    def handle_exception(self, exc):
        if isinstance(exc, DjangoValidationError):
            detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            if isinstance(detail, dict) and NON_FIELD_ERRORS in detail:
                detail[api_settings.NON_FIELD_ERRORS_KEY] = detail.pop(NON_FIELD_ERRORS)
            exc = exceptions.ValidationError(detail)
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc) or None)
        elif isinstance(exc, Http404):
            exc = exceptions.NotFound(str(exc) or None)
        return super().handle_exception(exc)

    def require_editor(self):
        if not policy.can_edit_roadmap(self.request.user):
            raise exceptions.PermissionDenied(
                _("Only the secretariat may change the materials register.")
            )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        figures = cache(lambda: selectors.action_figures(user=user))
        context["action_figure"] = lambda action_id: figures().get(action_id)
        return context


def _mitigations():
    return MaterialMitigation.objects.select_related("material", "action").order_by(
        "action__code", "approach"
    )


class MaterialViewSet(
    ServiceErrors,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The register: each material with its suppliers, concentration figure (the product's own
    indicator) and mitigating actions with their rolled-up status."""

    serializer_class = serializers.MaterialSerializer
    filterset_class = CriticalMaterialFilterSet
    lookup_field = "slug"

    def get_queryset(self):
        return selectors.material_register(user=self.request.user).prefetch_related(
            "defence_uses", Prefetch("mitigations", queryset=_mitigations())
        )

    def _output(self, material, code):
        fresh = self.get_queryset().get(pk=material.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=serializers.MaterialInputSerializer)
    def create(self, request, *args, **kwargs):
        self.require_editor()
        given = serializers.MaterialInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        material = services.create_material(user=request.user, values=given.validated_data)
        return self._output(material, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.MaterialInputSerializer)
    def update(self, request, *args, partial=False, **kwargs):
        material = self.get_object()
        self.require_editor()
        given = serializers.MaterialInputSerializer(material, data=request.data, partial=partial)
        given.is_valid(raise_exception=True)
        services.update_material(user=request.user, material=material, changes=given.validated_data)
        return self._output(material, status.HTTP_200_OK)


class MaterialSupplierViewSet(ServiceErrors, viewsets.ModelViewSet):
    """One country's share of a material's world production, with its source."""

    serializer_class = serializers.SupplierSerializer
    filterset_class = MaterialSupplierFilterSet

    def get_queryset(self):
        visible = policy.visible_materials(self.request.user)
        return (
            selectors.suppliers_with_ally_flag()
            .filter(material__in=visible)
            .select_related("material")
            .order_by("material__name", "-share_pct", "country")
        )

    def _given(self, partial=False):
        self.require_editor()
        given = serializers.SupplierInputSerializer(data=self.request.data, partial=partial)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        material = values.pop("material", None)
        if (
            material is not None
            and not policy.visible_materials(self.request.user).filter(pk=material.pk).exists()
        ):
            raise exceptions.ValidationError({"material": [_("Unknown material.")]})
        return material, values

    def _output(self, supplier, code):
        return Response(
            self.get_serializer(self.get_queryset().get(pk=supplier.pk)).data, status=code
        )

    @extend_schema(request=serializers.SupplierInputSerializer)
    def create(self, request, *args, **kwargs):
        material, values = self._given()
        supplier = services.add_supplier(user=request.user, material=material, values=values)
        return self._output(supplier, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.SupplierInputSerializer)
    def update(self, request, *args, partial=False, **kwargs):
        supplier = self.get_object()
        material, values = self._given(partial=partial)
        if material is not None and material.pk != supplier.material_id:
            raise exceptions.ValidationError(
                {"material": [_("A supplier share cannot move to another material.")]}
            )
        supplier = services.update_supplier(user=request.user, supplier=supplier, changes=values)
        return self._output(supplier, status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        supplier = self.get_object()
        self.require_editor()
        services.remove_supplier(user=request.user, supplier=supplier)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MaterialMitigationViewSet(ServiceErrors, viewsets.ModelViewSet):
    """Which action item mitigates which material, and how."""

    serializer_class = serializers.MitigationSerializer
    filterset_class = MaterialMitigationFilterSet

    def get_queryset(self):
        visible = policy.visible_materials(self.request.user)
        return _mitigations().filter(material__in=visible).order_by("material__name", "pk")

    def _given(self, partial=False):
        self.require_editor()
        given = serializers.MitigationInputSerializer(data=self.request.data, partial=partial)
        given.is_valid(raise_exception=True)
        return dict(given.validated_data)

    def _output(self, mitigation, code):
        return Response(
            self.get_serializer(self.get_queryset().get(pk=mitigation.pk)).data, status=code
        )

    @extend_schema(request=serializers.MitigationInputSerializer)
    def create(self, request, *args, **kwargs):
        values = self._given()
        mitigation = services.link_mitigation(user=request.user, **values)
        return self._output(mitigation, status.HTTP_201_CREATED)

    @extend_schema(request=serializers.MitigationInputSerializer)
    def update(self, request, *args, partial=False, **kwargs):
        mitigation = self.get_object()
        values = self._given(partial=partial)
        mitigation = services.update_mitigation(
            user=request.user, mitigation=mitigation, changes=values
        )
        return self._output(mitigation, status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        mitigation = self.get_object()
        self.require_editor()
        services.unlink_mitigation(user=request.user, mitigation=mitigation)
        return Response(status=status.HTTP_204_NO_CONTENT)
