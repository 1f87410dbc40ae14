"""``python manage.py load_demo``: the demo clinic, a demo clinician and twelve synthetic patients.

Safe to run again: the clinic is matched by name, the user by username and patients by MRN within the
clinic; anything already present is left as it is (an existing patient is skipped entirely, and the demo
user's password is only changed with ``--reset-password``). The data are defined in :mod:`patients.demo`.
"""

from __future__ import annotations

import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from patients import demo

#: The address ``scripts/run.sh`` serves on unless $HOST or $PORT say otherwise (the same defaults).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = "8000"


def site_url() -> str:
    """The address to open: $HOST and $PORT as ``scripts/run.sh`` passes them to ``runserver``. A server
    bound to every interface (0.0.0.0, ::) is opened on this machine as localhost."""
    host = os.environ.get("HOST") or DEFAULT_HOST
    port = os.environ.get("PORT") or DEFAULT_PORT
    if host in ("0.0.0.0", "::", "[::]"):  # noqa: S104 - not a binding: names the wildcard runserver may get
        host = "localhost"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{port}/"


class Command(BaseCommand):
    help = (
        "Create the demo clinic, a demo clinician (username 'demo') and 12 synthetic patients. "
        f"The password is taken from ${demo.DEMO_PASSWORD_ENV} if set, otherwise generated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help=f"Set a new password for an existing demo user (${demo.DEMO_PASSWORD_ENV} or a generated one).",
        )

    def handle(self, *args, reset_password: bool = False, **options):
        today = timezone.localdate()
        chosen_password = os.environ.get(demo.DEMO_PASSWORD_ENV) or None

        clinic, clinic_created = demo.get_or_create_clinic()
        try:
            user, user_created, password = demo.ensure_demo_user(
                clinic=clinic, password=chosen_password, reset_password=reset_password
            )
        except ValidationError as error:
            raise CommandError(f"${demo.DEMO_PASSWORD_ENV} is not accepted: {' '.join(error.messages)}") from error
        created, skipped = demo.load_demo_patients(clinic=clinic, user=user, today=today)

        write = self.stdout.write
        write("")
        write(self.style.SUCCESS("Demo data loaded."))
        write(f"  Clinic:    {clinic.name} ({'created' if clinic_created else 'already present'})")
        write(f"  Patients:  {len(created)} created, {len(skipped)} already present (left unchanged)")
        write(f"  Dates are relative to {today.isoformat()}.")
        write("")
        write(self.style.MIGRATE_HEADING(f"Open {site_url()} and sign in with:"))
        write(f"  Username:  {demo.DEMO_USERNAME}")
        if password is not None:
            source = f" (from ${demo.DEMO_PASSWORD_ENV})" if chosen_password else ""
            write(f"  Password:  {password}{source}")
            if user_created:
                write("  Keep this password: it is not shown again.")
        else:
            write("  Password:  unchanged (it was set when the demo user was first created).")
            write("  To set a new one: python manage.py load_demo --reset-password")
            write(f"  (uses ${demo.DEMO_PASSWORD_ENV} if set, otherwise generates and prints one)")
        write("")
        write("All demo patients are synthetic. Do not load demo data into a database holding real patients.")
