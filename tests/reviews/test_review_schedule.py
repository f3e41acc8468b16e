"""The schedule pass: exactly once, retries, recovery, and a bounded number of queries."""

import threading
import time
from datetime import date

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from accounts.choices import OrganisationKind, Role
from config.celery import app as celery_app
from roadmap.models import ActionItem, Assignment
from tests import factories
from tests.reviews.review_data import at, failing_smtp, plan, run_pass
from tracker import review_services, tasks
from tracker.models import CycleState, ReminderLog, ReviewCycle

DELEGATES = ["deu@example.org", "dipb@example.org", "fra@example.org"]


def recipients():
    return sorted(message.to[0] for message in mail.outbox)


def test_the_pass_twice_for_the_same_moment_sends_each_digest_once(
    march, fra_delegate, deu_delegate, dipb_member
):
    first = run_pass(at(3, 2))
    second = run_pass(at(3, 2))

    assert first.opened == ["March review"] and len(first.digests) == 3
    assert second.opened == [] and second.digests == []
    assert recipients() == DELEGATES
    assert ReminderLog.objects.filter(sent_at__isnull=False).count() == 3


def test_the_send_task_never_sends_a_digest_twice(march, fra_delegate, deu_delegate, dipb_member):
    run_pass(at(3, 2))
    log = ReminderLog.objects.get(user=fra_delegate)

    assert tasks.send_reminder_digest.delay(log.pk).get() is False

    assert recipients() == DELEGATES


def test_an_smtp_failure_is_retried_and_the_mail_sent_once(
    march, fra_delegate, deu_delegate, dipb_member, monkeypatch
):
    failures = failing_smtp(monkeypatch, 2)

    run_pass(at(3, 2))

    assert failures["left"] == 0
    assert recipients() == DELEGATES
    assert ReminderLog.objects.filter(sent_at__isnull=True).count() == 0


def test_a_digest_lost_before_sending_is_sent_by_a_later_pass(
    march, fra_delegate, deu_delegate, dipb_member
):
    # Given a pass whose queued mail never ran (the worker died)
    with time_machine.travel(at(3, 2), tick=False), TestCase.captureOnCommitCallbacks():
        review_services.run_review_schedule(now=at(3, 2))
    assert mail.outbox == []

    # a pass a few minutes later leaves it alone, one after REVIEW_REQUEUE_AFTER sends it
    assert run_pass(at(3, 2, 9, 5)).requeued == 0
    assert run_pass(at(3, 2, 9, 15)).requeued == 3

    assert recipients() == DELEGATES
    assert run_pass(at(3, 2, 9, 30)).requeued == 0
    assert recipients() == DELEGATES


def test_run_reviews_command_runs_the_pass(march, fra_delegate, deu_delegate, dipb_member, capsys):
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("run_reviews", "--now", "2030-03-02T09:00:00+01:00")

    out = capsys.readouterr().out
    assert "opened: March review" in out
    assert "digest: opening -> fra@example.org" in out
    assert "done: 1 opened, 0 closed, 3 digests queued" in out
    assert recipients() == DELEGATES


def test_run_reviews_command_rejects_a_bad_moment(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO-8601"):
        call_command("run_reviews", "--now", "next tuesday")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_passes_at_once_send_each_digest_once(march, fra_delegate, deu_delegate, dipb_member):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def one_pass():
        try:
            barrier.wait()
            results.append(review_services.run_review_schedule(now=at(3, 2)))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(len(result.opened) for result in results) == [0, 1]
    assert sorted(len(result.digests) for result in results) == [0, 3]
    assert recipients() == DELEGATES
    assert ReminderLog.objects.count() == 3


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_periodic_task_and_the_mail_arrives(
    march, fra_delegate, deu_delegate, dipb_member
):
    celery_app.control.purge()

    with (
        time_machine.travel(at(3, 2), tick=True),
        start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"),
    ):
        tasks.run_review_schedule.delay()
        deadline = time.monotonic() + 30
        while len(mail.outbox) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)

    assert ReviewCycle.objects.get().state == CycleState.OPEN
    assert recipients() == DELEGATES
    assert ReminderLog.objects.filter(sent_at__isnull=True).count() == 0


