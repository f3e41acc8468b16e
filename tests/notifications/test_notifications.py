"""In-app notifications: which events create them, for whom, once; the page, the badge and the
API, each for the recipient only."""

from smtplib import SMTPException

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from config.celery import app as celery_app
from roadmap.choices import Status
from tests.best_practices.conftest import draft, walk
from tests.reviews.review_data import at, failing_smtp, report_status, run_pass
from tracker import notifications, review_services, tasks
from tracker.models import (
    CycleSubmission,
    Notification,
    NotificationKind,
    ReminderLog,
    SubmissionEvent,
    SubmissionState,
)

Kind = NotificationKind


def kinds_of(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def make(user, n=1, **fields):
    values = {"kind": Kind.CYCLE_OPENED, "params": {"cycle": "Spring review"}, "link": "/reviews/"}
    values.update(fields)
    return Notification.objects.bulk_create(
        Notification(recipient=user, **values) for _ in range(n)
    )


def submitted(open_march, world, fra_delegate) -> CycleSubmission:
    report_status(fra_delegate, world.a1, Status.ON_TRACK, 40, when=at(3, 5))
    report_status(fra_delegate, world.a3, Status.ON_TRACK, 50, when=at(3, 5))
    submission = CycleSubmission.objects.get(cycle=open_march, organisation__code="FRA")
    with time_machine.travel(at(3, 6), tick=False):
        review_services.submit_cycle_submission(user=fra_delegate, submission_id=submission.pk)
    return submission


# Which events notify whom


def test_opening_a_cycle_tells_the_people_in_scope_once_with_their_digest(
    march, fra_delegate, deu_delegate, dipb_member, niag_member, observer, secretariat_user
):
    run_pass(at(3, 2))
    run_pass(at(3, 2, 9, 30))  # a second pass the same morning adds nothing

    for person in (fra_delegate, deu_delegate, dipb_member):
        assert kinds_of(person) == [Kind.CYCLE_OPENED, Kind.REMINDER_DIGEST]
    for outsider in (niag_member, observer, secretariat_user):
        assert kinds_of(outsider) == []
    opened = Notification.objects.get(recipient=fra_delegate, kind=Kind.CYCLE_OPENED)
    fra = CycleSubmission.objects.get(cycle=march, organisation__code="FRA")
    assert opened.link == reverse("reviews:submission", args=[fra.pk])
    digest = Notification.objects.get(recipient=fra_delegate, kind=Kind.REMINDER_DIGEST)
    assert digest.reminder_log == ReminderLog.objects.get(user=fra_delegate)
    assert digest.params["count"] == 2  # a1 and a3; a6 is cancelled
    assert notifications.render(digest).title == "Cycle opened: March review"


def test_a_retried_digest_notifies_once(
    march, fra_delegate, deu_delegate, dipb_member, monkeypatch
):
    failures = failing_smtp(monkeypatch, 2)

    run_pass(at(3, 2))
    log = ReminderLog.objects.get(user=fra_delegate)
    assert tasks.send_reminder_digest.delay(log.pk).get() is False  # a duplicate task

    assert failures["left"] == 0
    assert len(mail.outbox) == 3
    for person in (fra_delegate, deu_delegate, dipb_member):
        assert kinds_of(person).count(Kind.REMINDER_DIGEST) == 1


def test_a_digest_that_fails_for_good_leaves_no_notification(march, fra_delegate, monkeypatch):
    def broken(self, messages):
        raise SMTPException("554 no")

    monkeypatch.setattr(EmailBackend, "send_messages", broken)
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", False)
    monkeypatch.setattr(tasks.send_reminder_digest, "max_retries", 0)

    run_pass(at(3, 2))

    assert ReminderLog.objects.get(user=fra_delegate).sent_at is None
    assert Kind.REMINDER_DIGEST not in kinds_of(fra_delegate)


def test_the_secretariat_is_told_of_late_organisations(open_march, fra_delegate, secretariat_user):
    run_pass(at(3, 17, 9))

    [escalation] = Notification.objects.filter(recipient=secretariat_user, kind=Kind.ESCALATION)
    assert escalation.link == reverse("reviews:detail", args=[open_march.pk])
    assert escalation.params["count"] == 3  # FRA, DEU and DIPB have open items
    text = notifications.render(escalation)
    assert text.title == "Late updates in March review"
    assert text.summary.startswith("3 organisations have not updated everything")


def test_accepting_a_submission_tells_the_organisations_members(
    open_march, world, fra_delegate, deu_delegate, observer, secretariat_user
):
    submission = submitted(open_march, world, fra_delegate)

    review_services.accept_cycle_submission(user=secretariat_user, submission_id=submission.pk)

    [accepted] = Notification.objects.filter(kind=Kind.SUBMISSION_ACCEPTED)
    assert accepted.recipient == fra_delegate  # not the observer of FRA, not DEU
    assert accepted.link == reverse("reviews:submission", args=[submission.pk])
    assert notifications.render(accepted).title == "Submission of FRA accepted"


def test_returning_a_submission_says_why(open_march, world, fra_delegate, secretariat_user):
    submission = submitted(open_march, world, fra_delegate)

    review_services.return_cycle_submission(
        user=secretariat_user, submission_id=submission.pk, reason="Add evidence for A-2."
    )

    [returned] = Notification.objects.filter(kind=Kind.SUBMISSION_RETURNED)
    assert returned.recipient == fra_delegate
    assert notifications.render(returned).summary.endswith(": Add evidence for A-2.")


def test_a_refused_decision_notifies_nobody(open_march, world, fra_delegate, secretariat_user):
    submission = submitted(open_march, world, fra_delegate)

    with pytest.raises(ValidationError):
        review_services.return_cycle_submission(
            user=secretariat_user, submission_id=submission.pk, reason="  "
        )

    assert not Notification.objects.filter(kind=Kind.SUBMISSION_RETURNED).exists()


def test_a_submitted_best_practice_goes_to_the_secretariat(
    fra, fra_delegate, secretariat_user, deu_delegate
):
    practice = draft(fra_delegate, fra)

    walk(practice, (fra_delegate, "submit"))

    assert kinds_of(secretariat_user) == [Kind.BEST_PRACTICE_SUBMITTED]
    assert kinds_of(fra_delegate) == [] and kinds_of(deu_delegate) == []
    [note] = Notification.objects.filter(recipient=secretariat_user)
    assert note.link == reverse("best_practices:detail", args=[practice.pk])


@pytest.mark.parametrize(
    ("steps", "kind", "title"),
    [
        (
            ["start_review", "publish"],
            Kind.BEST_PRACTICE_PUBLISHED,
            "Your best practice is published",
        ),
        (["return"], Kind.BEST_PRACTICE_RETURNED, "Your best practice was returned to you"),
        (
            ["start_review", "reject"],
            Kind.BEST_PRACTICE_REJECTED,
            "Your best practice was rejected",
        ),
    ],
)
def test_the_secretariats_decision_goes_to_the_author(
    fra, fra_delegate, secretariat_user, steps, kind, title
):
    practice = draft(fra_delegate, fra)
    walk(practice, (fra_delegate, "submit"))

    walk(practice, *[(secretariat_user, step, "Needs sources.") for step in steps])

    assert kinds_of(fra_delegate) == [kind]
    [note] = Notification.objects.filter(recipient=fra_delegate)
    text = notifications.render(note)
    assert text.title == f"{title}: Stockpiling tungsten together"
    assert text.summary == "Needs sources."


# The page


def test_the_page_lists_only_my_notifications_newest_first(client, fra_delegate, deu_delegate):
    make(fra_delegate, params={"cycle": "Older"}, created_at=at(1, 1))
    make(fra_delegate, params={"cycle": "Newer"}, created_at=at(1, 2))
    make(deu_delegate, params={"cycle": "Not yours"})
    client.force_login(fra_delegate)

    response = client.get(reverse("notifications:list"))

    assert response.status_code == 200
    text = response.text
    assert "Not yours" not in text
    assert text.index("Review cycle opened: Newer") < text.index("Review cycle opened: Older")
    assert text.count("notice--unread") == 2 and text.count(">Unread<") == 2


def test_marking_one_read(client, fra_delegate):
    [note, other] = make(fra_delegate, 2)
    client.force_login(fra_delegate)

    response = client.post(reverse("notifications:read", args=[note.pk]))

    assert response.status_code == 302
    note.refresh_from_db()
    other.refresh_from_db()
    assert note.read_at is not None and other.read_at is None
    page = client.get(reverse("notifications:list")).text
    assert page.count("notice--unread") == 1 and page.count(">Read<") == 1


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, fra_delegate):
    [note] = make(fra_delegate, link="/worklist/")
    client.force_login(fra_delegate)

    response = client.post(reverse("notifications:open", args=[note.pk]))

    assert response.status_code == 302 and response["Location"] == "/worklist/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_marking_all_read(client, fra_delegate, deu_delegate):
    make(fra_delegate, 3)
    [theirs] = make(deu_delegate)
    client.force_login(fra_delegate)

    client.post(reverse("notifications:read-all"))

    assert not Notification.objects.filter(recipient=fra_delegate, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("name", ["notifications:read", "notifications:open"])
def test_someone_elses_notification_is_404_and_stays_unread(
    client, fra_delegate, deu_delegate, name
):
    [theirs] = make(deu_delegate)
    client.force_login(fra_delegate)

    assert client.post(reverse(name, args=[theirs.pk])).status_code == 404
    assert client.post(reverse(name, args=[999_999])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_reading_needs_a_logged_in_post(client, fra_delegate):
    [note] = make(fra_delegate)

    assert client.get(reverse("notifications:list")).status_code == 302  # to the log-in page
    assert client.post(reverse("notifications:read", args=[note.pk])).status_code == 302
    client.force_login(fra_delegate)
    assert client.get(reverse("notifications:read", args=[note.pk])).status_code == 405
    assert client.get(reverse("notifications:open", args=[note.pk])).status_code == 405
    note.refresh_from_db()
    assert note.read_at is None


def test_an_unsafe_next_address_is_ignored(client, fra_delegate):
    [note] = make(fra_delegate)
    client.force_login(fra_delegate)

    response = client.post(
        reverse("notifications:read", args=[note.pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("notifications:list")


def test_the_badge_counts_my_unread_notifications(client, fra_delegate, deu_delegate):
    make(fra_delegate, 3)
    make(deu_delegate, 5)
    client.force_login(fra_delegate)

    page = client.get(reverse("roadmap:home")).text
    assert '<span class="badge badge--lead">3<span class="visually-hidden"> unread</span>' in page

    client.post(reverse("notifications:read-all"))
    page = client.get(reverse("roadmap:home")).text
    assert "badge--lead" not in page.split('class="site-nav"')[1].split("</nav>")[0]


def test_the_badge_stops_counting_at_99(client, fra_delegate):
    make(fra_delegate, 130)
    client.force_login(fra_delegate)

    page = client.get(reverse("notifications:list")).text

    assert '<span class="badge badge--lead">99+<span' in page


def test_the_page_is_paginated(client, fra_delegate):
    make(fra_delegate, 45)
    client.force_login(fra_delegate)

    assert len(client.get(reverse("notifications:list")).context["page"].object_list) == 20
    last = client.get(reverse("notifications:list"), {"page": 3})
    assert len(last.context["page"].object_list) == 5
    assert client.get(reverse("notifications:list"), {"page": "x"}).status_code == 200


def test_notifications_read_in_french(client, fra_delegate):
    make(
        fra_delegate, kind=Kind.SUBMISSION_ACCEPTED, params={"organisation": "FRA", "cycle": "Mars"}
    )
    client.force_login(fra_delegate)
    client.cookies["django_language"] = "fr"

    page = client.get(reverse("notifications:list")).text

    assert "Soumission de FRA acceptée" in page
    assert "Le secrétariat a accepté la réponse à Mars." in page
    assert "Tout marquer comme lu" in page


def test_a_row_missing_a_parameter_still_renders(fra_delegate):
    [note] = make(fra_delegate, kind=Kind.REMINDER_DIGEST, params={})

    text = notifications.render(note)

    assert text.summary.startswith("0 assignments await your update")


def test_the_page_costs_the_same_queries_for_many_notifications(
    client, fra_delegate, django_assert_max_num_queries
):
    make(fra_delegate, 5, kind=Kind.REMINDER_DIGEST, params={"cycle": "A", "count": 2})
    client.force_login(fra_delegate)
    client.get(reverse("notifications:list"))  # warm per-process caches
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("notifications:list"))

    make(fra_delegate, 300, kind=Kind.BEST_PRACTICE_RETURNED, params={"title": "T"})
    # Session, user, memberships, count, page, nav and badge; the rest is middleware's.
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(reverse("notifications:list"))

    assert len(few) <= 12, "\n".join(q["sql"] for q in few.captured_queries)
    assert len(many) == len(few)
    assert len(response.context["page"].object_list) == 20


# No GET writes


def test_viewing_a_submission_after_the_deadline_writes_nothing(client, open_march, fra_delegate):
    submission = CycleSubmission.objects.get(cycle=open_march, organisation__code="FRA")
    events = SubmissionEvent.objects.count()

    with time_machine.travel(at(3, 17, 9), tick=False):
        client.force_login(fra_delegate)
        assert client.get(reverse("reviews:submission", args=[submission.pk])).status_code == 200
        assert client.get(reverse("reviews:detail", args=[open_march.pk])).status_code == 200

    submission.refresh_from_db()
    assert submission.state == SubmissionState.NOT_STARTED
    assert SubmissionEvent.objects.count() == events
    run_pass(at(3, 17, 9))  # the schedule pass is what marks it late
    submission.refresh_from_db()
    assert submission.state == SubmissionState.LATE


# The API


@pytest.fixture
def api():
    return APIClient()


def test_the_api_lists_only_my_notifications(api, fra_delegate, deu_delegate):
    make(fra_delegate, 2)
    make(deu_delegate, 1)
    api.force_authenticate(fra_delegate)

    response = api.get("/api/v1/notifications/")

    assert response.status_code == 200
    assert response.data["count"] == 2
    row = response.data["results"][0]
    assert row["kind"] == "cycle_opened" and row["unread"] is True
    assert row["title"] == "Review cycle opened: Spring review"
    assert row["link"] == "http://testserver/reviews/"


def test_the_api_marks_one_and_all_read(api, fra_delegate, deu_delegate):
    [first, _second] = make(fra_delegate, 2)
    [theirs] = make(deu_delegate)
    api.force_authenticate(fra_delegate)

    response = api.post(f"/api/v1/notifications/{first.pk}/read/")
    assert response.status_code == 200 and response.data["unread"] is False

    assert api.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert api.post("/api/v1/notifications/abc/read/").status_code == 404
    response = api.post("/api/v1/notifications/read-all/")
    assert response.status_code == 200 and response.data == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_api_needs_a_user(api, fra_delegate):
    make(fra_delegate)

    assert api.get("/api/v1/notifications/").status_code == 401
    assert api.post("/api/v1/notifications/read-all/").status_code == 401


def test_the_api_list_costs_the_same_queries_for_many(
    api, fra_delegate, django_assert_max_num_queries
):
    make(fra_delegate, 250)
    api.force_authenticate(fra_delegate)

    with django_assert_max_num_queries(4):
        response = api.get("/api/v1/notifications/", {"page_size": 200})

    assert len(response.data["results"]) == 200


def test_marking_read_twice_keeps_the_first_time(fra_delegate):
    [note] = make(fra_delegate)
    first = timezone.now()
    notifications.mark_notification_read(user=fra_delegate, notification_id=note.pk, now=first)
    notifications.mark_notification_read(user=fra_delegate, notification_id=note.pk)

    note.refresh_from_db()
    assert note.read_at == first
