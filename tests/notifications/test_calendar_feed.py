"""The private iCalendar feed: what it lists, for whom, and how its address is revoked."""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from accounts.choices import Role
from roadmap.choices import Status
from tests import factories
from tests.reviews.review_data import at, plan, report_status
from tracker import calendar_feed
from tracker.models import CalendarFeed
from tracker.notification_views import NEW_FEED_SESSION_KEY


def issue(client, user) -> str:
    """Turns the feed on through the page, as a person would, and returns its address."""
    client.force_login(user)
    response = client.post(reverse("calendar:issue"))
    assert response.status_code == 302
    page = client.get(reverse("calendar:page"))
    assert page.status_code == 200
    url = page.context["new_url"]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    return url


def fetch(url):
    """Calendar apps send no cookie: a fresh client each time."""
    return Client().get(url.removeprefix("http://testserver"))


def events(body: str) -> dict[str, str]:
    """{UID: the VEVENT's unfolded text}."""
    unfolded = body.replace("\r\n ", "")
    found = {}
    for block in re.findall(r"BEGIN:VEVENT\r\n(.*?)END:VEVENT", unfolded, re.S):
        uid = re.search(r"^UID:(.*)$", block, re.M).group(1).strip()
        found[uid] = block
    return found


def test_the_feed_lists_the_open_deadlines_of_the_users_organisation(
    client, world, march, fra_delegate
):
    url = issue(client, fra_delegate)

    response = fetch(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.text
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    found = events(body)
    me = fra_delegate.pk
    assert set(found) == {
        f"assignment-{world.a1.pk}-due-{me}@roadmap-tracker",
        f"assignment-{world.a3.pk}-due-{me}@roadmap-tracker",
        f"review-cycle-{march.pk}-{me}@roadmap-tracker",
    }
    # a6 (FRA) is cancelled, a2 and a5 belong to DEU, a4 to DIPB: none of them is listed
    due = found[f"assignment-{world.a1.pk}-due-{me}@roadmap-tracker"]
    assert "DTSTART;VALUE=DATE:20300630" in due and "DTEND;VALUE=DATE:20300701" in due
    assert re.search(r"^DTSTAMP:\d{8}T\d{6}Z", due, re.M)
    assert f"SUMMARY:Due: {world.a1.action.code} {world.a1.action.title} (FRA)" in due
    assert f"URL:http://testserver/worklist/assignments/{world.a1.pk}/edit/" in due
    deadline = found[f"review-cycle-{march.pk}-{me}@roadmap-tracker"]
    assert "DTSTART:20300316T160000Z" in deadline  # 17:00 in Brussels
    assert "SUMMARY:Review deadline: March review" in deadline


def test_completed_assignments_leave_the_feed_and_uids_stay_the_same(
    client, world, march, fra_delegate
):
    url = issue(client, fra_delegate)
    before = events(fetch(url).text)

    report_status(fra_delegate, world.a3, Status.COMPLETED, 100, when=at(2, 1), narrative="Done.")
    after = events(fetch(url).text)

    assert set(after) == set(before) - {
        f"assignment-{world.a3.pk}-due-{fra_delegate.pk}@roadmap-tracker"
    }
    assert len(after) == 2


def test_the_feed_and_the_digest_attachment_share_the_deadline_uid(
    client, world, march, fra_delegate
):
    from tracker import reminders

    url = issue(client, fra_delegate)
    attachment = reminders.deadline_ics(cycle=march, user=fra_delegate)

    assert set(events(attachment)) <= set(events(fetch(url).text))


def test_the_secretariat_gets_every_cycle_deadline_and_closing_but_no_assignment(
    world, march, secretariat_user
):
    body = calendar_feed.feed_ics(user=secretariat_user, site="https://tracker.example")

    found = events(body)
    me = secretariat_user.pk
    assert set(found) == {
        f"review-cycle-{march.pk}-{me}@roadmap-tracker",
        f"review-cycle-{march.pk}-close-{me}@roadmap-tracker",
    }
    assert (
        "URL:https://tracker.example/reviews/"
        in found[f"review-cycle-{march.pk}-close-{me}@roadmap-tracker"]
    )


def test_a_planned_cycle_on_other_lines_is_not_in_the_feed(world, secretariat_user, dipb_member):
    # DIPB holds an assignment on LOE-1 only
    other = plan(
        secretariat_user, "LOE-2 only", at(4, 1), at(4, 10), at(4, 20), lines=[world.line2]
    )

    found = events(calendar_feed.feed_ics(user=dipb_member, site=""))

    assert not any(f"review-cycle-{other.pk}-" in uid for uid in found)
    assert (
        f"assignment-{world.a4.pk}-due-{dipb_member.pk}@roadmap-tracker" not in found
    )  # no due date


def test_an_open_cycle_links_to_the_organisations_submission(world, open_march, fra_delegate):
    found = events(calendar_feed.feed_ics(user=fra_delegate, site="https://t.example"))

    submission = open_march.submissions.get(organisation__code="FRA")
    deadline = found[f"review-cycle-{open_march.pk}-{fra_delegate.pk}@roadmap-tracker"]
    assert f"URL:https://t.example/reviews/submissions/{submission.pk}/" in deadline


def test_the_feed_reads_in_the_users_language(client, world, march, fra_delegate):
    fra_delegate.language = "fr"
    fra_delegate.save(update_fields=["language"])
    url = issue(client, fra_delegate)

    body = fetch(url).text.replace("\r\n ", "")

    assert "SUMMARY:Date limite de la revue : March review" in body
    assert f"SUMMARY:Échéance : {world.a1.action.code}" in body
    assert "X-WR-CALNAME:Échéances de la feuille de route" in body


def test_revoking_stops_the_old_address_at_once_and_the_new_one_works(
    client, world, march, fra_delegate
):
    old = issue(client, fra_delegate)
    assert fetch(old).status_code == 200

    new = issue(client, fra_delegate)

    assert new != old
    assert fetch(old).status_code == 404
    assert fetch(new).status_code == 200
    assert CalendarFeed.objects.filter(user=fra_delegate).count() == 1


def test_turning_the_feed_off_stops_it(client, world, march, fra_delegate):
    url = issue(client, fra_delegate)

    response = client.post(reverse("calendar:turn-off"))

    assert response.status_code == 302
    assert fetch(url).status_code == 404
    assert not CalendarFeed.objects.filter(user=fra_delegate).exists()
    page = client.get(reverse("calendar:page"))
    assert "You have no feed address." in page.text


def test_the_address_is_shown_once_and_only_its_hash_is_stored(client, world, fra_delegate):
    url = issue(client, fra_delegate)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")

    assert len(token) >= 43  # 32 random bytes
    stored = CalendarFeed.objects.get(user=fra_delegate)
    assert stored.token_hash != token and token not in stored.token_hash
    assert NEW_FEED_SESSION_KEY not in client.session
    again = client.get(reverse("calendar:page"))
    assert token not in again.text
    assert "issued on" in again.text


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "A" * 43, "x" * 500, "abc.def"],
)
def test_a_bad_token_is_404(client, world, fra_delegate, token):
    issue(client, fra_delegate)

    assert Client().get(f"/calendar/{token}.ics").status_code == 404


