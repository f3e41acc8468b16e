"""Prints the demo secretariat's current two-factor code, for newcomers without a phone app."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import two_factor


class Command(BaseCommand):
    help = "Print the current code of the demo authenticator (development only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The demo authenticator does not exist in production.")
        code, seconds = two_factor.demo_code()
        self.stdout.write(f"{code}  (valid for {seconds} more seconds)")
