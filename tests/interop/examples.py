"""FHIR R4 resources in the shapes EHRs send (modelled on the HL7 specification's examples: the glucose
Observation "f001", the comparator example, US Core lab results, Argonaut PHQ-9)."""

from __future__ import annotations

import copy
import json
from typing import Any

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PATIENT_URL = "urn:uuid:9b1f6c1e-6b0a-4c1a-9d5e-0f3f1a2b3c4d"
PHQ9_ITEM_CODES = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"]


def patient(mrn: str = "12345", *, birth: str = "1974-12-25", gender: str = "female", pid: str = "example") -> dict:
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]},
                "system": "urn:oid:1.2.36.146.595.217.0.1",
                "value": mrn,
            }
        ],
        "active": True,
        "name": [{"use": "official", "family": "Chalmers", "given": ["Peter", "James"]}],
        "gender": gender,
        "birthDate": birth,
    }


def lab(
    code: str,
    value: float | int,
    unit: str,
    *,
    when: str = "2025-03-01T08:30:00+01:00",
    ident: str | None = None,
    comparator: str | None = None,
    low: float | None = None,
    high: float | None = None,
    subject: str = PATIENT_URL,
    status: str = "final",
    display: str = "",
) -> dict:
    quantity: dict[str, Any] = {"value": value, "unit": unit, "system": UCUM, "code": unit}
    if comparator:
        quantity["comparator"] = comparator
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": ident or f"lab-{code}",
        "identifier": [{"system": "http://acme-lab.example/results", "value": ident or f"R-{code}-{value}"}],
        "status": status,
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}
        ],
        "code": {"coding": [{"system": LOINC, "code": code, "display": display or code}]},
        "subject": {"reference": subject},
        "effectiveDateTime": when,
        "issued": "2025-03-01T15:30:10+01:00",
        "valueQuantity": quantity,
    }
    if low is not None or high is not None:
        limits = {}
        if low is not None:
            limits["low"] = {"value": low, "unit": unit, "system": UCUM, "code": unit}
        if high is not None:
            limits["high"] = {"value": high, "unit": unit, "system": UCUM, "code": unit}
        resource["referenceRange"] = [limits]
    return resource


def glucose_mg_dl(**kwargs) -> dict:
    return lab("2345-7", 98, "mg/dL", low=70, high=99, display="Glucose [Mass/volume] in Serum or Plasma", **kwargs)


def glucose_mmol_l(**kwargs) -> dict:
    """As HL7's example f001: 6.3 mmol/L, reference range 3.1-6.2."""
    kwargs.setdefault("ident", "f001")
    return lab("2345-7", 6.3, "mmol/L", low=3.1, high=6.2, **kwargs)


def crp_below_limit(**kwargs) -> dict:
    """A censored result: CRP < 3 mg/L (the comparator example)."""
    return lab("1988-5", 3, "mg/L", comparator="<", ident="crp-lt", **kwargs)


def b12_pmol(**kwargs) -> dict:
    return lab("14685-3", 150, "pmol/L", low=145, high=569, ident="b12", **kwargs)


def sertraline_statement(*, subject: str = PATIENT_URL, ident: str = "ms-1") -> dict:
    return {
        "resourceType": "MedicationStatement",
        "id": ident,
        "identifier": [{"system": "http://ehr.example/medstatements", "value": ident}],
        "status": "completed",
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "code": "36437", "display": "sertraline"}],
            "text": "Sertraline 100 mg tablet",
        },
        "subject": {"reference": subject},
        "effectivePeriod": {"start": "2024-01-10", "end": "2024-05-10"},
        "dosage": [
            {
                "text": "100 mg once daily",
                "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                "doseAndRate": [{"doseQuantity": {"value": 100, "unit": "mg", "system": UCUM, "code": "mg"}}],
            }
        ],
    }


def phq9_panel(items: list[int], *, when: str = "2025-03-02", subject: str = PATIENT_URL, total: int | None = None):
    components = [
        {"code": {"coding": [{"system": LOINC, "code": code}]}, "valueInteger": value}
        for code, value in zip(PHQ9_ITEM_CODES, items, strict=True)
    ]
    components.append(
        {
            "code": {"coding": [{"system": LOINC, "code": "44261-6"}]},
            "valueInteger": sum(items) if total is None else total,
        }
    )
    return {
        "resourceType": "Observation",
        "id": "phq9-panel",
        "status": "final",
        "category": [
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "survey"}]}
        ],
        "code": {
            "coding": [{"system": LOINC, "code": "44249-1", "display": "PHQ-9 quick depression assessment panel"}]
        },
        "subject": {"reference": subject},
        "effectiveDateTime": when,
        "component": components,
    }


def phq9_response(items: list[int], *, authored: str = "2025-03-02T10:00:00Z") -> dict:
    answers = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
    return {
        "resourceType": "QuestionnaireResponse",
        "id": "phq9-qr",
        "questionnaire": "http://loinc.org/q/44249-1",
        "status": "completed",
        "subject": {"reference": PATIENT_URL},
        "authored": authored,
        "item": [
            {
                "linkId": f"/{code}",
                "answer": [{"valueCoding": {"system": LOINC, "code": answers[value]}}],
            }
            for code, value in zip(PHQ9_ITEM_CODES, items, strict=True)
        ],
    }


def bundle(*resources: dict, with_patient: dict | None = None) -> dict:
    entries = []
    if with_patient is not None:
        entries.append({"fullUrl": PATIENT_URL, "resource": with_patient})
    for index, resource in enumerate(resources):
        entries.append(
            {"fullUrl": f"urn:uuid:00000000-0000-4000-8000-{index:012d}", "resource": copy.deepcopy(resource)}
        )
    return {"resourceType": "Bundle", "id": "import-1", "type": "collection", "entry": entries}


def ehr_bundle(mrn: str = "12345", **patient_fields) -> dict:
    """Patient + glucose in mg/dL and in mmol/L + CRP < 3 + B12 in pmol/L + sertraline + PHQ-9 panel."""
    return bundle(
        glucose_mg_dl(when="2025-02-01", ident="glu-1"),
        glucose_mmol_l(when="2025-03-01T08:30:00+01:00"),
        crp_below_limit(),
        b12_pmol(),
        sertraline_statement(),
        phq9_panel([2, 2, 1, 1, 1, 1, 1, 1, 0]),
        with_patient=patient(mrn, **patient_fields),
    )


def dumps(data: dict) -> str:
    return json.dumps(data)
