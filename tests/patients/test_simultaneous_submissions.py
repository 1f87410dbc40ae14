"""The same form submitted twice at once (a double-click, a retry): the second request gets a clear message,
never a 500, and nothing is written twice or half-written.

The races are reproduced deterministically. Where the second request's checks run before the first one's write
is visible, the tests either let the first request's write land exactly there (a second connection holding its
transaction open, PostgreSQL only, as SQLite runs one writer at a time anyway), or call the service the way the
second request would, after the first committed.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.contrib.staticfiles import finders
from django.db import connection, connections, transaction
from django.urls import reverse

from patients import services
from patients.forms import PatientForm
from patients.models import DosePeriod, Intake, Patient
from tests import factories

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a second connection writing at the same time"
)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def in_other_connection_then_commit(work) -> threading.Thread:
    """Run ``work`` in a transaction of another connection (another request) and keep it open until this
    connection waits for one of its locks (or 10 s have passed), then commit. Returns once ``work`` is done."""
    done = threading.Event()

    def run():
        try:
            with transaction.atomic():
                work()
                done.set()
                with connection.cursor() as cursor:
                    for _ in range(200):
                        cursor.execute(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            "AND datname = current_database()"
                        )
                        if cursor.fetchone()[0]:
                            break
                        threading.Event().wait(0.05)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    assert done.wait(10)
    return thread


NEW_PATIENT = {
    "mrn": "MRN-1",
    "given_name": "Zoë",
    "family_name": "Okafor",
    "birth_date": "1975-03-04",
    "sex": "female",
    "ancestry": "europid",
    "pregnancy_status": "not_pregnant",
}


class TestRegisterPatientTwice:
    def test_mrn_taken_after_the_form_checked_it_gives_the_forms_error(
        self, client_for, clinician, clinic, monkeypatch
    ):
        # The other registration committed after this request's form checked the MRN.
        factories.make_patient(clinic=clinic, mrn="MRN-1")
        monkeypatch.setattr(PatientForm, "clean_mrn", lambda form: form.cleaned_data["mrn"].strip())

        response = client_for(clinician).post(reverse("patients:create", args=[clinic.code]), NEW_PATIENT)

        assert response.status_code == 200
        form = response.context["form"]
        assert form.has_error("mrn", "duplicate_mrn")
        assert "This MRN is already used by another patient in this clinic." in response.text
        assert "Okafor" in response.text  # the typed values are kept
        assert Patient.objects.filter(mrn="MRN-1").count() == 1
        assert Intake.objects.count() == 1

    @postgresql_only
    @pytest.mark.django_db(transaction=True)
    def test_unique_constraint_stopping_the_second_gives_the_forms_error(self, client_for, clinician, clinic):
        # The other registration inserts the MRN but has not committed when this request checks it, so this
        # request's form and full_clean pass and its INSERT waits, then fails on unique_mrn_per_clinic.
        other = in_other_connection_then_commit(lambda: factories.make_patient(clinic=clinic, mrn="MRN-1"))

        response = client_for(clinician).post(reverse("patients:create", args=[clinic.code]), NEW_PATIENT)
        other.join()

        assert response.status_code == 200
        assert response.context["form"].has_error("mrn", "duplicate_mrn")
        assert Patient.objects.filter(mrn="MRN-1").count() == 1
        assert Intake.objects.count() == 1


@pytest.fixture
def trial(patient):
    return factories.make_trial(patient)


def dose_url(patient, trial) -> str:
    return reverse("patients:trial_dose", args=[patient.code, trial.pk])


def end_url(patient, trial) -> str:
    return reverse("patients:trial_end", args=[patient.code, trial.pk])


END = {"end": "2025-03-01", "outcome": "no_response", "adherence": "good"}
DOSE = {"daily_dose_mg": "100", "start": "2025-02-01"}


class TestTrialServicesTwice:
    def test_second_identical_dose_change_says_it_was_already_saved(self, trial):
        services.change_trial_dose(trial=trial, daily_dose_mg=Decimal("100"), start=dt.date(2025, 2, 1))
        with pytest.raises(services.TrialStateError, match="already been saved"):
            services.change_trial_dose(trial=trial, daily_dose_mg=Decimal("100"), start=dt.date(2025, 2, 1))
        assert list(trial.dose_periods.order_by("start").values_list("daily_dose_mg", "end")) == [
            (Decimal("50"), dt.date(2025, 1, 31)),
            (Decimal("100"), None),
        ]

    def test_other_dose_change_meanwhile_is_not_overwritten(self, trial):
        services.change_trial_dose(trial=trial, daily_dose_mg=Decimal("100"), start=dt.date(2025, 2, 1))
        with pytest.raises(services.TrialStateError, match="changed by someone else"):
            services.change_trial_dose(trial=trial, daily_dose_mg=Decimal("150"), start=dt.date(2025, 1, 20))
        assert trial.dose_periods.count() == 2

    def test_dose_change_of_a_trial_ended_meanwhile_is_refused(self, trial):
        services.end_trial(trial=trial, end=dt.date(2025, 3, 1), outcome="no_response", adherence="good")
        with pytest.raises(services.TrialStateError, match="already ended"):
            services.change_trial_dose(trial=trial, daily_dose_mg=Decimal("100"), start=dt.date(2025, 2, 1))
        assert trial.dose_periods.get().end == dt.date(2025, 3, 1)

    def test_second_end_is_refused_and_keeps_the_first(self, trial):
        services.end_trial(trial=trial, end=dt.date(2025, 3, 1), outcome="no_response", adherence="good")
        with pytest.raises(services.TrialStateError, match="already ended"):
            services.end_trial(trial=trial, end=dt.date(2025, 4, 1), outcome="remission", adherence="poor")
        trial.refresh_from_db()
        assert (trial.outcome, trial.adherence) == ("no_response", "good")
        assert trial.dose_periods.get().end == dt.date(2025, 3, 1)

    def test_trial_state_error_is_a_value_error_for_older_callers(self):
        assert issubclass(services.TrialStateError, ValueError)


def other_request_writes_first(monkeypatch, service_name: str, other_request) -> None:
    """Let another request's write commit just after this request's checks and before its own write: the
    view's service call first runs ``other_request`` (real services, committed), then the real service."""
    real = getattr(services, service_name)

    def after_the_other_request(**kwargs):
        other_request()
        return real(**kwargs)

    monkeypatch.setattr(services, service_name, after_the_other_request)


