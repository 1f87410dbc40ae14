"""Oversized requests are refused with 400 Bad Request, never a 500, on the configured limits."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from config import settings as project_settings

pytestmark = pytest.mark.django_db


def test_request_size_limits_are_configured():
    assert project_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert project_settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert project_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 2000


def too_big() -> dict[str, str]:
    return {"notes": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}


def test_a_form_post_above_the_limit_is_a_400(client_for, clinician, patient):
    response = client_for(clinician).post(reverse("patients:edit", args=[patient.code]), too_big())

    assert response.status_code == 400


def test_a_form_post_above_the_limit_is_a_400_when_csrf_reads_the_body_first(clinician, patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    url = reverse("patients:edit", args=[patient.code])
    token = client.get(url).context["csrf_token"]

    response = client.post(url, {**too_big(), "csrfmiddlewaretoken": str(token)})

    assert response.status_code == 400


def test_a_login_post_above_the_limit_is_a_400(client):
    response = client.post(reverse("login"), {"username": "someone", "password": "x" * 3_000_000})

    assert response.status_code == 400


def test_too_many_fields_is_a_400(client_for, clinician, patient):
    fields = {f"field{number}": "1" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = client_for(clinician).post(reverse("patients:edit", args=[patient.code]), fields)

    assert response.status_code == 400


def test_a_post_within_the_limit_reaches_the_form(client_for, clinician, patient):
    response = client_for(clinician).post(reverse("patients:edit", args=[patient.code]), {"notes": "x" * 10_000})

    assert response.status_code == 200  # the form, with its own field errors
    assert response.context["form"].errors
