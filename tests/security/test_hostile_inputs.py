"""Hostile input on every form: script payloads, malformed dates and numbers, control characters, huge text.

Each form is fetched, every text-like input is filled with a payload, and the post must give a page (200),
a redirect (302) or a refusal (400/403) — never a server error — and any payload that was stored must come
back escaped on the pages that show it.
"""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from patients import services
from screening import services as screening_services
from tests import factories

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
TEXT_PAYLOADS = [XSS, "'; DROP TABLE patients_patient; --", "=cmd|' /C calc'!A0", "a" * 20_000, "Zo\x00e", "\u202e"]
DATE_PAYLOADS = ["2026-13-45", "31/12/2025", "0000-00-00", "9999-99-99", "yesterday", "2026-02-30", "'; --"]
NUMBER_PAYLOADS = ["NaN", "-inf", "1e400", "4,5", "١٢", "0x10", "--1", "9" * 60, "1.2.3", "<1<2"]

INPUT = re.compile(r"<(input|textarea|select)\b([^>]*)>", re.I)
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def form_fields(page: str) -> dict[str, dict]:
    """name -> attributes of every form control on the page (first of each name)."""
    fields = {}
    for tag, attrs in INPUT.findall(page):
        values = dict(ATTR.findall(attrs))
        name = values.get("name")
        if name and name != "csrfmiddlewaretoken" and name not in fields:
            fields[name] = {"tag": tag.lower(), **values}
    return fields


def hostile_data(fields: dict[str, dict], round_: int) -> dict:
    data = {}
    for name, attrs in fields.items():
        kind = attrs.get("type", "text" if attrs["tag"] != "select" else "select")
        if kind in ("hidden", "checkbox", "radio", "submit", "select"):
            if kind == "hidden":
                data[name] = attrs.get("value", "")
            continue
        if kind == "date":
            data[name] = DATE_PAYLOADS[round_ % len(DATE_PAYLOADS)]
        elif kind == "time":
            data[name] = "25:61"
        elif attrs.get("inputmode") == "decimal" or kind == "number":
            data[name] = NUMBER_PAYLOADS[round_ % len(NUMBER_PAYLOADS)]
        else:
            data[name] = TEXT_PAYLOADS[round_ % len(TEXT_PAYLOADS)]
    return data


@pytest.fixture
def record(clinic, clinician):
    today = dt.date.today()
    patient = factories.make_patient(clinic=clinic, created_by=clinician)
    trial = factories.make_trial(patient, start=today - dt.timedelta(days=60))
    medicine = (
        services.add_medicine(
            patient=patient, kind="medicine", name="metformin", daily_dose_mg=Decimal("1000"), start=today
        )
        if hasattr(services, "add_medicine")
        else None
    )
    factories.add_labs(patient, ("tsh", "12", "m[IU]/L"), collected_on=today)
    screening = screening_services.record_screening(patient=patient, recorded_by=clinician)
    return patient, trial, medicine, screening


def form_urls(patient, trial, medicine, screening, clinic):
    code = patient.code
    urls = [
        reverse("patients:create", args=[clinic.code]),
        reverse("patients:edit", args=[code]),
        reverse("patients:intake", args=[code]),
        reverse("patients:lab_panel", args=[code]),
        reverse("patients:trial_create", args=[code]),
        reverse("patients:trial_dose", args=[code, trial.pk]),
        reverse("patients:trial_edit", args=[code, trial.pk]),
        reverse("patients:trial_end", args=[code, trial.pk]),
        reverse("patients:augmentation_create", args=[code]),
        reverse("patients:treatment_create", args=[code]),
        reverse("patients:scale_create", args=[code, "phq9"]),
        reverse("patients:scale_create", args=[code, "epds"]),
        reverse("patients:medicine_create", args=[code]),
        reverse("patients:measurement_create", args=[code]),
        reverse("patients:psychotherapy_create", args=[code]),
        reverse("screening:clinic_settings", args=[clinic.code]),
    ]
    urls.append(reverse("patients:medicine_end", args=[code, medicine.pk]))
    return urls


@pytest.mark.parametrize("round_", range(4))
def test_every_form_survives_hostile_input(client_for, clinician, clinic, record, round_):
    patient, trial, medicine, screening = record
    client = client_for(clinician)
    for url in form_urls(patient, trial, medicine, screening, clinic):
        page = client.get(url)
        assert page.status_code == 200, url
        data = hostile_data(form_fields(page.text), round_)
        assert any(value for value in data.values()), f"no fillable field found on {url}"
        response = client.post(url, data)
        assert response.status_code in (200, 302, 400, 403), (url, response.status_code)
        if response.status_code == 200:
            assert "<script>alert(" not in response.text, url


def test_review_form_survives_hostile_input(client_for, clinician, record):
    *_, screening = record
    row = screening.findings.first()
    url = reverse("screening:review", args=[screening.code, row.pk])
    client = client_for(clinician)
    for payload in TEXT_PAYLOADS:
        response = client.post(
            url,
            {
                f"f{row.pk}-state": "dismissed",
                f"f{row.pk}-dismissal_reason": "other",
                f"f{row.pk}-note": payload,
                f"f{row.pk}-follow_up": payload,
            },
        )
        assert response.status_code in (302, 400), response.status_code
    page = client.get(screening.get_absolute_url()).text
    assert "<script>alert(" not in page


def test_stored_script_payloads_are_escaped_in_pages_and_the_summary(client_for, clinician, clinic):
    patient = factories.make_patient(clinic=clinic, given_name=XSS, family_name="O'Brien <b>", mrn="<i>MRN</i>")
    factories.add_labs(patient, ("tsh", "12", "m[IU]/L"), collected_on=dt.date.today())
    screening = screening_services.record_screening(patient=patient, recorded_by=clinician)
    client = client_for(clinician)
    for url in (
        reverse("patients:list"),
        patient.get_absolute_url(),
        screening.get_absolute_url(),
        reverse("screening:print", args=[screening.code]),
    ):
        page = client.get(url).text
        assert XSS not in page, url
        assert "<b>" not in page.replace("<b>Safety", ""), url
        assert html.escape(XSS, quote=True) in page or "&lt;script&gt;" in page, url


def test_malformed_search_and_paging_never_fail(client_for, clinician):
    client = client_for(clinician)
    for query in ["%", "_", "\x00", "a" * 5000, XSS, "' OR 1=1 --"]:
        assert client.get(reverse("patients:list"), {"q": query}).status_code == 200
    for page in ["-1", "abc", "99999", "1e9"]:
        assert client.get(reverse("patients:list"), {"page": page}).status_code == 200


def test_oversized_request_is_refused(client_for, clinician, record, settings):
    patient, *_ = record
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client_for(clinician).post(reverse("patients:edit", args=[patient.code]), {"notes": "x" * 50_000})
    assert response.status_code == 400


def test_unknown_ids_are_404_not_500(client_for, clinician, record):
    patient, *_ = record
    client = client_for(clinician)
    assert client.get(reverse("patients:trial_edit", args=[patient.code, 999999])).status_code == 404
    assert client.get("/patients/not-a-uuid/").status_code == 404
    assert client.get(reverse("patients:scale_create", args=[patient.code, "hamd"])).status_code == 404
