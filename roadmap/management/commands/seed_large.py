"""Builds the deterministic large data set the benchmark runs on (see roadmap/large_data.py)."""

from django.core.management.base import BaseCommand, CommandError

from roadmap.large_data import LargeDataError, build_large_data


class Command(BaseCommand):
    help = (
        "Build a deterministic large data set into an empty roadmap: at scale 1.0, 800 action "
        "items, about 25,000 assignments, 500,000 status updates and 3,000 users."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=float,
            default=1.0,
            help="fraction of the full size, more than 0 and at most 1 (default 1.0)",
        )

    def handle(self, *args, scale, **options):
        try:
            report = build_large_data(scale=scale)
        except LargeDataError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
