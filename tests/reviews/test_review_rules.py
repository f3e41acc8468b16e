"""Rules of the review schedule: what counts as improved or worsened, the digest of a day no
pass ran, and the submission state that follows from a first update."""

import threading
from functools import partial

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from accounts.models import ReminderFrequency
from roadmap.choices import Status
from tests import factories
from tests.reviews.review_data import BRUSSELS, at, plan, report_status, run_pass
from tracker import reminders, review_selectors, review_services
from tracker.models import ReminderKind, ReminderLog, SubmissionEvent, SubmissionState

DELEGATES = {"deu@example.org", "dipb@example.org", "fra@example.org"}


def digests_of(when) -> dict[str, tuple[str, str]]:
    """Runs the pass at `when`: {recipient: (kind, subject)} of the mail it sent."""
    before = len(mail.outbox)
    result = run_pass(when)
    kinds = {email: kind for email, kind in result.digests}
    return {m.to[0]: (kinds.get(m.to[0]), m.subject) for m in mail.outbox[before:]}


# Improved or worsened since the previous cycle

NARRATIVE = {Status.COMPLETED: "Done."}
CHANGES = [
    # (status frozen by the previous cycle, status now, change); None: never reported
    (Status.NOT_STARTED, Status.ON_TRACK, 1),  # work began: improved, not "worse"
    (None, Status.AT_RISK, 1),  # began, even at risk
    (Status.ON_TRACK, Status.NOT_STARTED, -1),
    (Status.AT_RISK, Status.ON_TRACK, 1),
    (Status.ON_TRACK, Status.BLOCKED, -1),
    (Status.BLOCKED, Status.OFF_TRACK, 1),
    (Status.OFF_TRACK, Status.COMPLETED, 1),
    (Status.COMPLETED, Status.ON_TRACK, -1),  # reopened
    (Status.AT_RISK, Status.AT_RISK, 0),
    (None, None, 0),  # never reported at all
    (Status.ON_TRACK, Status.CANCELLED, None),  # cancelled: not compared
]


def _progress(status):
    return 100 if status == Status.COMPLETED else 30


def test_improved_and_worsened_follow_how_far_work_has_come(fra, secretariat_user):
    # Given one assignment per case, frozen by a January cycle in its first status
    action = factories.ActionItemFactory()
    assignments = [factories.AssignmentFactory(action=action, organisation=fra)]
    assignments += [
        factories.AssignmentFactory(action=factories.ActionItemFactory(outcome=action.outcome))
        for _ in CHANGES[1:]
    ]
    for assignment, (before, _now, _change) in zip(assignments, CHANGES, strict=True):
        if before:
            report_status(
                secretariat_user,
                assignment,
                before,
                _progress(before),
                when=at(1, 5),
                narrative=NARRATIVE.get(before, ""),
            )
    plan(secretariat_user, "January", at(1, 10), at(1, 20, 17), at(1, 25, 17))
    run_pass(at(1, 10))
    run_pass(at(1, 25, 18))

    # when each moves to its second status and the March cycle closes
    for assignment, (before, now, _change) in zip(assignments, CHANGES, strict=True):
        if now and now != before:
            report_status(
                secretariat_user,
                assignment,
                now,
                _progress(now),
                when=at(2, 5),
                narrative=NARRATIVE.get(now, ""),
            )
        elif now:  # the same status reported again
            report_status(secretariat_user, assignment, now, 35, when=at(2, 5))
    march = plan(secretariat_user, "March", at(3, 2, 8), at(3, 16, 17), at(3, 30, 17))
    run_pass(at(3, 2))
    run_pass(at(3, 30, 18))

    # then each change is what a reader expects
    changes = dict(march.snapshots.values_list("assignment_id", "change"))
    assert [changes[a.pk] for a in assignments] == [change for *_pair, change in CHANGES]
    totals = review_selectors.cycle_report(cycle=march).totals.figures
    assert (totals["improved"], totals["worsened"], totals["unchanged"]) == (5, 3, 2)


# The digest of a day on which no pass ran


def test_a_reminder_day_without_a_pass_is_made_up_the_next_day_once(
    march, fra_delegate, deu_delegate, dipb_member
):
    run_pass(at(3, 2))
    mail.outbox.clear()

    # The worker was down on 9 March (7 days before the deadline): the 10th makes up for it
    sent = digests_of(at(3, 10, 6))
    assert set(sent) == DELEGATES
    assert {kind for kind, _subject in sent.values()} == {ReminderKind.BEFORE_DEADLINE}
    assert "deadline is approaching" in sent["fra@example.org"][1]

    # and never twice: not later that day, not the day after
    assert digests_of(at(3, 10, 18)) == {}
    assert digests_of(at(3, 11)) == {}
    assert ReminderLog.objects.filter(day=at(3, 10).date()).count() == 3
    assert not ReminderLog.objects.filter(day=at(3, 9).date()).exists()


def test_a_later_pass_on_the_same_day_still_sends_that_days_digest(
    march, fra_delegate, deu_delegate, dipb_member
):
    run_pass(at(3, 2))
    mail.outbox.clear()
    assert set(digests_of(at(3, 9, 23, 50))) == DELEGATES
    assert digests_of(at(3, 10, 0, 10)) == {}


def test_a_missed_deadline_day_goes_the_day_after_as_the_first_overdue_digest(
    march, fra_delegate, deu_delegate, dipb_member, secretariat_user
):
    run_pass(at(3, 2))
    mail.outbox.clear()

    sent = digests_of(at(3, 17))

    assert set(sent) == DELEGATES | {"sec@example.org"}
    assert sent["fra@example.org"][0] == ReminderKind.OVERDUE
    assert "1 day late" in sent["fra@example.org"][1]
    assert sent["sec@example.org"][0] == ReminderKind.ESCALATION
    assert digests_of(at(3, 18)) == {}


