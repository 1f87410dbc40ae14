import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from patients import services
from patients.models import AntidepressantTrial, DosePeriod
from tests import factories
from tests.patients import PATIENT_PAGE_QUERIES

pytestmark = pytest.mark.django_db

# Measured with a record holding every kind of row (trials with dose changes, scales, medicines, measurements,
# psychotherapy, augmentations, other treatments, labs): the count must not grow with the number of rows.


@pytest.fixture
def trial(patient):
    return factories.make_trial(patient)


def trial_urls(patient, trial):
    return [
        reverse("patients:trial_create", args=[patient.code]),
        reverse("patients:trial_dose", args=[patient.code, trial.pk]),
        reverse("patients:trial_end", args=[patient.code, trial.pk]),
        reverse("patients:trial_edit", args=[patient.code, trial.pk]),
    ]


def detail(patient):
    return reverse("patients:detail", args=[patient.code])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


class TestAccess:
    def test_anonymous_is_redirected_to_login(self, client, patient, trial):
        for url in trial_urls(patient, trial):
            for response in (client.get(url), client.post(url, {})):
                assert response.status_code == 302, url
                assert response["Location"].startswith(reverse("login")), url

    def test_other_clinic_gets_404(self, client_for, stranger, patient, trial):
        client = client_for(stranger)
        for url in trial_urls(patient, trial):
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"daily_dose_mg": "100", "start": "2025-02-01"}).status_code == 404, url
        assert DosePeriod.objects.count() == 1

    def test_wrong_method_gets_405(self, client_for, clinician, patient, trial):
        client = client_for(clinician)
        for url in trial_urls(patient, trial):
            assert client.put(url).status_code == 405, url
            assert client.delete(url).status_code == 405, url

    def test_trial_of_another_clinic_is_404_even_through_own_patient(
        self, client_for, clinician, patient, other_clinic
    ):
        foreign = factories.make_trial(factories.make_patient(clinic=other_clinic))
        client = client_for(clinician)
        for name in ("patients:trial_dose", "patients:trial_end", "patients:trial_edit"):
            url = reverse(name, args=[patient.code, foreign.pk])
            assert client.get(url).status_code == 404, name
            assert client.post(url, {"end": "2025-03-01", "outcome": "no_response"}).status_code == 404, name
        assert DosePeriod.objects.get(trial=foreign).end is None

    def test_trial_of_another_patient_in_the_clinic_is_404(self, client_for, clinician, patient, clinic):
        other = factories.make_trial(factories.make_patient(clinic=clinic))
        url = reverse("patients:trial_edit", args=[patient.code, other.pk])
        assert client_for(clinician).get(url).status_code == 404


