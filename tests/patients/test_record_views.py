import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from patients.models import Measurement, Medicine, PsychotherapyCourse
from tests import factories
from tests.patients import PATIENT_PAGE_QUERIES

pytestmark = pytest.mark.django_db

# The patient page's queries do not grow with the number of rows (see test_trial_views for the breakdown).


@pytest.fixture
def medicine(patient):
    return factories.make_medicine(patient)


def record_urls(patient, medicine):
    return [
        reverse("patients:medicine_create", args=[patient.code]),
        reverse("patients:medicine_end", args=[patient.code, medicine.pk]),
        reverse("patients:measurement_create", args=[patient.code]),
        reverse("patients:psychotherapy_create", args=[patient.code]),
    ]


def detail(patient):
    return reverse("patients:detail", args=[patient.code])


class TestAccess:
    def test_anonymous_is_redirected_to_login(self, client, patient, medicine):
        for url in record_urls(patient, medicine):
            for response in (client.get(url), client.post(url, {})):
                assert response.status_code == 302, url
                assert response["Location"].startswith(reverse("login")), url

    def test_other_clinic_gets_404(self, client_for, stranger, patient, medicine):
        client = client_for(stranger)
        data = {
            "kind": "medicine",
            "name": "metformin",
            "end": "2025-01-01",
            "measured_on": "2025-01-01",
            "weight_kg": "70",
            "modality": "cbt",
        }
        for url in record_urls(patient, medicine):
            assert client.get(url).status_code == 404, url
            assert client.post(url, data).status_code == 404, url
        assert Medicine.objects.get().end is None
        assert Medicine.objects.count() == 1
        assert not Measurement.objects.exists()
        assert not PsychotherapyCourse.objects.exists()

    def test_wrong_method_gets_405(self, client_for, clinician, patient, medicine):
        client = client_for(clinician)
        for url in record_urls(patient, medicine):
            assert client.put(url).status_code == 405, url
            assert client.delete(url).status_code == 405, url

    def test_medicine_of_another_clinic_is_404_even_through_own_patient(
        self, client_for, clinician, patient, other_clinic
    ):
        foreign = factories.make_medicine(factories.make_patient(clinic=other_clinic))
        url = reverse("patients:medicine_end", args=[patient.code, foreign.pk])
        client = client_for(clinician)
        assert client.get(url).status_code == 404
        assert client.post(url, {"end": "2025-01-01"}).status_code == 404
        foreign.refresh_from_db()
        assert foreign.end is None


