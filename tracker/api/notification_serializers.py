from rest_framework import serializers

from tracker.models import Notification, NotificationKind


class NotificationSerializer(serializers.ModelSerializer):
    """`title` and `summary` are rendered in the caller's language (Accept-Language); `kind`
    and `params` are stable for scripts."""

    kind = serializers.ChoiceField(choices=NotificationKind.choices, read_only=True)
    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    unread = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "params",
            "title",
            "summary",
            "link",
            "created_at",
            "read_at",
            "unread",
        ]
        read_only_fields = fields

    def get_unread(self, notification) -> bool:
        return notification.read_at is None

    def get_link(self, notification) -> str:
        """Absolute, so a script can open it; empty when the notification points nowhere."""
        request = self.context.get("request")
        if not notification.link or request is None:
            return notification.link
        return request.build_absolute_uri(notification.link)


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications were unread until now.")
