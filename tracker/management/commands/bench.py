"""Times the hot paths beside their bare SQL (see tracker/benchmark.py)."""

import logging

from django.core.management.base import BaseCommand, CommandError

from roadmap.large_data import LargeDataError, build_large_data
from roadmap.models import Assignment
from tracker.benchmark import BenchmarkError, run_benchmark

QUICK_SCALE = 0.02
# The benchmark signs its readers in; the lockout's note of each log-in would come between the
# figures.
QUIET_LOGGERS = ("axes",)


class Command(BaseCommand):
    help = (
        "Time each scenario after a warm-up and print one line each: "
        "bench NAME median_ms=… p95_ms=… queries=… sql_ms=… ratio=…, "
        "after a line that times fixed work: machine python_ms=… sql_ms=…"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quick",
            action="store_true",
            help=f"few runs; builds the large data set at scale {QUICK_SCALE} into an empty "
            "database first (for CI)",
        )
        parser.add_argument("--runs", type=int, help="timed runs per scenario (default 30)")
        parser.add_argument(
            "--only",
            nargs="+",
            metavar="NAME",
            help="run only the scenarios whose names start with one of these",
        )

    def handle(self, *args, quick=False, runs=None, only=None, **options):
        if runs is not None and runs < 1:
            raise CommandError("--runs must be at least 1.")
        levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            if quick and not Assignment.objects.exists():
                report = build_large_data(scale=QUICK_SCALE)
                self.stdout.write(report.lines()[0])
            run_benchmark(
                runs=runs or (5 if quick else 30),
                warmup=1 if quick else 3,
                write=self.stdout.write,
                only=only,
            )
        except (LargeDataError, BenchmarkError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
