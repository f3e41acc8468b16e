"""The caller's own notifications: list, and mark one or all read. Someone else's is a 404."""

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from tracker import notifications
from tracker.api import notification_serializers as serializers

ERROR = OpenApiResponse(description="Errors by field name, or `detail`.")


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Newest first."""

    serializer_class = serializers.NotificationSerializer

    def get_queryset(self):
        return notifications.notification_list(user=self.request.user)

    def paginate_queryset(self, queryset):
        """The page's rows get their text in the caller's language."""
        page = super().paginate_queryset(queryset)
        return None if page is None else notifications.with_text(page)

    @extend_schema(request=None, responses={200: serializers.NotificationSerializer, 404: ERROR})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        try:
            notification = notifications.mark_notification_read(
                user=request.user, notification_id=pk
            )
        except Http404 as exc:
            raise exceptions.NotFound from exc
        [notification] = notifications.with_text([notification])
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses={200: serializers.MarkedReadSerializer})
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request):
        marked = notifications.mark_all_notifications_read(user=request.user)
        return Response({"marked": marked})
