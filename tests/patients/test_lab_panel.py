import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.urls import reverse

from patients import services
from patients.models import LabReport, LabResult
from patients.services import LabEntry

pytestmark = pytest.mark.django_db

DAY = "2026-10-20"


def panel_url(patient):
    return reverse("patients:lab_panel", args=[patient.code])


def post_panel(client, patient, rows: dict, **report):
    data = {"collected_on": DAY, "fasting": "yes", "laboratory": "City Lab"}
    data.update(report)
    for key, fields in rows.items():
        if isinstance(fields, str):
            fields = {"value": fields}
        for name, value in fields.items():
            data[f"{key}-{name}"] = value
    return client.post(panel_url(patient), data)


def test_saves_a_whole_panel_with_conversions(client_for, clinician, patient):
    response = post_panel(
        client_for(clinician),
        patient,
        {"hba1c": {"value": "48", "unit": "mmol/mol"}, "glucose": {"value": "5.6", "unit": "mmol/L"}, "tsh": "2.1"},
    )
    assert response.status_code == 302
    results = {r.analyte: r for r in LabResult.objects.filter(patient=patient)}
    assert set(results) == {"hba1c", "glucose", "tsh"}
    assert results["hba1c"].value == Decimal("48")
    assert results["hba1c"].unit == "mmol/mol"
    assert float(results["hba1c"].value_canonical) == pytest.approx(0.0915 * 48 + 2.15)
    assert float(results["glucose"].value_canonical) == pytest.approx(5.6 * 18.016)
    assert results["glucose"].fasting == "yes"
    assert results["tsh"].collected_on == dt.date(2026, 10, 20)


def test_a_result_entered_again_for_the_same_date_is_refused_row_by_row(client_for, clinician, patient):
    client = client_for(clinician)
    assert post_panel(client, patient, {"tsh": "3.3", "glucose": {"value": "5.6", "unit": "mmol/L"}}).status_code == 302
    response = post_panel(client, patient, {"tsh": "3.30", "glucose": {"value": "5.7", "unit": "mmol/L"}})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["tsh-value"] == [
        "Already recorded for 2026-10-20: 3.3 mIU/L. Clear this row if the report was entered before."
    ]
    assert "glucose-value" not in form.errors  # another value is a new result
    assert form["tsh-value"].value() == "3.30"
    assert LabResult.objects.filter(patient=patient).count() == 2
    assert post_panel(client, patient, {"tsh": "3.3"}, collected_on="2026-10-21").status_code == 302