class TestMedicine:
    def url(self, patient):
        return reverse("patients:medicine_create", args=[patient.code])

    def valid(self, **overrides):
        data = {
            "kind": "medicine",
            "name": "metformin",
            "name_other": "",
            "daily_dose_mg": "1000",
            "dose_text": "500 mg twice daily",
            "start": "2024-06-01",
            "end": "",
            "last_taken": "",
            "notes": "",
        }
        data.update(overrides)
        return data

    def test_records_a_medicine(self, client_for, clinician, patient):
        response = client_for(clinician).post(self.url(patient), self.valid())
        assert response.status_code == 302
        assert response["Location"] == detail(patient)
        medicine = Medicine.objects.get(patient=patient)
        assert (medicine.kind, medicine.name, medicine.daily_dose_mg) == ("medicine", "metformin", Decimal("1000"))
        assert (medicine.dose_text, medicine.start, medicine.end) == ("500 mg twice daily", dt.date(2024, 6, 1), None)

    def test_records_biotin_with_the_date_last_taken(self, client_for, clinician, patient):
        data = self.valid(kind="supplement", name="biotin", daily_dose_mg="", dose_text="", last_taken="2025-02-27")
        client_for(clinician).post(self.url(patient), data)
        medicine = Medicine.objects.get()
        assert (medicine.kind, medicine.name, medicine.last_taken) == ("supplement", "biotin", dt.date(2025, 2, 27))

    def test_records_another_medicine_by_name(self, client_for, clinician, patient):
        client_for(clinician).post(self.url(patient), self.valid(name="other", name_other="Pregabalin"))
        medicine = Medicine.objects.get()
        assert (medicine.name, medicine.display_name) == ("other", "Pregabalin")

    def test_form_groups_medicines_and_supplements(self, client_for, clinician, patient):
        page = client_for(clinician).get(self.url(patient)).text
        assert '<optgroup label="Glucose-lowering">' in page
        assert '<optgroup label="Supplements">' in page
        assert "Vitamin D" in page
        assert "Other (type the name)" in page

    @pytest.mark.parametrize(
        ("overrides", "field", "code"),
        [
            ({"kind": "supplement", "name": "biotin", "daily_dose_mg": ""}, "last_taken", "biotin_last_taken_required"),
            ({"kind": "medicine", "name": "biotin"}, "kind", "kind_mismatch"),
            ({"kind": "supplement", "name": "metformin"}, "kind", "kind_mismatch"),
            ({"name": "other", "name_other": ""}, "name_other", "other_name_required"),
            ({"name": "other", "name_other": "Sertraline"}, "name_other", "antidepressant_is_a_trial"),
            ({"name": ""}, "name", "required"),
            ({"daily_dose_mg": "0"}, "daily_dose_mg", "negative_or_zero_dose"),
            ({"daily_dose_mg": "-1"}, "daily_dose_mg", "negative_or_zero_dose"),
            ({"daily_dose_mg": "1,5"}, "daily_dose_mg", "decimal_comma"),
            ({"start": "2999-01-01"}, "start", "future_date"),
            ({"start": "1970-01-01"}, "start", "before_birth"),
            ({"end": "2024-01-01"}, "end", "end_before_start"),
            ({"last_taken": "2999-01-01"}, "last_taken", "future_date"),
            ({"end": "2024-12-01", "last_taken": "2025-01-01"}, "last_taken", "last_taken_after_end"),
        ],
        ids=[
            "biotin-without-last-taken",
            "supplement-as-medicine",
            "medicine-as-supplement",
            "other-without-name",
            "antidepressant-typed",
            "no-name",
            "zero-dose",
            "negative-dose",
            "decimal-comma",
            "future-start",
            "before-birth",
            "end-before-start",
            "future-last-taken",
            "last-taken-after-end",
        ],
    )
    def test_refuses_invalid_input_and_stores_nothing(self, client_for, clinician, patient, overrides, field, code):
        response = client_for(clinician).post(self.url(patient), self.valid(**overrides))
        assert response.status_code == 200
        assert response.context["form"].has_error(field, code)
        assert not Medicine.objects.exists()

    def test_keeps_typed_values_on_error(self, client_for, clinician, patient):
        response = client_for(clinician).post(self.url(patient), self.valid(start="2999-01-01", notes="From GP"))
        assert 'value="From GP"' in response.text
        assert 'value="500 mg twice daily"' in response.text
        assert '<option value="metformin" selected>' in response.text


class TestEndMedicine:
    def url(self, patient, medicine):
        return reverse("patients:medicine_end", args=[patient.code, medicine.pk])

    def test_sets_the_end_date(self, client_for, clinician, patient, medicine):
        response = client_for(clinician).post(self.url(patient, medicine), {"end": "2025-03-01"})
        assert response.status_code == 302
        medicine.refresh_from_db()
        assert medicine.end == dt.date(2025, 3, 1)

    @pytest.mark.parametrize(
        ("end", "code"),
        [("2024-05-01", "end_before_start"), ("2999-01-01", "future_date"), ("", "required")],
        ids=["before-start", "future", "missing"],
    )
    def test_refuses_invalid_end_and_stores_nothing(self, client_for, clinician, patient, medicine, end, code):
        response = client_for(clinician).post(self.url(patient, medicine), {"end": end})
        assert response.status_code == 200
        assert response.context["form"].has_error("end", code)
        medicine.refresh_from_db()
        assert medicine.end is None

    def test_already_stopped_medicine_redirects_without_change(self, client_for, clinician, patient):
        stopped = factories.make_medicine(patient, end=dt.date(2025, 1, 1))
        response = client_for(clinician).post(self.url(patient, stopped), {"end": "2025-03-01"})
        assert response.status_code == 302
        stopped.refresh_from_db()
        assert stopped.end == dt.date(2025, 1, 1)


