import datetime as dt

import pytest
from django.urls import reverse

from patients.models import Intake, Patient
from tests import factories

pytestmark = pytest.mark.django_db


def patient_urls(patient):
    return [
        reverse("patients:detail", args=[patient.code]),
        reverse("patients:edit", args=[patient.code]),
        reverse("patients:intake", args=[patient.code]),
        reverse("patients:lab_panel", args=[patient.code]),
    ]


class TestAccess:
    def test_anonymous_is_redirected_to_login(self, client, patient, clinic):
        for url in [*patient_urls(patient), reverse("patients:list"), reverse("patients:create", args=[clinic.code])]:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login")), url

    def test_other_clinic_gets_404(self, client_for, stranger, patient, clinic):
        client = client_for(stranger)
        for url in [*patient_urls(patient), reverse("patients:create", args=[clinic.code])]:
            assert client.get(url).status_code == 404, url
        for url in [*patient_urls(patient)[1:], reverse("patients:create", args=[clinic.code])]:
            assert client.post(url, {}).status_code == 404, url

    def test_wrong_method_gets_405(self, client_for, clinician, patient):
        client = client_for(clinician)
        assert client.post(reverse("patients:list")).status_code == 405
        assert client.post(reverse("patients:detail", args=[patient.code])).status_code == 405
        for url in patient_urls(patient)[1:]:
            assert client.put(url).status_code == 405, url

    def test_patient_list_shows_only_own_clinic(self, client_for, clinician, patient, other_clinic):
        factories.make_patient(clinic=other_clinic, family_name="Elsewhere")
        response = client_for(clinician).get(reverse("patients:list"))
        assert response.status_code == 200
        assert patient.family_name in response.text
        assert "Elsewhere" not in response.text


class TestPatientList:
    def test_searches_by_name_and_mrn(self, client_for, clinician, clinic):
        factories.make_patient(clinic=clinic, family_name="Okafor", mrn="A-100")
        factories.make_patient(clinic=clinic, family_name="Lindqvist", mrn="B-200")
        client = client_for(clinician)
        by_name = client.get(reverse("patients:list"), {"q": "okaf"}).text
        assert "Okafor" in by_name and "Lindqvist" not in by_name
        by_mrn = client.get(reverse("patients:list"), {"q": "B-200"}).text
        assert "Lindqvist" in by_mrn and "Okafor" not in by_mrn

    def test_paginates(self, client_for, clinician, clinic):
        for i in range(30):
            factories.make_patient(clinic=clinic, family_name=f"Person{i:02d}")
        client = client_for(clinician)
        first = client.get(reverse("patients:list")).text
        second = client.get(reverse("patients:list"), {"page": 2}).text
        assert "Person00" in first and "Person29" not in first
        assert "Person29" in second

    @pytest.mark.parametrize(
        ("query", "found"),
        [
            ("łukasz", "Wróbel"),
            ("ŁUKASZ", "Wróbel"),
            ("WRÓBEL", "Wróbel"),
            ("wróbel", "Wróbel"),
            ("ålund", "Ålund"),
            ("ÅLUND", "Ålund"),
            ("þórsson", "Þórsson"),
            ("ÞÓRSSON", "Þórsson"),
            ("Łukasz wRóBeL", "Wróbel"),
        ],
    )
    def test_search_ignores_case_of_every_letter(self, client_for, clinician, clinic, query, found):
        factories.make_patient(clinic=clinic, given_name="Łukasz", family_name="Wróbel")
        factories.make_patient(clinic=clinic, given_name="Ingrid", family_name="Ålund")
        factories.make_patient(clinic=clinic, given_name="Guðrún", family_name="Þórsson")
        page = client_for(clinician).get(reverse("patients:list"), {"q": query})
        listed = {patient.family_name for patient in page.context["page"].object_list}
        assert listed == {found}

    def test_search_treats_like_wildcards_literally(self, client_for, clinician, clinic):
        factories.make_patient(clinic=clinic, family_name="Łukaszewicz")
        client = client_for(clinician)
        for query in ["%", "_", "ł%z"]:
            assert list(client.get(reverse("patients:list"), {"q": query}).context["page"].object_list) == []

    def test_too_long_search_lists_no_one_and_says_why(self, client_for, clinician, clinic):
        factories.make_patient(clinic=clinic, family_name="Okafor")
        response = client_for(clinician).get(reverse("patients:list"), {"q": "a" * 101})
        assert response.status_code == 200
        assert list(response.context["page"].object_list) == []
        assert "Okafor" not in response.text
        assert "Search for at most 100 characters" in response.text
        assert "No patients yet." not in response.text

    def test_search_of_100_characters_still_runs(self, client_for, clinician, clinic):
        factories.make_patient(clinic=clinic, family_name="Okafor")
        response = client_for(clinician).get(reverse("patients:list"), {"q": "x" * 100})
        assert list(response.context["page"].object_list) == []
        assert "No patients match" in response.text

    @pytest.mark.parametrize("query", ["", "łukasz wróbel"])
    def test_search_runs_a_fixed_number_of_queries(
        self, client_for, clinician, clinic, django_assert_max_num_queries, query
    ):
        for i in range(30):
            factories.make_patient(clinic=clinic, given_name="Łukasz", family_name=f"Wróbel{i:02d}")
        client = client_for(clinician)
        with django_assert_max_num_queries(11):
            response = client.get(reverse("patients:list"), {"q": query})
        assert response.context["page"].paginator.count == 30

    @pytest.mark.parametrize("count", [5, 50])
    def test_runs_a_fixed_number_of_queries(self, client_for, clinician, clinic, django_assert_max_num_queries, count):
        for i in range(count):
            factories.make_patient(clinic=clinic, family_name=f"Person{i:02d}")
        client = client_for(clinician)
        # session, user, permissions (2), count, page, clinics, session save
        with django_assert_max_num_queries(11):
            response = client.get(reverse("patients:list"))
        assert response.status_code == 200