class TestCreateTrial:
    def url(self, patient):
        return reverse("patients:trial_create", args=[patient.code])

    def valid(self, **overrides):
        data = {
            "drug": "sertraline",
            "drug_other": "",
            "daily_dose_mg": "50",
            "start": "2025-01-10",
            "end": "",
            "adherence": "good",
            "outcome": "",
            "improvement_pct": "",
            "reason_stopped": "",
            "side_effects": "",
        }
        data.update(overrides)
        return data

    def test_starts_a_trial_with_its_first_dose_period(self, client_for, clinician, patient):
        response = client_for(clinician).post(self.url(patient), self.valid())
        assert response.status_code == 302
        assert response["Location"] == detail(patient)
        trial = AntidepressantTrial.objects.get(patient=patient)
        assert (trial.drug, trial.adherence) == ("sertraline", "good")
        period = trial.dose_periods.get()
        assert (period.daily_dose_mg, period.start, period.end) == (Decimal("50"), dt.date(2025, 1, 10), None)
        assert "Trial of Sertraline saved." in messages_of(response)

    def test_records_a_finished_trial_with_its_outcome(self, client_for, clinician, patient):
        data = self.valid(
            end="2025-04-01",
            outcome="no_response",
            improvement_pct="-10",
            reason_stopped="No benefit",
            side_effects="Nausea",
        )
        client_for(clinician).post(self.url(patient), data)
        trial = AntidepressantTrial.objects.get()
        assert (trial.outcome, trial.improvement_pct, trial.side_effects) == ("no_response", -10, "Nausea")
        assert trial.dose_periods.get().end == dt.date(2025, 4, 1)

    def test_stores_an_antidepressant_outside_the_catalogue_by_name(self, client_for, clinician, patient):
        client_for(clinician).post(self.url(patient), self.valid(drug="other", drug_other="Gepirone"))
        trial = AntidepressantTrial.objects.get()
        assert (trial.drug, trial.drug_other, trial.drug_display) == ("other", "Gepirone", "Gepirone")

    def test_ignores_a_typed_name_when_a_catalogue_drug_is_chosen(self, client_for, clinician, patient):
        client_for(clinician).post(self.url(patient), self.valid(drug_other="leftover text"))
        assert AntidepressantTrial.objects.get().drug_other == ""

    def test_form_lists_drugs_by_class_with_minimum_adequate_dose(self, client_for, clinician, patient):
        page = client_for(clinician).get(self.url(patient)).text
        assert '<optgroup label="SSRI">' in page
        assert "Sertraline (adequate from 50 mg/day)" in page
        assert "Other (type the name)" in page
        assert re.search(r'<label\s+for="id_daily_dose_mg"', page)

    def test_shows_the_chosen_drugs_minimum_adequate_dose_after_an_error(self, client_for, clinician, patient):
        response = client_for(clinician).post(self.url(patient), self.valid(drug="bupropion", start=""))
        assert "Minimum adequate dose for Bupropion (IR/SR/XL): 300 mg/day" in response.text

    @pytest.mark.parametrize(
        ("overrides", "field", "code"),
        [
            ({"daily_dose_mg": "0"}, "daily_dose_mg", "negative_or_zero_dose"),
            ({"daily_dose_mg": "-50"}, "daily_dose_mg", "negative_or_zero_dose"),
            ({"daily_dose_mg": "500"}, "daily_dose_mg", "dose_too_high"),
            ({"daily_dose_mg": "4,5"}, "daily_dose_mg", "decimal_comma"),
            ({"daily_dose_mg": "1e3"}, "daily_dose_mg", "invalid_number"),
            ({"start": "2999-01-01"}, "start", "future_date"),
            ({"end": "2999-01-01"}, "end", "future_date"),
            ({"end": "2025-01-09"}, "end", "end_before_start"),
            ({"start": "1970-01-01"}, "start", "before_birth"),
            ({"drug": "other", "drug_other": "  "}, "drug_other", "other_drug_name_required"),
            ({"drug": "aspirin"}, "drug", "invalid_choice"),
            ({"improvement_pct": "101"}, "improvement_pct", "improvement_out_of_range"),
            ({"improvement_pct": "-101"}, "improvement_pct", "improvement_out_of_range"),
            ({"improvement_pct": "12.5"}, "improvement_pct", "not_whole_number"),
            ({"reason_stopped": "bad\x07text"}, "reason_stopped", "control_characters"),
        ],
        ids=[
            "zero-dose",
            "negative-dose",
            "dose-too-high",
            "decimal-comma",
            "exponent",
            "future-start",
            "future-end",
            "end-before-start",
            "start-before-birth",
            "other-without-name",
            "unknown-drug",
            "improvement-above-100",
            "improvement-below-minus-100",
            "improvement-not-whole",
            "control-characters",
        ],
    )
    def test_refuses_invalid_input_and_stores_nothing(self, client_for, clinician, patient, overrides, field, code):
        response = client_for(clinician).post(self.url(patient), self.valid(**overrides))
        assert response.status_code == 200
        assert response.context["form"].has_error(field, code)
        assert not AntidepressantTrial.objects.exists()
        assert not DosePeriod.objects.exists()

    def test_dose_too_high_names_the_usual_maximum(self, client_for, clinician, patient):
        response = client_for(clinician).post(self.url(patient), self.valid(daily_dose_mg="500"))
        message = response.context["form"].errors["daily_dose_mg"][0]
        assert "500 mg/day" in message
        assert "usual maximum for Sertraline (200 mg/day)" in message

    def test_accepts_a_dose_up_to_twice_the_usual_maximum(self, client_for, clinician, patient):
        response = client_for(clinician).post(self.url(patient), self.valid(daily_dose_mg="400"))
        assert response.status_code == 302

    def test_keeps_typed_values_on_error(self, client_for, clinician, patient):
        data = self.valid(drug="other", drug_other="Gepirone", daily_dose_mg="0", side_effects="Dizzy spells")
        response = client_for(clinician).post(self.url(patient), data)
        assert 'value="Gepirone"' in response.text
        assert 'value="0"' in response.text
        assert 'value="Dizzy spells"' in response.text
        assert re.search(r'<option value="other"\s+selected>', response.text)
        assert 'aria-invalid="true"' in response.text or "is-invalid" in response.text


