import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients import services
from patients.models import Augmentation, OtherTreatment
from tests import factories

pytestmark = pytest.mark.django_db


def treatment_urls(patient):
    return [
        reverse("patients:augmentation_create", args=[patient.code]),
        reverse("patients:treatment_create", args=[patient.code]),
    ]


def detail(patient):
    return reverse("patients:detail", args=[patient.code])


class TestAccess:
    def test_anonymous_is_redirected_to_login(self, client, patient):
        for url in treatment_urls(patient):
            for response in (client.get(url), client.post(url, {})):
                assert response.status_code == 302, url
                assert response["Location"].startswith(reverse("login")), url

    def test_other_clinic_gets_404(self, client_for, stranger, patient):
        client = client_for(stranger)
        data = {"strategy": "lithium", "kind": "rtms", "start": "2025-02-01"}
        for url in treatment_urls(patient):
            assert client.get(url).status_code == 404, url
            assert client.post(url, data).status_code == 404, url
        assert not Augmentation.objects.exists()
        assert not OtherTreatment.objects.exists()

    def test_wrong_method_gets_405(self, client_for, clinician, patient):
        client = client_for(clinician)
        for url in treatment_urls(patient):
            assert client.put(url).status_code == 405, url
            assert client.delete(url).status_code == 405, url


class TestAugmentation:
    def url(self, patient):
        return reverse("patients:augmentation_create", args=[patient.code])

    def valid(self, **overrides):
        data = {
            "strategy": "antipsychotic",
            "drug": "aripiprazole",
            "drug_other": "",
            "daily_dose_mg": "5",
            "start": "2025-02-01",
            "end": "",
            "outcome": "",
            "notes": "",
        }
        data.update(overrides)
        return data

    def test_records_an_antipsychotic_augmentation(self, client_for, clinician, patient):
        response = client_for(clinician).post(self.url(patient), self.valid(outcome="response", notes="Added to SSRI"))
        assert response.status_code == 302
        assert response["Location"] == detail(patient)
        augmentation = Augmentation.objects.get(patient=patient)
        assert (augmentation.strategy, augmentation.drug, augmentation.daily_dose_mg) == (
            "antipsychotic",
            "aripiprazole",
            Decimal("5"),
        )
        assert (augmentation.outcome, augmentation.notes) == ("response", "Added to SSRI")

    @pytest.mark.parametrize("strategy", ["lithium", "liothyronine"])
    def test_lithium_and_t3_fill_in_their_own_drug(self, client_for, clinician, patient, strategy):
        client_for(clinician).post(self.url(patient), self.valid(strategy=strategy, drug="", daily_dose_mg=""))
        augmentation = Augmentation.objects.get()
        assert (augmentation.drug, augmentation.daily_dose_mg) == (strategy, None)

    def test_records_a_combination_antidepressant(self, client_for, clinician, patient):
        client_for(clinician).post(
            self.url(patient), self.valid(strategy="antidepressant", drug="mirtazapine", daily_dose_mg="15")
        )
        assert Augmentation.objects.get().drug == "mirtazapine"

    def test_records_another_drug_by_name(self, client_for, clinician, patient):
        client_for(clinician).post(
            self.url(patient), self.valid(strategy="other", drug="other", drug_other="Pramipexole", daily_dose_mg="")
        )
        augmentation = Augmentation.objects.get()
        assert (augmentation.drug, augmentation.drug_display) == ("other", "Pramipexole")

    def test_form_groups_drugs_by_strategy(self, client_for, clinician, patient):
        page = client_for(clinician).get(self.url(patient)).text
        assert '<optgroup label="Atypical antipsychotics">' in page
        assert '<optgroup label="Antidepressants (combination)">' in page
        assert "Quetiapine" in page
        assert "Lithium" in page

    @pytest.mark.parametrize(
        ("overrides", "field", "code"),
        [
            ({"strategy": "lithium", "drug": "quetiapine"}, "drug", "drug_strategy_mismatch"),
            ({"strategy": "antipsychotic", "drug": "sertraline"}, "drug", "drug_strategy_mismatch"),
            ({"strategy": "other", "drug": "aripiprazole"}, "drug", "drug_strategy_mismatch"),
            (
                {"strategy": "lithium", "drug": "other", "drug_other": "Lithium orotate"},
                "drug",
                "drug_strategy_mismatch",
            ),
            ({"strategy": "antidepressant", "drug": "other"}, "drug_other", "other_drug_name_required"),
            ({"strategy": "antipsychotic", "drug": ""}, "drug", "required"),
            ({"strategy": ""}, "strategy", "required"),
            ({"daily_dose_mg": "0"}, "daily_dose_mg", "negative_or_zero_dose"),
            ({"daily_dose_mg": "-5"}, "daily_dose_mg", "negative_or_zero_dose"),
            (
                {"strategy": "antidepressant", "drug": "mirtazapine", "daily_dose_mg": "200"},
                "daily_dose_mg",
                "dose_too_high",
            ),
            ({"start": "2999-01-01"}, "start", "future_date"),
            ({"start": "1970-01-01"}, "start", "before_birth"),
            ({"end": "2025-01-01"}, "end", "end_before_start"),
            ({"end": "2999-01-01"}, "end", "future_date"),
        ],
        ids=[
            "lithium-strategy-other-drug",
            "antipsychotic-strategy-antidepressant",
            "other-strategy-catalogue-drug",
            "lithium-typed-name",
            "other-without-name",
            "no-drug",
            "no-strategy",
            "zero-dose",
            "negative-dose",
            "dose-too-high",
            "future-start",
            "before-birth",
            "end-before-start",
            "future-end",
        ],
    )
    def test_refuses_invalid_input_and_stores_nothing(self, client_for, clinician, patient, overrides, field, code):
        response = client_for(clinician).post(self.url(patient), self.valid(**overrides))
        assert response.status_code == 200
        assert response.context["form"].has_error(field, code)
        assert not Augmentation.objects.exists()

    def test_keeps_typed_values_on_error(self, client_for, clinician, patient):
        response = client_for(clinician).post(
            self.url(patient), self.valid(end="2025-01-01", notes="Started in clinic")
        )
        assert 'value="Started in clinic"' in response.text
        assert 'value="5"' in response.text
        assert '<option value="aripiprazole" selected>' in response.text