class TestMeasurement:
    def url(self, patient):
        return reverse("patients:measurement_create", args=[patient.code])

    def valid(self, **overrides):
        data = {
            "measured_on": "2025-03-01",
            "height_cm": "170",
            "weight_kg": "72.5",
            "waist_cm": "88",
            "systolic": "128",
            "diastolic": "82",
        }
        data.update(overrides)
        return data

    def test_records_measurements(self, client_for, clinician, patient):
        response = client_for(clinician).post(self.url(patient), self.valid())
        assert response.status_code == 302
        m = Measurement.objects.get(patient=patient)
        assert (m.height_cm, m.weight_kg, m.waist_cm) == (Decimal("170"), Decimal("72.5"), Decimal("88"))
        assert (m.systolic, m.diastolic, m.measured_on) == (128, 82, dt.date(2025, 3, 1))

    def test_records_a_single_value(self, client_for, clinician, patient):
        data = {"measured_on": "2025-03-01", "weight_kg": "80"}
        assert client_for(clinician).post(self.url(patient), data).status_code == 302
        assert Measurement.objects.get().height_cm is None

    @pytest.mark.parametrize(
        ("overrides", "field", "code"),
        [
            (
                {"height_cm": "", "weight_kg": "", "waist_cm": "", "systolic": "", "diastolic": ""},
                "__all__",
                "empty_measurement",
            ),
            ({"height_cm": "1.75"}, "height_cm", "unit_mixup"),
            ({"height_cm": "300"}, "height_cm", "implausible"),
            ({"weight_kg": "500"}, "weight_kg", "implausible"),
            ({"weight_kg": "350"}, "weight_kg", "implausible"),  # BMI 121 with a height of 170 cm
            ({"weight_kg": "72,5"}, "weight_kg", "decimal_comma"),
            ({"weight_kg": "NaN"}, "weight_kg", "invalid_number"),
            ({"waist_cm": "45"}, "waist_cm", "confirm_unit"),
            ({"systolic": "80", "diastolic": "120"}, "diastolic", "implausible"),
            ({"systolic": "128", "diastolic": ""}, "diastolic", "blood_pressure_incomplete"),
            ({"systolic": "", "diastolic": "82"}, "systolic", "blood_pressure_incomplete"),
            ({"systolic": "400"}, "systolic", "implausible"),
            ({"systolic": "128.5"}, "systolic", "not_whole_number"),
            ({"measured_on": "2999-01-01"}, "measured_on", "future_date"),
            ({"measured_on": "1970-01-01"}, "measured_on", "before_birth"),
        ],
        ids=[
            "empty",
            "height-in-metres",
            "height-implausible",
            "weight-implausible",
            "bmi-implausible",
            "decimal-comma",
            "nan",
            "waist-maybe-inches",
            "bp-swapped",
            "bp-no-diastolic",
            "bp-no-systolic",
            "systolic-implausible",
            "systolic-fraction",
            "future",
            "before-birth",
        ],
    )
    def test_refuses_implausible_or_incomplete_values_and_stores_nothing(
        self, client_for, clinician, patient, overrides, field, code
    ):
        response = client_for(clinician).post(self.url(patient), self.valid(**overrides))
        assert response.status_code == 200
        assert response.context["form"].has_error(field, code)
        assert not Measurement.objects.exists()

    def test_unit_mixup_suggests_the_likely_unit_and_keeps_typed_values(self, client_for, clinician, patient):
        response = client_for(clinician).post(self.url(patient), self.valid(height_cm="1.75"))
        assert "1.75 is not a plausible height in cm" in response.context["form"].errors["height_cm"][0]
        assert 'value="1.75"' in response.text
        assert 'value="72.5"' in response.text
        assert 'value="128"' in response.text

    def test_held_value_is_saved_once_its_unit_is_confirmed(self, client_for, clinician, patient):
        client = client_for(clinician)
        first = client.post(self.url(patient), self.valid(waist_cm="45"))
        assert 'name="waist_cm_confirm"' in first.text
        assert 'name="height_cm_confirm"' not in first.text
        assert not Measurement.objects.exists()
        second = client.post(self.url(patient), self.valid(waist_cm="45", waist_cm_confirm="on"))
        assert second.status_code == 302
        assert Measurement.objects.get().waist_cm == Decimal("45")

    def test_confirm_boxes_are_hidden_until_needed(self, client_for, clinician, patient):
        assert "_confirm" not in client_for(clinician).get(self.url(patient)).text