class TestChangeDose:
    def url(self, patient, trial):
        return reverse("patients:trial_dose", args=[patient.code, trial.pk])

    def test_closes_the_current_dose_the_day_before_and_keeps_history(self, client_for, clinician, patient, trial):
        response = client_for(clinician).post(self.url(patient, trial), {"daily_dose_mg": "100", "start": "2025-02-07"})
        assert response.status_code == 302
        first, second = trial.dose_periods.order_by("start")
        assert (first.daily_dose_mg, first.start, first.end) == (
            Decimal("50"),
            dt.date(2025, 1, 10),
            dt.date(2025, 2, 6),
        )
        assert (second.daily_dose_mg, second.start, second.end) == (Decimal("100"), dt.date(2025, 2, 7), None)

    def test_form_shows_the_current_dose_and_minimum_adequate_dose(self, client_for, clinician, patient, trial):
        page = client_for(clinician).get(self.url(patient, trial)).text
        assert "50 mg/day since 2025-01-10" in page
        assert "Minimum adequate dose for Sertraline: 50 mg/day" in page

    @pytest.mark.parametrize(
        ("data", "field", "code"),
        [
            ({"daily_dose_mg": "100", "start": "2025-01-10"}, "start", "dose_change_order"),
            ({"daily_dose_mg": "100", "start": "2025-01-01"}, "start", "dose_change_order"),
            ({"daily_dose_mg": "100", "start": "2999-01-01"}, "start", "future_date"),
            ({"daily_dose_mg": "0", "start": "2025-02-07"}, "daily_dose_mg", "negative_or_zero_dose"),
            ({"daily_dose_mg": "-25", "start": "2025-02-07"}, "daily_dose_mg", "negative_or_zero_dose"),
            ({"daily_dose_mg": "1000", "start": "2025-02-07"}, "daily_dose_mg", "dose_too_high"),
            ({"daily_dose_mg": "50", "start": "2025-02-07"}, "daily_dose_mg", "same_dose"),
            ({"daily_dose_mg": "", "start": "2025-02-07"}, "daily_dose_mg", "required"),
        ],
        ids=["same-day", "earlier", "future", "zero", "negative", "too-high", "same-dose", "missing"],
    )
    def test_refuses_invalid_change_and_leaves_history_untouched(
        self, client_for, clinician, patient, trial, data, field, code
    ):
        response = client_for(clinician).post(self.url(patient, trial), data)
        assert response.status_code == 200
        assert response.context["form"].has_error(field, code)
        period = trial.dose_periods.get()
        assert (period.daily_dose_mg, period.end) == (Decimal("50"), None)

    def test_keeps_typed_values_on_error(self, client_for, clinician, patient, trial):
        response = client_for(clinician).post(self.url(patient, trial), {"daily_dose_mg": "150", "start": "2025-01-01"})
        assert 'value="150"' in response.text
        assert 'value="2025-01-01"' in response.text

    def test_ended_trial_cannot_change_dose(self, client_for, clinician, patient, trial):
        services.end_trial(trial=trial, end=dt.date(2025, 3, 1), outcome="no_response", adherence="good")
        client = client_for(clinician)
        response = client.post(self.url(patient, trial), {"daily_dose_mg": "100", "start": "2025-04-01"})
        assert response.status_code == 302
        assert response["Location"] == detail(patient)
        assert any("has ended" in m for m in messages_of(response))
        assert trial.dose_periods.count() == 1
        assert client.get(self.url(patient, trial)).status_code == 302


