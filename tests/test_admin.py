"""The Django admin: every model's pages load, clinic scoping for staff who are not superusers, read-only
screening records, CSV export (with formula neutralisation), the record-screening action, fixed query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients import roles
from patients import services as patient_services
from patients.models import ClinicMembership, LabResult, Patient
from screening import services
from screening.models import FindingReview, LatestScreening, Screening, ScreeningFinding, SummaryAccess
from tests import factories

pytestmark = pytest.mark.django_db

MODELS = [model for model in admin.site._registry if model._meta.app_label in {"patients", "screening"}]
READ_ONLY_RECORDS = {Screening, ScreeningFinding, FindingReview, SummaryAccess, LatestScreening}


def today() -> dt.date:
    return timezone.localdate()


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def fill_patient(patient, user):
    """One row of every kind of patient data, and a recorded, reviewed, printed screening."""
    factories.add_labs(
        patient, ("hba1c", "48", "mmol/mol"), ("vitamin_d", "15", "ng/mL"), collected_on=today() - dt.timedelta(days=5)
    )
    factories.make_trial(patient, daily_dose_mg=Decimal("100"), start=today() - dt.timedelta(weeks=10))
    factories.make_scale_score(patient, administered_on=today(), items=[2, 2, 2, 1, 1, 1, 1, 1, 1])
    factories.make_medicine(patient)
    factories.make_measurement(patient, measured_on=today())
    factories.make_augmentation(patient)
    factories.make_other_treatment(patient)
    factories.make_psychotherapy(patient)
    screening = services.record_screening(patient=patient, recorded_by=user)
    services.review_finding(finding=screening.findings.first(), reviewed_by=user, state="acknowledged")
    services.log_summary_access(screening=screening, user=user, kind="print")
    return screening


@pytest.fixture
def superuser(clinic):
    return get_user_model().objects.create_superuser(username="root", password=factories.PASSWORD)


@pytest.fixture
def filled(clinic, clinician, other_clinic, stranger):
    """A patient with every kind of data in each clinic."""
    ours = factories.make_patient(clinic=clinic, family_name="Ours", created_by=clinician)
    theirs = factories.make_patient(clinic=other_clinic, family_name="Theirs", created_by=stranger)
    return {"ours": (ours, fill_patient(ours, clinician)), "theirs": (theirs, fill_patient(theirs, stranger))}


@pytest.fixture
def clinic_admin(clinic):
    """A clinic administrator with admin access (staff, not superuser)."""
    return factories.make_user(clinic=clinic, role=roles.ADMINISTRATOR, username="clinicadmin", is_staff=True)


def an_object_of(model, patient):
    """A row of ``model`` belonging to ``patient`` (or its clinic)."""
    lookups = {
        "clinic": "patients",
        "clinicmembership": "clinic__patients",
        "patient": "",
        "doseperiod": "trial__patient",
        "screeningfinding": "screening__patient",
        "findingreview": "finding__screening__patient",
        "summaryaccess": "screening__patient",
    }
    path = lookups.get(model._meta.model_name, "patient")
    queryset = model.objects.filter(**{path or "pk": patient if path else patient.pk})
    return queryset.distinct().first()


class TestEveryModelLoads:
    def test_every_model_of_both_apps_is_registered(self):
        from django.apps import apps

        expected = {m for m in apps.get_models() if m._meta.app_label in {"patients", "screening"}}
        assert expected == set(MODELS)

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
    def test_changelist_change_and_add_pages_as_superuser(self, client_for, superuser, filled, model):
        client = client_for(superuser)
        assert client.get(admin_url(model, "changelist")).status_code == 200
        obj = an_object_of(model, filled["ours"][0])
        assert obj is not None
        response = client.get(admin_url(model, "change", obj.pk))
        assert response.status_code == 200
        add = client.get(admin_url(model, "add"))
        model_admin = admin.site._registry[model]
        expected = 200 if model_admin.has_add_permission(_request(superuser)) else 403
        assert add.status_code == expected

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
    def test_search_and_filters_work(self, client_for, superuser, filled, model):
        client = client_for(superuser)
        response = client.get(admin_url(model, "changelist"), {"q": "Ours"})
        assert response.status_code == 200
        clinic_id = filled["ours"][0].clinic_id
        filtered = client.get(
            admin_url(model, "changelist"), {"clinic": clinic_id} if model._meta.model_name != "clinic" else {}
        )
        assert filtered.status_code == 200


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


class TestReadOnlyRecords:
    @pytest.mark.parametrize("model", sorted(READ_ONLY_RECORDS, key=str), ids=lambda m: m._meta.model_name)
    def test_nobody_can_add_change_or_delete(self, client_for, superuser, filled, model):
        client = client_for(superuser)
        obj = an_object_of(model, filled["ours"][0])
        change_url = admin_url(model, "change", obj.pk)
        page = client.get(change_url)
        assert page.status_code == 200
        assert 'name="_save"' not in page.text
        assert client.post(change_url, {}).status_code == 403
        assert client.get(admin_url(model, "delete", obj.pk)).status_code == 403
        assert client.get(admin_url(model, "add")).status_code == 403
        assert "delete_selected" not in client.get(admin_url(model, "changelist")).text

    def test_clinical_data_is_view_only_and_patient_clerical_fields_editable(self, client_for, superuser, filled):
        client = client_for(superuser)
        patient = filled["ours"][0]
        lab = LabResult.objects.filter(patient=patient).first()
        page = client.get(admin_url(LabResult, "change", lab.pk))
        assert 'name="_save"' not in page.text
        assert "mmol/mol" in page.text and "converted from mmol/mol" in page.text
        patient_page = client.get(admin_url(Patient, "change", patient.pk))
        assert 'name="mrn"' in patient_page.text
        assert 'name="birth_date"' not in patient_page.text  # read by the rules: changed on the patient page

    def test_patient_mrn_must_stay_unique_in_the_clinic(self, client_for, superuser, clinic, filled):
        other = factories.make_patient(clinic=clinic, mrn="TAKEN-1")
        patient = filled["ours"][0]
        data = {
            "mrn": other.mrn,
            "given_name": "A",
            "family_name": "Ours",
            "gender_identity": "",
            "notes": "",
            **_empty_inlines(),
        }
        response = client_for(superuser).post(admin_url(Patient, "change", patient.pk), data)
        assert response.status_code == 200
        assert "already used by another patient" in response.text
        data["mrn"] = "NEW-7"
        response = client_for(superuser).post(admin_url(Patient, "change", patient.pk), data)
        assert response.status_code == 302
        patient.refresh_from_db()
        assert patient.mrn == "NEW-7"
        assert patient.version == 2


def _empty_inlines() -> dict[str, str]:
    """Management forms of the patient page's read-only inlines, as the browser posts them."""
    data = {}
    for prefix in [
        "intake",
        "lab_results",
        "trials",
        "augmentations",
        "other_treatments",
        "medicines",
        "scale_scores",
    ]:
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "0"})
    return data


