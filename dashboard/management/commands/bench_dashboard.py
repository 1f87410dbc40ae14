"""Measure the clinic dashboard, the worklist and ``rescreen`` on a large population; record the figures in
docs/benchmarks.md.

Run it against a dedicated PostgreSQL database, never one with real patients: it generates patients (with
``--generate N``, through ``generate_population``) and records a screening for every patient in the database.

    createdb trd_bench5   # or: psql -c 'create database trd_bench5'
    export DATABASE_URL=postgres://postgres@/trd_bench5?host=/var/run/postgresql
    python manage.py migrate
    python manage.py bench_dashboard --generate 10000 --seed 5

Page times are server-side: the Django test client with a logged-in clinician of the generated clinic, the
median and 95th percentile of ``--runs`` requests after one warm-up request. Beside the wall-clock times, the
CPU time each request costs is measured (this process plus its PostgreSQL backend, read from /proc, with
parallel query off so that all the database's work is in that one backend): on a machine shared with other
work, wall-clock times mostly measure the queue for the CPU, while the CPU time is what the page costs and
what it would take on an idle machine. Rescreen throughput is the wall time of ``rescreen`` over every
patient (a first recording, or a re-recording with carry-over when the patients were screened before), with
its CPU time per patient (the command's processes; the database's share is not included).
"""

from __future__ import annotations

import io
import os
import platform
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models.functions import Mod
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from patients import roles
from patients.models import Clinic, ClinicMembership, LabResult, Patient
from screening.models import (
    DismissalReason,
    FindingReview,
    LatestScreening,
    ReviewState,
    Screening,
    ScreeningFinding,
)
from screening.queries import latest_screenings

REPORT = Path(settings.BASE_DIR) / "docs" / "benchmarks.md"
MARK_START = "<!-- dashboard-benchmark:start -->"
MARK_END = "<!-- dashboard-benchmark:end -->"
SECTION = "## Dashboard, worklist and rescreen"
BENCH_USER = "dashboard-benchmark"
PAGE_TARGET_MS = 300
RESCREEN_TARGET = 500

#: (label, URL name, query, whether the 300 ms target applies)
PAGES = [
    ("Dashboard overview", "dashboard:overview", {}, True),
    ("Worklist, first page (default sort: highest severity)", "dashboard:worklist", {}, True),
    ("Worklist, first page sorted by name", "dashboard:worklist", {"sort": "name"}, True),
    ("Worklist, first page, safety findings only", "dashboard:worklist", {"category": "safety"}, False),
    ("Worklist, first page, data newer than the latest screening", "dashboard:worklist", {"new_data": "on"}, False),
    ("Labs to order, first page", "dashboard:labs", {}, False),
    ("Alert governance", "dashboard:governance", {}, False),
]


class _Backend:
    """CPU time of this connection's PostgreSQL backend process (0 when it cannot be read: another host,
    another database). Parallel query is turned off for the session, so no work escapes to other processes."""

    def __init__(self):
        self.stat = None
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute("SET max_parallel_workers_per_gather = 0")
            cursor.execute("SELECT pg_backend_pid()")
            path = Path(f"/proc/{cursor.fetchone()[0]}/stat")
        self.stat = path if path.exists() else None

    def cpu(self) -> float:
        if self.stat is None:
            return 0.0
        fields = self.stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.machine()


