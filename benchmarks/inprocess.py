"""Measurements taken inside this process, with Django set up on the run database: the rules engine, the
snapshot built from the database, the read-only floor of a bulk rescreen, the bulk rescreen itself (as a
subprocess, for its peak memory) and the PDF summary."""

from __future__ import annotations

import os
import random
import re
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import get_commands
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from patients import roles
from patients.models import Clinic, ClinicMembership, LabResult, Patient
from screening import services
from screening.models import Screening
from screening.rules import evaluate
from screening.snapshots import build_snapshot, load_snapshots, with_snapshot_data

from .stats import median_p95

ROOT = Path(__file__).resolve().parent.parent
BENCH_USERNAME = "bench-clinician"


@dataclass(frozen=True)
class Timing:
    median: float  # seconds
    p95: float
    runs: int


def _timing(samples: list[float]) -> Timing:
    median, p95 = median_p95(samples)
    return Timing(median, p95, len(samples))


def bench_user(clinic: Clinic) -> tuple[object, str]:
    """A clinician of the population clinic with a fresh random password (the run database is a copy)."""
    password = secrets.token_urlsafe(24)
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=BENCH_USERNAME, defaults={"first_name": "Bench"})
    user.set_password(password)
    user.save()
    user.groups.add(Group.objects.get(name=roles.CLINICIAN))
    ClinicMembership.objects.get_or_create(user=user, clinic=clinic)
    return user, password


def sample(clinic: Clinic, size: int, seed: int) -> list[int]:
    """A reproducible random sample of the clinic's patient pks."""
    pks = list(Patient.objects.filter(clinic=clinic).order_by("pk").values_list("pk", flat=True))
    return sorted(random.Random(seed).sample(pks, min(size, len(pks))))  # noqa: S311


class _QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def snapshot_from_database(pks: list[int]) -> tuple[Timing, int]:
    """Time loading one patient with :func:`with_snapshot_data` and building its snapshot; the queries per
    patient must be the same for every patient (no query depends on how much data a patient has)."""
    samples, counts = [], set()
    build_snapshot(with_snapshot_data(Patient.objects.filter(pk=pks[0])).get())  # warm-up
    for pk in pks:
        counter = _QueryCounter()
        with connection.execute_wrapper(counter):
            started = time.perf_counter()
            build_snapshot(with_snapshot_data(Patient.objects.filter(pk=pk)).get())
            samples.append(time.perf_counter() - started)
        counts.add(counter.count)
    if len(counts) != 1:
        raise AssertionError(f"building a snapshot took different numbers of queries: {sorted(counts)}")
    return _timing(samples), counts.pop()


def engine(pks: list[int], clinic: Clinic) -> Timing:
    """Time ``evaluate`` on each sampled patient's snapshot, a fresh snapshot object each (nothing cached)."""
    as_of = timezone.localdate()
    options = services.clinic_options(clinic)
    snapshots = [build_snapshot(p) for p in with_snapshot_data(Patient.objects.filter(pk__in=pks)).order_by("pk")]
    evaluate(build_snapshot(with_snapshot_data(Patient.objects.filter(pk=pks[0])).get()), as_of=as_of)  # warm-up
    samples = []
    for snapshot in snapshots:
        started = time.perf_counter()
        evaluate(snapshot, as_of=as_of, options=options)
        samples.append(time.perf_counter() - started)
    return _timing(samples)


