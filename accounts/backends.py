"""The password check, and the loading of the signed-in user on each request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Django's ModelBackend, except that the user of each request comes with what every page
    asks of them: whether they have an authenticator app (the second-factor middleware) and how
    many notifications they have not read (the header's badge). One query instead of three."""

    def get_user(self, user_id):
        from accounts import two_factor
        from tracker import notifications

        try:
            user = (
                get_user_model()
                ._default_manager.annotate(
                    has_authenticator=two_factor.enrolled_expression(),
                    unread_notification_count=notifications.unread_count_expression(),
                )
                .get(pk=user_id)
            )
        except get_user_model().DoesNotExist:
            return None
        two_factor.remember_enrolment(user, user.has_authenticator)
        return user if self.user_can_authenticate(user) else None
