"""A small roadmap for review tests, built at a fixed moment through the services."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from smtplib import SMTPException

import time_machine
from django.core.mail.backends.locmem import EmailBackend
from django.test import TestCase

from accounts.choices import Role
from config.celery import app as celery_app
from roadmap.choices import AssignmentRole, Status
from tests import factories
from tracker import review_services
from tracker.services import UpdateRequest, record_status_update

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2030) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)


def report_status(user, assignment, status, progress, *, when, narrative=""):
    assignment.refresh_from_db()
    with time_machine.travel(when, tick=False):
        return record_status_update(
            user=user,
            request=UpdateRequest(
                assignment_id=assignment.pk,
                base_version=assignment.version,
                status=status,
                progress=progress,
                narrative=narrative,
            ),
            now=when,
        )


@dataclass
class ReviewWorld:
    line1: object
    line2: object
    a1: object
    a2: object
    a3: object
    a4: object
    a5: object
    a6: object


def build_world(*, fra, deu, dipb, secretariat_user) -> ReviewWorld:
    """Six assignments over two lines, created on 1 December 2029.

    LOE-1: a1 FRA (lead), a2 DEU on one action; a3 FRA due 1 March 2030; a4 DIPB.
    LOE-2: a5 DEU due 20 March 2030; a6 FRA, cancelled before any review.
    """
    with time_machine.travel(at(12, 1, year=2029), tick=False):
        line1 = factories.LineOfEffortFactory(number=1)
        line2 = factories.LineOfEffortFactory(number=2, roadmap=line1.roadmap)
        outcome1 = factories.KeyOutcomeFactory(line=line1, number=1)
        outcome2 = factories.KeyOutcomeFactory(line=line2, number=1)
        action1 = factories.ActionItemFactory(outcome=outcome1, number=1)
        action2 = factories.ActionItemFactory(outcome=outcome1, number=2)
        action3 = factories.ActionItemFactory(outcome=outcome1, number=3)
        action4 = factories.ActionItemFactory(outcome=outcome2, number=1)
        action5 = factories.ActionItemFactory(outcome=outcome2, number=2)
        make = factories.AssignmentFactory
        world = ReviewWorld(
            line1=line1,
            line2=line2,
            a1=make(
                action=action1,
                organisation=fra,
                role=AssignmentRole.LEAD,
                due_date=date(2030, 6, 30),
            ),
            a2=make(action=action1, organisation=deu),
            a3=make(action=action2, organisation=fra, due_date=date(2030, 3, 1)),
            a4=make(action=action3, organisation=dipb),
            a5=make(action=action4, organisation=deu, due_date=date(2030, 3, 20)),
            a6=make(action=action5, organisation=fra),
        )
    report_status(secretariat_user, world.a1, Status.AT_RISK, 10, when=at(12, 5, year=2029))
    report_status(secretariat_user, world.a2, Status.ON_TRACK, 10, when=at(12, 5, year=2029))
    report_status(secretariat_user, world.a5, Status.BLOCKED, 0, when=at(12, 5, year=2029))
    report_status(secretariat_user, world.a6, Status.CANCELLED, 0, when=at(12, 5, year=2029))
    return world


def plan(user, title, opens_at, deadline, closes_at, **extra):
    return review_services.plan_review_cycle(
        user=user, title=title, opens_at=opens_at, deadline=deadline, closes_at=closes_at, **extra
    )


def run_pass(when):
    """The pass at `when`, with the mail it queues sent as if its transaction committed."""
    with (
        time_machine.travel(when, tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        return review_services.run_review_schedule(now=when)


def second_delegate(deu, **fields):
    return factories.member(deu, Role.DELEGATE, email="deu2@example.org", **fields)


def failing_smtp(monkeypatch, times: int) -> dict:
    """The SMTP server refuses the next `times` sends with a temporary error, then accepts.
    Returns the countdown ({"left": n}) so a test can check every failure was met. In-process,
    Celery replays a retry only when eager errors are not re-raised, so that is turned off."""
    failures = {"left": times}
    real_send = EmailBackend.send_messages

    def flaky_send(self, messages):
        if failures["left"]:
            failures["left"] -= 1
            raise SMTPException("421 try again later")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky_send)
    monkeypatch.setattr(celery_app.conf, "task_eager_propagates", False)
    return failures
