"""`manage.py import_all PATH`: load an export_all file into a new, empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from roadmap.backup import BackupError, import_all


class Command(BaseCommand):
    help = (
        "Load a file written by export_all into an empty database migrated to the same "
        "version. All or nothing; refuses a database that already holds data."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="a file written by export_all")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path: Path, database: str, **options):
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        try:
            report = import_all(path=path, using=database)
        except BackupError as exc:
            raise CommandError(f"{exc} " + _("Nothing was written.")) from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(_("Imported %(path)s.") % {"path": path}))
