import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from roadmap.choices import AssignmentRole, Status, TitleStatus
from tests import factories
from tests.pages.page_html import holders_by_action, texts_of

ROLE_FIXTURES = [
    "secretariat_user",
    "fra_delegate",
    "deu_delegate",
    "dipb_member",
    "niag_member",
    "observer",
]
HOME = reverse("roadmap:home")


def test_anonymous_visitor_is_sent_to_login(client, roadmap):
    response = client.get(HOME)

    assertRedirects(response, f"{reverse('accounts:login')}?next={HOME}")


@pytest.mark.parametrize("role_fixture", ROLE_FIXTURES)
def test_every_role_sees_lines_outcomes_actions_and_holders(client, request, roadmap, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))

    response = client.get(HOME)

    assert response.status_code == 200
    for line in roadmap[:3]:
        assertContains(response, line.title)
    assertContains(response, "Allies share a common picture of defence-critical raw materials")
    holders = holders_by_action(response.content)
    assert holders["LOE-1.KO-1.A-1"] == [
        ("FRA", True, "status--on_track", "On track", "60%"),
        ("DEU", False, "status--at_risk", "At risk", "25%"),
        ("DIPB", False, "status--completed", "Completed", "100%"),
        ("NIAG", False, "status--not_started", "Not started", "0%"),
    ]
    assert holders["LOE-2.KO-1.A-2"][0] == ("DIPB", True, "status--off_track", "Off track", "35%")
    assert ("FRA", False, "status--blocked", "Blocked", "10%") in holders["LOE-2.KO-1.A-2"]
    assert holders["LOE-3.KO-2.A-1"][1] == ("DEU", False, "status--cancelled", "Cancelled", "0%")


def test_line_without_outcomes_shows_an_empty_state(client, fra_delegate, roadmap):
    client.force_login(fra_delegate)

    response = client.get(HOME)

    assertContains(response, roadmap[3].title)
    assertContains(
        response, "No key outcomes have been recorded for this line of effort yet.", count=1
    )


def test_empty_roadmap_says_so(client, fra_delegate):
    client.force_login(fra_delegate)

    response = client.get(HOME)

    assertContains(response, "No lines of effort have been loaded.")


def test_working_titles_are_badged_and_official_titles_are_not(client, fra_delegate, roadmap):
    official = factories.LineOfEffortFactory(
        number=9, title="Officially worded line", title_status=TitleStatus.OFFICIAL
    )
    client.force_login(fra_delegate)

    response = client.get(HOME)

    headings = texts_of(response.content, "line__title")
    working = [h for h in headings if "Working title" in h]
    assert len(working) == len(roadmap)
    assert all("Not the roadmap's official wording" in h for h in working)
    assert [h for h in headings if official.title in h] == [f"{official.code} {official.title}"]


def test_illustrative_content_is_badged_and_announced(client, fra_delegate, roadmap):
    client.force_login(fra_delegate)

    response = client.get(HOME)

    assertContains(response, "banner--demo", count=1)
    # 3 lines x (2 outcomes + 3 actions), each badged.
    assert texts_of(response.content, "badge--demo") == ["Illustrative demo data"] * 15


def test_no_banner_without_illustrative_content(client, fra_delegate):
    action = factories.ActionItemFactory(title="A real action")
    factories.AssignmentFactory(action=action, role=AssignmentRole.LEAD, status=Status.AT_RISK)
    client.force_login(fra_delegate)

    response = client.get(HOME)

    assertContains(response, "A real action")
    assertNotContains(response, "banner--demo")
    assertNotContains(response, "badge--demo")


def test_a_single_illustrative_action_raises_the_banner(client, fra_delegate):
    factories.ActionItemFactory(title="Demo action", is_illustrative=True)
    client.force_login(fra_delegate)

    response = client.get(HOME)

    assertContains(response, "banner--demo", count=1)
    assert texts_of(response.content, "badge--demo") == ["Illustrative demo data"]


def test_unassigned_action_says_so(client, fra_delegate):
    factories.ActionItemFactory(title="Nobody holds this yet")
    client.force_login(fra_delegate)

    response = client.get(HOME)

    assertContains(response, "Not assigned yet")


@pytest.mark.parametrize("role_fixture", ROLE_FIXTURES)
def test_admin_link_only_for_those_who_may_edit_the_roadmap(db, client, request, role_fixture):
    client.force_login(request.getfixturevalue(role_fixture))

    response = client.get(HOME)

    admin_link = f'href="{reverse("admin:index")}"'
    if role_fixture == "secretariat_user":
        assertContains(response, admin_link, count=1)
    else:
        assertNotContains(response, admin_link)


def test_header_shows_who_is_signed_in(client, fra_delegate, deu):
    factories.MembershipFactory(user=fra_delegate, organisation=deu, role="observer")
    client.force_login(fra_delegate)

    response = client.get(HOME)

    assert texts_of(response.content, "account__email") == ["fra@example.org"]
    assert texts_of(response.content, "account__membership") == [
        "DEU Observer",
        "FRA National delegate",
    ]


def test_pages_carry_no_inline_script_or_style(client, fra_delegate, roadmap):
    anonymous_page = client.get(reverse("accounts:login")).content.decode()
    client.force_login(fra_delegate)
    home_page = client.get(HOME).content.decode()

    for page in (anonymous_page, home_page):
        assert "<script" not in page
        assert " style=" not in page
        assert "<style" not in page


def _build_roadmap_of_size(*, lines, outcomes, actions, holders):
    organisations = [factories.AllyFactory(code=f"A{n:02d}") for n in range(holders)]
    for line in factories.LineOfEffortFactory.create_batch(lines):
        for outcome in factories.KeyOutcomeFactory.create_batch(outcomes, line=line):
            for action in factories.ActionItemFactory.create_batch(actions, outcome=outcome):
                for index, organisation in enumerate(organisations):
                    factories.AssignmentFactory(
                        action=action,
                        organisation=organisation,
                        role=AssignmentRole.LEAD if index == 0 else AssignmentRole.CONTRIBUTOR,
                        status=Status.values[index % len(Status.values)],
                        progress=(index * 17) % 101,
                    )


def test_home_query_count_does_not_grow_with_the_roadmap(
    client, secretariat_user, django_assert_max_num_queries
):
    client.force_login(secretariat_user)
    _build_roadmap_of_size(lines=1, outcomes=1, actions=2, holders=5)  # 10 assignments
    with CaptureQueriesContext(connection) as small:
        assert client.get(HOME).status_code == 200

    _build_roadmap_of_size(lines=4, outcomes=3, actions=3, holders=6)  # +216 assignments
    with django_assert_max_num_queries(len(small)):
        response = client.get(HOME)

    assert len(holders_by_action(response.content)) == 2 + 36
    assert sum(len(h) for h in holders_by_action(response.content).values()) == 10 + 216


def test_a_user_without_membership_is_refused_the_roadmap(client, roadmap):
    outsider = factories.UserFactory(email="outsider@example.org")
    client.force_login(outsider)

    response = client.get(reverse("roadmap:home"))

    assert response.status_code == 403
    assert b"LOE-1" not in response.content