def test_the_feed_stops_for_a_deactivated_user_or_one_without_rights(
    client, world, fra, fra_delegate
):
    url = issue(client, fra_delegate)
    fra_delegate.memberships.all().delete()
    assert fetch(url).status_code == 404

    factories.MembershipFactory(user=fra_delegate, organisation=fra, role=Role.DELEGATE)
    assert fetch(url).status_code == 200
    fra_delegate.is_active = False
    fra_delegate.save(update_fields=["is_active"])
    assert fetch(url).status_code == 404


def test_issuing_and_turning_off_need_a_logged_in_post(client, world, fra_delegate):
    assert client.post(reverse("calendar:issue")).status_code == 302  # to the log-in page
    assert not CalendarFeed.objects.exists()
    client.force_login(fra_delegate)
    assert client.get(reverse("calendar:issue")).status_code == 405
    assert client.get(reverse("calendar:turn-off")).status_code == 405
    assert not CalendarFeed.objects.exists()


def test_someone_without_a_role_gets_no_feed(client, db):
    nobody = factories.UserFactory()
    client.force_login(nobody)

    assert client.get(reverse("calendar:page")).status_code == 403
    assert client.post(reverse("calendar:issue")).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_the_page_previews_the_feed(client, world, march, fra_delegate):
    client.force_login(fra_delegate)

    response = client.get(reverse("calendar:page"))

    assert response.status_code == 200
    assert [row["day"] for row in response.context["events"]] == [
        date(2030, 3, 1),
        date(2030, 3, 16),
        date(2030, 6, 30),
    ]
    assert "Review deadline: March review" in response.text


def test_the_feed_costs_the_same_queries_for_many_assignments(
    client, world, march, fra, fra_delegate, secretariat_user, django_assert_max_num_queries
):
    url = issue(client, fra_delegate)
    for _ in range(150):
        factories.AssignmentFactory(
            action=factories.ActionItemFactory(
                outcome__line=world.line1, due_date=date(2031, 1, 1)
            ),
            organisation=fra,
        )
    plan(secretariat_user, "April", at(4, 1), at(4, 10), at(4, 20), lines=[world.line1])

    with django_assert_max_num_queries(6):
        response = fetch(url)

    assert len(events(response.text)) == 2 + 150 + 2