class TestPsychotherapy:
    def url(self, patient):
        return reverse("patients:psychotherapy_create", args=[patient.code])

    def valid(self, **overrides):
        data = {
            "modality": "cbt",
            "modality_other": "",
            "approximate_sessions": "16",
            "start": "2023-01-10",
            "end": "2023-06-01",
            "notes": "Group programme",
        }
        data.update(overrides)
        return data

    def test_records_a_course(self, client_for, clinician, patient):
        response = client_for(clinician).post(self.url(patient), self.valid())
        assert response.status_code == 302
        course = PsychotherapyCourse.objects.get(patient=patient)
        assert (course.modality, course.approximate_sessions, course.end) == ("cbt", 16, dt.date(2023, 6, 1))

    def test_records_another_modality_by_name(self, client_for, clinician, patient):
        client_for(clinician).post(self.url(patient), self.valid(modality="other", modality_other="IPT"))
        assert PsychotherapyCourse.objects.get().modality_other == "IPT"

    @pytest.mark.parametrize(
        ("overrides", "field", "code"),
        [
            ({"modality": "other"}, "modality_other", "other_modality_required"),
            ({"modality": ""}, "modality", "required"),
            ({"approximate_sessions": "-1"}, "approximate_sessions", "negative"),
            ({"approximate_sessions": "1001"}, "approximate_sessions", "above_maximum"),
            ({"approximate_sessions": "0"}, "approximate_sessions", "below_minimum"),
            ({"approximate_sessions": "about 10"}, "approximate_sessions", "invalid_number"),
            ({"end": "2022-01-01"}, "end", "end_before_start"),
            ({"start": "2999-01-01", "end": ""}, "start", "future_date"),
            ({"start": "1970-01-01"}, "start", "before_birth"),
            ({"notes": "bad\x00text"}, "notes", "null_characters_not_allowed"),
        ],
        ids=[
            "other-without-name",
            "no-modality",
            "negative-sessions",
            "too-many-sessions",
            "zero-sessions",
            "sessions-text",
            "end-before-start",
            "future-start",
            "before-birth",
            "null-character",
        ],
    )
    def test_refuses_invalid_input_and_stores_nothing(self, client_for, clinician, patient, overrides, field, code):
        response = client_for(clinician).post(self.url(patient), self.valid(**overrides))
        assert response.status_code == 200
        assert response.context["form"].has_error(field, code)
        assert not PsychotherapyCourse.objects.exists()

    @pytest.mark.parametrize(("typed", "stored"), [("1", 1), ("", None)], ids=["one-session", "not-given"])
    def test_sessions_are_at_least_one_when_given(self, client_for, clinician, patient, typed, stored):
        response = client_for(clinician).post(self.url(patient), self.valid(approximate_sessions=typed))
        assert response.status_code == 302
        assert PsychotherapyCourse.objects.get(patient=patient).approximate_sessions == stored

    def test_keeps_typed_values_on_error(self, client_for, clinician, patient):
        response = client_for(clinician).post(self.url(patient), self.valid(modality="other"))
        assert "Group programme" in response.text
        assert 'value="16"' in response.text


class TestPatientPage:
    def test_shows_medicines_measurements_bmi_and_psychotherapy(self, client_for, clinician, patient):
        factories.make_medicine(patient, daily_dose_mg=Decimal("1000"))
        biotin = factories.make_medicine(patient, kind="supplement", name="biotin", last_taken=dt.date(2025, 2, 27))
        factories.make_measurement(patient, measured_on=dt.date(2024, 6, 1), height_cm=Decimal("170"), weight_kg=None)
        factories.make_measurement(patient, measured_on=dt.date(2025, 3, 1), weight_kg=Decimal("72.5"))
        factories.make_measurement(patient, measured_on=dt.date(2025, 3, 2), weight_kg=None, systolic=128, diastolic=82)
        factories.make_psychotherapy(patient, modality="other", modality_other="IPT", end=dt.date(2023, 6, 1))
        page = client_for(clinician).get(detail(patient)).text
        assert "Metformin" in page
        assert "1000 mg/day" in page
        assert "Biotin" in page
        assert "2025-02-27" in page
        assert reverse("patients:medicine_end", args=[patient.code, biotin.pk]) in page
        assert "BMI 25.1 kg/m²" in page
        assert "(weight 72.5 kg on 2025-03-01, height 170.0 cm on 2024-06-01)" in page
        assert "128/82 mmHg" in page
        assert "IPT" in page
        assert "about 12 sessions" in page
        for name in ("medicine_create", "measurement_create", "psychotherapy_create"):
            assert reverse(f"patients:{name}", args=[patient.code]) in page

    def test_says_when_nothing_is_recorded(self, client_for, clinician, patient):
        page = client_for(clinician).get(detail(patient)).text
        assert "No other medicines or supplements recorded." in page
        assert "No measurements recorded." in page
        assert "No psychotherapy recorded." in page

    @pytest.mark.parametrize("count", [1, 10])
    def test_runs_a_fixed_number_of_queries(self, client_for, clinician, patient, django_assert_max_num_queries, count):
        for i in range(count):
            factories.make_medicine(patient, name="metformin" if i % 2 else "atorvastatin")
            factories.make_measurement(
                patient, measured_on=dt.date(2025, 1, 1) + dt.timedelta(days=i), height_cm=Decimal("170")
            )
            factories.make_psychotherapy(patient)
            factories.make_augmentation(patient)
            factories.make_other_treatment(patient)
        client = client_for(clinician)
        with django_assert_max_num_queries(PATIENT_PAGE_QUERIES):
            response = client.get(detail(patient))
        assert response.status_code == 200
