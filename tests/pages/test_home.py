from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from roadmap.choices import AssignmentRole, Status, TitleStatus
from roadmap.selectors import OVERVIEW_HOLDERS
from tests import factories
from tests.pages.page_html import find_all, holders_by_action, text, texts_of

NATO_READERS = ["secretariat_user", "fra_delegate", "deu_delegate", "dipb_member", "observer"]
ROLE_FIXTURES = [*NATO_READERS, "niag_member"]
HOME = reverse("roadmap:home")
NO_FIGURE = "\u2013"  # the dash shown instead of a percentage when nothing was reported


def test_anonymous_visitor_is_sent_to_login(client, roadmap):
    response = client.get(HOME)

    assertRedirects(response, f"{reverse('accounts:login')}?next={HOME}")


@pytest.mark.parametrize("role_fixture", NATO_READERS)
def test_nato_readers_see_lines_outcomes_actions_and_holders(
    client, request, roadmap, role_fixture
):
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
    assert holders["LOE-3.KO-2.A-1"][1] == (
        "DEU",
        False,
        "status--cancelled",
        "Cancelled",
        NO_FIGURE,
    )


def test_an_industry_member_sees_the_structure_but_no_nato_only_status(
    client, niag_member, roadmap
):
    client.force_login(niag_member)

    response = client.get(HOME)

    # The sample data was recorded NATO only: nothing has been released to industry.
    assertContains(response, "Allies share a common picture of defence-critical raw materials")
    holders = holders_by_action(response.content)
    assert holders["LOE-1.KO-1.A-1"] == [
        ("FRA", True, "status--not_reported", "Not reported", NO_FIGURE),
        ("DEU", False, "status--not_reported", "Not reported", NO_FIGURE),
        ("DIPB", False, "status--not_reported", "Not reported", NO_FIGURE),
        ("NIAG", False, "status--not_reported", "Not reported", NO_FIGURE),
    ]
    assertContains(response, "You see the status each organisation has released to industry.")
    assert set(texts_of(response.content, "status")) == {"Not reported"}


def rollups_on(content: bytes) -> list[tuple[str, str, str]]:
    """(status, percent, note) of each roll-up, in page order."""
    page = parse_html(content.decode())
    return [
        (
            text(next(find_all(rollup, "status"))),
            " ".join(text(p) for p in find_all(rollup, "rollup__percent")),
            text(next(find_all(rollup, "rollup__note"))),
        )
        for rollup in find_all(page, "rollup")
    ]


def test_lines_outcomes_and_actions_show_their_rollup(client, fra_delegate, roadmap):
    client.force_login(fra_delegate)

    response = client.get(HOME)

    assert rollups_on(response.content)[:6] == [
        # LOE-1: mean of its outcomes (38.96 and 37.5), the worst status beneath.
        ("Blocked", "38%", "2 of 2 outcomes reported"),
        # KO-1: mean of its actions (46.25 and 31.67).
        ("Blocked", "39%", "2 of 2 actions reported"),
        # (60 + 25 + 100 + 0) / 4, at risk the worst.
        ("At risk", "46%", "4 of 4 assignments reported"),
        ("Blocked", "32%", "3 of 3 assignments reported"),
        ("At risk", "38%", "1 of 1 action reported"),
        # KO-2.A-1: DEU's cancelled part is left out: (45 + 30) / 2.
        ("At risk", "38%", "2 of 2 assignments reported · 1 cancelled, left out"),
    ]


def test_an_industry_member_sees_the_industry_release_and_never_a_nato_only_status(
    client, niag_member, released_and_nato_only
):
    client.force_login(niag_member)

    response = client.get(HOME)

    assert holders_by_action(response.content)[released_and_nato_only.code] == [
        ("FRA", True, "status--at_risk", "At risk", "20%"),
        ("DEU", False, "status--not_reported", "Not reported", NO_FIGURE),
    ]
    assert {rollup[:2] for rollup in rollups_on(response.content)} == {("At risk", "20%")}
    assertNotContains(response, "Blocked")
    assertNotContains(response, "5%")


