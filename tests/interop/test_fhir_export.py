"""FHIR export: validates against the R4 models; DetectedIssue for findings; round trip keeps the screening."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from interop import services as interop_services
from interop.fhir import writer
from patients import services as patient_services
from patients.models import Intake, Patient
from screening import services as screening_services
from screening.rules import evaluate
from screening.services import clinic_options
from screening.snapshots import build_snapshot, with_snapshot_data
from tests import factories

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def rich_patient(patient, clinician):
    """Labs in several units (censored, fasting, reference ranges), trials with dose changes, PHQ-9, intake."""
    day = today() - dt.timedelta(days=20)
    factories.add_labs(
        patient,
        ("hba1c", "6.1", "%"),
        ("glucose", "6.3", "mmol/L"),
        ("triglycerides", "1.9", "mmol/L"),
        ("hdl", "38", "mg/dL"),
        ("hscrp", "3", "mg/L", "<"),
        ("b12", "150", "pmol/L"),
        ("vitamin_d", "30", "nmol/L"),
        ("tsh", "5.2", "m[IU]/L"),  # UCUM, as the lab form stores it
        ("omega3_index", "3.5", "%"),
        collected_on=day,
        fasting="yes",
        laboratory="City Lab",
    )
    factories.add_labs(patient, ("ferritin", "12", "ug/L"), collected_on=day - dt.timedelta(days=200))
    trial = factories.make_trial(patient, drug="sertraline", daily_dose_mg=Decimal("50"), start=dt.date(2025, 1, 10))
    patient_services.change_trial_dose(trial=trial, daily_dose_mg=Decimal("150"), start=dt.date(2025, 2, 10))
    patient_services.end_trial(
        trial=trial, end=dt.date(2025, 6, 1), outcome="no_response", adherence="good", improvement_pct=10
    )
    factories.make_trial(
        patient,
        drug="venlafaxine",
        daily_dose_mg=Decimal("225"),
        start=dt.date(2025, 7, 1),
        end=dt.date(2025, 11, 1),
        outcome="partial_response",
        adherence="good",
    )
    factories.make_trial(
        patient, drug="other", drug_other="Tianeptine", daily_dose_mg=Decimal("37.5"), start=dt.date(2026, 1, 5)
    )
    factories.make_scale_score(
        patient, administered_on=today() - dt.timedelta(days=5), items=[2, 2, 2, 2, 1, 1, 1, 1, 1], difficulty=2
    )
    factories.make_scale_score(patient, administered_on=today() - dt.timedelta(days=90), total=20)
    intake = Intake.objects.get(patient=patient)
    intake.conditions = ["anxiety", "hypertension"]
    intake.episode_onset = dt.date(2024, 10, 1)
    intake.episode_severity = "moderate"
    intake.save()
    return patient


def load(patient):
    return with_snapshot_data(Patient.objects.filter(pk=patient.pk)).get()


def plain(value):
    """A result without source ids (they are database keys, different after an import)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "source_id"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