# The real services, kept before a test replaces them with ``other_request_writes_first``.
REAL_END_TRIAL = services.end_trial
REAL_CHANGE_TRIAL_DOSE = services.change_trial_dose


def end_the_trial(trial) -> None:
    REAL_END_TRIAL(trial=trial, end=dt.date(2025, 3, 1), outcome="no_response", adherence="good")


def change_the_dose(trial) -> None:
    REAL_CHANGE_TRIAL_DOSE(trial=trial, daily_dose_mg=Decimal("100"), start=dt.date(2025, 2, 1))


class TestTrialViewsTwice:
    """The second request passed the view's "is the trial ongoing?" check before the first one wrote."""

    def test_second_end_redirects_with_already_ended(self, client_for, clinician, patient, trial, monkeypatch):
        other_request_writes_first(monkeypatch, "end_trial", lambda: end_the_trial(trial))

        response = client_for(clinician).post(end_url(patient, trial), {**END, "end": "2025-04-01"})

        assert response.status_code == 302 and response["Location"] == patient.get_absolute_url()
        assert messages_of(response) == [f"{trial.drug_display}: This trial had already ended; nothing was changed."]
        assert DosePeriod.objects.get(trial=trial).end == dt.date(2025, 3, 1)

    def test_second_identical_dose_change_redirects_with_already_saved(
        self, client_for, clinician, patient, trial, monkeypatch
    ):
        other_request_writes_first(monkeypatch, "change_trial_dose", lambda: change_the_dose(trial))

        response = client_for(clinician).post(dose_url(patient, trial), DOSE)

        assert response.status_code == 302 and response["Location"] == patient.get_absolute_url()
        assert messages_of(response) == [
            f"{trial.drug_display}: This dose change had already been saved; nothing was changed."
        ]
        assert trial.dose_periods.count() == 2

    def test_dose_change_of_a_trial_ended_meanwhile_redirects(self, client_for, clinician, patient, trial, monkeypatch):
        other_request_writes_first(monkeypatch, "change_trial_dose", lambda: end_the_trial(trial))

        response = client_for(clinician).post(dose_url(patient, trial), DOSE)

        assert response.status_code == 302
        assert messages_of(response) == [
            f"{trial.drug_display}: This trial had already ended; its dose was not changed."
        ]
        assert trial.dose_periods.get().end == dt.date(2025, 3, 1)

    @postgresql_only
    @pytest.mark.django_db(transaction=True)
    @pytest.mark.parametrize(
        ("url", "data", "other_request", "message"),
        [
            (end_url, END, end_the_trial, "This trial had already ended; nothing was changed."),
            (dose_url, DOSE, change_the_dose, "This dose change had already been saved; nothing was changed."),
        ],
        ids=["end", "dose"],
    )
    def test_real_race_gives_the_message_not_a_500(
        self, client_for, clinician, patient, trial, url, data, other_request, message
    ):
        # The other request holds the trial's dose period locked and commits after this one has checked.
        other = in_other_connection_then_commit(lambda: other_request(trial))

        response = client_for(clinician).post(url(patient, trial), data)
        other.join()

        assert response.status_code == 302, response.context["form"].errors
        assert messages_of(response) == [f"{trial.drug_display}: {message}"]
        assert trial.dose_periods.count() == (1 if url is end_url else 2)


def test_pages_load_the_submit_once_script_from_the_apps_own_static_files(client_for, clinician):
    response = client_for(clinician).get(reverse("patients:list"))

    assert '<script src="/static/js/submit-once.js" defer></script>' in response.text
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert finders.find("js/submit-once.js")