class TestEndTrial:
    def url(self, patient, trial):
        return reverse("patients:trial_end", args=[patient.code, trial.pk])

    def valid(self, **overrides):
        data = {
            "end": "2025-04-01",
            "outcome": "partial_response",
            "adherence": "partial",
            "improvement_pct": "30",
            "reason_stopped": "Partial benefit only",
            "side_effects": "Insomnia",
        }
        data.update(overrides)
        return data

    def test_ends_the_current_dose_and_records_the_outcome(self, client_for, clinician, patient, trial):
        response = client_for(clinician).post(self.url(patient, trial), self.valid())
        assert response.status_code == 302
        trial.refresh_from_db()
        assert (trial.outcome, trial.adherence, trial.improvement_pct) == ("partial_response", "partial", 30)
        assert (trial.reason_stopped, trial.side_effects) == ("Partial benefit only", "Insomnia")
        assert trial.dose_periods.get().end == dt.date(2025, 4, 1)

    def test_ends_after_a_dose_change(self, client_for, clinician, patient, trial):
        services.change_trial_dose(trial=trial, daily_dose_mg=Decimal("100"), start=dt.date(2025, 2, 7))
        client_for(clinician).post(self.url(patient, trial), self.valid())
        ends = list(trial.dose_periods.order_by("start").values_list("end", flat=True))
        assert ends == [dt.date(2025, 2, 6), dt.date(2025, 4, 1)]

    @pytest.mark.parametrize(
        ("overrides", "field", "code"),
        [
            ({"end": "2025-01-09"}, "end", "end_before_start"),
            ({"end": "2999-01-01"}, "end", "future_date"),
            ({"end": ""}, "end", "required"),
            ({"outcome": ""}, "outcome", "required"),
            ({"improvement_pct": "150"}, "improvement_pct", "improvement_out_of_range"),
            ({"improvement_pct": "NaN"}, "improvement_pct", "invalid_number"),
        ],
        ids=["end-before-start", "future", "no-end", "no-outcome", "improvement-range", "improvement-nan"],
    )
    def test_refuses_invalid_end_and_stores_nothing(
        self, client_for, clinician, patient, trial, overrides, field, code
    ):
        response = client_for(clinician).post(self.url(patient, trial), self.valid(**overrides))
        assert response.status_code == 200
        assert response.context["form"].has_error(field, code)
        trial.refresh_from_db()
        assert (trial.outcome, trial.adherence) == ("", "unknown")
        assert trial.dose_periods.get().end is None

    def test_end_before_current_dose_names_its_start(self, client_for, clinician, patient, trial):
        services.change_trial_dose(trial=trial, daily_dose_mg=Decimal("100"), start=dt.date(2025, 2, 7))
        response = client_for(clinician).post(self.url(patient, trial), self.valid(end="2025-02-01"))
        assert response.context["form"].has_error("end", "end_before_start")
        assert "2025-02-07" in response.context["form"].errors["end"][0]

    def test_keeps_typed_values_on_error(self, client_for, clinician, patient, trial):
        response = client_for(clinician).post(self.url(patient, trial), self.valid(end="2999-01-01"))
        assert 'value="Partial benefit only"' in response.text
        assert 'value="30"' in response.text

    def test_already_ended_trial_redirects_without_change(self, client_for, clinician, patient, trial):
        services.end_trial(trial=trial, end=dt.date(2025, 3, 1), outcome="no_response", adherence="good")
        response = client_for(clinician).post(self.url(patient, trial), self.valid())
        assert response.status_code == 302
        trial.refresh_from_db()
        assert trial.outcome == "no_response"
        assert trial.dose_periods.get().end == dt.date(2025, 3, 1)


class TestEditTrial:
    def url(self, patient, trial):
        return reverse("patients:trial_edit", args=[patient.code, trial.pk])

    def test_edits_details_without_touching_doses(self, client_for, clinician, patient, trial):
        data = {"adherence": "poor", "outcome": "too_early", "improvement_pct": "5", "side_effects": "Headache"}
        response = client_for(clinician).post(self.url(patient, trial), {**data, "version": trial.version})
        assert response.status_code == 302
        trial.refresh_from_db()
        assert (trial.adherence, trial.outcome, trial.improvement_pct, trial.side_effects) == (
            "poor",
            "too_early",
            5,
            "Headache",
        )
        period = trial.dose_periods.get()
        assert (period.daily_dose_mg, period.end) == (Decimal("50"), None)

    def test_ignores_posted_drug_and_patient(self, client_for, clinician, patient, trial, clinic):
        other = factories.make_patient(clinic=clinic)
        client_for(clinician).post(
            self.url(patient, trial), {"adherence": "good", "drug": "fluoxetine", "patient": other.pk}
        )
        trial.refresh_from_db()
        assert (trial.drug, trial.patient_id) == ("sertraline", patient.pk)

    def test_form_starts_with_the_stored_details(self, client_for, clinician, patient):
        trial = factories.make_trial(patient, side_effects="Sweating")
        assert 'value="Sweating"' in client_for(clinician).get(self.url(patient, trial)).text

    @pytest.mark.parametrize(
        ("overrides", "field", "code"),
        [
            ({"improvement_pct": "101"}, "improvement_pct", "improvement_out_of_range"),
            ({"adherence": "perfect"}, "adherence", "invalid_choice"),
            ({"side_effects": "x" * 301}, "side_effects", "max_length"),
        ],
        ids=["improvement-range", "unknown-adherence", "too-long"],
    )
    def test_refuses_invalid_details_and_stores_nothing(
        self, client_for, clinician, patient, trial, overrides, field, code
    ):
        data = {"adherence": "good", "outcome": "", "improvement_pct": "", "side_effects": "Kept"}
        data.update(overrides)
        response = client_for(clinician).post(self.url(patient, trial), data)
        assert response.status_code == 200
        assert response.context["form"].has_error(field, code)
        trial.refresh_from_db()
        assert (trial.adherence, trial.improvement_pct, trial.side_effects) == ("unknown", None, "")


