"""FHIR import: upload, preview, commit through the services; re-import; atomicity; access control."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from interop import services
from interop.fhir.reader import MAX_BUNDLE_BYTES
from interop.models import ImportBatch, ImportedTrial
from patients.models import AntidepressantTrial, LabResult, Patient, ScaleScore
from tests import factories
from tests.interop import examples as ex

pytestmark = pytest.mark.django_db


def upload(data, name: str = "bundle.json") -> SimpleUploadedFile:
    content = data if isinstance(data, bytes) else json.dumps(data).encode()
    return SimpleUploadedFile(name, content, content_type="application/fhir+json")


def bundle_for(patient) -> dict:
    return ex.ehr_bundle(patient.mrn, birth=patient.birth_date.isoformat(), gender=patient.sex)


def stage(client, url, data):
    response = client.post(url, {"bundle": upload(data)})
    assert response.status_code == 302, response.content[:2000]
    return ImportBatch.objects.get(code=response.url.rstrip("/").split("/")[-1])


def commit(client, batch):
    preview = client.get(reverse("interop:preview", kwargs={"code": batch.code}))
    assert preview.status_code == 200
    digest = preview.context["plan"].digest
    return client.post(reverse("interop:commit", kwargs={"code": batch.code}), {"plan_digest": digest})


class TestAccess:
    def urls(self, patient, clinic):
        return [
            reverse("interop:fhir_import_patient", kwargs={"code": patient.code}),
            reverse("interop:fhir_import_clinic", kwargs={"clinic_code": clinic.code}),
        ]

    def test_anonymous_is_sent_to_login(self, client, patient, clinic):
        for url in self.urls(patient, clinic):
            response = client.get(url)
            assert response.status_code == 302 and "/accounts/login/" in response.url

    def test_other_clinic_gets_404(self, client_for, stranger, patient, clinic):
        client = client_for(stranger)
        for url in self.urls(patient, clinic):
            assert client.get(url).status_code == 404
            assert client.post(url, {"bundle": upload(bundle_for(patient))}).status_code == 404
        assert LabResult.objects.count() == 0

    def test_wrong_method_gets_405(self, client_for, clinician, patient, clinic):
        client = client_for(clinician)
        for url in self.urls(patient, clinic):
            assert client.put(url).status_code == 405

    def test_reviewer_gets_403(self, client_for, reviewer, patient, clinic):
        client = client_for(reviewer)
        for url in self.urls(patient, clinic):
            assert client.get(url).status_code == 403

    def test_preview_and_commit_of_someone_elses_upload_get_404(self, client_for, clinician, clinic, patient):
        batch = stage(client_for(clinician), self.urls(patient, clinic)[0], bundle_for(patient))
        other = factories.make_user(clinic=clinic)
        client = client_for(other)
        assert client.get(reverse("interop:preview", kwargs={"code": batch.code})).status_code == 404
        response = client.post(reverse("interop:commit", kwargs={"code": batch.code}), {"plan_digest": "0" * 64})
        assert response.status_code == 404
        assert LabResult.objects.count() == 0

    def test_preview_and_commit_methods_and_roles(self, client, client_for, clinician, reviewer, clinic, patient):
        batch = stage(client_for(clinician), self.urls(patient, clinic)[0], bundle_for(patient))
        preview = reverse("interop:preview", kwargs={"code": batch.code})
        commit_url = reverse("interop:commit", kwargs={"code": batch.code})
        assert client.get(commit_url).status_code == 405
        assert client.post(preview).status_code == 405
        client.logout()
        assert client.get(preview).status_code == 302
        assert client.post(commit_url).status_code == 302
        reviewer_client = client_for(reviewer)
        assert reviewer_client.get(preview).status_code == 403
        assert reviewer_client.post(commit_url, {"plan_digest": "0" * 64}).status_code == 403


class TestPatientImport:
    def test_preview_shows_converted_values_and_every_unused_entry(self, client_for, clinician, patient):
        data = bundle_for(patient)
        data["entry"].append({"resource": {"resourceType": "Encounter", "id": "e1", "status": "finished", "class": {}}})
        data["entry"].append({"fullUrl": "urn:uuid:hba1c", "resource": ex.lab("4548-4", 48, "%")})
        client = client_for(clinician)
        batch = stage(client, reverse("interop:fhir_import_patient", kwargs={"code": patient.code}), data)
        response = client.get(reverse("interop:preview", kwargs={"code": batch.code}))
        page = response.content.decode()
        assert "6.3 mmol/L" in page and "114 mg/dL" in page  # glucose as reported and in the screening unit
        assert "150 pmol/L" in page and "203 pg/mL" in page
        assert "&lt;3 mg/L" in page
        assert "Encounter resources are not imported." in page
        assert "Did you mean mmol/mol?" in page
        assert "Not imported (2)" in page
        assert LabResult.objects.count() == 0  # nothing before the commit

    def test_commit_writes_through_the_services_and_reimport_adds_nothing(self, client_for, clinician, patient):
        client = client_for(clinician)
        url = reverse("interop:fhir_import_patient", kwargs={"code": patient.code})
        response = commit(client, stage(client, url, bundle_for(patient)))
        assert response.status_code == 302 and response.url == patient.get_absolute_url()
        labs = LabResult.objects.filter(patient=patient)
        assert labs.count() == 4 and set(labs.values_list("source", flat=True)) == {"fhir"}
        glucose = labs.get(source_identifier="http://acme-lab.example/results|f001")
        assert (glucose.value, glucose.unit, glucose.value_canonical) == (Decimal("6.3"), "mmol/L", Decimal("113.5008"))
        assert glucose.reference_low == Decimal("3.1") and glucose.collected_at == dt.time(8, 30)
        assert labs.get(analyte="crp").comparator == "<"
        trial = AntidepressantTrial.objects.get(patient=patient)
        assert trial.drug == "sertraline" and ImportedTrial.objects.get(trial=trial)
        score = ScaleScore.objects.get(patient=patient)
        assert score.items == [2, 2, 1, 1, 1, 1, 1, 1, 0] and score.source == "fhir"
        batch = ImportBatch.objects.get()
        assert batch.committed_at is not None and batch.content == "" and batch.summary["labs"] == 4

        second = stage(client, url, bundle_for(patient))
        preview = client.get(reverse("interop:preview", kwargs={"code": second.code}))
        assert not preview.context["plan"].can_commit
        assert "Already imported" in preview.content.decode()
        assert LabResult.objects.count() == 4 and AntidepressantTrial.objects.count() == 1
        assert ScaleScore.objects.count() == 1

    def test_bundle_for_another_patient_is_refused(self, client_for, clinician, patient):
        client = client_for(clinician)
        url = reverse("interop:fhir_import_patient", kwargs={"code": patient.code})
        batch = stage(client, url, ex.ehr_bundle("SOMEONE-ELSE", birth="1950-01-01"))
        response = client.get(reverse("interop:preview", kwargs={"code": batch.code}))
        plan = response.context["plan"]
        assert not plan.can_commit and "not this patient" in plan.errors[0]
        response = client.post(reverse("interop:commit", kwargs={"code": batch.code}), {"plan_digest": plan.digest})
        assert response.status_code == 302 and LabResult.objects.count() == 0

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            pytest.param(b"{not json", "malformed JSON", id="malformed"),
            pytest.param(json.dumps(ex.glucose_mg_dl()).encode(), "upload a FHIR Bundle", id="observation"),
            pytest.param(b'{"resourceType": "Bundle"}', "type", id="no-type"),
            pytest.param(b"\xff\xfe\x00", "UTF-8", id="binary"),
        ],
    )
    def test_bad_upload_gets_a_field_error_not_a_500(self, client_for, clinician, patient, content, message):
        url = reverse("interop:fhir_import_patient", kwargs={"code": patient.code})
        response = client_for(clinician).post(url, {"bundle": upload(content)})
        assert response.status_code == 400
        assert message in " ".join(response.context["form"].errors["bundle"])
        assert ImportBatch.objects.count() == 0

    def test_bundle_over_the_size_limit_is_refused(self, client_for, clinician, patient):
        data = bundle_for(patient)
        data["padding"] = "x" * MAX_BUNDLE_BYTES
        url = reverse("interop:fhir_import_patient", kwargs={"code": patient.code})
        response = client_for(clinician).post(url, {"bundle": upload(data)})
        assert response.status_code == 400
        assert "the limit is 5 MB" in response.context["form"].errors["bundle"][0]

    def test_changed_plan_is_not_committed(self, client_for, clinician, patient):
        client = client_for(clinician)
        batch = stage(
            client, reverse("interop:fhir_import_patient", kwargs={"code": patient.code}), bundle_for(patient)
        )
        response = client.post(reverse("interop:commit", kwargs={"code": batch.code}), {"plan_digest": "a" * 64})
        assert response.status_code == 302 and response.url.endswith(f"/imports/{batch.code}/")
        assert LabResult.objects.count() == 0


class TestClinicImport:
    def test_registers_a_new_patient(self, client_for, clinician, clinic):
        client = client_for(clinician)
        url = reverse("interop:fhir_import_clinic", kwargs={"clinic_code": clinic.code})
        batch = stage(client, url, ex.ehr_bundle("NEW-1"))
        preview = client.get(reverse("interop:preview", kwargs={"code": batch.code}))
        assert "A new patient will be registered" in preview.content.decode()
        response = commit(client, batch)
        patient = Patient.objects.get(clinic=clinic, mrn="NEW-1")
        assert response.url == patient.get_absolute_url()
        assert (patient.given_name, patient.family_name, patient.sex) == ("Peter James", "Chalmers", "female")
        assert patient.lab_results.count() == 4

    def test_matches_an_existing_patient_by_mrn_in_the_clinic_only(self, client_for, clinician, clinic, other_clinic):
        mine = factories.make_patient(clinic=clinic, mrn="12345", birth_date=dt.date(1974, 12, 25))
        factories.make_patient(clinic=other_clinic, mrn="77777", birth_date=dt.date(1974, 12, 25))
        client = client_for(clinician)
        url = reverse("interop:fhir_import_clinic", kwargs={"clinic_code": clinic.code})
        commit(client, stage(client, url, ex.ehr_bundle("12345")))
        assert mine.lab_results.count() == 4
        commit(client, stage(client, url, ex.ehr_bundle("77777")))
        created = Patient.objects.get(clinic=clinic, mrn="77777")
        assert created.lab_results.count() == 4
        assert Patient.objects.filter(clinic=other_clinic, mrn="77777").get().lab_results.count() == 0

    def test_mrn_match_with_another_birth_date_is_refused(self, clinic, clinician):
        factories.make_patient(clinic=clinic, mrn="12345", birth_date=dt.date(1990, 1, 1))
        plan = services.plan_fhir_import(clinic=clinic, content=json.dumps(ex.ehr_bundle("12345")))
        assert not plan.can_commit and "birth date" in plan.errors[0]

    def test_a_name_with_a_text_direction_override_is_not_registered(self, clinic):
        bundle = ex.ehr_bundle("N3")
        resource = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
        resource["name"] = [{"family": "\u202eevil", "given": ["Ann"]}]
        plan = services.plan_fhir_import(clinic=clinic, content=json.dumps(bundle))
        assert not plan.can_commit
        assert "the family name is refused. Remove the invisible text-direction characters" in plan.errors[0]

    def test_patient_without_sex_at_birth_cannot_be_registered(self, clinic):
        plan = services.plan_fhir_import(clinic=clinic, content=json.dumps(ex.ehr_bundle("N2", gender="unknown")))
        assert not plan.can_commit and "sex at birth" in plan.errors[0]


class TestAtomicity:
    def test_one_bad_entry_at_commit_writes_nothing(self, clinic, clinician):
        plan = services.plan_fhir_import(clinic=clinic, content=json.dumps(ex.ehr_bundle("ATOM-1")))
        assert plan.can_commit and len(plan.labs) == 4
        plan.labs[-1] = dataclasses.replace(plan.labs[-1], value=Decimal("-1"))  # refused by the model's checks
        with pytest.raises(ValidationError):
            services.commit_fhir_import(plan=plan, user=clinician)
        assert not Patient.objects.filter(mrn="ATOM-1").exists()
        assert LabResult.objects.count() == 0 and AntidepressantTrial.objects.count() == 0
        assert ScaleScore.objects.count() == 0

    def test_entries_imported_between_preview_and_commit_stop_the_commit(self, clinic, clinician, patient):
        content = json.dumps(bundle_for(patient))
        plan = services.plan_fhir_import(clinic=clinic, patient=patient, content=content)
        services.commit_fhir_import(
            plan=services.plan_fhir_import(clinic=clinic, patient=patient, content=content), user=clinician
        )
        with pytest.raises(services.ImportConflict):
            services.commit_fhir_import(plan=plan, user=clinician)
        assert LabResult.objects.count() == 4


class TestCommand:
    def test_dry_run_writes_nothing_then_import(self, tmp_path, clinic, capsys):
        path = tmp_path / "bundle.json"
        path.write_text(json.dumps(ex.ehr_bundle("CMD-1")))
        call_command("import_fhir", str(path), "--clinic", clinic.name, "--dry-run")
        assert "4 lab results" in capsys.readouterr().out and not Patient.objects.filter(mrn="CMD-1").exists()
        call_command("import_fhir", str(path), "--clinic", str(clinic.code))
        assert Patient.objects.get(mrn="CMD-1").lab_results.count() == 4
        call_command("import_fhir", str(path), "--clinic", clinic.name)
        assert "Nothing new to import" in capsys.readouterr().out
        assert LabResult.objects.count() == 4

    def test_unreadable_bundle_is_a_command_error(self, tmp_path, clinic):
        path = tmp_path / "bad.json"
        path.write_text("{")
        with pytest.raises(CommandError, match="malformed JSON"):
            call_command("import_fhir", str(path), "--clinic", clinic.name)
