"""A whole review cycle under a controlled clock, from planning to the frozen report."""

from datetime import timedelta

from django.core import mail

from accounts.models import ReminderFrequency
from roadmap.choices import Status
from tests.reviews.review_data import (
    at,
    plan,
    report_status,
    run_pass,
    second_delegate,
)
from tracker import review_selectors, review_services
from tracker.models import CycleState, ReminderLog, ReviewSnapshot, SubmissionState


def digests_of_day(when):
    """Runs the pass at `when` and returns {recipient: subject} of the mail it sent."""
    before = len(mail.outbox)
    run_pass(when)
    return {message.to[0]: message.subject for message in mail.outbox[before:]}


def test_a_whole_cycle(
    world, secretariat_user, fra_delegate, deu_delegate, dipb_member, observer, deu
):
    second_delegate(deu, reminder_frequency=ReminderFrequency.DEADLINE_ONLY)
    fra_delegate.language = "fr"
    fra_delegate.save()

    # Given a previous cycle closed in January, freezing the December statuses
    january = plan(secretariat_user, "January review", at(1, 10), at(1, 20, 17), at(1, 25, 17))
    run_pass(at(1, 10))
    run_pass(at(1, 25, 18))
    january.refresh_from_db()
    assert january.state == CycleState.CLOSED
    mail.outbox.clear()

    # and the March cycle planned: opens 2 March, deadline 16 March 17:00, closes 30 March
    march = plan(secretariat_user, "March review", at(3, 2, 8), at(3, 16, 17), at(3, 30, 17))
    delegates = {"fra@example.org", "deu@example.org", "dipb@example.org"}

    # Opening day: the cycle opens and each delegate who wants every reminder hears of it
    sent = digests_of_day(at(3, 2))
    march.refresh_from_db()
    assert march.state == CycleState.OPEN
    assert set(sent) == delegates
    assert set(march.submissions.values_list("organisation__code", flat=True)) == {
        "FRA",
        "DEU",
        "DIPB",
    }
    # running the same moment again sends nothing more
    assert digests_of_day(at(3, 2)) == {}
    assert digests_of_day(at(3, 2, 9, 15)) == {}

    # Quiet days send nothing
    for day in (3, 4, 5, 6, 7, 8):
        assert digests_of_day(at(3, day)) == {}, day

    # 7 days before the deadline
    assert set(digests_of_day(at(3, 9))) == delegates

    # France reports everything halfway through and submits; Germany reports one of two
    report_status(fra_delegate, world.a1, Status.ON_TRACK, 40, when=at(3, 10, 11))
    report_status(
        fra_delegate, world.a3, Status.COMPLETED, 100, when=at(3, 10, 11), narrative="Done."
    )
    fra_submission = march.submissions.get(organisation__code="FRA")
    review_services.submit_cycle_submission(
        user=fra_delegate, submission_id=fra_submission.pk, now=at(3, 10, 12)
    )
    review_services.accept_cycle_submission(
        user=secretariat_user, submission_id=fra_submission.pk, now=at(3, 11, 12)
    )
    report_status(deu_delegate, world.a2, Status.OFF_TRACK, 20, when=at(3, 12, 11))
    review_services.record_assessment(
        user=secretariat_user, cycle=march, assignment_id=world.a1.pk, status=Status.AT_RISK
    )
    review_services.record_assessment(
        user=secretariat_user, cycle=march, assignment_id=world.a5.pk, status=Status.BLOCKED
    )

    for day in (10, 11, 12, 13):
        assert digests_of_day(at(3, day)) == {}, day

    # 2 days before: France has nothing left to do and gets nothing
    assert set(digests_of_day(at(3, 14))) == {"deu@example.org", "dipb@example.org"}
    assert digests_of_day(at(3, 15)) == {}

    # Deadline day: even the person who asked for fewer digests gets this one
    sent = digests_of_day(at(3, 16))
    assert set(sent) == {"deu@example.org", "dipb@example.org", "deu2@example.org"}

    # The day after: the secretariat's escalation, nobody else
    sent = digests_of_day(at(3, 17))
    assert set(sent) == {"sec@example.org"}
    escalation = mail.outbox[-1]
    assert "DEU" in escalation.body and "DIPB" in escalation.body
    assert "FRA" not in escalation.body
    assert "1 day" in escalation.subject

    # Overdue every 3 days, with an escalation on the same days
    late_round = {"deu@example.org", "dipb@example.org", "deu2@example.org", "sec@example.org"}
    for day in range(18, 30):
        sent = digests_of_day(at(3, day))
        if (day - 16) % 3 == 0:
            assert set(sent) == late_round, day
            assert f"{day - 16} days" in sent["sec@example.org"]
        else:
            assert sent == {}, day
    assert march.submissions.get(organisation__code="DEU").state == SubmissionState.LATE
    assert march.submissions.get(organisation__code="FRA").state == SubmissionState.ACCEPTED

    # Nobody ever got two digests on one day, the observer none at all
    per_day = ReminderLog.objects.values_list("user_id", "day")
    assert len(per_day) == len(set(per_day))
    assert not ReminderLog.objects.filter(user=observer).exists()
    assert not ReminderLog.objects.filter(user=fra_delegate, day__gt=at(3, 10).date()).exists()
    assert ReminderLog.objects.filter(sent_at__isnull=True).count() == 0

    # Closing: the pass after closes_at freezes the snapshot
    sent = digests_of_day(at(3, 30, 18))
    march.refresh_from_db()
    assert march.state == CycleState.CLOSED
    assert sent == {}
    assert ReviewSnapshot.objects.filter(cycle=march).count() == 6

    report = review_selectors.cycle_report(cycle=march)
    expected_totals = {
        "total": 6,
        "expected": 5,
        "reported": 3,
        "overdue": 1,
        "stale": 2,
        "improved": 2,
        "worsened": 1,
        "unchanged": 2,
        "assessed_differs": 1,
    }
    assert {name: report.totals.figures[name] for name in expected_totals} == expected_totals
    assert report.totals.rate == 60
    rates = {row.code: row.rate for row in report.organisations}
    assert rates == {"DEU": 50, "DIPB": 0, "FRA": 100}
    line1, line2 = report.lines
    assert {cat: n for cat, n, _pct in line1.distribution if n} == {
        "on_track": 1,
        "off_track": 1,
        "completed": 1,
        "not_reported": 1,
    }
    assert {cat: n for cat, n, _pct in line2.distribution if n} == {"blocked": 1, "cancelled": 1}
    assert [s.assignment_id for s in report.differences] == [world.a1.pk]
    assert {s.assignment_id: s.change for s in report.changes} == {
        world.a1.pk: 1,
        world.a2.pk: -1,
        world.a3.pk: 1,
    }

    # A later update never changes the closed cycle's report
    figures_before = report.totals.figures, [r.figures for r in report.organisations]
    report_status(fra_delegate, world.a1, Status.COMPLETED, 100, when=at(4, 2), narrative="x")
    report_status(deu_delegate, world.a5, Status.ON_TRACK, 50, when=at(4, 2))
    again = review_selectors.cycle_report(cycle=march)
    assert (again.totals.figures, [r.figures for r in again.organisations]) == figures_before
    assert digests_of_day(at(4, 2) + timedelta(hours=1)) == {}


def test_digest_content(world, secretariat_user, fra_delegate):
    fra_delegate.language = "fr"
    fra_delegate.time_zone = "America/New_York"
    fra_delegate.save()
    plan(secretariat_user, "March review", at(3, 2, 8), at(3, 16, 17), at(3, 30, 17))

    run_pass(at(3, 2))

    (message,) = [m for m in mail.outbox if m.to == ["fra@example.org"]]
    assert world.a1.action.code in message.body and world.a3.action.code in message.body
    assert world.a6.action.code not in message.body  # cancelled: nothing to ask
    assert "http://localhost:8000/" in message.body
    assert "mars 2030" in message.body  # French date
    assert "America/New_York" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and world.a1.action.code in html
    name, ics, ics_type = message.attachments[0]
    assert name.endswith(".ics") and ics_type.startswith("text/calendar")
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert "DTSTART:20300316T160000Z\r\n" in ics
