"""``python manage.py generate_population --patients N --seed S``: a synthetic clinic for performance work.

Creates N synthetic patients (about 20 lab results each, trial histories, PHQ-9 series; see
:mod:`patients.population`) in a dedicated clinic, "Population clinic" unless ``--clinic`` names another.
The same seed and reference date give the same data. It refuses a clinic that already has patients;
``--replace`` first deletes that clinic's generated patients (and still refuses when any of them has a
recorded screening, since recorded screenings are never deleted).
"""

from __future__ import annotations

import datetime as dt
import os
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from patients import population
from patients.models import Clinic, ClinicMembership, Patient


class Command(BaseCommand):
    help = "Generate a reproducible synthetic patient population in a dedicated clinic (bulk inserts)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, required=True, help="number of patients to create")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same data)")
        parser.add_argument(
            "--clinic",
            default=population.POPULATION_CLINIC_NAME,
            help=f"clinic to create or fill (default: {population.POPULATION_CLINIC_NAME!r})",
        )
        parser.add_argument(
            "--as-of",
            type=dt.date.fromisoformat,
            default=None,
            help="reference date the histories run up to (YYYY-MM-DD; default: today)",
        )
        parser.add_argument("--batch-size", type=int, default=500, help="patients written per batch")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes planning and writing batches in parallel (default: one per core, at most 4, on "
            "PostgreSQL for 1,000 patients or more; otherwise 1, in a single transaction)",
        )
        parser.add_argument("--replace", action="store_true", help="delete this clinic's generated patients first")
        parser.add_argument(
            "--member",
            action="append",
            default=[],
            metavar="USERNAME",
            help="give an existing user access to the clinic (repeatable)",
        )

    def handle(self, *args, patients, seed, clinic, as_of, batch_size, workers, replace, member, **options):
        if patients < 1:
            raise CommandError("--patients must be at least 1")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        verbosity = options.get("verbosity", 1)
        if workers is None:
            parallel = connection.vendor == "postgresql" and patients >= 1000
            workers = min(4, os.cpu_count() or 1) if parallel else 1
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        as_of = as_of or timezone.localdate()
        users = self._members(member)
        record, created = Clinic.objects.get_or_create(name=clinic)
        existing = Patient.objects.filter(clinic=record).count()
        if existing and not replace:
            raise CommandError(
                f"{record.name!r} already has {existing} patients. Use --replace to delete the generated "
                "patients first, or --clinic NAME to generate into another clinic."
            )
        if existing:
            started = time.perf_counter()
            try:
                deleted = population.delete_population(record)
            except population.PopulationError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"Deleted {deleted} generated patients in {time.perf_counter() - started:.1f} s.")
        for user in users:
            ClinicMembership.objects.get_or_create(user=user, clinic=record)

        self.stdout.write(
            f"Generating {patients} patients (seed {seed}, as of {as_of.isoformat()}) into {record.name!r}"
            f"{' (new clinic)' if created else ''} with {workers} worker{'s' if workers > 1 else ''}..."
        )
        started = time.perf_counter()

        def progress(counts: population.Counts) -> None:
            if verbosity >= 2 or counts.patients % 2000 < batch_size or counts.patients == patients:
                elapsed = time.perf_counter() - started
                self.stdout.write(f"  {counts.patients} patients, {counts.lab_results} lab results, {elapsed:.1f} s")

        try:
            counts = population.generate_population(
                clinic=record,
                patients=patients,
                seed=seed,
                as_of=as_of,
                batch_size=batch_size,
                workers=workers,
                progress=progress,
            )
        except population.PopulationError as error:
            raise CommandError(str(error)) from error
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {counts.patients} patients in {elapsed:.1f} s "
                f"({counts.patients / elapsed:.0f} patients/s, {counts.lab_results / elapsed:.0f} lab results/s)."
            )
        )
        for name, value in vars(counts).items():
            self.stdout.write(f"  {name.replace('_', ' '):<14} {value:>9}")
        self.stdout.write(f"  lab results per patient: {counts.lab_results / counts.patients:.1f}")
        if not users:
            self.stdout.write(
                "No user has access to this clinic yet: run again with --member USERNAME, or add a membership."
            )

    def _members(self, usernames: list[str]):
        users = []
        user_model = get_user_model()
        for username in usernames:
            try:
                users.append(user_model.objects.get(username=username))
            except user_model.DoesNotExist:
                raise CommandError(f"no user {username!r}") from None
        return users
