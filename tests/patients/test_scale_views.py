import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from patients.models import ScaleScore
from tests import factories
from tests.patients import PATIENT_PAGE_QUERIES

pytestmark = pytest.mark.django_db

# The patient page's queries do not grow with the number of scores (see test_trial_views for the breakdown).

PHQ9_ANSWERS = [1, 2, 0, 3, 1, 2, 0, 1, 0]  # total 10
EPDS_ANSWERS = [1, 1, 2, 0, 1, 2, 1, 1, 0, 0]  # total 9


def scale_url(patient, instrument):
    return reverse("patients:scale_create", args=[patient.code, instrument])


def detail(patient):
    return reverse("patients:detail", args=[patient.code])


def answers(items, **extra):
    data = {"administered_on": "2025-03-01"}
    data.update({f"item_{number}": str(value) for number, value in enumerate(items, start=1)})
    data.update(extra)
    return data


def without(data, key):
    return {name: value for name, value in data.items() if name != key}


def messages_of(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


class TestAccess:
    @pytest.mark.parametrize("instrument", ["phq9", "epds"])
    def test_anonymous_is_redirected_to_login(self, client, patient, instrument):
        url = scale_url(patient, instrument)
        for response in (client.get(url), client.post(url, answers(PHQ9_ANSWERS))):
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))

    @pytest.mark.parametrize("instrument", ["phq9", "epds"])
    def test_other_clinic_gets_404(self, client_for, stranger, patient, instrument):
        client = client_for(stranger)
        url = scale_url(patient, instrument)
        assert client.get(url).status_code == 404
        assert client.post(url, answers(EPDS_ANSWERS)).status_code == 404
        assert not ScaleScore.objects.exists()

    @pytest.mark.parametrize("instrument", ["phq9", "epds"])
    def test_wrong_method_gets_405(self, client_for, clinician, patient, instrument):
        client = client_for(clinician)
        assert client.put(scale_url(patient, instrument)).status_code == 405
        assert client.delete(scale_url(patient, instrument)).status_code == 405

    @pytest.mark.parametrize("instrument", ["madrs", "PHQ9", "phq-9", "x"])
    def test_unknown_instrument_gets_404(self, client_for, clinician, patient, instrument):
        client = client_for(clinician)
        assert client.get(scale_url(patient, instrument)).status_code == 404
        assert client.post(scale_url(patient, instrument), answers(PHQ9_ANSWERS)).status_code == 404
        assert not ScaleScore.objects.exists()


