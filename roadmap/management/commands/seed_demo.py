"""The illustrative demo data set and one demo user per role."""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from accounts import two_factor
from accounts.choices import Role
from accounts.models import Organisation
from accounts.services import ensure_member
from roadmap.services import RoadmapLoadError, load_roadmap_file

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
DEFAULT_DEMO_PASSWORD = "roadmap-demo"

# (e-mail, organisation code, role, first name, last name, admin access)
DEMO_USERS = [
    ("secretariat@demo.example", "NSEC", Role.SECRETARIAT, "Sam", "Secretariat", True),
    ("delegate.fra@demo.example", "FRA", Role.DELEGATE, "Camille", "Delegate (FRA)", False),
    ("delegate.deu@demo.example", "DEU", Role.DELEGATE, "Jonas", "Delegate (DEU)", False),
    ("board.dipb@demo.example", "DIPB", Role.BOARD_MEMBER, "Alex", "Board member (DIPB)", False),
    ("industry.niag@demo.example", "NIAG", Role.INDUSTRY_MEMBER, "Ines", "Industry (NIAG)", False),
    ("observer@demo.example", "NSEC", Role.OBSERVER, "Olga", "Observer", False),
]


class Command(BaseCommand):
    help = "Load the roadmap, the illustrative demo outcomes and actions, and demo users."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help=f"password for every demo user (default in development: {DEFAULT_DEMO_PASSWORD})",
        )

    def handle(self, *args, password=None, **options):
        if password is None:
            if settings.PRODUCTION:
                raise CommandError("In production, give the demo users a --password.")
            password = DEFAULT_DEMO_PASSWORD
        try:
            for name in ("roadmap.yaml", "demo.yaml"):
                report = load_roadmap_file(path=DATA_DIR / name)
                self.stdout.write(f"{name}: {report}")
        except RoadmapLoadError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        call_command(
            "load_materials",
            DATA_DIR / "materials.yaml",
            DATA_DIR / "demo_materials.yaml",
            stdout=self.stdout,
            stderr=self.stderr,
        )

        organisations = Organisation.objects.in_bulk(
            [code for _e, code, *_rest in DEMO_USERS], field_name="code"
        )
        self.stdout.write(self.style.SUCCESS("Demo logins (illustrative data only):"))
        for email, code, role, first, last, is_staff in DEMO_USERS:
            user = ensure_member(
                email=email,
                organisation=organisations[code],
                role=role,
                password=password,
                first_name=first,
                last_name=last,
                is_staff=is_staff,
            )
            self.stdout.write(f"  {role.label:<18} {code:<5} {email:<28} password: {password}")
            if role == Role.SECRETARIAT and not settings.PRODUCTION:
                two_factor.give_demo_authenticator(user=user)
                self.stdout.write(
                    f"{'':<56}two-factor code: run `manage.py demo_totp`, or add "
                    f"key {two_factor.readable_secret(two_factor.DEMO_SECRET)} to an "
                    "authenticator app"
                )