def _chunks(clinic: Clinic, size: int):
    """Patient pks in ascending chunks, read the way ``rescreen`` reads them (keyset pagination)."""
    last = 0
    patients = Patient.objects.filter(clinic=clinic)
    while True:
        ids = list(patients.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def read_floor(clinic: Clinic, batch_size: int, *, max_chunks: int | None = None) -> tuple[float, int, float]:
    """Seconds to merely read every patient's snapshot, as rescreen reads them, in its chunks: no evaluation and
    no writes. The floor below which a bulk rescreen cannot go. Also the CPU seconds of this process."""
    started = time.perf_counter()
    cpu = time.process_time()
    patients = 0
    for number, ids in enumerate(_chunks(clinic, batch_size)):
        if max_chunks is not None and number >= max_chunks:
            break
        patients += len(load_snapshots(ids))
    return time.perf_counter() - started, patients, time.process_time() - cpu


@dataclass(frozen=True)
class Rescreen:
    patients: int
    seconds: float  # as the command reports it (excludes process start-up)
    wall_seconds: float  # including process start-up
    peak_rss_kib: int
    how: str
    cpu_seconds: float  # of the command's own process (the database server's work is not included)


_RECORDED = re.compile(r"Recorded (\d+) screenings for (\d+) patients in ([\d.]+) s")


def rescreen(clinic: Clinic, batch_size: int, workers: int, env: dict[str, str]) -> Rescreen:
    """Run ``manage.py rescreen`` for the clinic as a subprocess; its peak RSS and CPU time (with its
    worker processes') come from ``wait4``."""
    if "rescreen" not in get_commands():
        return _record_in_a_loop(clinic)
    command = [
        sys.executable,
        "manage.py",
        "rescreen",
        "--user",
        BENCH_USERNAME,
        "--clinic",
        clinic.name,
        "--batch-size",
        str(batch_size),
        "--workers",
        str(workers),
        "--verbosity",
        "0",
    ]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)  # noqa: S603
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise RuntimeError(f"rescreen failed ({process.returncode}): {stderr.strip()[-2000:]}")
    match = _RECORDED.search(stdout)
    if match is None:
        raise RuntimeError(f"unexpected rescreen output: {stdout.strip()[-500:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return Rescreen(int(match.group(2)), float(match.group(3)), wall, usage.ru_maxrss, "manage.py rescreen", cpu)


def _record_in_a_loop(clinic: Clinic) -> Rescreen:
    """Fallback when there is no ``rescreen`` command: ``record_screening`` for each patient in turn."""
    import resource

    user = get_user_model().objects.get(username=BENCH_USERNAME)
    started = time.perf_counter()
    cpu = time.process_time()
    count = 0
    for patient in Patient.objects.filter(clinic=clinic).order_by("pk"):
        services.record_screening(patient=patient, recorded_by=user)
        count += 1
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    how = "record_screening in a loop (no rescreen command)"
    return Rescreen(count, seconds, seconds, peak, how, time.process_time() - cpu)


def typical_screening(pks: list[int]) -> Screening:
    """The latest screening of the sampled patient with the median number of lab results."""
    counts = sorted((LabResult.objects.filter(patient_id=pk).count(), pk) for pk in pks)
    _, pk = counts[len(counts) // 2]
    return Screening.objects.filter(patient_id=pk).order_by("-recorded_at", "-pk").first()


def pdf(screening: Screening, user, runs: int) -> tuple[Timing, int, float]:
    """Time the PDF download view for one recorded screening (the request path minus HTTP)."""
    from screening.views import pdf as pdf_view

    request = RequestFactory().get(f"/screening/{screening.code}/pdf/")
    request.user = user
    response = pdf_view(request, code=screening.code)  # warm-up: fonts, templates
    samples = []
    cpu = time.process_time()
    for _ in range(runs):
        started = time.perf_counter()
        response = pdf_view(request, code=screening.code)
        samples.append(time.perf_counter() - started)
    cpu = (time.process_time() - cpu) / runs
    if response.status_code != 200:
        raise RuntimeError(f"the PDF view answered {response.status_code}")
    return _timing(samples), len(response.content), cpu


def vacuum_analyze() -> None:
    """What autovacuum does after bulk writes, at once: refresh the planner statistics and the visibility
    map of the whole run database (without the map, PostgreSQL cannot answer the dashboard's counts from
    the covering index on findings and reads the wide rows instead)."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
