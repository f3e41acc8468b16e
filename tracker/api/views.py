"""Assignments (read) and status updates (read and record) over tracker.selectors/services."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from tracker import selectors, services
from tracker.api import serializers
from tracker.api.pagination import AssignmentPagination
from tracker.filtersets import AssignmentFilterSet, StatusUpdateFilterSet

ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=True,
    description="The assignment's version, quoted.",
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The assignment's ETag (its version); a stale one gets 412.",
)
ERROR = OpenApiResponse(description="Errors by field name, or `detail`.")


def _etag(version: int) -> str:
    return f'"{version}"'


def _if_match_version(request) -> int | None:
    """The version in an If-Match header (`"3"`, `W/"3"` or `3`); None when absent or `*`."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise exceptions.ValidationError(
            {"If-Match": [_('Send the assignment\'s ETag, for example "3".')]}
        )
    return int(value)


class AssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = serializers.AssignmentSerializer
    filterset_class = AssignmentFilterSet
    pagination_class = AssignmentPagination

    def get_queryset(self):
        return selectors.assignment_scope(user=self.request.user)

    def get_object(self):
        """One row, as the list reads them (no filters: a detail address names its row)."""
        return get_object_or_404(
            selectors.assignment_rows(self.get_queryset(), user=self.request.user),
            pk=self.kwargs["pk"],
        )

    @extend_schema(parameters=[ETAG])
    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = _etag(response.data["version"])
        return response


@extend_schema(
    responses={
        201: serializers.StatusUpdateSerializer,
        400: ERROR,
        403: ERROR,
        404: ERROR,
        409: serializers.ConflictSerializer,
        412: serializers.ConflictSerializer,
    },
)
class StatusUpdateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The append-only history. Creating one is the only way an assignment's status changes."""

    serializer_class = serializers.StatusUpdateSerializer
    filterset_class = StatusUpdateFilterSet

    def get_queryset(self):
        return selectors.status_update_list(user=self.request.user)

    @extend_schema(responses=serializers.StatusUpdateSerializer)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=serializers.StatusUpdateSerializer)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=serializers.StatusUpdateInputSerializer, parameters=[IF_MATCH])
    def create(self, request, *args, **kwargs):
        given = serializers.StatusUpdateInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        if_match = _if_match_version(request)
        base_version = given.validated_data.get("base_version")
        if if_match is not None and base_version not in (None, if_match):
            raise exceptions.ValidationError(
                {"base_version": [_("Differs from the version in the If-Match header.")]}
            )
        if if_match is None and base_version is None:
            raise exceptions.ValidationError(
                {"base_version": [_("Send the version you read, here or as If-Match.")]}
            )
        update_request = serializers.to_update_request(
            given.validated_data, base_version=base_version if if_match is None else if_match
        )
        try:
            update = services.record_status_update(user=request.user, request=update_request)
        except services.VersionConflict as conflict:
            stale = status.HTTP_412_PRECONDITION_FAILED if if_match else status.HTTP_409_CONFLICT
            return self._conflict(conflict, sent=update_request.base_version, code=stale)
        response = self.get_serializer(update)
        return Response(response.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.BulkInputSerializer,
        responses={201: serializers.BulkOutputSerializer, 400: serializers.BulkErrorSerializer},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """All or nothing: one bad item and none is recorded; errors come by position."""
        given = serializers.BulkInputSerializer(data=request.data)
        if not given.is_valid():
            by_item = given.errors.get("items")
            if isinstance(by_item, dict) and all(isinstance(pos, int) for pos in by_item):
                errors = {str(pos): item for pos, item in sorted(by_item.items())}
                return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
            raise exceptions.ValidationError(given.errors)
        requests = [
            serializers.to_update_request(data, base_version=data["base_version"])
            for data in given.validated_data["items"]
        ]
        try:
            updates = services.record_status_updates(user=request.user, requests=requests)
        except services.BulkUpdateError as failed:
            errors = {str(pos): item for pos, item in sorted(failed.errors.items())}
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        output = serializers.BulkOutputSerializer({"items": updates}, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)

    def handle_exception(self, exc):
        """The services speak Django; say the same in DRF, keeping their messages."""
        if isinstance(exc, DjangoValidationError):
            detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            exc = exceptions.ValidationError(detail)
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc) or None)
        elif isinstance(exc, Http404):
            exc = exceptions.NotFound(str(exc) or None)
        return super().handle_exception(exc)

    def _conflict(self, conflict, *, sent: int, code: int) -> Response:
        user = self.request.user
        visible = selectors.assignment_rows(selectors.assignment_scope(user=user), user=user)
        current = visible.get(pk=conflict.assignment.pk)
        body = {
            "detail": _(
                "This assignment is at version %(current)s; your update was based on version "
                "%(sent)s. Read it again and send your update based on the current version."
            )
            % {"current": current["version"], "sent": sent},
            "current": serializers.AssignmentSerializer(
                current, context=self.get_serializer_context()
            ).data,
        }
        return Response(body, status=code, headers={"ETag": _etag(current["version"])})