class TestOtherTreatment:
    def url(self, patient):
        return reverse("patients:treatment_create", args=[patient.code])

    def valid(self, **overrides):
        data = {
            "kind": "ect",
            "laterality": "bilateral",
            "start": "2025-04-01",
            "end": "2025-05-15",
            "sessions": "12",
            "outcome": "response",
            "notes": "",
        }
        data.update(overrides)
        return data

    def test_records_an_ect_course_with_laterality(self, client_for, clinician, patient):
        response = client_for(clinician).post(self.url(patient), self.valid())
        assert response.status_code == 302
        treatment = OtherTreatment.objects.get(patient=patient)
        assert (treatment.kind, treatment.laterality, treatment.sessions) == ("ect", "bilateral", 12)
        assert treatment.end == dt.date(2025, 5, 15)

    @pytest.mark.parametrize("kind", ["rtms", "esketamine", "ketamine"])
    def test_records_other_courses_without_laterality(self, client_for, clinician, patient, kind):
        response = client_for(clinician).post(self.url(patient), self.valid(kind=kind, laterality="", end=""))
        assert response.status_code == 302
        assert OtherTreatment.objects.get().laterality == ""

    @pytest.mark.parametrize(
        ("overrides", "field", "code"),
        [
            ({"laterality": ""}, "laterality", "laterality_required"),
            ({"kind": "rtms", "laterality": "unilateral"}, "laterality", "laterality_not_applicable"),
            ({"kind": ""}, "kind", "required"),
            ({"sessions": "0"}, "sessions", "below_minimum"),
            ({"sessions": "501"}, "sessions", "above_maximum"),
            ({"sessions": "2.5"}, "sessions", "not_whole_number"),
            ({"sessions": "ten"}, "sessions", "invalid_number"),
            ({"start": "2999-01-01"}, "start", "future_date"),
            ({"start": "1970-01-01"}, "start", "before_birth"),
            ({"end": "2025-03-01"}, "end", "end_before_start"),
        ],
        ids=[
            "ect-without-laterality",
            "rtms-with-laterality",
            "no-kind",
            "zero-sessions",
            "too-many-sessions",
            "fractional-sessions",
            "sessions-text",
            "future-start",
            "before-birth",
            "end-before-start",
        ],
    )
    def test_refuses_invalid_input_and_stores_nothing(self, client_for, clinician, patient, overrides, field, code):
        response = client_for(clinician).post(self.url(patient), self.valid(**overrides))
        assert response.status_code == 200
        assert response.context["form"].has_error(field, code)
        assert not OtherTreatment.objects.exists()

    def test_keeps_typed_values_on_error(self, client_for, clinician, patient):
        response = client_for(clinician).post(self.url(patient), self.valid(laterality="", notes="Twice weekly"))
        assert 'value="Twice weekly"' in response.text
        assert 'value="12"' in response.text


class TestServices:
    def test_add_augmentation_validates_before_saving(self, patient):
        with pytest.raises(ValidationError):
            services.add_augmentation(
                patient=patient, strategy="lithium", drug="lithium", start=dt.date(2025, 2, 1), end=dt.date(2025, 1, 1)
            )
        assert not Augmentation.objects.exists()

    def test_add_other_treatment_refuses_laterality_outside_ect(self, patient):
        with pytest.raises(ValidationError):
            services.add_other_treatment(
                patient=patient, kind="rtms", laterality="bilateral", start=dt.date(2025, 2, 1)
            )
        assert not OtherTreatment.objects.exists()


class TestPatientPage:
    def test_shows_augmentations_and_other_treatments_with_buttons(self, client_for, clinician, patient):
        factories.make_augmentation(patient, daily_dose_mg=Decimal("800"))
        factories.make_augmentation(patient, strategy="other", drug="other", drug_other="Pramipexole")
        factories.make_other_treatment(patient, sessions=9, end=dt.date(2025, 5, 1))
        factories.make_other_treatment(patient, kind="esketamine", laterality="")
        page = client_for(clinician).get(detail(patient)).text
        assert "Lithium" in page
        assert "800 mg" in page
        assert "Pramipexole" in page
        assert "ECT (unilateral)" in page
        assert "Esketamine" in page
        assert "from 2025-04-01 to 2025-05-01" in page
        assert reverse("patients:augmentation_create", args=[patient.code]) in page
        assert reverse("patients:treatment_create", args=[patient.code]) in page
        assert "Add ECT or other treatment" in page

    def test_says_when_nothing_is_recorded(self, client_for, clinician, patient):
        page = client_for(clinician).get(detail(patient)).text
        assert "No augmentations recorded." in page
        assert "No ECT, rTMS, esketamine or ketamine recorded." in page
