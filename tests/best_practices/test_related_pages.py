"""Published best practices appear on the action and line pages they name, for their readers."""

from django.urls import reverse

from accounts.choices import Releasability
from tests.best_practices.conftest import published


def test_action_and_line_pages_list_the_best_practices_that_name_them(
    client, action, line, fra, fra_delegate, secretariat_user, niag_member
):
    shared = published(
        fra_delegate,
        fra,
        secretariat_user,
        title="Shared with industry",
        releasability=Releasability.INDUSTRY,
        actions=[action],
        lines=[line],
    )
    nato_only = published(
        fra_delegate,
        fra,
        secretariat_user,
        title="For Allies only",
        actions=[action],
        lines=[line],
    )

    for url in (
        reverse("roadmap:action", args=[action.code]),
        reverse("roadmap:line", args=[line.code]),
    ):
        client.force_login(fra_delegate)
        page = client.get(url).text
        assert shared.title in page and nato_only.title in page

        client.force_login(niag_member)
        page = client.get(url).text
        assert shared.title in page
        assert nato_only.title not in page