class TestPhq9:
    def test_form_shows_every_item_as_labelled_radio_buttons(self, client_for, clinician, patient):
        page = client_for(clinician).get(scale_url(patient, "phq9")).text
        assert "Over the last 2 weeks" in page
        assert "1. Little interest or pleasure in doing things" in page
        assert "9. Thoughts that you would be better off dead or of hurting yourself in some way" in page
        for label in ("Not at all (0)", "Several days (1)", "More than half the days (2)", "Nearly every day (3)"):
            assert page.count(label) == 9
        assert "how difficult have these problems made it for you" in page
        assert "Extremely difficult" in page
        assert len(re.findall(r'<input type="radio"[^>]*name="item_\d"', page)) == 36
        assert page.count("<legend") >= 10  # one per item and the difficulty question
        assert 'name="total"' not in page

    def test_stores_items_and_computes_the_total(self, client_for, clinician, patient):
        response = client_for(clinician).post(
            scale_url(patient, "phq9"), answers(PHQ9_ANSWERS, difficulty="1", total="27")
        )
        assert response.status_code == 302
        assert response["Location"] == detail(patient)
        score = ScaleScore.objects.get(patient=patient)
        assert (score.instrument, score.items, score.total, score.total_only) == ("phq9", PHQ9_ANSWERS, 10, False)
        assert (score.difficulty, score.administered_on, score.entered_by) == (1, dt.date(2025, 3, 1), clinician)
        assert messages_of(response) == [("success", "PHQ-9 of 2025-03-01 saved: total 10 of 27 (moderate).")]

    def test_difficulty_question_is_optional(self, client_for, clinician, patient):
        client_for(clinician).post(scale_url(patient, "phq9"), answers(PHQ9_ANSWERS, difficulty=""))
        assert ScaleScore.objects.get().difficulty is None

    def test_positive_item_9_says_self_harm_was_endorsed(self, client_for, clinician, patient):
        items = [0, 0, 0, 0, 0, 0, 0, 0, 2]
        response = client_for(clinician).post(scale_url(patient, "phq9"), answers(items))
        [(level, message)] = messages_of(response)
        assert level == "warning"
        assert "Item 9 (thoughts of self-harm) was answered “More than half the days” (2)" in message
        assert "thoughts of self-harm were endorsed and need review now per local protocol" in message
        assert ScaleScore.objects.get().self_harm_item == 2

    def test_item_9_of_zero_gives_no_self_harm_warning(self, client_for, clinician, patient):
        response = client_for(clinician).post(scale_url(patient, "phq9"), answers([3] * 8 + [0]))
        [(level, message)] = messages_of(response)
        assert level == "success"
        assert "self-harm" not in message

    @pytest.mark.parametrize(
        ("data", "field", "code"),
        [
            (without(answers(PHQ9_ANSWERS), "item_4"), "item_4", "required"),
            (answers(PHQ9_ANSWERS, item_2="4"), "item_2", "invalid_choice"),
            (answers(PHQ9_ANSWERS, item_2="-1"), "item_2", "invalid_choice"),
            (answers(PHQ9_ANSWERS, difficulty="7"), "difficulty", "invalid_choice"),
            (answers(PHQ9_ANSWERS, administered_on="2999-01-01"), "administered_on", "future_date"),
            (answers(PHQ9_ANSWERS, administered_on="1970-01-01"), "administered_on", "before_birth"),
            (answers(PHQ9_ANSWERS, administered_on=""), "administered_on", "required"),
        ],
        ids=["missing-item", "item-above-3", "negative-item", "bad-difficulty", "future", "before-birth", "no-date"],
    )
    def test_refuses_incomplete_or_invalid_answers_and_stores_nothing(
        self, client_for, clinician, patient, data, field, code
    ):
        response = client_for(clinician).post(scale_url(patient, "phq9"), data)
        assert response.status_code == 200
        assert response.context["form"].has_error(field, code)
        assert not ScaleScore.objects.exists()

    def test_missing_answer_names_the_item_and_keeps_the_other_answers(self, client_for, clinician, patient):
        response = client_for(clinician).post(scale_url(patient, "phq9"), without(answers(PHQ9_ANSWERS), "item_4"))
        assert "Choose an answer for item 4." in response.text
        assert re.search(r'name="item_2" value="2"[^>]*checked', response.text)
        assert re.search(r'name="item_6" value="2"[^>]*checked', response.text)
        assert 'value="2025-03-01"' in response.text


class TestEnteredTwice:
    def test_an_identical_phq9_on_the_same_date_is_refused_and_the_answers_kept(self, client_for, clinician, patient):
        client = client_for(clinician)
        assert client.post(scale_url(patient, "phq9"), answers(PHQ9_ANSWERS)).status_code == 302
        response = client.post(scale_url(patient, "phq9"), answers(PHQ9_ANSWERS))
        assert response.status_code == 200
        assert response.context["form"].errors["administered_on"] == [
            "An identical PHQ-9 dated 2025-03-01 is already recorded for this patient."
        ]
        assert response.context["form"]["item_1"].value() == str(PHQ9_ANSWERS[0])
        assert ScaleScore.objects.filter(patient=patient).count() == 1

    def test_other_answers_another_date_or_instrument_are_new_records(self, client_for, clinician, patient):
        client = client_for(clinician)
        client.post(scale_url(patient, "phq9"), answers(PHQ9_ANSWERS))
        changed = [*PHQ9_ANSWERS[:-1], (PHQ9_ANSWERS[-1] + 1) % 4]
        assert client.post(scale_url(patient, "phq9"), answers(changed)).status_code == 302
        assert (
            client.post(scale_url(patient, "phq9"), answers(PHQ9_ANSWERS, administered_on="2025-03-02")).status_code
            == 302
        )
        assert client.post(scale_url(patient, "epds"), answers(EPDS_ANSWERS)).status_code == 302
        assert ScaleScore.objects.filter(patient=patient).count() == 4


