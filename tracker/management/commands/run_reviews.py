"""One pass of the review schedule, synchronously: for the embedded default and for cron."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker import review_services


def parse_moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now: not an ISO-8601 date and time: {value!r}") from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = "Open and close the review cycles that are due and send the due reminders."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            type=parse_moment,
            default=None,
            help="Run as if it were this moment (ISO-8601; local time zone when none given).",
        )

    def handle(self, *args, now=None, **options):
        result = review_services.run_review_schedule(now=now)
        for title in result.closed:
            self.stdout.write(f"closed: {title}")
        for title in result.opened:
            self.stdout.write(f"opened: {title}")
        for title in result.skipped:
            self.stdout.write(f"not opened (another cycle is open): {title}")
        for email, kind in result.digests:
            self.stdout.write(f"digest: {kind} -> {email}")
        if result.requeued:
            self.stdout.write(f"requeued unsent digests: {result.requeued}")
        self.stdout.write(
            f"done: {len(result.opened)} opened, {len(result.closed)} closed, "
            f"{len(result.digests)} digests queued"
        )
