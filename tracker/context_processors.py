from django.utils.functional import cached_property

from tracker import notifications


class UnreadNotifications:
    """Counted only when a template asks, once per response: pages without the nav pay nothing."""

    cap = notifications.BADGE_CAP

    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int:
        loaded = getattr(self.user, "unread_notification_count", None)  # accounts.backends
        if loaded is not None:
            return min(loaded, self.cap)
        return notifications.unread_count(user=self.user)

    @property
    def over_cap(self) -> bool:
        return self.count >= self.cap


def unread_notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": UnreadNotifications(user)}