class TestEpds:
    def test_form_shows_published_items_and_answers_with_their_scores(self, client_for, clinician, patient):
        page = client_for(clinician).get(scale_url(patient, "epds")).text
        assert "In the past 7 days" in page
        assert "1. I have been able to laugh and see the funny side of things" in page
        assert "10. The thought of harming myself has occurred to me" in page
        assert "Yes, quite often (3)" in page
        assert "Hardly ever (1)" in page
        assert "Never (0)" in page
        assert "As much as I always could (0)" in page
        assert "Cox" in page
        assert 'name="difficulty"' not in page

    def test_stores_items_and_computes_the_total(self, client_for, clinician, patient):
        response = client_for(clinician).post(scale_url(patient, "epds"), answers(EPDS_ANSWERS, difficulty="2"))
        assert response.status_code == 302
        score = ScaleScore.objects.get()
        assert (score.instrument, score.items, score.total, score.difficulty) == ("epds", EPDS_ANSWERS, 9, None)

    def test_positive_item_10_says_self_harm_was_endorsed(self, client_for, clinician, patient):
        response = client_for(clinician).post(scale_url(patient, "epds"), answers([0] * 9 + [1]))
        [(level, message)] = messages_of(response)
        assert level == "warning"
        assert "Item 10 (thoughts of self-harm) was answered “Hardly ever” (1)" in message
        assert "thoughts of self-harm were endorsed and need review now per local protocol" in message

    def test_needs_all_ten_items(self, client_for, clinician, patient):
        response = client_for(clinician).post(scale_url(patient, "epds"), answers(EPDS_ANSWERS[:9]))
        assert response.context["form"].has_error("item_10", "required")
        assert not ScaleScore.objects.exists()


class TestPatientPage:
    def test_shows_history_with_band_and_self_harm_item_apart_from_total(self, client_for, clinician, patient):
        factories.make_scale_score(patient, items=[2, 2, 2, 2, 2, 2, 2, 2, 2], administered_on=dt.date(2025, 1, 5))
        factories.make_scale_score(patient, items=[1, 1, 1, 1, 1, 1, 1, 1, 0], administered_on=dt.date(2025, 3, 1))
        factories.make_scale_score(patient, total=14, administered_on=dt.date(2024, 11, 1))
        factories.make_scale_score(patient, instrument="epds", items=[0] * 9 + [3], administered_on=dt.date(2025, 2, 1))
        page = client_for(clinician).get(detail(patient)).text
        assert "severe" in page
        assert "mild" in page
        assert "Self-harm thoughts endorsed: 2 (More than half the days)" in page
        assert "Self-harm thoughts endorsed: 3 (Yes, quite often)" in page
        assert "0 (Not at all)" in page
        assert "(total only, imported)" in page
        assert "not recorded (total only)" in page
        history = page[page.index('aria-labelledby="scales-heading"') :]
        assert history.index("2025-03-01") < history.index("2025-01-05") < history.index("2024-11-01")
        assert reverse("patients:scale_create", args=[patient.code, "phq9"]) in page
        assert reverse("patients:scale_create", args=[patient.code, "epds"]) in page

    def test_says_when_no_scales_are_recorded(self, client_for, clinician, patient):
        page = client_for(clinician).get(detail(patient)).text
        assert "No PHQ-9 recorded." in page
        assert "No EPDS recorded." in page

    @pytest.mark.parametrize("count", [1, 10])
    def test_runs_a_fixed_number_of_queries(self, client_for, clinician, patient, django_assert_max_num_queries, count):
        for i in range(count):
            day = dt.date(2025, 1, 1) + dt.timedelta(days=7 * i)
            factories.make_scale_score(patient, administered_on=day)
            factories.make_scale_score(patient, instrument="epds", administered_on=day)
        client = client_for(clinician)
        with django_assert_max_num_queries(PATIENT_PAGE_QUERIES):
            response = client.get(detail(patient))
        assert response.status_code == 200