class TestRegisterPatient:
    def valid(self, **overrides):
        data = {
            "mrn": "MRN-1",
            "given_name": "Zoë",
            "family_name": "O'Brien-Nguyễn",
            "birth_date": "1975-03-04",
            "sex": "female",
            "ancestry": "europid",
            "pregnancy_status": "not_pregnant",
        }
        data.update(overrides)
        return data

    def test_registers_patient_in_the_users_clinic_with_an_intake(self, client_for, clinician, clinic):
        response = client_for(clinician).post(reverse("patients:create", args=[clinic.code]), self.valid())
        patient = Patient.objects.get(mrn="MRN-1")
        assert response.status_code == 302
        assert response["Location"] == reverse("patients:intake", args=[patient.code])
        assert patient.clinic == clinic
        assert Intake.objects.filter(patient=patient).exists()

    def test_stores_names_nfc_normalised(self, client_for, clinician, clinic):
        decomposed = "Zoe\u0308"
        client_for(clinician).post(reverse("patients:create", args=[clinic.code]), self.valid(given_name=decomposed))
        assert Patient.objects.get(mrn="MRN-1").given_name == "Zo\u00eb"

    def test_refuses_control_characters(self, client_for, clinician, clinic):
        response = client_for(clinician).post(
            reverse("patients:create", args=[clinic.code]), self.valid(family_name="Bad\x07Name")
        )
        assert response.status_code == 200
        assert response.context["form"].has_error("family_name", "control_characters")
        assert not Patient.objects.exists()

    @pytest.mark.parametrize(
        "char",
        [
            "\u202a",
            "\u202b",
            "\u202c",
            "\u202d",
            "\u202e",
            "\u2066",
            "\u2067",
            "\u2068",
            "\u2069",
        ],
        ids=lambda char: f"U+{ord(char):04X}",
    )
    def test_refuses_bidi_controls_in_names(self, client_for, clinician, clinic, char):
        response = client_for(clinician).post(
            reverse("patients:create", args=[clinic.code]),
            self.valid(given_name=f"Ann{char}a", family_name=f"{char}nosduH"),
        )
        assert response.status_code == 200
        form = response.context["form"]
        assert form.has_error("given_name", "bidi_controls")
        assert form.has_error("family_name", "bidi_controls")
        assert "text-direction characters" in response.text
        assert not Patient.objects.exists()

    def test_refuses_bidi_override_when_editing_a_name(self, client_for, clinician, patient):
        data = {
            "mrn": patient.mrn,
            "given_name": patient.given_name,
            "family_name": "\u202eevil",
            "birth_date": "1980-05-02",
            "sex": "female",
        }
        response = client_for(clinician).post(reverse("patients:edit", args=[patient.code]), data)
        assert response.status_code == 200
        assert response.context["form"].has_error("family_name", "bidi_controls")
        patient.refresh_from_db()
        assert patient.family_name == "Example"

    def test_accepts_direction_marks_which_only_place_punctuation(self, client_for, clinician, clinic):
        response = client_for(clinician).post(
            reverse("patients:create", args=[clinic.code]), self.valid(given_name="מרים\u200f", family_name="כהן\u200e")
        )
        assert response.status_code == 302
        assert Patient.objects.get().given_name == "מרים\u200f"

    def test_accepts_right_to_left_names_without_controls(self, client_for, clinician, clinic):
        response = client_for(clinician).post(
            reverse("patients:create", args=[clinic.code]), self.valid(given_name="مريم", family_name="כהן")
        )
        assert response.status_code == 302
        assert Patient.objects.get(mrn="MRN-1").family_name == "כהן"

    def test_refuses_duplicate_mrn_in_clinic_and_keeps_typed_values(self, client_for, clinician, clinic):
        factories.make_patient(clinic=clinic, mrn="MRN-1")
        response = client_for(clinician).post(reverse("patients:create", args=[clinic.code]), self.valid())
        form = response.context["form"]
        assert form.has_error("mrn", "duplicate_mrn")
        assert "O&#x27;Brien-Nguyễn" in response.text or "O&#39;Brien-Nguyễn" in response.text

    def test_same_mrn_allowed_in_another_clinic(self, client_for, clinician, clinic, other_clinic):
        factories.make_patient(clinic=other_clinic, mrn="MRN-1")
        response = client_for(clinician).post(reverse("patients:create", args=[clinic.code]), self.valid())
        assert response.status_code == 302

    def test_posted_clinic_field_is_ignored(self, client_for, clinician, clinic, other_clinic):
        data = self.valid(clinic=other_clinic.pk)
        client_for(clinician).post(reverse("patients:create", args=[clinic.code]), data)
        assert Patient.objects.get(mrn="MRN-1").clinic == clinic

    @pytest.mark.parametrize(
        ("overrides", "field", "code"),
        [
            ({"birth_date": "2999-01-01"}, "birth_date", "future_date"),
            ({"delivery_date": "2999-01-01"}, "delivery_date", "future_date"),
            ({"sex": "male", "pregnancy_status": "pregnant"}, "pregnancy_status", "sex_mismatch"),
            ({"delivery_date": "1970-01-01"}, "delivery_date", "before_birth"),
        ],
        ids=["future-birth", "future-delivery", "male-pregnant", "delivery-before-birth"],
    )
    def test_refuses_bad_dates_with_field_errors(self, client_for, clinician, clinic, overrides, field, code):
        response = client_for(clinician).post(reverse("patients:create", args=[clinic.code]), self.valid(**overrides))
        assert response.status_code == 200
        assert response.context["form"].has_error(field, code)
        assert not Patient.objects.exists()


