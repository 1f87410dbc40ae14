"""Bulk screening: ``record_screenings`` (the one implementation of recording) and ``manage.py rescreen``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from patients import demo
from patients.models import Medicine, Patient
from screening import services
from screening.models import FindingReview, ReviewState, Screening
from screening.rules import evaluate
from screening.snapshots import build_snapshot, with_snapshot_data
from tests import factories

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def rescreen(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("rescreen", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def loaded(patients) -> list[Patient]:
    return list(with_snapshot_data(Patient.objects.filter(pk__in=[p.pk for p in patients])).order_by("pk"))


@pytest.fixture
def demo_clinic(clinic, clinician):
    """The demo scenarios: realistic patients with labs, trials, scores and treatments of every kind."""
    demo.load_demo_patients(clinic=clinic, user=clinician, today=today())
    return clinic


class TestRecordScreenings:
    def test_gives_exactly_what_record_screening_gives(self, demo_clinic, clinician):
        patients = list(Patient.objects.filter(clinic=demo_clinic).order_by("pk"))
        singles = [services.record_screening(patient=p, recorded_by=clinician, as_of=today()) for p in patients]
        batch = services.record_screenings(patients=loaded(patients), recorded_by=clinician, as_of=today())
        assert len(batch) == len(singles) > 5
        for single, batched in zip(singles, batch, strict=True):
            batched.refresh_from_db()
            assert batched.patient_id == single.patient_id
            assert batched.result == single.result
            assert batched.snapshot == single.snapshot
            assert batched.data_fingerprint == single.data_fingerprint
            assert batched.content_hash == single.content_hash
            assert batched.finding_count == single.finding_count
            fields = ("position", "rule_id", "rule_version", "category", "severity", "title", "inputs_key", "follow_up")
            assert list(batched.findings.values_list(*fields)) == list(single.findings.values_list(*fields))

    def test_result_json_is_the_engines_result(self, demo_clinic, clinician):
        """The stored result is ``ScreeningResult.to_dict()``, equal to dataclasses.asdict of the result."""
        patient = loaded(Patient.objects.filter(clinic=demo_clinic))[0]
        screening = services.record_screenings(patients=[patient], recorded_by=clinician, as_of=today())[0]
        screening.refresh_from_db()
        result = evaluate(build_snapshot(patient), as_of=today(), options=services.clinic_options(patient.clinic))
        assert screening.result == result.to_dict()
        expected_trd = _plain(dataclasses.asdict(result.trd))
        assert screening.result["trd"] == expected_trd
        for stored, finding in zip(screening.result["findings"], result.findings, strict=True):
            plain = _plain(dataclasses.asdict(finding))
            assert {key: value for key, value in stored.items() if key in plain} == {
                **plain,
                "values": [
                    dict(v, display=used.display) for v, used in zip(plain["values"], finding.values, strict=True)
                ],
            }

    def test_carries_unchanged_reviews_over_for_every_patient(self, clinic, clinician):
        patients = [factories.make_patient(clinic=clinic) for _ in range(3)]
        first = services.record_screenings(patients=loaded(patients), recorded_by=clinician)
        reviewed = []
        for screening in first:
            finding = screening.findings.get(rule_id="DATA-02")
            services.review_finding(
                finding=finding, reviewed_by=clinician, state="dismissed", dismissal_reason="patient_declined"
            )
            reviewed.append(finding)
        reopened = first[0].findings.get(rule_id="DATA-01")
        services.review_finding(finding=reopened, reviewed_by=clinician, state="acknowledged")
        services.review_finding(finding=reopened, reviewed_by=clinician, state="open")
        second = services.record_screenings(patients=loaded(patients), recorded_by=clinician)
        for screening, old in zip(second, reviewed, strict=True):
            carried = FindingReview.objects.get(finding__screening=screening, finding__rule_id="DATA-02")
            assert carried.state == ReviewState.DISMISSED
            assert carried.dismissal_reason == "patient_declined"
            assert carried.carried_over_from.finding == old
            assert carried.reviewed_by == clinician
        # A review whose newest state is open is not carried; nothing else was reviewed.
        assert FindingReview.objects.filter(finding__screening__in=second).count() == 3

    def test_a_finding_with_new_inputs_starts_open(self, clinic, clinician):
        patient = factories.make_patient(clinic=clinic)
        factories.add_labs(patient, ("hba1c", "6.1", "%"), collected_on=today() - dt.timedelta(days=20))
        first = services.record_screening(patient=patient, recorded_by=clinician)
        services.review_finding(
            finding=first.findings.get(rule_id="META-01a"), reviewed_by=clinician, state="acknowledged"
        )
        factories.add_labs(patient, ("hba1c", "6.2", "%"), collected_on=today())
        second = services.record_screenings(patients=loaded([patient]), recorded_by=clinician)[0]
        assert not FindingReview.objects.filter(finding__screening=second, finding__rule_id="META-01a").exists()

    def test_runs_a_fixed_number_of_queries_per_batch(self, clinic, clinician, django_assert_num_queries):
        for size in (2, 12):
            patients = loaded([factories.make_patient(clinic=clinic) for _ in range(size)])
            for screening in services.record_screenings(patients=patients, recorded_by=clinician):
                finding = screening.findings.first()
                services.review_finding(finding=finding, reviewed_by=clinician, state="acknowledged")
            # savepoint, the data (10), lock, previous screenings, insert screenings, pointers, their audit
            # entries, insert findings, previous reviews, insert carried reviews, their audit entries, release
            with django_assert_num_queries(6 + 10 + 5 * factories.insert_statements()):
                services.record_screenings(patients=patients, recorded_by=clinician)

    def test_digests_are_those_of_their_definitions(self, demo_clinic, clinician):
        """The fingerprint and content hash recorded with a screening are the digests of the snapshot's
        data and of snapshot and result, as ``json.dumps`` with sorted keys writes them."""
        patient = Patient.objects.filter(clinic=demo_clinic).first()
        factories.make_trial(patient, drug="other", drug_other="Agomélatine «générique» 25\u00a0mg")
        screening = services.record_screenings(patients=[patient], recorded_by=clinician)[0]
        screening.refresh_from_db()
        assert "Agomélatine" in str(screening.snapshot["trials"])
        assert screening.data_fingerprint == services.data_fingerprint(screening.snapshot)
        assert screening.content_hash == services.content_hash(screening.snapshot, screening.result)
        # ... and those definitions are the documented ones, for every demo patient (the digests' fast path).
        for recorded in services.record_screenings(
            patients=list(Patient.objects.filter(clinic=demo_clinic).select_related("clinic")), recorded_by=clinician
        ):
            data = {key: value for key, value in recorded.snapshot.items() if key != "as_of"}
            both = {"snapshot": recorded.snapshot, "result": recorded.result}
            assert recorded.data_fingerprint == _sha256_of_canonical_json(data)
            assert recorded.content_hash == _sha256_of_canonical_json(both)

    def test_nothing_to_record_is_no_work(self, clinician, django_assert_num_queries):
        with django_assert_num_queries(0):
            assert services.record_screenings(patients=[], recorded_by=clinician) == []


def _sha256_of_canonical_json(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


class TestLatestScreeningPointer:
    def test_points_at_the_newest_screening_of_each_patient(self, clinic, clinician):
        from screening.models import LatestScreening

        patients = [factories.make_patient(clinic=clinic) for _ in range(3)]
        assert not LatestScreening.objects.exists()
        services.record_screenings(patients=loaded(patients), recorded_by=clinician)
        single = services.record_screening(patient=patients[0], recorded_by=clinician)
        batch = services.record_screenings(patients=loaded(patients[1:]), recorded_by=clinician)
        pointers = dict(LatestScreening.objects.values_list("patient_id", "screening_id"))
        assert pointers == {patients[0].pk: single.pk, **{s.patient_id: s.pk for s in batch}}

    def test_a_patient_twice_in_one_batch_points_at_the_last(self, clinic, clinician):
        from screening.models import LatestScreening

        patient = factories.make_patient(clinic=clinic)
        twice = loaded([patient]) * 2
        recorded = services.record_screenings(patients=twice, recorded_by=clinician)
        assert LatestScreening.objects.get(patient=patient).screening_id == recorded[-1].pk

    def test_migration_points_existing_screenings_at_the_newest(self, clinic, clinician):
        import importlib

        from django.apps import apps

        from screening.models import LatestScreening

        migration = importlib.import_module("screening.migrations.0003_latest_screening")
        patient = factories.make_patient(clinic=clinic)
        first = services.record_screening(patient=patient, recorded_by=clinician)
        second = services.record_screening(patient=patient, recorded_by=clinician)
        Screening.objects.filter(pk=first.pk).update(recorded_at=second.recorded_at + dt.timedelta(minutes=1))
        LatestScreening.objects.all().delete()
        migration.point_at_latest(apps, None)
        assert LatestScreening.objects.get(patient=patient).screening_id == first.pk


class TestNeedsScreening:
    def test_never_screened_and_changed_patients_need_screening(self, clinic, clinician):
        fresh, same, newer, edited = (factories.make_patient(clinic=clinic) for _ in range(4))
        medicine = factories.make_medicine(edited)
        services.record_screenings(patients=loaded([same, newer, edited]), recorded_by=clinician)
        factories.add_labs(newer, ("tsh", "2.0", "m[IU]/L"), collected_on=today())
        # An edit that leaves no timestamp (a queryset update, as a data fix in the shell would) is caught by the
        # fingerprint.
        Medicine.objects.filter(pk=medicine.pk).update(end=today())
        changed = services.needs_screening(loaded([fresh, same, newer, edited]))
        assert [p.pk for p in changed] == [fresh.pk, newer.pk, edited.pk]


class TestRescreenCommand:
    def test_records_every_patient_in_batches_with_progress(self, clinic, other_clinic, clinician):
        patients = [factories.make_patient(clinic=clinic) for _ in range(4)]
        patients.append(factories.make_patient(clinic=other_clinic))
        out, err = rescreen("--user", clinician.username, "--batch-size", "2")
        assert Screening.objects.count() == 5
        assert set(Screening.objects.values_list("recorded_by", flat=True)) == {clinician.pk}
        assert err.splitlines()[0].startswith("2/5 patients (")
        assert err.splitlines()[-1].startswith("5/5 patients (")
        assert len(err.splitlines()) == 3
        assert "Recorded 5 screenings for 5 patients" in out

    @pytest.mark.parametrize("by", ["name", "code"])
    def test_one_clinic_by_name_or_code(self, clinic, other_clinic, clinician, by):
        ours = factories.make_patient(clinic=clinic)
        factories.make_patient(clinic=other_clinic)
        rescreen("--user", clinician.username, "--clinic", clinic.name if by == "name" else str(clinic.code))
        assert list(Screening.objects.values_list("patient", flat=True)) == [ours.pk]

    def test_changed_only_records_new_and_changed_patients_and_a_rerun_nothing(self, clinic, clinician):
        patients = [factories.make_patient(clinic=clinic) for _ in range(3)]
        out, _ = rescreen("--user", clinician.username, "--changed-only")
        assert Screening.objects.count() == 3
        assert "0 unchanged and skipped" in out
        out, _ = rescreen("--user", clinician.username, "--changed-only")
        assert Screening.objects.count() == 3
        assert "Recorded 0 screenings for 3 patients" in out and "3 unchanged and skipped" in out
        factories.add_labs(patients[1], ("hba1c", "5.1", "%"), collected_on=today())
        rescreen("--user", clinician.username, "--changed-only")
        assert Screening.objects.filter(patient=patients[1]).count() == 2
        assert Screening.objects.count() == 4

    def test_without_changed_only_every_run_records_again(self, clinic, clinician):
        factories.make_patient(clinic=clinic)
        rescreen("--user", clinician.username)
        rescreen("--user", clinician.username)
        assert Screening.objects.count() == 2

    def test_carries_reviews_over(self, clinic, clinician):
        patient = factories.make_patient(clinic=clinic)
        first = services.record_screening(patient=patient, recorded_by=clinician)
        services.review_finding(
            finding=first.findings.get(rule_id="DATA-02"), reviewed_by=clinician, state="follow_up", follow_up="TSH"
        )
        rescreen("--user", clinician.username)
        latest = Screening.objects.filter(patient=patient).order_by("-recorded_at", "-pk").first()
        assert latest.findings.get(rule_id="DATA-02").reviews.get().state == ReviewState.FOLLOW_UP

    def test_an_interrupted_run_keeps_finished_batches_and_a_rerun_completes(self, clinic, clinician, monkeypatch):
        from screening.management.commands import rescreen as command

        patients = [factories.make_patient(clinic=clinic) for _ in range(5)]
        real = command.record_screenings
        calls = []

        def fail_on_second_batch(**kwargs):
            calls.append(1)
            if len(calls) == 2:
                raise KeyboardInterrupt
            return real(**kwargs)

        monkeypatch.setattr(command, "record_screenings", fail_on_second_batch)
        with pytest.raises(KeyboardInterrupt):
            rescreen("--user", clinician.username, "--batch-size", "2", "--changed-only")
        assert Screening.objects.count() == 2
        monkeypatch.setattr(command, "record_screenings", real)
        rescreen("--user", clinician.username, "--batch-size", "2", "--changed-only")
        assert sorted(Screening.objects.values_list("patient", flat=True)) == sorted(p.pk for p in patients)

    def test_as_of_date(self, clinic, clinician):
        factories.make_patient(clinic=clinic)
        rescreen("--user", clinician.username, "--as-of", "2026-01-15")
        assert Screening.objects.get().as_of == dt.date(2026, 1, 15)

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--user", "nobody"], "no user 'nobody'"),
            (["--clinic", "Nowhere"], "no clinic 'Nowhere'"),
            (["--batch-size", "0"], "--batch-size must be at least 1"),
            (["--workers", "0"], "--workers must be at least 1"),
        ],
    )
    def test_refuses_bad_arguments(self, clinician, args, message):
        base = [] if "--user" in args else ["--user", clinician.username]
        with pytest.raises(CommandError, match=message):
            rescreen(*base, *args)

    def test_user_is_required(self):
        with pytest.raises(CommandError, match="--user"):
            rescreen()

    @pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL runs workers")
    def test_workers_need_postgresql(self, clinician):
        with pytest.raises(CommandError, match="needs PostgreSQL"):
            rescreen("--user", clinician.username, "--workers", "2")


def test_shards_of_parallel_workers_cover_every_patient_once(clinic, clinician):
    """``--workers N`` gives each process the patients with ``pk % N == shard``; run here in one process."""
    from screening.management.commands.rescreen import _Job

    patients = [factories.make_patient(clinic=clinic) for _ in range(7)]
    job = _Job(user_id=clinician.pk, clinic_id=None, changed_only=False, batch_size=2, as_of=today())
    reports = []
    for shard in range(3):
        job.run(shard=shard, shards=3, report=lambda seen, recorded: reports.append((seen, recorded)))
    assert sorted(Screening.objects.values_list("patient", flat=True)) == sorted(p.pk for p in patients)
    assert sum(seen for seen, _ in reports) == 7
