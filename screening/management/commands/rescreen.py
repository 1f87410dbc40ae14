"""``python manage.py rescreen --user USERNAME``: record a screening for many patients, in batches.

All patients, one clinic's (``--clinic NAME_OR_CODE``), or only those whose data changed since their latest
recorded screening (``--changed-only``). Patients are read in pk order, ``--batch-size`` at a time (only the
ids of one batch and that batch's data are in memory); each batch is evaluated by the same engine as a
single recording and written in its own transaction by :func:`screening.services.record_screenings`, with
unchanged reviews carried over. An interrupted run keeps the batches it finished; ``--changed-only`` then
skips the patients already recorded with unchanged data, so a rerun picks up where it stopped.

``--workers N`` (PostgreSQL) splits the patients into N shards by pk and records them in N processes, to
use the other cores while the database writes. Progress goes to standard error after every batch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import multiprocessing
import queue
import time
import traceback
import uuid
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.db.models.functions import Mod
from django.utils import timezone

from patients.models import Clinic, Patient
from screening.services import needs_screening, record_screenings


class Command(BaseCommand):
    help = "Record screenings in bulk: all patients, one clinic, or patients with new data (--changed-only)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username recorded as having recorded the screenings")
        parser.add_argument("--clinic", help="only this clinic's patients (its name or code)")
        parser.add_argument(
            "--changed-only",
            action="store_true",
            help="only patients never screened or whose data changed since their latest screening",
        )
        parser.add_argument("--batch-size", type=int, default=500, help="patients per batch and transaction")
        parser.add_argument("--workers", type=int, default=1, help="processes recording in parallel (PostgreSQL)")
        parser.add_argument(
            "--as-of", type=dt.date.fromisoformat, default=None, help="screening date (YYYY-MM-DD; default: today)"
        )

    def handle(self, *args, user, clinic, changed_only, batch_size, workers, as_of, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if workers < 1:
            raise CommandError("--workers must be at least 1")
        if workers > 1 and connection.vendor != "postgresql":
            raise CommandError("--workers needs PostgreSQL (concurrent writers)")
        self.verbosity = verbosity
        job = _Job(
            user_id=self._user(user).pk,
            clinic_id=self._clinic(clinic).pk if clinic else None,
            changed_only=changed_only,
            batch_size=batch_size,
            as_of=as_of or timezone.localdate(),
        )
        total = job.patients().count()
        self.started = time.perf_counter()
        self.seen = self.recorded = 0
        if workers == 1:
            job.run(shard=0, shards=1, report=lambda seen, recorded: self._progress(seen, recorded, total))
        else:
            self._run_parallel(job, workers, total)
        elapsed = time.perf_counter() - self.started
        skipped = f", {self.seen - self.recorded} unchanged and skipped" if changed_only else ""
        rate = self.seen / elapsed if elapsed else 0
        self.stdout.write(
            f"Recorded {self.recorded} screenings for {self.seen} patients in {elapsed:.1f} s "
            f"({rate:.0f} patients/s){skipped}."
        )

    def _run_parallel(self, job: _Job, workers: int, total: int) -> None:
        # Forked children must not share the parent's connection: close it, and the parent opens none
        # until every child has finished (each child opens its own).
        connections.close_all()
        context = multiprocessing.get_context("fork")
        messages = context.Queue()
        processes = [
            context.Process(target=_worker, args=(job, shard, workers, messages), daemon=True)
            for shard in range(workers)
        ]
        for process in processes:
            process.start()
        failures, running = [], workers
        try:
            while running:
                try:
                    kind, *payload = messages.get(timeout=1)
                except queue.Empty:
                    if not any(process.is_alive() for process in processes):
                        break  # a child died without a word (killed)
                    continue
                if kind == "batch":
                    self._progress(*payload, total)
                elif kind == "error":
                    failures.append(payload[0])
                    running -= 1
                else:
                    running -= 1
        finally:
            for process in processes:
                process.join()
        if failures or any(process.exitcode for process in processes):
            raise CommandError("a worker failed; the batches it finished are kept:\n" + "\n".join(failures))

    def _user(self, username: str):
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"no user {username!r}") from None

    def _clinic(self, name_or_code: str) -> Clinic:
        try:
            lookup = {"code": uuid.UUID(name_or_code)}
        except ValueError:
            lookup = {"name": name_or_code}
        try:
            return Clinic.objects.get(**lookup)
        except Clinic.DoesNotExist:
            raise CommandError(f"no clinic {name_or_code!r}") from None

    def _progress(self, seen: int, recorded: int, total: int) -> None:
        self.seen += seen
        self.recorded += recorded
        if self.verbosity < 1:
            return
        rate = self.seen / max(time.perf_counter() - self.started, 1e-9)
        # Plain text, not the error style Django gives standard error: this is progress, not a problem.
        self.stderr.write(f"{self.seen}/{total} patients ({rate:.0f}/s), {self.recorded} recorded", style_func=_plain)


class _Job:
    """What to rescreen; picklable, so that worker processes receive it."""

    def __init__(self, *, user_id: int, clinic_id: int | None, changed_only: bool, batch_size: int, as_of: dt.date):
        self.user_id = user_id
        self.clinic_id = clinic_id
        self.changed_only = changed_only
        self.batch_size = batch_size
        self.as_of = as_of

    def patients(self):
        patients = Patient.objects.all()
        return patients if self.clinic_id is None else patients.filter(clinic_id=self.clinic_id)

    def run(self, *, shard: int, shards: int, report: Callable[[int, int], None]) -> None:
        """Record the patients of one shard (``pk % shards == shard``), one transaction per batch."""
        user = get_user_model().objects.get(pk=self.user_id)
        patients = self.patients()
        if shards > 1:
            patients = patients.alias(shard=Mod("pk", shards)).filter(shard=shard)
        for ids in _pk_chunks(patients, self.batch_size):
            with _collector_paused():
                batch = list(Patient.objects.filter(pk__in=ids).select_related("clinic").order_by("pk"))
                if self.changed_only:
                    batch = needs_screening(batch)
                recorded = record_screenings(patients=batch, recorded_by=user, as_of=self.as_of)
            report(len(ids), len(recorded))


@contextlib.contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off while one batch is recorded.

    A batch's data (tens of thousands of small objects) lives long enough to reach the oldest generation,
    and each automatic collection of that generation walks every object in the process: measured, 0.57 of
    4.4 ms of CPU time per patient, for nothing, since a batch holds no reference cycles (reference counting
    frees it when the batch ends). Should a batch make a cycle after all (an exception's traceback), the
    collector, back on, frees it with the next collection.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _worker(job: _Job, shard: int, shards: int, messages) -> None:
    try:
        job.run(shard=shard, shards=shards, report=lambda seen, recorded: messages.put(("batch", seen, recorded)))
    except BaseException:
        messages.put(("error", f"shard {shard}: {traceback.format_exc(limit=3)}"))
        raise
    finally:
        connections.close_all()
    messages.put(("done",))


def _plain(text: str) -> str:
    return text


def _pk_chunks(patients, size: int):
    """Patient pks in ascending chunks (keyset pagination: memory stays at one chunk whatever the total)."""
    last = 0
    while True:
        ids = list(patients.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]