def _bulk_roadmap(*, organisations, actions_per_org):
    """Assignments in bulk (no services): only the pass's query count is measured here."""
    line = factories.LineOfEffortFactory()
    outcome = factories.KeyOutcomeFactory(line=line)
    start = ActionItem.objects.count()
    ActionItem.objects.bulk_create(
        ActionItem(
            outcome=outcome,
            number=n,
            code=f"{outcome.code}.A-{n}",
            title=f"A{n}",
            due_date=date(2030, 6, 1),
        )
        for n in range(start + 1, start + actions_per_org + 1)
    )
    actions = list(ActionItem.objects.filter(outcome=outcome))
    Assignment.objects.bulk_create(
        Assignment(action=action, organisation=org) for org in organisations for action in actions
    )


def _organisations_with_delegates(count):
    organisations = []
    for _ in range(count):
        org = factories.AllyFactory()
        factories.member(org, Role.DELEGATE)
        organisations.append(org)
    return organisations


# Queries of one pass, savepoints included, whatever the number of assignments.
PASS_BUDGET = 30


def _pass_queries(when):
    with (
        time_machine.travel(when, tick=False),
        CaptureQueriesContext(connection) as queries,
        TestCase.captureOnCommitCallbacks(),
    ):
        result = review_services.run_review_schedule(now=when)
    return len(queries), result


@pytest.mark.parametrize("actions_per_org", [10, 40])
def test_the_pass_costs_the_same_queries_for_any_number_of_assignments(
    secretariat_user, actions_per_org
):
    organisations = _organisations_with_delegates(8)
    _bulk_roadmap(organisations=organisations, actions_per_org=actions_per_org)
    assert Assignment.objects.count() == 8 * actions_per_org
    plan(secretariat_user, "March review", at(3, 2, 8), at(3, 16, 17), at(3, 30, 17))

    opening, result = _pass_queries(at(3, 2))
    assert len(result.digests) == 8
    before, _ = _pass_queries(at(3, 9))
    deadline, result = _pass_queries(at(3, 16))
    assert len(result.digests) == 8
    escalation, result = _pass_queries(at(3, 17))
    assert [kind for _email, kind in result.digests] == ["escalation"]
    closing, _ = _pass_queries(at(3, 30, 18))

    # the same fixed budget for 80 and 320 assignments
    assert max(opening, before, deadline, escalation, closing) <= PASS_BUDGET, (
        opening,
        before,
        deadline,
        escalation,
        closing,
    )


def test_the_pass_over_the_large_data_set_is_batched(secretariat_user):
    organisations = _organisations_with_delegates(32)
    _bulk_roadmap(organisations=organisations, actions_per_org=800)
    assert Assignment.objects.count() == 25_600
    plan(secretariat_user, "Large review", at(3, 2, 8), at(3, 16, 17), at(3, 30, 17))

    opening, result = _pass_queries(at(3, 2))
    reminder, _ = _pass_queries(at(3, 9))
    closing, _ = _pass_queries(at(3, 30, 18))

    assert len(result.digests) == 32
    assert max(opening, reminder, closing) <= PASS_BUDGET, (opening, reminder, closing)


def test_secretariat_kind_is_required_for_escalations(world, march, fra, deu_delegate):
    # A "secretariat" role in a national delegation is not the secretariat
    factories.member(fra, Role.SECRETARIAT, email="fake-sec@example.org")
    assert fra.kind == OrganisationKind.ALLY
    run_pass(at(3, 2))
    run_pass(at(3, 17))
    assert "fake-sec@example.org" not in recipients()
