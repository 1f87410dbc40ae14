"""Walks EVERY URL pattern of the project: anonymous users are sent to log in (or refused), and a clinician
of another clinic gets a 404 for any object of this clinic, on every method. A new view with a new URL
argument fails here until it is given a sample value below, so no view can forget its access checks."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from patients import services
from screening import services as screening_services
from tests import factories

pytestmark = pytest.mark.django_db

# Reachable without logging in, with the status an anonymous GET gets.
PUBLIC = {
    "login": 200,
    "healthz": 200,
    "cds_services": 401,
    "cds_hook": 405,
    "cds_feedback": 405,
}
# Namespaces served by Django's own apps with their own access control.
SKIPPED_NAMESPACES = {"admin"}
# POSTs that change no clinical data (ending one's own session).
NOT_WRITES = {
    "logout",
    # The user's own account security (tests/accounts): sessions and two-factor devices, open to every role.
    "accounts:logout_everywhere",
    "accounts:otp_setup",
    "accounts:otp_verify",
    "accounts:otp_disable",
}


def walk(patterns, namespace: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace or namespace
            yield from walk(entry.url_patterns, inner or "")
        elif isinstance(entry, URLPattern) and entry.name:
            yield (f"{namespace}:{entry.name}" if namespace else entry.name), entry


@pytest.fixture
def world(clinic, clinician):
    today = dt.date.today()
    patient = factories.make_patient(clinic=clinic, created_by=clinician, family_name="Walkthrough")
    trial = factories.make_trial(patient, start=today - dt.timedelta(days=60))
    medicine = services.add_medicine(
        patient=patient, kind="medicine", name="metformin", daily_dose_mg=Decimal("500"), start=today
    )
    factories.add_labs(patient, ("tsh", "12", "m[IU]/L"), collected_on=today)
    screening = screening_services.record_screening(patient=patient, recorded_by=clinician)
    return {
        "clinic": clinic,
        "patient": patient,
        "trial": trial,
        "medicine": medicine,
        "screening": screening,
        "finding": screening.findings.first(),
    }


SCREENING_CODE_URLS = {
    "screening:detail",
    "screening:review",
    "screening:print",
    "screening:pdf",
    "interop:screening_export",
}
# Import batches belong to the user who uploaded them: anyone else's code is simply unknown.
IMPORT_BATCH_URLS = {"interop:preview", "interop:commit"}


def sample_kwargs(name: str, pattern: URLPattern, world) -> dict | None:
    kwargs = {}
    for argument in pattern.pattern.converters:
        if argument == "clinic_code":
            kwargs[argument] = world["clinic"].code
        elif argument == "code" and name in IMPORT_BATCH_URLS:
            kwargs[argument] = uuid.uuid4()
        elif argument == "code":
            owner = world["screening"] if name in SCREENING_CODE_URLS else world["patient"]
            kwargs[argument] = owner.code
        elif argument == "trial_id":
            kwargs[argument] = world["trial"].pk
        elif argument == "medicine_id":
            kwargs[argument] = world["medicine"].pk
        elif argument == "finding_id":
            kwargs[argument] = world["finding"].pk
        elif argument == "instrument":
            kwargs[argument] = "phq9"
        elif argument == "service_id":
            kwargs[argument] = "trd-screening"
        else:
            pytest.fail(f"{name}: give the URL argument {argument!r} a sample value in {__name__}")
    return kwargs


def project_urls(world):
    for name, pattern in walk(get_resolver().url_patterns):
        if name.split(":")[0] in SKIPPED_NAMESPACES:
            continue
        yield name, reverse(name, kwargs=sample_kwargs(name, pattern, world)), bool(pattern.pattern.converters)


def test_every_url_is_walked(world):
    names = {name for name, _, _ in project_urls(world)}
    assert {"patients:detail", "screening:pdf", "patients:lab_panel"} <= names


def test_anonymous_users_are_sent_to_log_in_everywhere(client, world):
    for name, url, _ in project_urls(world):
        response = client.get(url)
        short = name.split(":")[-1]
        if short in PUBLIC:
            assert response.status_code == PUBLIC[short], (name, response.status_code)
            continue
        assert response.status_code == 302, (name, response.status_code)
        assert response["Location"].startswith(reverse("login")), name
        assert client.post(url).status_code in (302, 403), name  # 403: CSRF refuses before login redirect


def test_clinicians_of_another_clinic_get_404_for_every_object_url(client_for, stranger, world):
    client = client_for(stranger)
    for name, url, has_object in project_urls(world):
        if not has_object or name.split(":")[-1] in PUBLIC:
            continue
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), (name, method, response.status_code)
        assert client.get(url).status_code in (404, 405), name


def test_pages_without_objects_never_show_another_clinics_patients(client_for, stranger, world):
    client = client_for(stranger)
    for name, url, has_object in project_urls(world):
        if has_object or name.split(":")[-1] in PUBLIC:
            continue
        response = client.get(url)
        assert response.status_code in (200, 302, 403, 405), (name, response.status_code)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/"):
            assert "Walkthrough" not in response.content.decode(), name


def test_read_only_reviewers_can_read_but_never_write(client_for, clinic, world):
    from patients import roles

    client = client_for(factories.make_user(clinic=clinic, role=roles.REVIEWER))
    for name, url, _ in project_urls(world):
        if name.split(":")[-1] in PUBLIC or name in NOT_WRITES:
            continue
        assert client.get(url).status_code in (200, 302, 403, 405), name
        response = client.post(url, {})
        assert response.status_code in (403, 405), (name, response.status_code)
