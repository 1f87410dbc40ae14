"""Measure the audit trail at scale; print the figures and record them in docs/benchmarks.md.

Builds two clinics with ``--patients`` patients each and ``--entries`` audit entries spread over a year,
then times the trail page (unfiltered, by patient name, by patient link), "who viewed this record", writing
one access entry, and a ten-result lab panel saved with and without auditing. Everything is created inside a
transaction that is rolled back, so it can run against any database. Run it against PostgreSQL for
production-like figures.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import statistics
import time
import uuid
from decimal import Decimal
from pathlib import Path

from auditlog.context import disable_auditlog
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from audit.models import AuditEntry
from audit.queries import recent_views
from audit.services import log_access
from audit.views import trail
from patients import roles
from patients.models import Clinic, ClinicMembership, Patient
from patients.services import LabEntry, record_lab_panel

REPORT = Path(settings.BASE_DIR) / "docs" / "benchmarks.md"
MARK_START = "<!-- audit-benchmark:start -->"
MARK_END = "<!-- audit-benchmark:end -->"
PANEL = [
    ("hba1c", "5.9", "%"),
    ("glucose", "5.4", "mmol/L"),
    ("tsh", "2.1", "m[IU]/L"),
    ("crp", "3.2", "mg/L"),
    ("vitamin_d", "48", "nmol/L"),
    ("b12", "320", "pmol/L"),
    ("folate", "12", "nmol/L"),
    ("ferritin", "80", "ug/L"),
    ("triglycerides", "1.4", "mmol/L"),
    ("hdl", "1.3", "mmol/L"),
]


class _Rollback(Exception):
    pass


def _timings(function, runs: int) -> list[float]:
    function()  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def _summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Benchmark the audit trail with many entries; record the figures in docs/benchmarks.md."

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=200_000, help="audit entries in all (two clinics)")
        parser.add_argument("--patients", type=int, default=1000, help="patients per clinic")
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--no-write", action="store_true", help="print only; do not update docs/benchmarks.md")

    def handle(self, *args, entries, patients, runs, no_write, **options):
        try:
            with transaction.atomic():
                rows = self._figures(entries, patients, runs)
                raise _Rollback
        except _Rollback:
            pass
        lines = self._table(rows, entries, patients)
        self.stdout.write("\n".join(lines))
        if not no_write:
            self._write(lines)
            self.stdout.write(f"\nRecorded in {REPORT.relative_to(settings.BASE_DIR)}")

    def _figures(self, entry_count: int, patient_count: int, runs: int):
        stamp = time.time_ns()
        users = get_user_model()
        clinics = [Clinic.objects.create(name=f"Audit benchmark {stamp} {i}") for i in range(2)]
        admin = users.objects.create_user(username=f"audit-bench-admin-{stamp}", first_name="Ada")
        admin.groups.add(Group.objects.get(name=roles.ADMINISTRATOR))
        clinician = users.objects.create_user(username=f"audit-bench-clinician-{stamp}", first_name="Casey")
        clinician.groups.add(Group.objects.get(name=roles.CLINICIAN))
        for user in (admin, clinician):
            ClinicMembership.objects.create(user=user, clinic=clinics[0])
        rng = random.Random(42)
        people = []
        for clinic in clinics:
            people += Patient.objects.bulk_create(
                Patient(
                    clinic=clinic,
                    mrn=f"B{stamp % 10**6}-{i}",
                    given_name=rng.choice(["Alex", "Sam", "Noor", "Kim", "Lee"]),
                    family_name=f"Bench{i:05d}",
                    birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000)),
                    sex="female",
                )
                for i in range(patient_count)
            )
        patient_type = ContentType.objects.get_for_model(Patient)
        now = timezone.now()
        AuditEntry.objects.bulk_create(
            (
                AuditEntry(
                    content_type=patient_type,
                    object_pk=str(patient.pk),
                    object_id=patient.pk,
                    object_repr=f"patient {uuid.uuid4()}",
                    action=rng.choice([AuditEntry.Action.ACCESS] * 4 + [AuditEntry.Action.UPDATE]),
                    changes={"notes": ["", "text"]},
                    actor=rng.choice([admin, clinician]),
                    remote_addr="192.0.2.1",
                    timestamp=now - dt.timedelta(minutes=rng.randrange(525_600)),
                    additional_data={"what": "patient page"},
                    patient_id=patient.pk,
                    clinic_id=patient.clinic_id,
                )
                for patient in (rng.choice(people) for _ in range(entry_count))
            ),
            batch_size=2000,
        )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {AuditEntry._meta.db_table}")
        target = people[0]

        def page(params: dict):
            request = RequestFactory().get("/audit/", params)
            request.user = admin
            return lambda: trail(request)

        request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1")
        request.user = clinician

        def panel():
            record_lab_panel(
                patient=target,
                entered_by=clinician,
                collected_on=timezone.localdate(),
                entries=[LabEntry(analyte=a, value=Decimal(v), unit=u) for a, v, u in PANEL],
            )

        def panel_without_audit():
            with disable_auditlog():
                panel()

        return [
            ("Audit trail page, first 50 of a clinic's entries", _summary(_timings(page({}), runs)), runs),
            ("Audit trail page, patients by name", _summary(_timings(page({"q": "Bench0004"}), runs)), runs),
            (
                "Audit trail page, one patient (link from the patient page)",
                _summary(_timings(page({"patient": str(target.code)}), runs)),
                runs,
            ),
            ("Who viewed this record (10 latest views)", _summary(_timings(lambda: recent_views(target), runs)), runs),
            (
                "Write one access entry",
                _summary(_timings(lambda: log_access(request, target, what="patient page"), runs)),
                runs,
            ),
            ("Lab panel of 10 results, audited", _summary(_timings(panel, runs)), runs),
            ("Lab panel of 10 results, auditing switched off", _summary(_timings(panel_without_audit, runs)), runs),
        ]

    def _table(self, rows, entries: int, patients: int) -> list[str]:
        lines = [
            f"Measured {timezone.now():%Y-%m-%d} on {platform.machine()} ({os.cpu_count()} cores), "
            f"Python {platform.python_version()}, database {connection.vendor}; {entries:,} entries over a year "
            f"for {2 * patients:,} patients in two clinics.",
            "",
            "| What | Median | p95 | Runs |",
            "| --- | ---: | ---: | ---: |",
        ]
        for label, (median, p95), count in rows:
            lines.append(f"| {label} | {median * 1000:.3f} ms | {p95 * 1000:.3f} ms | {count} |")
        return lines

    def _write(self, lines: list[str]) -> None:
        block = "\n".join([MARK_START, *lines, MARK_END])
        text = REPORT.read_text("utf-8") if REPORT.exists() else "# Benchmarks\n"
        if MARK_START in text:
            before, rest = text.split(MARK_START, 1)
            text = before + block + rest.split(MARK_END, 1)[1]
        else:
            text = (
                text.rstrip()
                + "\n\n## Audit trail\n\n`python manage.py audit_benchmark` builds a year of audit entries for two"
                ' clinics (rolled back afterwards) and times the trail page, "who viewed this record", one access'
                " entry, and a lab panel saved with and without auditing.\n\n"
                + block
                + '\n\nTargets: the trail page and "who viewed" stay flat as entries grow (indexed by clinic and by'
                " patient); auditing adds a few milliseconds per saved row.\n"
            )
        REPORT.write_text(text, "utf-8")
