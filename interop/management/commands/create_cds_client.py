"""Register an EHR as a CDS Hooks client and print its bearer token (shown this once; only a hash is kept)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ...services import create_cds_client
from ._clinics import find_clinic


class Command(BaseCommand):
    help = "Create a CDS Hooks client for a clinic and print its bearer token once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="A name for the client, e.g. 'Ward EHR (production)'.")
        parser.add_argument("--clinic", required=True, help="Clinic name or code whose conventions apply.")

    def handle(self, *args, name, clinic, **options):
        clinic_obj = find_clinic(clinic)
        try:
            client, token = create_cds_client(name=name, clinic=clinic_obj)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"Created CDS Hooks client {client.name!r} (id {client.pk}) for {clinic_obj.name}.")
        self.stdout.write("Bearer token (shown only now; store it in the EHR's CDS service configuration):")
        self.stdout.write(token)
