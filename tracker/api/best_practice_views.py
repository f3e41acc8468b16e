"""Best practices over the API: list and search, drafts, and each workflow step as an action.
The same services and selectors as the pages; refusals are 404 (not visible), 403 (not
allowed), 409 (not from this state) and 400 (bad input), each with its message."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts import policy
from tracker import best_practice_selectors as selectors
from tracker import best_practices as services
from tracker.api import best_practice_serializers as serializers
from tracker.best_practice_filtersets import BestPracticeFilterSet
from tracker.best_practice_views import attachment_response, visible_attachment

ERROR = OpenApiResponse(description="Errors by field name, or `detail`.")


class StateConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class ServiceErrorsMixin:
    def handle_exception(self, exc):
        """The services speak Django; say the same in DRF, keeping their messages."""
        if isinstance(exc, DjangoValidationError):
            detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
            exc = exceptions.ValidationError(detail)
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc) or None)
        elif isinstance(exc, Http404):
            exc = exceptions.NotFound(str(exc) or None)
        elif isinstance(exc, services.TransitionRefused):
            exc = StateConflict(str(exc))
        return super().handle_exception(exc)


STEP_RESPONSES = {
    200: serializers.BestPracticeDetailSerializer,
    400: ERROR,
    403: ERROR,
    404: ERROR,
    409: ERROR,
}


class BestPracticeViewSet(
    ServiceErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The library, the caller's own drafts and submissions, and for the secretariat the
    review queue; `?q=` searches title, summary and body."""

    serializer_class = serializers.BestPracticeSerializer
    filterset_class = BestPracticeFilterSet

    def get_queryset(self):
        return selectors.best_practice_list(user=self.request.user)

    def initial(self, request, *args, **kwargs):
        """Ids are numbers: anything else names no best practice (404, not a server error)."""
        super().initial(request, *args, **kwargs)
        if "pk" in kwargs and not str(kwargs["pk"]).isdigit():
            raise exceptions.NotFound

    def _detail(self, pk, *, code=status.HTTP_200_OK) -> Response:
        best_practice = selectors.best_practice_detail(user=self.request.user, pk=pk)
        if best_practice is None:
            raise exceptions.NotFound
        user = self.request.user
        context = {
            **self.get_serializer_context(),
            "show_history": best_practice.author_id == user.pk
            or policy.can_review_best_practice(user),
        }
        data = serializers.BestPracticeDetailSerializer(best_practice, context=context).data
        return Response(data, status=code)

    @extend_schema(responses=serializers.BestPracticeDetailSerializer)
    def retrieve(self, request, pk=None):
        return self._detail(pk)

    @extend_schema(
        request=serializers.BestPracticeInputSerializer,
        responses={201: serializers.BestPracticeDetailSerializer, 400: ERROR, 403: ERROR},
    )
    def create(self, request):
        given = serializers.BestPracticeInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        best_practice = services.create_best_practice(user=request.user, **given.validated_data)
        return self._detail(best_practice.pk, code=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.BestPracticeInputSerializer,
        responses={**STEP_RESPONSES},
    )
    def partial_update(self, request, pk=None):
        given = serializers.BestPracticeInputSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        services.update_best_practice(
            user=request.user, best_practice_id=self._pk(pk), **given.validated_data
        )
        return self._detail(pk)

    @staticmethod
    def _pk(pk) -> int:
        if not str(pk).isdigit():
            raise exceptions.NotFound
        return int(pk)

    def _step(self, request, pk, step: str) -> Response:
        given = serializers.CommentInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.transition_best_practice(
            user=request.user,
            best_practice_id=self._pk(pk),
            action=step,
            comment=given.validated_data["comment"],
        )
        return self._detail(pk)

    @extend_schema(request=serializers.CommentInputSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._step(request, pk, "submit")

    @extend_schema(request=serializers.CommentInputSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="start-review")
    def start_review(self, request, pk=None):
        return self._step(request, pk, "start_review")

    @extend_schema(request=serializers.CommentInputSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._step(request, pk, "publish")

    @extend_schema(request=serializers.CommentInputSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_to_author(self, request, pk=None):
        return self._step(request, pk, "return")

    @extend_schema(request=serializers.CommentInputSerializer, responses=STEP_RESPONSES)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._step(request, pk, "reject")

    @extend_schema(
        request={"multipart/form-data": serializers.AttachmentInputSerializer},
        responses={201: serializers.BestPracticeDetailSerializer, **STEP_RESPONSES},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def attachments(self, request, pk=None):
        given = serializers.AttachmentInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        services.add_attachments(
            user=request.user,
            best_practice_id=self._pk(pk),
            attachments=[given.validated_data["file"]],
        )
        return self._detail(pk, code=status.HTTP_201_CREATED)


class BestPracticeAttachmentViewSet(ServiceErrorsMixin, viewsets.ViewSet):
    """Downloads an attachment of a best practice the caller may read."""

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): bytes, 404: ERROR},
    )
    def retrieve(self, request, pk=None):
        if not str(pk).isdigit():
            raise exceptions.NotFound
        return attachment_response(visible_attachment(request.user, int(pk)))