class TestComputedFields:
    def test_lab_result_shows_the_canonical_value(self, client_for, superuser, filled):
        text = client_for(superuser).get(admin_url(LabResult, "changelist")).text
        assert "6.542 % (converted from mmol/mol)" in text  # 48 mmol/mol as the rules read it

    def test_trial_shows_dose_periods_minimum_and_engine_adequacy(self, client_for, superuser, filled):
        from patients.models import AntidepressantTrial

        trial = AntidepressantTrial.objects.filter(patient=filled["ours"][0]).get()
        text = client_for(superuser).get(admin_url(AntidepressantTrial, "change", trial.pk)).text
        assert "100 mg/day from" in text
        assert "50 mg/day (table 1.3)" in text
        assert "adequate; 10 weeks at or above the minimum dose" in text

    def test_minimum_dose_follows_the_clinic_convention(self, client_for, superuser, clinic, filled):
        from patients.models import AntidepressantTrial

        clinic.screening_options = {"min_dose_overrides": {"sertraline": 150}}
        clinic.save()
        trial = AntidepressantTrial.objects.filter(patient=filled["ours"][0]).get()
        text = client_for(superuser).get(admin_url(AntidepressantTrial, "change", trial.pk)).text
        assert "150 mg/day (clinic convention)" in text
        assert "not adequate" in text

    def test_scale_score_shows_total_band_and_self_harm_item(self, client_for, superuser, filled):
        from patients.models import ScaleScore

        text = client_for(superuser).get(admin_url(ScaleScore, "changelist")).text
        assert "12/27 (moderate)" in text

    def test_findings_show_their_current_review_state_and_filter_by_it(self, client_for, superuser, filled):
        client = client_for(superuser)
        acknowledged = client.get(admin_url(ScreeningFinding, "changelist"), {"review_state": "acknowledged"})
        assert acknowledged.context["cl"].result_count == 2  # one per clinic
        opened = client.get(admin_url(ScreeningFinding, "changelist"), {"review_state": "open"})
        assert opened.context["cl"].result_count == ScreeningFinding.objects.count() - 2


class TestScoping:
    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
    def test_staff_see_only_their_clinics_rows(self, client_for, clinic_admin, filled, model):
        client = client_for(clinic_admin)
        response = client.get(admin_url(model, "changelist"))
        assert response.status_code == 200
        shown = {obj.pk for obj in response.context["cl"].result_list}
        theirs = an_object_of(model, filled["theirs"][0])
        ours = an_object_of(model, filled["ours"][0])
        assert theirs.pk not in shown
        assert ours.pk in shown

    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
    def test_another_clinics_object_is_not_found(self, client_for, clinic_admin, filled, model):
        theirs = an_object_of(model, filled["theirs"][0])
        response = client_for(clinic_admin).get(admin_url(model, "change", theirs.pk))
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")

    def test_clinic_filter_offers_only_the_users_clinics(self, client_for, clinic_admin, filled, other_clinic):
        text = client_for(clinic_admin).get(admin_url(Patient, "changelist")).text
        assert other_clinic.name not in text

    def test_membership_form_offers_only_the_users_clinics_and_colleagues(
        self, client_for, clinic_admin, clinic, stranger, filled
    ):
        newcomer = get_user_model().objects.create_user(username="newcomer")
        response = client_for(clinic_admin).get(admin_url(ClinicMembership, "add"))
        assert response.status_code == 200
        clinics = list(response.context["adminform"].form.fields["clinic"].queryset)
        users = set(response.context["adminform"].form.fields["user"].queryset)
        assert clinics == [clinic]
        assert newcomer in users
        assert stranger not in users

    def test_staff_without_a_clinic_role_see_nothing(self, client_for, clinic):
        bare = factories.make_user(clinic=clinic, role=None, is_staff=True)
        assert client_for(bare).get(admin_url(Patient, "changelist")).status_code == 403

    def test_anonymous_is_sent_to_the_admin_login(self, client):
        response = client.get(admin_url(Patient, "changelist"))
        assert response.status_code == 302
        assert "login" in response["Location"]