class TestPatientPage:
    def test_lists_dose_periods_in_order_with_buttons_for_ongoing_trials(self, client_for, clinician, patient):
        ended = factories.make_trial(patient)
        services.change_trial_dose(trial=ended, daily_dose_mg=Decimal("100"), start=dt.date(2025, 2, 7))
        services.end_trial(trial=ended, end=dt.date(2025, 4, 1), outcome="no_response", adherence="good")
        ongoing = factories.make_trial(
            patient, drug="venlafaxine", daily_dose_mg=Decimal("37.5"), start=dt.date(2025, 5, 1)
        )
        page = client_for(clinician).get(detail(patient)).text
        assert "50 mg from 2025-01-10; 100 mg from 2025-02-07 to 2025-04-01" in page
        assert "37.5 mg from 2025-05-01" in page
        assert "Venlafaxine (IR or XR)" in page
        assert "SNRI" in page
        assert "SSRI" in page
        assert "No response" in page
        assert page.index("Sertraline") < page.index("Venlafaxine")
        assert reverse("patients:trial_dose", args=[patient.code, ongoing.pk]) in page
        assert reverse("patients:trial_end", args=[patient.code, ongoing.pk]) in page
        assert reverse("patients:trial_dose", args=[patient.code, ended.pk]) not in page
        assert reverse("patients:trial_end", args=[patient.code, ended.pk]) not in page
        assert reverse("patients:trial_edit", args=[patient.code, ended.pk]) in page
        assert reverse("patients:trial_create", args=[patient.code]) in page

    def test_says_when_no_trials_are_recorded(self, client_for, clinician, patient):
        assert "No antidepressant trials recorded." in client_for(clinician).get(detail(patient)).text

    @pytest.mark.parametrize("count", [1, 10])
    def test_runs_a_fixed_number_of_queries(self, client_for, clinician, patient, django_assert_max_num_queries, count):
        for i in range(count):
            start = dt.date(2024, 1, 1) + dt.timedelta(days=30 * i)
            trial = factories.make_trial(patient, start=start)
            services.change_trial_dose(trial=trial, daily_dose_mg=Decimal("100"), start=start + dt.timedelta(days=14))
            factories.make_scale_score(patient, administered_on=start)
            factories.make_scale_score(patient, instrument="epds", administered_on=start)
            factories.make_medicine(patient, start=start)
            factories.make_measurement(patient, measured_on=start, height_cm=Decimal("170"))
            factories.make_psychotherapy(patient, start=start)
            factories.make_augmentation(patient, start=start)
            factories.make_other_treatment(patient, start=start)
            factories.add_labs(patient, ("tsh", "2.1", "m[IU]/L"), collected_on=start)
        client = client_for(clinician)
        with django_assert_max_num_queries(PATIENT_PAGE_QUERIES):
            response = client.get(detail(patient))
        assert response.status_code == 200
        assert response.text.count("100 mg from") == count


class TestServicesWriteNothingHalfway:
    def test_start_trial_leaves_no_trial_when_its_dose_period_is_invalid(self, patient):
        with pytest.raises(ValidationError):
            factories.make_trial(patient, start=dt.date(2025, 2, 1), end=dt.date(2025, 1, 1))
        assert not AntidepressantTrial.objects.exists()

    def test_change_dose_keeps_the_current_period_open_when_the_new_dose_is_invalid(self, patient, trial):
        with pytest.raises(ValidationError):
            services.change_trial_dose(trial=trial, daily_dose_mg=Decimal("0"), start=dt.date(2025, 2, 7))
        period = trial.dose_periods.get()
        assert period.end is None