def test_a_missed_escalation_is_made_up_once(march, fra_delegate, secretariat_user):
    run_pass(at(3, 2))
    run_pass(at(3, 16))
    mail.outbox.clear()

    # no pass on the 17th, the day of the first escalation
    assert set(digests_of(at(3, 18))) == {"sec@example.org"}
    assert digests_of(at(3, 18, 12)) == {}
    assert set(digests_of(at(3, 19))) == {"sec@example.org", "fra@example.org"}


def test_only_one_day_is_made_up_and_a_day_with_its_own_digest_sends_only_that(
    world, secretariat_user, fra_delegate, deu_delegate, dipb_member
):
    plan(
        secretariat_user,
        "Close reminders",
        at(3, 2, 8),
        at(3, 16, 17),
        at(3, 30, 17),
        reminder_days_before=[7, 3, 2],
    )
    run_pass(at(3, 2))
    mail.outbox.clear()

    # down on the 9th and the 10th: nothing is sent out of step on the 11th
    assert digests_of(at(3, 11)) == {}
    # down on the 13th (3 days before): the 14th sends its own digest, one per person
    sent = digests_of(at(3, 14))
    assert set(sent) == DELEGATES
    assert ReminderLog.objects.filter(day=at(3, 14).date()).count() == 3
    assert digests_of(at(3, 15)) == {}
    per_day = list(ReminderLog.objects.values_list("user_id", "day"))
    assert len(per_day) == len(set(per_day))


def test_no_day_before_the_cycle_opened_is_made_up(march):
    march.opened_at = at(3, 10, 6)
    kind_on = partial(reminders.digest_kind, cycle=march, frequency=ReminderFrequency.ALL)
    opening_day = reminders.day_in_cycle(cycle=march, now=at(3, 10, 9), zone=BRUSSELS)
    day_after = reminders.day_in_cycle(cycle=march, now=at(3, 11, 9), zone=BRUSSELS)

    # 9 March was a reminder day, but the cycle was not open yet
    assert kind_on(day=opening_day.day_before()) == ReminderKind.BEFORE_DEADLINE
    assert reminders.missed_kind(day=opening_day, kind_on=kind_on) is None
    assert reminders.missed_kind(day=day_after, kind_on=kind_on) == ReminderKind.OPENING


# The submission state that follows from a first update


def test_a_first_update_makes_the_submission_a_draft_on_the_page(
    client, march, world, fra_delegate
):
    run_pass(at(3, 2))
    submission = march.submissions.get(organisation__code="FRA")
    url = reverse("reviews:submission", args=[submission.pk])
    client.force_login(fra_delegate)
    assert client.get(url).context["submission"].state == SubmissionState.NOT_STARTED

    report_status(fra_delegate, world.a1, Status.ON_TRACK, 40, when=at(3, 5))
    page = client.get(url)

    assert page.context["submission"].state == SubmissionState.DRAFT
    assert "Draft" in page.text
    client.get(url)
    client.get(reverse("reviews:detail", args=[march.pk]))
    assert list(submission.events.values_list("from_state", "to_state")) == [
        (SubmissionState.NOT_STARTED, SubmissionState.DRAFT)
    ]


def test_submitting_right_after_reporting_keeps_the_draft_in_the_history(
    march, world, fra_delegate
):
    run_pass(at(3, 2))
    report_status(fra_delegate, world.a1, Status.ON_TRACK, 40, when=at(3, 5))
    report_status(fra_delegate, world.a3, Status.AT_RISK, 40, when=at(3, 5))
    submission = march.submissions.get(organisation__code="FRA")

    review_services.submit_cycle_submission(
        user=fra_delegate, submission_id=submission.pk, now=at(3, 5, 10)
    )

    assert list(submission.events.values_list("from_state", "to_state")) == [
        (SubmissionState.NOT_STARTED, SubmissionState.DRAFT),
        (SubmissionState.DRAFT, SubmissionState.SUBMITTED),
    ]


def test_after_the_deadline_an_unsubmitted_submission_is_late(client, march, world, deu_delegate):
    run_pass(at(3, 2))
    report_status(deu_delegate, world.a2, Status.ON_TRACK, 40, when=at(3, 5))
    march.refresh_from_db()
    submission = march.submissions.get(organisation__code="DEU")
    review_services.sync_submission_states(cycle=march, now=at(3, 5, 12))
    assert review_services.sync_submission_states(cycle=march, now=at(3, 5, 13)) == 0

    review_services.sync_submission_states(cycle=march, now=at(3, 17))

    submission.refresh_from_db()
    assert submission.state == SubmissionState.LATE
    assert list(submission.events.values_list("to_state", flat=True)) == [
        SubmissionState.DRAFT,
        SubmissionState.LATE,
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_callers_at_once_record_each_move_once(march, world, fra_delegate):
    run_pass(at(3, 2))
    report_status(fra_delegate, world.a1, Status.ON_TRACK, 40, when=at(3, 5))
    march.refresh_from_db()
    barrier = threading.Barrier(2)
    errors = []

    def sync():
        try:
            barrier.wait()
            review_services.sync_submission_states(cycle=march, now=at(3, 5, 12))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert SubmissionEvent.objects.filter(to_state=SubmissionState.DRAFT).count() == 1