def _summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Benchmark the dashboard, the worklist and rescreen on a generated population (dedicated database)."

    def add_arguments(self, parser):
        parser.add_argument("--generate", type=int, default=0, metavar="N", help="first generate N patients")
        parser.add_argument("--seed", type=int, default=5, help="seed for --generate")
        parser.add_argument("--runs", type=int, default=20, help="requests timed per page")
        parser.add_argument("--workers", type=int, default=1, help="rescreen worker processes")
        parser.add_argument("--skip-rescreen", action="store_true", help="time the pages only")
        parser.add_argument("--no-write", action="store_true", help="print only; do not update docs/benchmarks.md")

    def handle(self, *args, generate, seed, runs, workers, skip_rescreen, no_write, **options):
        load_before = os.getloadavg()
        if generate:
            self.stdout.write(f"Generating {generate} patients (seed {seed})...")
            call_command("generate_population", patients=generate, seed=seed, stdout=io.StringIO())
        if not Patient.objects.exists():
            raise CommandError("No patients: run with --generate N (on a dedicated database).")
        user = self._user()
        rows = []
        if not Screening.objects.exists():
            rows.append(self._rescreen(user, workers, "first recording"))
        if not FindingReview.objects.exists():
            self._simulate_reviews(user)
        if not skip_rescreen:
            rows.append(self._rescreen(user, workers, "re-recording, reviews carried over"))
        self._vacuum()
        rows += self._pages(user, runs)
        load_after = os.getloadavg()
        lines = self._table(rows, load_before, load_after, workers)
        self.stdout.write("\n".join(lines))
        if not no_write:
            self._write(lines)
            self.stdout.write(f"\nRecorded in {REPORT.relative_to(settings.BASE_DIR)}")

    def _user(self):
        """A clinician who works in every clinic that has patients."""
        user, _ = get_user_model().objects.get_or_create(username=BENCH_USER, defaults={"first_name": "Bench"})
        user.groups.add(Group.objects.get(name=roles.CLINICIAN))
        for clinic in Clinic.objects.filter(patients__isnull=False).distinct():
            ClinicMembership.objects.get_or_create(user=user, clinic=clinic)
        return user

    def _vacuum(self) -> None:
        """What autovacuum does after bulk writes (this benchmark's server may run without it): statistics for
        the planner, and the visibility map that lets the dashboard read findings from their index alone."""
        if connection.vendor != "postgresql":
            return
        tables = [model._meta.db_table for model in (Screening, ScreeningFinding, FindingReview, LatestScreening)]
        # VACUUM cannot run in a transaction (the test suite's); statistics alone can.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{command} {connection.ops.quote_name(table)}")

    def _simulate_reviews(self, user) -> None:
        """Review every fifth finding of the latest screenings (not the safety ones), as a clinic would have:
        acknowledged, follow-up ordered, or dismissed for one of two reasons. Written in bulk: benchmark data."""
        latest = latest_screenings(Patient.objects.all())
        findings = (
            ScreeningFinding.objects.filter(screening__in=latest)
            .exclude(category="safety")
            .alias(slot=Mod("pk", 5))
            .filter(slot=0)
            .values_list("pk", flat=True)
        )
        now = timezone.now()
        choices = [
            {"state": ReviewState.ACKNOWLEDGED},
            {"state": ReviewState.FOLLOW_UP, "follow_up": "Ordered at the next blood draw."},
            {"state": ReviewState.DISMISSED, "dismissal_reason": DismissalReason.NOT_RELEVANT},
            {"state": ReviewState.DISMISSED, "dismissal_reason": DismissalReason.ALREADY_ADDRESSED},
        ]
        reviews = [
            FindingReview(finding_id=pk, reviewed_by=user, reviewed_at=now, **choices[index % len(choices)])
            for index, pk in enumerate(findings)
        ]
        FindingReview.objects.bulk_create(reviews, batch_size=2000)
        self.stdout.write(f"Reviewed {len(reviews)} findings of the latest screenings.")

    def _rescreen(self, user, workers: int, what: str):
        patients = Patient.objects.count()
        self.stdout.write(f"Rescreening {patients} patients with {workers} worker(s)...")
        before = os.times()
        started = time.perf_counter()
        call_command("rescreen", user=user.username, workers=workers, stdout=io.StringIO(), stderr=io.StringIO())
        elapsed = time.perf_counter() - started
        after = os.times()
        cpu = sum(after[:4]) - sum(before[:4])  # user and system time, this process and its (joined) workers
        rate = patients / elapsed
        verdict = "met" if rate >= RESCREEN_TARGET else "missed"
        label = f"`rescreen`, every patient ({what}), {workers} worker{'s' if workers > 1 else ''}"
        value = f"{rate:.0f} patients/s ({elapsed:.1f} s)"
        return (
            "rescreen",
            label,
            value,
            "",
            f"{cpu / patients * 1000:.1f} ms/patient",
            f">= {RESCREEN_TARGET}/s: {verdict}",
        )

    def _pages(self, user, runs: int):
        rows = []
        backend = _Backend()
        storages = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
        with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False, STORAGES=storages):
            client = Client()
            client.force_login(user)
            for label, name, params, targeted in PAGES:
                url = reverse(name)
                response = client.get(url, params)  # warm-up (and a check)
                if response.status_code != 200:
                    raise CommandError(f"{url} answered {response.status_code}")
                samples = []
                cpu_started, db_started = time.process_time(), backend.cpu()
                for _ in range(runs):
                    started = time.perf_counter()
                    client.get(url, params)
                    samples.append(time.perf_counter() - started)
                cpu = (time.process_time() - cpu_started + backend.cpu() - db_started) / runs
                median, p95 = _summary(samples)
                target = ""
                if targeted:
                    verdict = "met" if median * 1000 < PAGE_TARGET_MS else "missed"
                    target = (
                        f"< {PAGE_TARGET_MS} ms: {verdict} (CPU {'under' if cpu * 1000 < PAGE_TARGET_MS else 'over'})"
                    )
                rows.append(
                    ("page", label, f"{median * 1000:.0f} ms", f"{p95 * 1000:.0f} ms", f"{cpu * 1000:.0f} ms", target)
                )
                self.stdout.write(
                    f"  {label}: median {median * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, CPU {cpu * 1000:.0f} ms"
                )
        return rows

    def _table(self, rows, load_before, load_after, workers: int) -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("select version()" if connection.vendor == "postgresql" else "select sqlite_version()")
            version = cursor.fetchone()[0].split(" on ")[0]
        volumes = (
            f"{Patient.objects.count():,} patients, {LabResult.objects.count():,} lab results, "
            f"{Screening.objects.count():,} recorded screenings, {ScreeningFinding.objects.count():,} findings"
        )
        return [
            f"Measured {timezone.now():%Y-%m-%d %H:%M} UTC on {_cpu_name()} ({os.cpu_count()} cores), "
            f"Python {platform.python_version()}, {version}, same machine as "
            f"the database. Load average {load_before[0]:.1f} before the run, {load_after[0]:.1f} after.",
            f"Data: {volumes}.",
            "",
            "| What | Median (wall) | p95 (wall) | CPU time (app + database) | Target |",
            "| --- | ---: | ---: | ---: | --- |",
            *(f"| {label} | {value} | {p95} | {cpu} | {target} |" for _, label, value, p95, cpu, target in rows),
        ]

    def _write(self, lines: list[str]) -> None:
        block = "\n".join([MARK_START, *lines, MARK_END])
        text = REPORT.read_text("utf-8") if REPORT.exists() else "# Benchmarks\n"
        if MARK_START in text:
            before, rest = text.split(MARK_START, 1)
            text = before + block + rest.split(MARK_END, 1)[1]
        else:
            text = text.rstrip() + f"\n\n{SECTION}\n\n" + block + "\n"
        REPORT.write_text(text, "utf-8")
