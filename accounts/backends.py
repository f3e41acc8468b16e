"""The password check, and the loading of the signed-in user on each request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Django's ModelBackend, except that the user of each request comes with what every page
    asks of them: their memberships (the policy, the header), whether they have an
    authenticator app (the second-factor middleware) and how many notifications they have not
    read (the header's badge). One query instead of four."""

    def get_user(self, user_id):
        from accounts import policy, two_factor
        from tracker import notifications

        rows = list(
            policy.membership_rows()
            .filter(user_id=user_id)
            .select_related("user")
            .annotate(
                has_authenticator=two_factor.enrolled_expression("user_id"),
                unread_notification_count=notifications.unread_count_expression("user_id"),
            )
        )
        if rows:
            user = rows[0].user
            user.has_authenticator = rows[0].has_authenticator
            user.unread_notification_count = rows[0].unread_notification_count
            policy.remember_memberships(user, rows)
        else:
            # No membership that gives rights: the user alone.
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
