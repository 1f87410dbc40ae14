"""CSV lab import: template, row errors with numbers and columns, all or nothing, no duplicates, clinic scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interop import csv_labs
from interop.models import ImportBatch
from patients.models import LabResult
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ",".join(csv_labs.COLUMNS)


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


@pytest.fixture
def patients(clinic, other_clinic):
    mine = factories.make_patient(clinic=clinic, mrn="A1", sex="male", birth_date=dt.date(1970, 1, 1))
    second = factories.make_patient(clinic=clinic, mrn="A2")
    theirs = factories.make_patient(clinic=other_clinic, mrn="B1")
    return mine, second, theirs


GOOD = csv_text(
    "A1,glucose,6.3,mmol/L,,2025-03-01,08:30,yes,3.9,5.5,City Lab,",
    "A1,4548-4,6.1,%,,2025-03-01,08:30,yes,,,City Lab,",
    "A2,vitamin b12,150,pmol/L,,2025-03-02,,,145,569,,",
    "A2,crp,<3,mg/L,,2025-03-02,,,,,,below the detection limit",
)


def upload(client, clinic, text: str):
    url = reverse("interop:csv_import", kwargs={"clinic_code": clinic.code})
    return client.post(url, {"file": SimpleUploadedFile("labs.csv", text.encode(), content_type="text/csv")})


def commit(client, response):
    preview = client.get(response.url)
    plan = preview.context["plan"]
    return preview, client.post(response.url + "commit/", {"plan_digest": plan.digest})


class TestTemplate:
    def test_template_is_the_header_and_formula_safe(self, client_for, clinician):
        response = client_for(clinician).get(reverse("interop:csv_template"))
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert response.content.decode() == HEADER + "\r\n"
        assert csv_labs.safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)" and csv_labs.safe_cell("mrn") == "mrn"

    def test_access(self, client, client_for, reviewer, clinician):
        url = reverse("interop:csv_template")
        assert client.get(url).status_code == 302
        assert client_for(clinician).post(url).status_code == 405
        assert client_for(reviewer).get(url).status_code == 403


class TestImport:
    def test_preview_then_commit_and_reimport_adds_nothing(self, client_for, clinician, clinic, patients):
        client = client_for(clinician)
        response = upload(client, clinic, GOOD)
        assert response.status_code == 302
        preview, result = commit(client, response)
        page = preview.content.decode()
        assert "114 mg/dL" in page and "203 pg/mL" in page and "&lt;3 mg/L" in page
        assert result.status_code == 302
        mine, second, _ = patients
        assert mine.lab_results.count() == 2 and second.lab_results.count() == 2
        assert mine.lab_reports.get().laboratory == "City Lab"
        glucose = mine.lab_results.get(analyte="glucose")
        assert (glucose.unit, glucose.value_canonical, glucose.fasting, glucose.source) == (
            "mmol/L",
            Decimal("113.5008"),
            "yes",
            "csv",
        )
        assert second.lab_results.get(analyte="crp").comparator == "<"
        again = upload(client, clinic, GOOD)
        preview = client.get(again.url)
        assert not preview.context["plan"].can_commit and len(preview.context["plan"].already_imported) == 4
        assert LabResult.objects.count() == 4

    def test_row_errors_name_row_and_column_and_nothing_is_imported(self, client_for, clinician, clinic, patients):
        text = csv_text(
            "A1,glucose,6.3,mmol/L,,2025-03-01,,,,,,",
            "B1,glucose,98,mg/dL,,2025-03-01,,,,,,",
            "A1,hba1c,48,%,,2025-03-01,,,,,,",
            "A1,sodium,140,mmol/L,,2025-03-01,,,,,,",
            "A2,glucose,98,mg/dL,,03/01/2025,,,,,,",
            "A2,glucose,98,mg/dL,,2025-03-01,,maybe,,,,",
            "A2,glucose,98,mg/dL,,2025-03-01,,,,,=HYPERLINK(1),",
            "A1,glucose,6.3,mmol/L,,2025-03-01,,,,,,",
            "A2,tsh,1e308,m[IU]/L,,2025-03-01,,,,,,",
        )
        client = client_for(clinician)
        preview = client.get(upload(client, clinic, text).url)
        errors = {(e.row, e.column): e.message for e in preview.context["plan"].errors}
        assert errors[(3, "mrn")] == f"unknown MRN 'B1' in {clinic.name}"
        assert "Did you mean mmol/mol?" in errors[(4, "value")]
        assert "not a known analyte" in errors[(5, "analyte")]
        assert "not a date" in errors[(6, "collected_on")]
        assert "not yes, no or unknown" in errors[(7, "fasting")]
        assert "formula" in errors[(8, "laboratory")]
        assert errors[(9, "")] == "the same result as row 2"
        assert errors[(10, "value")] == "'1e308' is too large"
        assert not preview.context["plan"].can_commit
        assert "Row 4, value:" in preview.content.decode()
        result = client.post(
            reverse("interop:commit", kwargs={"code": preview.context["batch"].code}),
            {"plan_digest": preview.context["plan"].digest},
        )
        assert result.status_code == 302 and LabResult.objects.count() == 0

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            pytest.param("mrn,analyte\nA1,glucose\n", "missing column value", id="missing-columns"),
            pytest.param(HEADER + ",colour\n", "unknown column 'colour'", id="unknown-column"),
            pytest.param("", "file is empty", id="empty"),
            pytest.param(HEADER + "\n", "no results", id="header-only"),
        ],
    )
    def test_file_problems_are_form_errors(self, client_for, clinician, clinic, text, message):
        response = upload(client_for(clinician), clinic, text)
        assert response.status_code == 400
        assert message in " ".join(response.context["form"].errors["file"])
        assert ImportBatch.objects.count() == 0

    def test_access(self, client, client_for, clinician, stranger, reviewer, clinic):
        url = reverse("interop:csv_import", kwargs={"clinic_code": clinic.code})
        assert client.get(url).status_code == 302
        assert client_for(stranger).get(url).status_code == 404
        assert client_for(stranger).post(url, {"file": SimpleUploadedFile("x.csv", GOOD.encode())}).status_code == 404
        assert client_for(clinician).put(url).status_code == 405
        assert client_for(reviewer).get(url).status_code == 403
        assert client_for(clinician).get(url).status_code == 200

    def test_patient_list_links(self, client_for, clinician, reviewer, clinic):
        page = client_for(clinician).get(reverse("patients:list")).content.decode()
        assert reverse("interop:csv_import", kwargs={"clinic_code": clinic.code}) in page
        assert reverse("interop:fhir_import_clinic", kwargs={"clinic_code": clinic.code}) in page
        page = client_for(reviewer).get(reverse("patients:list")).content.decode()
        assert reverse("interop:csv_import", kwargs={"clinic_code": clinic.code}) not in page
