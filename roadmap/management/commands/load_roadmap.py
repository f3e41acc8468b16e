"""`manage.py load_roadmap PATH`: the operators' way to create or update the roadmap from a file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from roadmap.services import RoadmapLoadError, load_roadmap_file


class Command(BaseCommand):
    help = (
        "Create or update the roadmap, organisations, lines of effort, key outcomes, action items "
        "and assignments from a YAML or JSON file, matched by code. All or nothing: on any "
        "problem, every problem is listed and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="a .yaml, .yml or .json file")

    def handle(self, *args, path: Path, **options):
        try:
            report = load_roadmap_file(path=path)
        except RoadmapLoadError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(
                ngettext(
                    "%(count)d problem in %(path)s; nothing was written.",
                    "%(count)d problems in %(path)s; nothing was written.",
                    len(exc.messages),
                )
                % {"count": len(exc.messages), "path": path}
            ) from exc
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(_("Loaded %(path)s.") % {"path": path}))
