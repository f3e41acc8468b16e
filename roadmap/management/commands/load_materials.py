"""`manage.py load_materials [PATH ...]`: the critical raw materials register from its data file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from roadmap.materials import RoadmapLoadError, load_materials_file

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "materials.yaml"


class Command(BaseCommand):
    help = (
        "Create or update critical raw materials, their supplier shares and defence uses, and "
        "links to mitigating action items, from YAML or JSON files (default: the project's "
        "roadmap/data/materials.yaml). Materials are matched by their key; the file's supplier "
        "shares and defence uses replace the stored ones. All or nothing: on any problem, every "
        "problem is listed and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="a .yaml, .yml or .json file")

    def handle(self, *args, paths: list[Path], **options):
        for path in paths or [DEFAULT_PATH]:
            try:
                report = load_materials_file(path=path)
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
            self.stdout.write(f"{path.name}: {report}")
            self.stdout.write(self.style.SUCCESS(_("Loaded %(path)s.") % {"path": path}))