class TestEditAndIntake:
    def test_edits_patient(self, client_for, clinician, patient):
        data = {
            "mrn": patient.mrn,
            "given_name": "Robin",
            "family_name": patient.family_name,
            "birth_date": "1980-05-02",
            "sex": "female",
            "ancestry": "south_asian",
            "pregnancy_status": "not_pregnant",
            "version": patient.version,
        }
        response = client_for(clinician).post(reverse("patients:edit", args=[patient.code]), data)
        assert response.status_code == 302
        patient.refresh_from_db()
        assert (patient.given_name, patient.ancestry) == ("Robin", "south_asian")

    @staticmethod
    def edit_birth_date(client, patient, birth_date):
        data = {
            "mrn": patient.mrn,
            "given_name": patient.given_name,
            "family_name": patient.family_name,
            "birth_date": birth_date,
            "sex": "female",
            "ancestry": patient.ancestry,
            "pregnancy_status": patient.pregnancy_status,
            "version": patient.version,
        }
        return client.post(reverse("patients:edit", args=[patient.code]), data)

    def test_refuses_birth_date_after_the_earliest_clinical_data_and_names_it(self, client_for, clinician, patient):
        factories.make_trial(patient, start=dt.date(2025, 1, 10))
        factories.add_labs(patient, ("tsh", "2.1", "m[IU]/L"), collected_on=dt.date(2025, 1, 3))
        factories.make_scale_score(patient, administered_on=dt.date(2025, 3, 1))

        response = self.edit_birth_date(client_for(clinician), patient, "2026-06-01")

        assert response.status_code == 200
        assert response.context["form"].has_error("birth_date", "after_clinical_data")
        assert (
            "The earliest recorded data is a lab result collected on 2025-01-03; "
            "the birth date must be on or before it."
        ) in response.context["form"].errors["birth_date"]
        patient.refresh_from_db()
        assert patient.birth_date == dt.date(1980, 5, 2)

    @pytest.mark.parametrize(
        ("record", "named"),
        [
            (
                lambda p: factories.make_scale_score(p, administered_on=dt.date(2025, 3, 1)),
                "a rating scale administered",
            ),
            (lambda p: factories.make_trial(p, start=dt.date(2025, 3, 1)), "an antidepressant trial dose started"),
            (lambda p: factories.make_medicine(p, start=dt.date(2025, 3, 1)), "a medicine or supplement started"),
            (lambda p: factories.make_augmentation(p, start=dt.date(2025, 3, 1)), "an augmentation started"),
            (lambda p: factories.make_other_treatment(p, start=dt.date(2025, 3, 1)), "a treatment (ECT"),
            (lambda p: factories.make_measurement(p, measured_on=dt.date(2025, 3, 1)), "a measurement taken"),
            (lambda p: factories.make_psychotherapy(p, start=dt.date(2025, 3, 1)), "a psychotherapy course started"),
        ],
        ids=["scale", "trial", "medicine", "augmentation", "other-treatment", "measurement", "psychotherapy"],
    )
    def test_refuses_birth_date_after_each_kind_of_clinical_date(self, client_for, clinician, patient, record, named):
        record(patient)
        client = client_for(clinician)

        after = self.edit_birth_date(client, patient, "2025-03-02")
        assert after.context["form"].has_error("birth_date", "after_clinical_data")
        assert named in after.context["form"].errors["birth_date"][0]
        assert "2025-03-01" in after.context["form"].errors["birth_date"][0]

        on_the_day = self.edit_birth_date(client, patient, "2025-03-01")
        assert on_the_day.status_code == 302
        patient.refresh_from_db()
        assert patient.birth_date == dt.date(2025, 3, 1)

    def test_birth_date_of_a_patient_without_clinical_data_checks_only_today(self, client_for, clinician, patient):
        response = self.edit_birth_date(client_for(clinician), patient, "2026-06-01")
        assert response.status_code == 302
        patient.refresh_from_db()
        assert patient.birth_date == dt.date(2026, 6, 1)

    def test_saves_intake(self, client_for, clinician, patient):
        data = {
            "episode_onset": "2025-01-15",
            "episode_severity": "moderate",
            "conditions": ["anxiety", "hypertension"],
            "sleep_hours": "6.5",
            "exercise_minutes_per_week": "90",
            "alcohol_units_per_week": "4",
            "smoking": "never",
            "version": patient.intake.version,
        }
        response = client_for(clinician).post(reverse("patients:intake", args=[patient.code]), data)
        assert response.status_code == 302
        intake = Intake.objects.get(patient=patient)
        assert intake.episode_onset == dt.date(2025, 1, 15)
        assert intake.conditions == ["anxiety", "hypertension"]

    @pytest.mark.parametrize("value", ["NaN", "inf", "6,5", "1e1", "-3", "abc"])
    def test_intake_refuses_malformed_numbers(self, client_for, clinician, patient, value):
        response = client_for(clinician).post(reverse("patients:intake", args=[patient.code]), {"sleep_hours": value})
        assert response.status_code == 200
        assert response.context["form"].errors["sleep_hours"]
        assert Intake.objects.get(patient=patient).sleep_hours is None

    def test_patient_page_shows_intake(self, client_for, clinician, patient):
        response = client_for(clinician).get(reverse("patients:detail", args=[patient.code]))
        assert response.status_code == 200
        assert patient.full_name in response.text
