"""`manage.py export_all PATH`: the whole roadmap and its history as one JSON file."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from roadmap.backup import export_all


class Command(BaseCommand):
    help = (
        "Write every organisation, user (with password hashes), membership, the roadmap, "
        "assignments, status updates, review cycles, best practices with their files, and the "
        "audit trail to one JSON file that import_all loads into an empty database. "
        "Not included: API tokens, sessions, log-in lock counters."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file to write, or - for standard output")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path: str, database: str, **options):
        if path == "-":
            export_all(out=sys.stdout, using=database)
            return
        target = Path(path)
        partial = target.with_name(target.name + ".part")
        with partial.open("w", encoding="utf-8") as out:
            report = export_all(out=out, using=database)
        partial.replace(target)  # a crash never leaves a half file under the real name
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(_("Exported to %(path)s.") % {"path": target}))
