"""First run on a fresh clone: migrate SQLite, load the roadmap and demo data, then serve."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate, load the roadmap and demo data, print the demo logins and serve the app."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-serve", action="store_true", help="set up, then stop")

    def handle(self, *args, addrport, no_serve, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("seed_demo")
        if no_serve:
            return
        self.stdout.write(self.style.SUCCESS(f"Serving on http://{addrport}/ (Ctrl-C to stop)"))
        call_command("runserver", addrport, use_reloader=False)