class TestExport:
    def test_bundle_parses_with_the_r4_models(self, rich_patient):
        text = writer.dumps(writer.export_bundle(load(rich_patient)))
        bundle = Bundle.model_validate_json(text)
        kinds = [entry.resource.__class__.__name__ for entry in bundle.entry]
        assert kinds.count("Observation") == 12  # 10 labs + 2 PHQ-9
        assert kinds.count("MedicationStatement") == 3 and kinds.count("Condition") == 3
        data = json.loads(text)
        observations = {
            e["resource"]["id"]: e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "Observation"
        }
        crp = next(o for o in observations.values() if o["code"]["coding"][0]["code"] == "30522-7")
        assert crp["valueQuantity"] == {
            "value": 3,
            "comparator": "<",
            "unit": "mg/L",
            "system": "http://unitsofmeasure.org",
            "code": "mg/L",
        }
        b12 = next(o for o in observations.values() if o["code"]["coding"][0]["code"] == "14685-3")
        assert b12["valueQuantity"]["code"] == "pmol/L" and b12["performer"] == [{"display": "City Lab"}]
        statement = next(e["resource"] for e in data["entry"] if e["resource"].get("id", "").startswith("trial-"))
        assert [d["doseAndRate"][0]["doseQuantity"]["value"] for d in statement["dosage"]] == [50, 150]
        assert statement["dosage"][0]["timing"]["repeat"]["boundsPeriod"] == {
            "start": "2025-01-10",
            "end": "2025-02-09",
        }

    def test_screening_findings_are_detected_issues_with_evidence_and_review(self, rich_patient, clinician):
        screening = screening_services.record_screening(patient=rich_patient, recorded_by=clinician)
        finding = screening.findings.get(rule_id="META-01a")
        screening_services.review_finding(
            finding=finding, reviewed_by=clinician, state="dismissed", dismissal_reason="already_addressed"
        )
        data = writer.export_bundle(load(rich_patient), screening=screening)
        Bundle.model_validate_json(writer.dumps(data))
        issues = [e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "DetectedIssue"]
        assert len(issues) == screening.finding_count
        issue = next(i for i in issues if i["code"]["coding"][0]["code"] == "META-01a")
        assert issue["code"]["text"] == f"META-01a@{finding.rule_version}"
        assert issue["severity"] == {"important": "high", "consider": "moderate", "info": "low"}[finding.severity]
        urls = {e["fullUrl"] for e in data["entry"]}
        assert issue["evidence"][0]["detail"][0]["reference"] in urls
        assert issue["mitigation"][0]["action"]["coding"][0]["code"] == "dismissed"
        assert issue["mitigation"][0]["author"]["display"] == "Casey Doctor"
        assert any(ext["valueString"] for ext in issue["extension"] if ext["url"].endswith("citation"))


class TestRoundTrip:
    def test_export_then_import_into_an_empty_clinic_gives_the_same_screening(
        self, rich_patient, empty_clinic, clinician
    ):
        source = load(rich_patient)
        text = writer.dumps(writer.export_bundle(source))
        plan = interop_services.plan_fhir_import(clinic=empty_clinic, content=text)
        assert plan.can_commit and not plan.skipped, [p.reason for p in plan.skipped]
        copy = load(interop_services.commit_fhir_import(plan=plan, user=clinician))
        assert copy.clinic == empty_clinic and copy.mrn == source.mrn
        options = clinic_options(source.clinic)
        before = evaluate(build_snapshot(source), as_of=today(), options=options).to_dict()
        after = evaluate(build_snapshot(copy), as_of=today(), options=options).to_dict()
        assert before["findings"]  # the comparison means something
        assert plain(after) == plain(before)
        again = interop_services.plan_fhir_import(clinic=empty_clinic, content=text)
        assert not again.can_commit  # a second import of the same export adds nothing


class TestViews:
    def test_access(self, client, client_for, clinician, stranger, reviewer, rich_patient):
        screening = screening_services.record_screening(patient=rich_patient, recorded_by=clinician)
        urls = [
            reverse("interop:patient_export", kwargs={"code": rich_patient.code}),
            reverse("interop:screening_export", kwargs={"code": screening.code}),
        ]
        for url in urls:
            client.logout()
            assert client.get(url).status_code == 302
            assert client_for(stranger).get(url).status_code == 404
            assert client_for(clinician).post(url).status_code == 405
            response = client_for(reviewer).get(url)
            assert response.status_code == 200 and response["Content-Type"].startswith("application/fhir+json")
            Bundle.model_validate_json(response.content)

    def test_patient_page_links(self, client_for, clinician, reviewer, patient):
        page = client_for(clinician).get(patient.get_absolute_url()).content.decode()
        assert reverse("interop:fhir_import_patient", kwargs={"code": patient.code}) in page
        assert reverse("interop:patient_export", kwargs={"code": patient.code}) in page
        page = client_for(reviewer).get(patient.get_absolute_url()).content.decode()
        assert reverse("interop:fhir_import_patient", kwargs={"code": patient.code}) not in page


def test_exports_are_recorded_in_the_audit_trail(client_for, clinician, patient):
    from django.urls import reverse

    from audit.models import AuditEntry

    client_for(clinician).get(reverse("interop:patient_export", args=[patient.code]))
    entry = AuditEntry.objects.filter(patient=patient, action=AuditEntry.Action.ACCESS).latest("pk")
    assert entry.actor == clinician