class TestActions:
    def post_action(self, client, model, action, objects):
        return client.post(
            admin_url(model, "changelist"),
            {"action": action, "_selected_action": [obj.pk for obj in objects]},
        )

    def test_export_selected_rows_to_csv_neutralises_formulas(self, client_for, superuser, clinic):
        hostile = factories.make_patient(clinic=clinic, family_name="=cmd|' /C calc'!A0", mrn="@A1")
        plain = factories.make_patient(clinic=clinic, family_name="Plain", mrn="-5")
        response = self.post_action(client_for(superuser), Patient, "export_selected_as_csv", [hostile, plain])
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["family name", "given name", "medical record number"]
        by_name = {row[0]: row for row in rows[1:]}
        assert "'=cmd|' /C calc'!A0" in by_name
        assert by_name["'=cmd|' /C calc'!A0"][2] == "'@A1"
        assert by_name["Plain"][2] == "'-5"
        assert by_name["Plain"][4] == "Female"

    def test_export_is_recorded_in_the_audit_trail(self, client_for, superuser, filled):
        from audit.models import AuditEntry

        patient = filled["ours"][0]
        labs = list(LabResult.objects.filter(patient=patient))
        self.post_action(client_for(superuser), LabResult, "export_selected_as_csv", labs)
        entries = AuditEntry.objects.filter(action=AuditEntry.Action.ACCESS)
        assert entries.count() == len(labs) == 2
        assert set(entries.values_list("patient_id", flat=True)) == {patient.pk}
        assert {entry.additional_data["what"] for entry in entries} == {"admin CSV export"}

    def test_export_of_screenings_lists_the_selected_rows(self, client_for, superuser, filled):
        screening = filled["ours"][1]
        response = self.post_action(client_for(superuser), Screening, "export_selected_as_csv", [screening])
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) == 2
        assert rows[1][0] == str(screening.code)

    def test_staff_cannot_export_another_clinics_rows(self, client_for, clinic_admin, filled):
        theirs = filled["theirs"][0]
        response = self.post_action(client_for(clinic_admin), Patient, "export_selected_as_csv", [theirs])
        rows = (
            list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) if response.status_code == 200 else []
        )
        assert all("Theirs" not in row for row in rows)

    def test_record_a_screening_for_the_selected_patients(self, client_for, clinician, clinic):
        clinician.is_staff = True
        clinician.save()
        patients = [factories.make_patient(clinic=clinic) for _ in range(3)]
        response = self.post_action(client_for(clinician), Patient, "record_screening", patients)
        assert response.status_code == 302
        assert Screening.objects.filter(patient__in=patients, recorded_by=clinician).count() == 3

    def test_record_action_needs_the_permission_to_record(self, client_for, clinic_admin, clinic):
        patient = factories.make_patient(clinic=clinic)
        page = client_for(clinic_admin).get(admin_url(Patient, "changelist")).text
        assert "record_screening" not in page
        self.post_action(client_for(clinic_admin), Patient, "record_screening", [patient])
        assert not Screening.objects.filter(patient=patient).exists()


class TestQueryCounts:
    @pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
    def test_changelist_runs_the_same_queries_for_3_and_30_patients(self, client_for, clinic, clinician, model):
        admin_user = factories.make_user(clinic=clinic, role=roles.ADMINISTRATOR, is_staff=True)
        client = client_for(admin_user)
        url = admin_url(model, "changelist")
        counts = []
        for count in (3, 27):
            for _ in range(count):
                fill_patient(factories.make_patient(clinic=clinic), clinician)
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]

    def test_patient_page_with_inlines_does_not_query_per_row(self, client_for, superuser, clinic, clinician):
        patient = factories.make_patient(clinic=clinic)
        counts = []
        for _ in range(2):
            factories.add_labs(patient, ("tsh", "2", "m[IU]/L"), ("hba1c", "5.5", "%"), collected_on=today())
            factories.make_trial(patient)
            patient_services.record_scale_score(patient=patient, instrument="phq9", administered_on=today(), total=5)
            client = client_for(superuser)
            client.get(admin_url(Patient, "change", patient.pk))
            with CaptureQueriesContext(connection) as queries:
                client.get(admin_url(Patient, "change", patient.pk))
            counts.append(len(queries))
        assert counts[0] == counts[1]
