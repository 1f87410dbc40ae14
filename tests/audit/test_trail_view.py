"""The audit trail page: clinic administrators and reviewers browse their own clinics' entries only."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from patients import roles
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("audit:trail")


def viewed(patient, user, *, when=None, what="patient page"):
    """An access entry as a page view writes it, optionally back-dated."""
    return AuditEntry.objects.log_create(
        patient,
        force_log=True,
        action=AuditEntry.Action.ACCESS,
        actor=user,
        additional_data={"what": what},
        **({"timestamp": when} if when else {}),
    )


class TestAccess:
    def test_anonymous_is_redirected_to_login(self, client):
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_clinician_gets_403(self, client_for, clinician):
        assert client_for(clinician).get(URL).status_code == 403

    def test_wrong_method_gets_405(self, client_for, administrator):
        client = client_for(administrator)
        assert client.post(URL).status_code == 405
        assert client.put(URL).status_code == 405

    def test_reviewer_may_browse(self, client_for, clinic):
        reviewer = factories.make_user(clinic=clinic, role=roles.REVIEWER)
        assert client_for(reviewer).get(URL).status_code == 200

    def test_nav_link_only_for_those_who_may_browse(self, client_for, clinician, administrator):
        assert URL in client_for(administrator).get(reverse("patients:list")).text
        assert URL not in client_for(clinician).get(reverse("patients:list")).text


class TestScoping:
    def test_shows_own_clinic_entries_and_never_another_clinics(
        self, client_for, administrator, clinician, patient, other_clinic, stranger
    ):
        elsewhere = factories.make_patient(clinic=other_clinic, family_name="Elsewhere", mrn="ELSE-1")
        viewed(elsewhere, stranger)
        viewed(patient, clinician)
        page = client_for(administrator).get(URL).text
        assert patient.family_name in page and patient.mrn in page
        assert "Elsewhere" not in page and "ELSE-1" not in page and "stranger" not in page

    def test_administrator_of_another_clinic_sees_nothing_of_this_one(
        self, client_for, other_administrator, clinician, patient
    ):
        viewed(patient, clinician)
        response = client_for(other_administrator).get(URL)
        assert response.context["rows"]  # the other clinic's own entries (its creation, its memberships)
        assert {row.entry.clinic_id for row in response.context["rows"]} == {
            other_administrator.memberships.get().clinic_id
        }
        assert patient.family_name not in response.text and patient.mrn not in response.text

    def test_patient_filter_of_another_clinic_is_404(self, client_for, other_administrator, patient):
        assert client_for(other_administrator).get(URL, {"patient": patient.code}).status_code == 404

    def test_search_cannot_reach_another_clinics_patient(self, client_for, other_administrator, clinician, patient):
        viewed(patient, clinician)
        response = client_for(other_administrator).get(URL, {"q": patient.mrn})
        assert not response.context["rows"]


class TestFilters:
    @pytest.fixture
    def two_patients(self, clinic, clinician, administrator):
        okafor = factories.make_patient(clinic=clinic, family_name="Okafor", mrn="A-100")
        lindqvist = factories.make_patient(clinic=clinic, family_name="Lindqvist", mrn="B-200")
        viewed(okafor, clinician)
        viewed(lindqvist, administrator)
        return okafor, lindqvist

    def patients_shown(self, response):
        return {row.entry.patient.family_name for row in response.context["rows"]}

    def test_by_patient_link(self, client_for, administrator, two_patients):
        okafor, _ = two_patients
        response = client_for(administrator).get(URL, {"patient": okafor.code})
        assert self.patients_shown(response) == {"Okafor"}

    def test_by_patient_link_logs_the_access(self, client_for, administrator, two_patients):
        okafor, _ = two_patients
        client_for(administrator).get(URL, {"patient": okafor.code})
        latest = AuditEntry.objects.filter(patient=okafor).latest("timestamp")
        assert (latest.action, latest.what, latest.actor) == (AuditEntry.Action.ACCESS, "audit trail", administrator)

    @pytest.mark.parametrize(("q", "expected"), [("okaf", {"Okafor"}), ("B-200", {"Lindqvist"}), ("zzz", set())])
    def test_by_patient_name_or_mrn(self, client_for, administrator, two_patients, q, expected):
        assert self.patients_shown(client_for(administrator).get(URL, {"q": q})) == expected

    @pytest.mark.parametrize("q", ["łukasz", "ŁUKASZ", "wróbel", "WRÓBEL"])
    def test_by_patient_name_ignores_the_case_of_every_letter(self, client_for, administrator, clinic, clinician, q):
        wrobel = factories.make_patient(clinic=clinic, given_name="Łukasz", family_name="Wróbel")
        viewed(wrobel, clinician)
        assert self.patients_shown(client_for(administrator).get(URL, {"q": q})) == {"Wróbel"}

    def test_by_user(self, client_for, administrator, two_patients):
        response = client_for(administrator).get(URL, {"user": "casey", "action": AuditEntry.Action.ACCESS})
        assert self.patients_shown(response) == {"Okafor"}  # the clinician is Casey Doctor

    def test_by_action(self, client_for, administrator, two_patients):
        response = client_for(administrator).get(URL, {"action": AuditEntry.Action.CREATE})
        assert {row.action for row in response.context["rows"]} == {"Created"}

    def test_by_date_range_inclusive(self, client_for, administrator, clinician, clinic):
        patient = factories.make_patient(clinic=clinic, family_name="Dated")
        noon = timezone.make_aware(dt.datetime(2026, 3, 10, 12, 0))
        for days in (-1, 0, 2, 3):
            viewed(patient, clinician, when=noon + dt.timedelta(days=days), what=f"day {days}")
        response = client_for(administrator).get(URL, {"start": "2026-03-10", "end": "2026-03-12"})
        assert {row.what for row in response.context["rows"]} == {"day 0", "day 2"}

    def test_end_before_start_is_a_form_error(self, client_for, administrator, two_patients):
        response = client_for(administrator).get(URL, {"start": "2026-03-10", "end": "2026-03-01"})
        assert response.context["form"].has_error("__all__", "end_before_start")
        assert not response.context["rows"]

    def test_paginates_keeping_the_filters(self, client_for, administrator, clinician, clinic):
        patient = factories.make_patient(clinic=clinic, family_name="Paged")
        for _ in range(55):
            viewed(patient, clinician)
        client = client_for(administrator)
        first = client.get(URL, {"q": "Paged", "action": AuditEntry.Action.ACCESS})
        assert len(first.context["rows"]) == 50
        assert "q=Paged" in first.text and "page=2" in first.text
        second = client.get(URL, {"q": "Paged", "action": AuditEntry.Action.ACCESS, "page": 2})
        assert len(second.context["rows"]) == 5
        assert not second.context["page"].has_next
        for page in ("x", "-3", "99999999999999999999999"):
            assert client.get(URL, {"page": page}).status_code == 200


class TestChanges:
    def test_renders_field_before_and_after(self, client_for, administrator, clinician, patient):
        from auditlog.context import set_actor

        with set_actor(clinician):
            patient.ancestry = "south_asian"
            patient.save()
        page = client_for(administrator).get(URL, {"action": AuditEntry.Action.UPDATE}).text
        assert "ancestry</span>: Unknown / not recorded → South Asian" in page

    def test_escapes_everything(self, client_for, administrator, clinician, patient):
        from auditlog.context import set_actor

        with set_actor(clinician):
            patient.notes = "<script>alert(1)</script>"
            patient.save()
        page = client_for(administrator).get(URL).text
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


class TestQueryCount:
    @pytest.mark.parametrize("count", [2, 60])
    def test_runs_a_fixed_number_of_queries(
        self, client_for, administrator, clinician, clinic, django_assert_max_num_queries, count
    ):
        for i in range(count):
            patient = factories.make_patient(clinic=clinic, family_name=f"Person{i:02d}")
            viewed(patient, clinician)
        client = client_for(administrator)
        # session, user, two-factor devices, permissions (2), the page of entries with actor, patient and
        # record type joined (no count), navigation clinics, session save (in a savepoint: 3)
        with django_assert_max_num_queries(10):
            response = client.get(URL)
        assert response.status_code == 200


class TestChangeLines:
    def test_create_lists_filled_fields_with_labels_and_related_ids(self, patient):
        from audit.presenters import change_lines
        from patients.models import DosePeriod

        trial = factories.make_trial(patient)
        period = trial.dose_periods.get()
        entry = AuditEntry.objects.get(object_id=period.pk, content_type__model="doseperiod", action=0)
        lines = {line.label: (line.before, line.after) for line in change_lines(entry)}
        assert lines["trial"] == ("(empty)", f"#{trial.pk}")
        assert lines[DosePeriod._meta.get_field("daily_dose_mg").verbose_name] == ("(empty)", "50")
        assert "end" not in lines and "ID" not in lines  # nothing recorded, and the pk is the record column

    def test_patient_link_is_not_repeated_as_a_change(self, patient):
        from audit.presenters import change_lines

        factories.add_labs(patient, ("hba1c", "6.1", "%"), collected_on=dt.date(2026, 1, 5))
        entry = AuditEntry.objects.filter(content_type__model="labresult").get()
        labels = [line.label for line in change_lines(entry)]
        assert "patient" not in labels
        assert "value as reported" in labels and "analyte" in labels