def test_a_delegate_sees_the_latest_nato_status(client, fra_delegate, released_and_nato_only):
    client.force_login(fra_delegate)

    response = client.get(HOME)

    assert holders_by_action(response.content)[released_and_nato_only.code] == [
        ("FRA", True, "status--blocked", "Blocked", "5%"),
        ("DEU", False, "status--not_reported", "Not reported", NO_FIGURE),
    ]
    assert {rollup[:2] for rollup in rollups_on(response.content)} == {("Blocked", "5%")}


def test_nothing_reported_is_never_shown_as_zero_percent(client, fra_delegate, fra):
    action = factories.ActionItemFactory(title="Nobody has reported yet")
    factories.AssignmentFactory(action=action, organisation=fra, role=AssignmentRole.LEAD)
    client.force_login(fra_delegate)

    response = client.get(HOME)

    assert holders_by_action(response.content)[action.code] == [
        ("FRA", True, "status--not_reported", "Not reported", NO_FIGURE)
    ]
    assert set(rollups_on(response.content)) == {
        ("Not reported", "", "0 of 1 assignment reported"),
        ("Not reported", "", "0 of 1 action reported"),
        ("Not reported", "", "0 of 1 outcome reported"),
    }
    assertNotContains(response, "0%")
    assertNotContains(response, "<progress")


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
                    status = Status.values[index % len(Status.values)]
                    factories.AssignmentFactory(
                        action=action,
                        organisation=organisation,
                        role=AssignmentRole.LEAD if index == 0 else AssignmentRole.CONTRIBUTOR,
                        status=status,
                        # A completed assignment is at 100 % (a database check).
                        progress=100 if status == Status.COMPLETED else (index * 17) % 101,
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
    assert OVERVIEW_HOLDERS == 6  # every holder above is shown, with no link to more
    assertNotContains(response, "holders__more")


def test_an_action_held_by_many_shows_its_first_holders_and_links_to_the_rest(client, fra_delegate):
    _build_roadmap_of_size(lines=1, outcomes=1, actions=1, holders=OVERVIEW_HOLDERS + 3)
    client.force_login(fra_delegate)

    response = client.get(HOME)

    ((code, holders),) = holders_by_action(response.content).items()
    # The lead first, then the contributors by code.
    assert [holder[0] for holder in holders] == [f"A{n:02d}" for n in range(OVERVIEW_HOLDERS)]
    assert holders[0][1] is True
    action_page = reverse("roadmap:action", args=[code])
    assert texts_of(response.content, "holders__more") == ["3 more holders"]
    assertContains(response, f'href="{action_page}#holders-title"')
    assertContains(client.get(action_page), f"A{OVERVIEW_HOLDERS + 2:02d}")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = client.get(HOME)
    assert texts_of(french.content, "holders__more") == ["3 autres porteurs"]


def test_a_user_without_membership_is_refused_the_roadmap(client, roadmap):
    outsider = factories.UserFactory(email="outsider@example.org")
    client.force_login(outsider)

    response = client.get(reverse("roadmap:home"))

    assert response.status_code == 403
    assert b"LOE-1" not in response.content


def test_due_dates_are_written_in_each_reader_language(client, fra_delegate):
    factories.ActionItemFactory(title="Stockpile review", due_date=date(2027, 6, 30))
    client.force_login(fra_delegate)

    english = client.get(HOME)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = client.get(HOME)

    assert texts_of(english.content, "action__due") == ["Due 30 June 2027"]
    assert texts_of(french.content, "action__due") == ["Échéance 30 juin 2027"]
    assertContains(english, '<time datetime="2027-06-30">30 June 2027</time>', html=True)
    assertContains(french, '<time datetime="2027-06-30">30 juin 2027</time>', html=True)


def test_roll_up_notes_are_written_in_each_reader_language(client, fra_delegate):
    factories.ActionItemFactory(title="Stockpile review")
    client.force_login(fra_delegate)

    english = client.get(HOME)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = client.get(HOME)

    assert "0 of 1 action reported" in texts_of(english.content, "rollup__note")
    assert "0 sur 1 action avec un état communiqué" in texts_of(french.content, "rollup__note")
    assertContains(english, 'title="No progress: nothing beneath has been reported.')
    assertContains(
        french, 'title="Pas d\u2019avancement : rien n\u2019a été communiqué en dessous.'
    )