def test_unit_mixup_is_refused_with_suggestion_and_typed_values_kept(client_for, clinician, patient):
    response = post_panel(
        client_for(clinician), patient, {"hba1c": {"value": "48", "unit": "%"}, "tsh": "2.1", "ferritin": "40"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error("hba1c-value", "unit_mixup")
    message = form.errors["hba1c-value"][0]
    assert "48 is not a plausible HbA1c in %" in message and "mmol/mol" in message
    assert 'value="48"' in response.text
    assert 'value="2.1"' in response.text
    assert not LabResult.objects.exists()
    assert not LabReport.objects.exists()


def test_one_bad_row_saves_nothing_and_every_error_is_shown(client_for, clinician, patient):
    response = post_panel(
        client_for(clinician),
        patient,
        {"hba1c": {"value": "250", "unit": "%"}, "ferritin": "-4", "tsh": "NaN", "b12": "300"},
    )
    form = response.context["form"]
    assert form.has_error("hba1c-value", "implausible")
    assert form.has_error("ferritin-value", "negative")
    assert form.has_error("tsh-value", "invalid_number")
    assert not LabResult.objects.exists()


@pytest.mark.parametrize("typed", ["4,5", "1e9", "inf", "nan", "--1"])
def test_refuses_malformed_numbers(client_for, clinician, patient, typed):
    response = post_panel(client_for(clinician), patient, {"tsh": typed})
    assert response.context["form"].errors["tsh-value"]
    assert not LabResult.objects.exists()


def test_refuses_unit_not_accepted_for_analyte(client_for, clinician, patient):
    response = post_panel(client_for(clinician), patient, {"hba1c": {"value": "6.1", "unit": "mg/dL"}})
    assert response.context["form"].errors["hba1c-unit"]
    assert not LabResult.objects.exists()


def test_refuses_future_collection_date(client_for, clinician, patient):
    response = post_panel(client_for(clinician), patient, {"tsh": "2"}, collected_on="2999-01-01")
    assert response.context["form"].has_error("collected_on", "future_date")


@pytest.mark.parametrize(
    "limits",
    [{"reference_low": "0.4"}, {"reference_high": "4.0"}, {"reference_low": "0.4", "reference_high": "4.0"}],
    ids=["lower", "upper", "both"],
)
def test_reference_limits_without_a_value_are_an_error_on_that_row(client_for, clinician, patient, limits):
    response = post_panel(client_for(clinician), patient, {"tsh": {"value": "", **limits}, "ferritin": "40"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error("tsh-value", "limits_without_value")
    assert form.errors["tsh-value"] == ["Enter the value, or clear the limits."]
    assert "Enter the value, or clear the limits." in response.text
    assert not form.has_error("ferritin-value")
    assert not LabResult.objects.exists()


def test_only_limits_in_the_panel_is_a_row_error_not_an_empty_panel(client_for, clinician, patient):
    response = post_panel(client_for(clinician), patient, {"tsh": {"reference_high": "4.0"}})
    form = response.context["form"]
    assert form.has_error("tsh-value", "limits_without_value")
    assert not form.has_error("__all__", "empty_panel")


def test_malformed_value_with_limits_gets_only_its_own_error(client_for, clinician, patient):
    response = post_panel(client_for(clinician), patient, {"tsh": {"value": "4,5", "reference_high": "4.0"}})
    form = response.context["form"]
    assert form.has_error("tsh-value", "decimal_comma")
    assert not form.has_error("tsh-value", "limits_without_value")


def test_value_with_limits_is_saved_with_them(client_for, clinician, patient):
    response = post_panel(
        client_for(clinician), patient, {"tsh": {"value": "2.1", "reference_low": "0.4", "reference_high": "4.0"}}
    )
    assert response.status_code == 302
    result = LabResult.objects.get(patient=patient)
    assert (result.reference_low, result.reference_high) == (Decimal("0.4"), Decimal("4.0"))


def test_empty_panel_is_refused(client_for, clinician, patient):
    response = post_panel(client_for(clinician), patient, {})
    assert response.context["form"].has_error("__all__", "empty_panel")


def test_stores_censored_results(client_for, clinician, patient):
    post_panel(client_for(clinician), patient, {"hscrp": "<0.3"})
    result = LabResult.objects.get()
    assert (result.comparator, result.value) == ("<", Decimal("0.3"))


def test_confirm_zone_needs_explicit_confirmation(client_for, clinician, patient):
    client = client_for(clinician)
    response = post_panel(client, patient, {"magnesium": {"value": "2.1", "unit": "mmol/L"}})
    assert response.context["form"].has_error("magnesium-value", "confirm_unit")
    assert not LabResult.objects.exists()
    response = post_panel(client, patient, {"magnesium": {"value": "2.1", "unit": "mmol/L", "confirm": "on"}})
    assert response.status_code == 302
    assert LabResult.objects.get().unit == "mmol/L"


def test_panel_save_is_atomic_when_a_row_fails_in_the_database(patient):
    entries = [
        LabEntry(analyte="tsh", value=Decimal("2.0"), unit="m[IU]/L"),
        LabEntry(
            analyte="ferritin",
            value=Decimal("30"),
            unit="ng/mL",
            reference_low=Decimal("50"),
            reference_high=Decimal("10"),
        ),
    ]
    with pytest.raises(Exception):  # noqa: B017,PT011 - the model validation or the database constraint
        services.record_lab_panel(patient=patient, entered_by=None, collected_on=dt.date(2026, 10, 20), entries=entries)
    assert not LabResult.objects.exists()
    assert not LabReport.objects.exists()


def test_database_refuses_negative_values(patient):
    with pytest.raises(IntegrityError):
        LabResult.objects.create(
            patient=patient,
            analyte="tsh",
            value=Decimal("-1"),
            unit="m[IU]/L",
            value_canonical=Decimal("-1"),
            canonical_unit="m[IU]/L",
            collected_on=dt.date(2026, 1, 1),
        )


def test_patient_page_shows_latest_value_and_as_entered_conversion(client_for, clinician, patient):
    client = client_for(clinician)
    post_panel(client, patient, {"glucose": {"value": "5.6", "unit": "mmol/L"}}, collected_on="2026-09-01")
    post_panel(client, patient, {"glucose": {"value": "6.1", "unit": "mmol/L"}})
    page = client.get(reverse("patients:detail", args=[patient.code])).text
    assert "6.1 mmol/L" in page
    assert "mg/dL" in page
    assert "2026-09-01" in page
