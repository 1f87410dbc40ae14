"""Measure the rules engine and the PDF summary; print the figures and record them in docs/benchmarks.md.

Everything the benchmark creates lives inside a transaction that is rolled back, so it can run against any
database, including the demo one. Timings are wall-clock medians and 95th percentiles on this machine.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from patients.demo import create_demo_patient, demo_patients
from patients.models import Clinic, ClinicMembership, Patient
from screening import services
from screening.rules import evaluate
from screening.rules.json_io import parse_snapshot
from screening.snapshots import build_snapshot, with_snapshot_data
from screening.views import pdf as pdf_view

EXAMPLE = Path(settings.BASE_DIR) / "docs" / "examples" / "snapshot-example.json"
REPORT = Path(settings.BASE_DIR) / "docs" / "benchmarks.md"
MARK_START = "<!-- screening-benchmark:start -->"
MARK_END = "<!-- screening-benchmark:end -->"


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
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


class Command(BaseCommand):
    help = "Benchmark the rules engine, snapshot building and the PDF summary; record in docs/benchmarks.md."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=2000, help="evaluations of the engine to time")
        parser.add_argument("--pdf-runs", type=int, default=10)
        parser.add_argument("--no-write", action="store_true", help="print only; do not update docs/benchmarks.md")

    def handle(self, *args, runs, pdf_runs, no_write, **options):
        data = json.loads(EXAMPLE.read_text("utf-8"))
        as_of = parse_snapshot(data)[1]
        # A fresh snapshot object for every run, as each patient is: nothing is cached between runs.
        snapshots = iter([parse_snapshot(data)[0] for _ in range(runs + 1)])
        engine = _summary(_timings(lambda: evaluate(next(snapshots), as_of=as_of), runs))
        rows = [("Rules engine: evaluate one typical patient (in-process)", engine, runs, "well under 1 ms")]
        try:
            with transaction.atomic():
                rows += self._database_figures(pdf_runs)
                raise _Rollback
        except _Rollback:
            pass
        lines = self._table(rows)
        self.stdout.write("\n".join(lines))
        if not no_write:
            self._write(lines)
            self.stdout.write(f"\nRecorded in {REPORT.relative_to(settings.BASE_DIR)}")

    def _database_figures(self, pdf_runs: int):
        """Snapshot building and PDF rendering for the demo TRD patient, created here and rolled back."""
        today = timezone.localdate()
        clinic = Clinic.objects.create(name=f"Benchmark clinic {time.time_ns()}")
        user = get_user_model().objects.create_user(username=f"benchmark-{time.time_ns()}")
        ClinicMembership.objects.create(user=user, clinic=clinic)
        patient = create_demo_patient(demo_patients(today)[0], clinic=clinic, user=user)
        queryset = with_snapshot_data(Patient.objects.filter(pk=patient.pk))
        snapshot_runs = 200
        built = _summary(_timings(lambda: build_snapshot(queryset.all().get()), snapshot_runs))
        screening = services.record_screening(patient=patient, recorded_by=user)
        request = RequestFactory().get(f"/screening/{screening.code}/pdf/")
        request.user = user
        pdf = _summary(_timings(lambda: pdf_view(request, code=screening.code), pdf_runs))
        return [
            ("Snapshot from the database (9 queries), one patient", built, snapshot_runs, "—"),
            ("PDF summary of a typical recorded screening", pdf, pdf_runs, "well under 1 s"),
        ]

    def _table(self, rows) -> list[str]:
        lines = [
            f"Measured {timezone.now():%Y-%m-%d} on {platform.machine()} ({os.cpu_count()} cores), "
            f"Python {platform.python_version()}, database {connection.vendor}.",
            "",
            "| What | Median | p95 | Runs | Target |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for label, (median, p95), count, target in rows:
            lines.append(f"| {label} | {median * 1000:.3f} ms | {p95 * 1000:.3f} ms | {count} | {target} |")
        return lines

    def _write(self, lines: list[str]) -> None:
        block = "\n".join([MARK_START, *lines, MARK_END])
        text = REPORT.read_text("utf-8") if REPORT.exists() else "# Benchmarks\n"
        if MARK_START in text:
            before, rest = text.split(MARK_START, 1)
            after = rest.split(MARK_END, 1)[1]
            text = before + block + after
        else:
            text = text.rstrip() + "\n\n## Screening engine and PDF summary\n\n" + block + "\n"
        REPORT.write_text(text, "utf-8")
