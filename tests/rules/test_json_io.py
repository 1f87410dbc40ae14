"""The JSON contract: parse_snapshot validates everything and names the field; snapshot_to_dict writes it back.

Pure tests (no Django). Error cases are labelled changes to one valid document (the example of the JSON
brief) with the complete list of problems expected, so a stray extra problem fails the test too.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.rules.analytes import (
    ANALYTES,
    check_blood_pressure,
    check_lab_value,
    check_measurement,
    check_score,
    plausible_range,
)
from screening.rules.drugs import ANTIDEPRESSANTS, AUGMENTATION_AGENTS, MEDICINES, SUPPLEMENTS, max_plausible_dose_mg
from screening.rules.json_io import CONDITIONS, SnapshotError, loads, parse_snapshot, snapshot_to_dict
from screening.rules.snapshot import (
    Adherence,
    Ancestry,
    Augmentation,
    Comparator,
    DosePeriod,
    EctCourse,
    Episode,
    LabValue,
    Laterality,
    Measurement,
    Medicine,
    MenstrualStatus,
    Outcome,
    PatientInfo,
    ScaleScore,
    Severity,
    Sex,
    Snapshot,
    Supplement,
    Trial,
)

D = dt.date
AS_OF = D(2026, 11, 1)
INPUT_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "docs" / "schemas" / "screening-input.schema.json").read_text("utf-8")
)

# The example of the JSON brief, field for field.
EXAMPLE: dict[str, Any] = {
    "as_of": "2026-11-01",
    "patient": {
        "sex": "female",
        "birth_date": "1974-05-02",
        "ancestry": "europid",
        "pregnant": False,
        "delivery_date": None,
        "menstrual_status": None,
    },
    "conditions": ["type2_diabetes"],
    "medicines": [{"name": "metformin", "daily_dose_mg": 2000, "start": "2020-01-01", "end": None}],
    "supplements": [{"name": "biotin", "last_taken": "2026-10-30"}],
    "measurements": [
        {"date": "2026-10-20", "weight_kg": 82.0, "height_cm": 165, "waist_cm": 94, "systolic": 132, "diastolic": 86}
    ],
    "labs": [
        {
            "analyte": "4548-4",
            "value": 6.1,
            "unit": "%",
            "comparator": None,
            "collected": "2026-10-20",
            "time": "08:30",
            "fasting": True,
            "reference_low": None,
            "reference_high": None,
        }
    ],
    "episode": {"onset": "2024-09-01", "severity": "moderate"},
    "trials": [
        {
            "drug": "sertraline",
            "daily_dose_mg": 100,
            "start": "2025-01-10",
            "end": "2025-03-20",
            "adherence": "good",
            "outcome": "no_response",
            "improvement_pct": 10,
        }
    ],
    "augmentations": [
        {"drug": "aripiprazole", "daily_dose_mg": 5, "start": "2026-08-01", "end": None, "outcome": "no_response"}
    ],
    "ect": [
        {
            "start": "2025-06-01",
            "end": "2025-07-15",
            "laterality": "bilateral",
            "sessions": 12,
            "outcome": "no_response",
        }
    ],
    "phq9": [{"date": "2026-10-20", "items": [2, 2, 2, 1, 1, 1, 1, 1, 0], "difficulty": 2}],
    "epds": [{"date": "2026-10-20", "items": [1, 1, 2, 2, 1, 1, 2, 2, 1, 0]}],
}

DELETE = object()


def changed(changes: dict[str, Any], document: dict[str, Any] | None = None) -> dict[str, Any]:
    """A copy of the example with values set (or removed with DELETE) at paths like ``labs[0].unit``."""
    data = copy.deepcopy(EXAMPLE if document is None else document)
    for path, value in changes.items():
        steps: list[str | int] = [
            int(s[1:-1]) if s.startswith("[") else s for s in re.findall(r"\[\d+\]|[^.\[]+", path)
        ]
        target = data
        for step in steps[:-1]:
            target = target[step]
        if value is DELETE:
            del target[steps[-1]]
        else:
            target[steps[-1]] = value
    return data


def problems(data: Any) -> list[str]:
    with pytest.raises(SnapshotError) as error:
        parse_snapshot(data)
    return error.value.problems


def lab_problem(key: str, value: float, unit: str, **kwargs: Any) -> str:
    """The web forms' message for a lab value (one implementation of the gates)."""
    (problem,) = check_lab_value(key, value, unit, **kwargs)
    return problem.message


def measurement_problem(field: str, value: float) -> str:
    (problem,) = check_measurement(field, value)
    return problem.message


# ---------------------------------------------------------------------------------------------------------
# A valid document


def test_reads_the_example_into_the_snapshot() -> None:
    snapshot, as_of = parse_snapshot(copy.deepcopy(EXAMPLE))

    assert as_of == AS_OF
    assert snapshot == Snapshot(
        patient=PatientInfo(sex=Sex.FEMALE, birth_date=D(1974, 5, 2), ancestry=Ancestry.EUROPID),
        conditions=frozenset({"type2_diabetes"}),
        medicines=(Medicine("metformin", start=D(2020, 1, 1), daily_dose_mg=2000),),
        supplements=(Supplement("biotin", last_taken=D(2026, 10, 30)),),
        measurements=(
            Measurement(D(2026, 10, 20), weight_kg=82, height_cm=165, waist_cm=94, systolic=132, diastolic=86),
        ),
        labs=(
            LabValue(
                analyte="hba1c",
                value=6.1,
                collected=D(2026, 10, 20),
                entered_value=6.1,
                entered_unit="%",
                loinc="4548-4",
                time=dt.time(8, 30),
                fasting=True,
            ),
        ),
        episode=Episode(onset=D(2024, 9, 1), severity=Severity.MODERATE),
        trials=(
            Trial(
                drug="sertraline",
                dose_periods=(DosePeriod(100, D(2025, 1, 10), D(2025, 3, 20)),),
                adherence=Adherence.GOOD,
                outcome=Outcome.NO_RESPONSE,
                improvement_pct=10,
            ),
        ),
        augmentations=(Augmentation("aripiprazole", D(2026, 8, 1), daily_dose_mg=5, outcome=Outcome.NO_RESPONSE),),
        ect=(EctCourse(D(2025, 6, 1), D(2025, 7, 15), Laterality.BILATERAL, 12, Outcome.NO_RESPONSE),),
        phq9=(ScaleScore(D(2026, 10, 20), items=(2, 2, 2, 1, 1, 1, 1, 1, 0), difficulty=2),),
        epds=(ScaleScore(D(2026, 10, 20), items=(1, 1, 2, 2, 1, 1, 2, 2, 1, 0)),),
    )


def test_reads_a_minimal_document_with_defaults() -> None:
    snapshot, _ = parse_snapshot({"as_of": "2026-11-01", "patient": {"sex": "male", "birth_date": "1980-01-31"}})

    assert snapshot == Snapshot(patient=PatientInfo(sex=Sex.MALE, birth_date=D(1980, 1, 31)))
    assert snapshot.patient.ancestry is Ancestry.UNKNOWN


def test_accepts_a_patient_of_120() -> None:
    snapshot, as_of = parse_snapshot(changed({"patient.birth_date": "1905-11-02"}))

    assert snapshot.patient.age_on(as_of) == 120


def test_treats_null_optional_fields_as_absent() -> None:
    with_nulls = changed(
        {
            "patient.ancestry": None,
            "patient.pregnant": None,
            "trials[0].adherence": None,
            "ect[0].laterality": None,
            "episode": None,
        }
    )
    without = changed(
        {
            "patient.ancestry": DELETE,
            "patient.pregnant": DELETE,
            "trials[0].adherence": DELETE,
            "ect[0].laterality": DELETE,
            "episode": DELETE,
        }
    )

    snapshot, _ = parse_snapshot(with_nulls)

    assert snapshot == parse_snapshot(without)[0]
    assert snapshot.trials[0].adherence is Adherence.UNKNOWN
    assert snapshot.ect[0].laterality is Laterality.UNKNOWN
    assert snapshot.episode == Episode()


def test_accepts_other_drugs_medicines_and_supplements_with_their_names() -> None:
    snapshot, _ = parse_snapshot(
        changed(
            {
                "medicines[0]": {"name": "other", "name_text": "Berberine"},
                "supplements[0]": {"name": "other", "name_text": " St John's wort "},
                "trials[0].drug": "other",
                "trials[0].drug_text": "Tianeptine",
                "augmentations[0]": {"drug": "other", "drug_text": "Pramipexole", "start": "2026-08-01"},
            }
        )
    )

    assert snapshot.medicines[0] == Medicine("other", name_text="Berberine")
    assert snapshot.supplements[0] == Supplement("other", name_text="St John's wort")
    assert (snapshot.trials[0].drug, snapshot.trials[0].drug_text) == ("other", "Tianeptine")
    assert snapshot.augmentations[0] == Augmentation("other", D(2026, 8, 1), drug_text="Pramipexole")


def test_accepts_an_antidepressant_added_as_augmentation() -> None:
    snapshot, _ = parse_snapshot(
        changed({"augmentations[0].drug": "mirtazapine", "augmentations[0].daily_dose_mg": 30})
    )

    assert snapshot.augmentations[0].drug == "mirtazapine"


# ---------------------------------------------------------------------------------------------------------
# Labs: LOINC codes and aliases, unit spellings, conversion, censored values, reference limits


def one_lab(**fields: Any) -> LabValue:
    entry = {"collected": "2026-10-20", **fields}
    snapshot, _ = parse_snapshot(changed({"labs": [entry]}))
    (lab,) = snapshot.labs
    return lab


@pytest.mark.parametrize(
    ("analyte", "value", "unit", "key", "loinc"),
    [
        pytest.param("4548-4", 6.1, "%", "hba1c", "4548-4", id="hba1c-ngsp-loinc"),
        pytest.param("59261-8", 48, "mmol/mol", "hba1c", "59261-8", id="hba1c-ifcc-loinc"),
        pytest.param("a1c", 6.1, "%", "hba1c", "4548-4", id="alias-gets-primary-loinc"),
        pytest.param("HbA1c", 6.1, "%", "hba1c", "4548-4", id="display-name"),
        pytest.param("hs-CRP", 2, "mg/L", "hscrp", "30522-7", id="punctuated-alias"),
        pytest.param("HS CRP", 2, "mg/L", "hscrp", "30522-7", id="spaced-alias"),
        pytest.param("14685-3", 220, "pmol/L", "b12", "14685-3", id="secondary-b12-loinc"),
        pytest.param("vitd", 30, "ng/mL", "vitamin_d", "62292-8", id="vitamin-d-alias"),
        pytest.param("omega3_index", 8, "%", "omega3_index", "", id="analyte-without-loinc"),
    ],
)
def test_names_the_analyte_by_loinc_code_or_alias(analyte: str, value: float, unit: str, key: str, loinc: str) -> None:
    lab = one_lab(analyte=analyte, value=value, unit=unit)

    assert (lab.analyte, lab.loinc) == (key, loinc)


def test_fasting_glucose_loinc_implies_fasting() -> None:
    assert one_lab(analyte="1558-6", value=95, unit="mg/dL").fasting is True
    assert one_lab(analyte="2345-7", value=95, unit="mg/dL").fasting is None
    assert one_lab(analyte="2345-7", value=95, unit="mg/dL", fasting=False).fasting is False


@pytest.mark.parametrize(
    ("analyte", "value", "written", "ucum", "canonical"),
    [
        ("tsh", 2.5, "mIU/L", "m[IU]/L", 2.5),
        ("tsh", 2.5, "mU/L", "m[IU]/L", 2.5),
        ("tsh", 2.5, "µIU/mL", "u[IU]/mL", 2.5),
        ("insulin", 12, "uU/mL", "u[IU]/mL", 12),
        ("ferritin", 40, "µg/L", "ug/L", 40),
        ("ferritin", 40, "mcg/L", "ug/L", 40),
        ("glucose", 99, "mg/dl", "mg/dL", 99),
        ("glucose", 99, "MG/DL", "mg/dL", 99),
        ("glucose", 5.5, "mmol/l", "mmol/L", 99.088),
        ("wbc", 6.2, "10^9/L", "10*9/L", 6.2),
        ("wbc", 6.2, "K/uL", "10*3/uL", 6.2),
        ("anti_tpo", 12, "IU/mL", "[IU]/mL", 12),
        ("esr", 12, "mm/hr", "mm/h", 12),
        ("hba1c", 48, "mmol/mol", "mmol/mol", 6.542),
        ("vitamin_d", 50, "nmol/L", "nmol/L", 20.032051),
    ],
    ids=lambda v: str(v),
)
def test_accepts_common_unit_spellings_and_converts_to_the_canonical_unit(
    analyte: str, value: float, written: str, ucum: str, canonical: float
) -> None:
    lab = one_lab(analyte=analyte, value=value, unit=written)

    assert (lab.entered_value, lab.entered_unit) == (value, ucum)
    assert lab.value == pytest.approx(canonical, abs=1e-6)


def test_refuses_a_capital_prefix_rather_than_guessing_it() -> None:
    document = changed({"labs[0]": {"analyte": "2345-7", "value": 99, "unit": "Mg/dL", "collected": "2026-10-20"}})

    assert problems(document) == [
        'labs[0].unit: "Mg/dL" is not accepted for 2345-7 (Glucose); accepted units: mg/dL, mmol/L'
    ]


def test_converts_reference_limits_from_the_reported_unit() -> None:
    lab = one_lab(analyte="glucose", value=5.5, unit="mmol/L", reference_low=3.9, reference_high=5.6)

    assert (lab.reference_low, lab.reference_high) == (70.2624, 100.8896)


def test_keeps_a_censored_result_with_its_comparator() -> None:
    lab = one_lab(analyte="hscrp", value=0.3, unit="mg/L", comparator="<")

    assert (lab.comparator, lab.value) == (Comparator.LT, 0.3)


def test_does_not_hold_a_censored_result_in_a_unit_mixup_zone() -> None:
    # "> 50 %" is a reporting limit, not a measured value, so G-02 does not apply (check_lab_value).
    assert one_lab(analyte="hba1c", value=50, unit="%", comparator=">").comparator is Comparator.GT


def test_accepts_a_confirm_zone_value_once_the_unit_is_confirmed() -> None:
    held = changed({"labs[0]": {"analyte": "magnesium", "value": 1.5, "unit": "mmol/L", "collected": "2026-10-20"}})

    assert problems(held) == [
        f'labs[0].value: {lab_problem("magnesium", 1.5, "mmol/L")} If the unit is right, add "unit_confirmed": true.'
    ]
    assert one_lab(analyte="magnesium", value=1.5, unit="mmol/L", unit_confirmed=True).value == 1.5


def test_still_refuses_an_implausible_value_when_the_unit_is_confirmed() -> None:
    document = changed({"labs[0].value": 48, "labs[0].unit_confirmed": True})

    assert problems(document) == [f"labs[0].value: {lab_problem('hba1c', 48, '%', unit_confirmed=True)}"]


def test_holds_a_male_testosterone_in_the_nmol_zone_but_not_a_female_one() -> None:
    entry = {"analyte": "testosterone", "value": 12, "unit": "ng/dL", "collected": "2026-10-20"}

    assert parse_snapshot(changed({"labs": [entry]}))[0].labs[0].value == 12
    assert problems(changed({"labs": [entry], "patient.sex": "male"})) == [
        f"labs[0].value: {lab_problem('testosterone', 12, 'ng/dL', sex='male')} "
        'If the unit is right, add "unit_confirmed": true.'
    ]


# ---------------------------------------------------------------------------------------------------------
# Trials: one dose, or dose periods


def test_reads_dose_periods_in_order() -> None:
    doses = [
        {"daily_dose_mg": 50, "start": "2025-01-10", "end": "2025-01-31"},
        {"daily_dose_mg": 100, "start": "2025-01-31", "end": None},  # ends on the day of the change: allowed
        {"daily_dose_mg": 150, "start": "2025-03-01", "end": "2025-05-01"},  # open period before it: allowed
    ]
    trial = {"drug": "sertraline", "doses": doses, "adherence": "good"}

    snapshot, _ = parse_snapshot(changed({"trials[0]": trial}))

    assert snapshot.trials[0].dose_periods == (
        DosePeriod(50, D(2025, 1, 10), D(2025, 1, 31)),
        DosePeriod(100, D(2025, 1, 31), None),
        DosePeriod(150, D(2025, 3, 1), D(2025, 5, 1)),
    )


def test_a_single_dose_equals_one_dose_period() -> None:
    single, _ = parse_snapshot(copy.deepcopy(EXAMPLE))
    periods, _ = parse_snapshot(
        changed(
            {
                "trials[0].daily_dose_mg": DELETE,
                "trials[0].start": DELETE,
                "trials[0].end": DELETE,
                "trials[0].doses": [{"daily_dose_mg": 100, "start": "2025-01-10", "end": "2025-03-20"}],
            }
        )
    )

    assert single == periods


# ---------------------------------------------------------------------------------------------------------
# Rating scales


def test_reads_total_only_scores() -> None:
    snapshot, _ = parse_snapshot(
        changed({"phq9[0]": {"date": "2026-10-20", "total": 14}, "epds[0]": {"date": "2026-10-20", "total": 11}})
    )

    assert snapshot.phq9 == (ScaleScore(D(2026, 10, 20), total_only=14),)
    assert snapshot.epds == (ScaleScore(D(2026, 10, 20), total_only=11),)
    assert snapshot.phq9[0].total == 14


def test_accepts_items_with_the_matching_total() -> None:
    snapshot, _ = parse_snapshot(changed({"phq9[0].total": 11}))

    assert snapshot.phq9[0] == ScaleScore(D(2026, 10, 20), items=(2, 2, 2, 1, 1, 1, 1, 1, 0), difficulty=2)


# ---------------------------------------------------------------------------------------------------------
# Problems: one line each, naming the field

CONDITION_LIST = (
    "anxiety, ocd, ptsd, bipolar_spectrum, adhd, eating_disorder, substance_use, borderline_pd, "
    "psychotic_disorder, type1_diabetes, type2_diabetes, thyroid_disease, hypertension, other"
)
OUTCOMES = "remission, response, partial_response, no_response, not_tolerated, too_early"
DOSE_CONFLICT = "give the dose history either in doses or as daily_dose_mg/start/end"
CONFIRM = ' If the unit is right, add "unit_confirmed": true.'
TOP_FIELDS = "as_of, patient, conditions, medicines, supplements, measurements, labs, episode, trials, augmentations, ect, phq9, epds"  # noqa: E501


def doses(*periods: tuple[float, str, str | None]) -> dict[str, Any]:
    return {"drug": "sertraline", "doses": [{"daily_dose_mg": m, "start": s, "end": e} for m, s, e in periods]}


def case(label: str, changes: dict[str, Any], expected: list[str]) -> Any:
    """A labelled change to the example and every problem expected, in order."""
    return pytest.param(changes, expected, id=label)


PROBLEM_CASES = [
    # Document and patient
    case("as-of-missing", {"as_of": DELETE}, ["as_of: is required"]),
    case("as-of-not-a-date", {"as_of": "01/11/2026"}, ['as_of: "01/11/2026" is not a date (YYYY-MM-DD)']),
    case(
        "unknown-top-level-field",
        {"patient_name": "x"},
        [f"patient_name: is not a known field; known fields: {TOP_FIELDS}"],
    ),
    case("patient-missing", {"patient": DELETE}, ["patient: is required"]),
    case("patient-not-an-object", {"patient": "female"}, ['patient: "female" is not an object']),
    case("sex-missing", {"patient.sex": DELETE}, ["patient.sex: is required"]),
    case("sex-abbreviated", {"patient.sex": "F"}, ['patient.sex: "F" is not one of female, male']),
    case(
        "birth-date-impossible-month",
        {"patient.birth_date": "1974-13-02"},
        ['patient.birth_date: "1974-13-02" is not a date (YYYY-MM-DD)'],
    ),
    case(
        "birth-date-basic-iso",
        {"patient.birth_date": "19740502"},
        ['patient.birth_date: "19740502" is not a date (YYYY-MM-DD)'],
    ),
    case(
        "birth-date-after-as-of",
        {"patient.birth_date": "2027-01-01"},
        ["patient.birth_date: 2027-01-01 is after as_of (2026-11-01)"],
    ),
    case(
        "patient-turned-121",
        {"patient.birth_date": "1905-11-01"},
        ["patient.birth_date: the patient would be over 120 on as_of (2026-11-01)"],
    ),
    case(
        "ancestry-unknown-value",
        {"patient.ancestry": "caucasian"},
        [
            'patient.ancestry: "caucasian" is not one of europid, south_asian, chinese, japanese, '
            "central_south_american, sub_saharan_african, middle_eastern, unknown"
        ],
    ),
    case("pregnant-as-text", {"patient.pregnant": "no"}, ['patient.pregnant: "no" is not true or false']),
    case("pregnant-as-number", {"patient.pregnant": 0}, ["patient.pregnant: 0 is not true or false"]),
    case(
        "male-pregnant",
        {"patient.sex": "male", "patient.pregnant": True, "epds": []},
        ["patient.pregnant: is recorded only for female sex"],
    ),
    case(
        "male-menstrual-status",
        {"patient.sex": "male", "patient.menstrual_status": "regular"},
        ["patient.menstrual_status: is recorded only for female sex"],
    ),
    case(
        "menstrual-status-unknown-value",
        {"patient.menstrual_status": "menopause"},
        [
            'patient.menstrual_status: "menopause" is not one of regular, irregular, amenorrhoea_under_12_months, '
            "postmenopausal"
        ],
    ),
    case(
        "delivery-after-as-of",
        {"patient.delivery_date": "2026-12-01"},
        ["patient.delivery_date: 2026-12-01 is after as_of (2026-11-01)"],
    ),
    case(
        "delivery-in-childhood",
        {"patient.delivery_date": "1980-01-01"},
        ["patient.delivery_date: 1980-01-01 is implausibly soon after the birth date"],
    ),
    # Conditions
    case(
        "condition-not-accepted",
        {"conditions": ["type2_diabetes", "diabetes"]},
        [f'conditions[1]: "diabetes" is not one of {CONDITION_LIST}'],
    ),
    case("conditions-not-a-list", {"conditions": "anxiety"}, ['conditions: "anxiety" is not a list (use [] for none)']),
    case("conditions-null", {"conditions": None}, ["conditions: null is not a list (use [] for none)"]),
    # Medicines and supplements
    case(
        "medicine-misspelt",
        {"medicines[0].name": "metformine"},
        ['medicines[0].name: "metformine" is not a known medicine; did you mean "metformin"?'],
    ),
    case(
        "medicine-is-an-antidepressant",
        {"medicines[0].name": "sertraline"},
        ['medicines[0].name: "sertraline" is an antidepressant; record it under trials'],
    ),
    case(
        "medicine-is-a-supplement",
        {"medicines[0].name": "biotin"},
        ['medicines[0].name: "biotin" is a supplement; record it under supplements'],
    ),
    case("medicine-name-missing", {"medicines[0].name": DELETE}, ["medicines[0].name: is required"]),
    case("medicine-name-empty", {"medicines[0].name": "  "}, ["medicines[0].name: is empty"]),
    case(
        "other-medicine-without-name",
        {"medicines[0].name": "other"},
        ['medicines[0].name_text: is required when name is "other"'],
    ),
    case(
        "name-text-for-catalogue-medicine",
        {"medicines[0].name_text": "Glucophage"},
        ['medicines[0].name_text: is only for name "other"'],
    ),
    case(
        "medicine-dose-zero",
        {"medicines[0].daily_dose_mg": 0},
        ["medicines[0].daily_dose_mg: 0 is not a daily dose above 0 mg"],
    ),
    case(
        "medicine-dose-negative",
        {"medicines[0].daily_dose_mg": -500},
        ["medicines[0].daily_dose_mg: -500 is not a daily dose above 0 mg"],
    ),
    case(
        "medicine-dose-as-text",
        {"medicines[0].daily_dose_mg": "2000"},
        ['medicines[0].daily_dose_mg: "2000" is a string, not a number'],
    ),
    case(
        "medicine-dose-boolean",
        {"medicines[0].daily_dose_mg": True},
        ["medicines[0].daily_dose_mg: true is a boolean, not a number"],
    ),
    case(
        "medicine-end-before-start",
        {"medicines[0].end": "2019-12-31"},
        ["medicines[0].end: 2019-12-31 is before start (2020-01-01)"],
    ),
    case(
        "medicine-start-before-birth",
        {"medicines[0].start": "1970-01-01"},
        ["medicines[0].start: 1970-01-01 is before the patient's birth date"],
    ),
    case(
        "supplement-misspelt",
        {"supplements[0].name": "biotine"},
        ['supplements[0].name: "biotine" is not a known supplement; did you mean "biotin"?'],
    ),
    case(
        "supplement-is-a-medicine",
        {"supplements[0].name": "metformin"},
        ['supplements[0].name: "metformin" is not a supplement; record it under medicines or trials'],
    ),
    case(
        "supplement-taken-after-as-of",
        {"supplements[0].last_taken": "2026-11-02"},
        ["supplements[0].last_taken: 2026-11-02 is after as_of (2026-11-01)"],
    ),
    # Measurements
    case(
        "weight-nan", {"measurements[0].weight_kg": math.nan}, ["measurements[0].weight_kg: NaN is not a finite number"]
    ),
    case(
        "height-infinite",
        {"measurements[0].height_cm": math.inf},
        ["measurements[0].height_cm: Infinity is not a finite number"],
    ),
    case(
        "height-in-metres",
        {"measurements[0].height_cm": 1.65},
        [f"measurements[0].height_cm: {measurement_problem('height_cm', 1.65)}"],
    ),
    case(
        "waist-possibly-inches",
        {"measurements[0].waist_cm": 50},
        [f"measurements[0].waist_cm: {measurement_problem('waist_cm', 50)}{CONFIRM}"],
    ),
    case(
        "weight-implausible",
        {"measurements[0].weight_kg": 900},
        [f"measurements[0].weight_kg: {measurement_problem('weight_kg', 900)}"],
    ),
    case(
        "bmi-implausible",
        {"measurements[0].weight_kg": 300, "measurements[0].height_cm": 120},
        [
            "measurements[0].weight_kg: weight 300 kg with height 120 cm gives a BMI of 208.3; "
            f"{measurement_problem('bmi', 208.3)}"
        ],
    ),
    case(
        "systolic-without-diastolic",
        {"measurements[0].diastolic": DELETE},
        ["measurements[0].diastolic: is required with systolic"],
    ),
    case(
        "blood-pressure-swapped",
        {"measurements[0].systolic": 80, "measurements[0].diastolic": 120},
        [f"measurements[0].diastolic: {check_blood_pressure(80, 120)[0].message}"],
    ),
    case(
        "systolic-not-whole",
        {"measurements[0].systolic": 132.5},
        ["measurements[0].systolic: 132.5 is not a whole number"],
    ),
    case(
        "measurement-without-values",
        {"measurements[0]": {"date": "2026-10-20"}},
        ["measurements[0]: has no values; give at least one of weight_kg, height_cm, waist_cm, systolic/diastolic"],
    ),
    # Labs
    case("lab-not-an-object", {"labs[0]": "HbA1c 6.1"}, ['labs[0]: "HbA1c 6.1" is not an object']),
    case(
        "analyte-unknown",
        {"labs[0].analyte": "vitamin_q"},
        [
            'labs[0].analyte: "vitamin_q" is not a known analyte; '
            "give a LOINC code or a name from docs/screening-json.md"
        ],
    ),
    case(
        "unit-not-accepted",
        {"labs[0].unit": "mg/dL"},
        ['labs[0].unit: "mg/dL" is not accepted for 4548-4 (HbA1c); accepted units: %, mmol/mol'],
    ),
    case("unit-missing", {"labs[0].unit": DELETE}, ["labs[0].unit: is required"]),
    case("value-missing", {"labs[0].value": DELETE}, ["labs[0].value: is required"]),
    case("collected-missing", {"labs[0].collected": DELETE}, ["labs[0].collected: is required"]),
    case("value-as-text", {"labs[0].value": "6.1"}, ['labs[0].value: "6.1" is a string, not a number']),
    case("value-boolean", {"labs[0].value": True}, ["labs[0].value: true is a boolean, not a number"]),
    case("value-nan", {"labs[0].value": math.nan}, ["labs[0].value: NaN is not a finite number"]),
    case("value-minus-infinity", {"labs[0].value": -math.inf}, ["labs[0].value: -Infinity is not a finite number"]),
    case(
        "value-huge-integer",
        {"labs[0].value": 10**400},
        [f"labs[0].value: {str(10**400)[:57]}... is not a finite number"],
    ),
    case(
        "hba1c-48-percent",
        {"labs[0].value": 48},
        ["labs[0].value: 48 is not a plausible HbA1c in %; in mmol/mol it would be 6.5 %. Did you mean mmol/mol?"],
    ),
    case(
        "glucose-outside-hard-limits",
        {"labs[0]": {"analyte": "glucose", "value": 1500, "unit": "mg/dL", "collected": "2026-10-20"}},
        [f"labs[0].value: {lab_problem('glucose', 1500, 'mg/dL')}"],
    ),
    case(
        "value-negative",
        {"labs[0]": {"analyte": "hscrp", "value": -1, "unit": "mg/L", "collected": "2026-10-20"}},
        [f"labs[0].value: {lab_problem('hscrp', -1, 'mg/L')}"],
    ),
    case("comparator-equals", {"labs[0].comparator": "="}, ['labs[0].comparator: "=" is not one of <, <=, >, >=']),
    case(
        "collected-after-as-of",
        {"labs[0].collected": "2026-12-20"},
        ["labs[0].collected: 2026-12-20 is after as_of (2026-11-01)"],
    ),
    case(
        "collected-before-birth",
        {"labs[0].collected": "1970-01-01"},
        ["labs[0].collected: 1970-01-01 is before the patient's birth date"],
    ),
    case("time-without-leading-zero", {"labs[0].time": "8:30"}, ['labs[0].time: "8:30" is not a time of day (HH:MM)']),
    case("time-past-midnight", {"labs[0].time": "24:00"}, ['labs[0].time: "24:00" is not a time of day (HH:MM)']),
    case("fasting-as-text", {"labs[0].fasting": "yes"}, ['labs[0].fasting: "yes" is not true or false']),
    case(
        "fasting-loinc-contradicted",
        {"labs[0]": {"analyte": "1558-6", "value": 95, "unit": "mg/dL", "collected": "2026-10-20", "fasting": False}},
        ["labs[0].fasting: false contradicts LOINC 1558-6, which is a fasting sample"],
    ),
    case(
        "reference-limits-reversed",
        {"labs[0].reference_low": 6.5, "labs[0].reference_high": 4.0},
        ["labs[0].reference_high: 4 is below reference_low (6.5)"],
    ),
    case("reference-limit-negative", {"labs[0].reference_low": -1}, ["labs[0].reference_low: -1 cannot be negative"]),
    case(
        "unit-confirmed-as-text",
        {"labs[0].unit_confirmed": "yes"},
        ['labs[0].unit_confirmed: "yes" is not true or false'],
    ),
    case(
        "lab-field-misspelt",
        {"labs[0].fastng": True},
        ['labs[0].fastng: is not a known field; did you mean "fasting"?'],
    ),
    # Episode
    case(
        "episode-severity-unknown",
        {"episode.severity": "very severe"},
        ['episode.severity: "very severe" is not one of subsyndromal, mild, moderate, severe, severe_psychotic'],
    ),
    case(
        "episode-onset-after-as-of",
        {"episode.onset": "2027-01-01"},
        ["episode.onset: 2027-01-01 is after as_of (2026-11-01)"],
    ),
    # Trials
    case(
        "trial-drug-misspelt",
        {"trials[0].drug": "sertralin"},
        ['trials[0].drug: "sertralin" is not a known antidepressant; did you mean "sertraline"?'],
    ),
    case(
        "trial-drug-not-an-antidepressant",
        {"trials[0].drug": "aspirin"},
        ['trials[0].drug: "aspirin" is not a known antidepressant'],
    ),
    case(
        "adherence-unknown-value",
        {"trials[0].adherence": "sometimes"},
        ['trials[0].adherence: "sometimes" is not one of good, partial, poor, unknown'],
    ),
    case(
        "outcome-unknown-value",
        {"trials[0].outcome": "failed"},
        [f'trials[0].outcome: "failed" is not one of {OUTCOMES}'],
    ),
    case(
        "other-drug-without-name",
        {"trials[0].drug": "other"},
        ['trials[0].drug_text: is required when drug is "other"'],
    ),
    case(
        "drug-text-for-catalogue-drug",
        {"trials[0].drug_text": "Zoloft"},
        ['trials[0].drug_text: is only for drug "other"'],
    ),
    case(
        "trial-dose-zero", {"trials[0].daily_dose_mg": 0}, ["trials[0].daily_dose_mg: 0 is not a daily dose above 0 mg"]
    ),
    case("trial-dose-missing", {"trials[0].daily_dose_mg": DELETE}, ["trials[0].daily_dose_mg: is required"]),
    case("trial-start-missing", {"trials[0].start": DELETE}, ["trials[0].start: is required"]),
    case(
        "trial-dose-extra-zero",
        {"trials[0].daily_dose_mg": 1000},
        [
            "trials[0].daily_dose_mg: 1000 mg/day is more than twice the usual maximum for Sertraline (200 mg/day); "
            "check for an extra zero or micrograms entered as milligrams"
        ],
    ),
    case(
        "trial-end-before-start",
        {"trials[0].end": "2025-01-01"},
        ["trials[0].end: 2025-01-01 is before start (2025-01-10)"],
    ),
    case(
        "trial-start-after-as-of",
        {"trials[0].start": "2026-12-01", "trials[0].end": None},
        ["trials[0].start: 2026-12-01 is after as_of (2026-11-01)"],
    ),
    case(
        "improvement-out-of-range",
        {"trials[0].improvement_pct": 150},
        ["trials[0].improvement_pct: 150 is not a percentage from -100 to 100"],
    ),
    case(
        "doses-and-single-dose",
        {"trials[0].doses": [{"daily_dose_mg": 100, "start": "2025-01-10"}]},
        [
            f"trials[0].daily_dose_mg: {DOSE_CONFLICT}",
            f"trials[0].start: {DOSE_CONFLICT}",
            f"trials[0].end: {DOSE_CONFLICT}",
        ],
    ),
    case(
        "doses-empty",
        {"trials[0]": {"drug": "sertraline", "doses": []}},
        ["trials[0].doses: is empty; give at least one dose period"],
    ),
    case(
        "doses-out-of-order",
        {"trials[0]": doses((100, "2025-03-01", "2025-04-01"), (50, "2025-01-10", "2025-02-28"))},
        ["trials[0].doses[1].start: 2025-01-10 is not after the previous dose period's start (2025-03-01)"],
    ),
    case(
        "doses-overlapping",
        {"trials[0]": doses((50, "2025-01-10", "2025-03-01"), (100, "2025-02-10", None))},
        ["trials[0].doses[1].start: 2025-02-10 overlaps the previous dose period (2025-01-10 to 2025-03-01)"],
    ),
    case(
        "dose-period-dose-negative",
        {"trials[0]": doses((50, "2025-01-10", "2025-02-01"), (-100, "2025-02-02", None))},
        ["trials[0].doses[1].daily_dose_mg: -100 is not a daily dose above 0 mg"],
    ),
    case(
        "dose-period-end-before-start",
        {"trials[0]": doses((50, "2025-01-10", "2025-01-01"))},
        ["trials[0].doses[0].end: 2025-01-01 is before start (2025-01-10)"],
    ),
    # Augmentations and ECT
    case(
        "augmentation-drug-misspelt",
        {"augmentations[0].drug": "aripiprazol"},
        ['augmentations[0].drug: "aripiprazol" is not a known augmentation agent; did you mean "aripiprazole"?'],
    ),
    case("augmentation-start-missing", {"augmentations[0].start": DELETE}, ["augmentations[0].start: is required"]),
    case(
        "augmentation-dose-zero",
        {"augmentations[0].daily_dose_mg": 0},
        ["augmentations[0].daily_dose_mg: 0 is not a daily dose above 0 mg"],
    ),
    case(
        "ect-laterality-unknown-value",
        {"ect[0].laterality": "left"},
        ['ect[0].laterality: "left" is not one of bilateral, unilateral, unknown'],
    ),
    case("ect-sessions-zero", {"ect[0].sessions": 0}, ["ect[0].sessions: 0 is not a number of sessions (1 or more)"]),
    # PHQ-9 and EPDS
    case(
        "phq9-eight-items", {"phq9[0].items": [2, 2, 2, 1, 1, 1, 1, 1]}, ["phq9[0].items: has 8 items; the PHQ-9 has 9"]
    ),
    case("phq9-item-above-3", {"phq9[0].items[3]": 4}, ["phq9[0].items[3]: 4 is not an item score from 0 to 3"]),
    case("phq9-item-negative", {"phq9[0].items[0]": -1}, ["phq9[0].items[0]: -1 is not an item score from 0 to 3"]),
    case("phq9-item-as-text", {"phq9[0].items[0]": "2"}, ['phq9[0].items[0]: "2" is a string, not a number']),
    case("phq9-item-fraction", {"phq9[0].items[0]": 1.5}, ["phq9[0].items[0]: 1.5 is not a whole number"]),
    case(
        "phq9-items-not-a-list",
        {"phq9[0].items": "222111110"},
        ['phq9[0].items: "222111110" is not a list (use [] for none)'],
    ),
    case(
        "phq9-total-above-27",
        {"phq9[0]": {"date": "2026-10-20", "total": 28}},
        [f"phq9[0].total: {check_score('PHQ-9', 28)[0].message}"],
    ),
    case("phq9-total-not-the-sum", {"phq9[0].total": 12}, ["phq9[0].total: 12 is not the sum of the items (11)"]),
    case(
        "phq9-neither-items-nor-total",
        {"phq9[0]": {"date": "2026-10-20"}},
        ["phq9[0]: give the item scores (items) or, when only the total is known, total"],
    ),
    case("phq9-difficulty-above-3", {"phq9[0].difficulty": 4}, ["phq9[0].difficulty: 4 is not an answer from 0 to 3"]),
    case("phq9-date-missing", {"phq9[0].date": DELETE}, ["phq9[0].date: is required"]),
    case(
        "epds-nine-items",
        {"epds[0].items": [1, 1, 2, 2, 1, 1, 2, 2, 1]},
        ["epds[0].items: has 9 items; the EPDS has 10"],
    ),
    case(
        "epds-total-above-30",
        {"epds[0]": {"date": "2026-10-20", "total": 31}},
        [f"epds[0].total: {check_score('EPDS', 31)[0].message}"],
    ),
    case(
        "epds-has-no-difficulty-question",
        {"epds[0].difficulty": 1},
        ["epds[0].difficulty: is not a known field; known fields: date, items, total"],
    ),
]


@pytest.mark.parametrize(("changes", "expected"), PROBLEM_CASES)
def test_refuses_the_input_naming_the_field(changes: dict[str, Any], expected: list[str]) -> None:
    assert problems(changed(changes)) == expected


def test_reports_every_problem_at_once_in_document_order() -> None:
    document = changed(
        {
            "patient.birth_date": "1974-13-02",
            "medicines[0].daily_dose_mg": -5,
            "labs[0].unit": "mg/dL",
            "trials[0].drug": "sertralin",
            "trials[0].adherence": "sometimes",
            "phq9[0].items[8]": 7,
        }
    )

    assert problems(document) == [
        'patient.birth_date: "1974-13-02" is not a date (YYYY-MM-DD)',
        "medicines[0].daily_dose_mg: -5 is not a daily dose above 0 mg",
        'labs[0].unit: "mg/dL" is not accepted for 4548-4 (HbA1c); accepted units: %, mmol/mol',
        'trials[0].drug: "sertralin" is not a known antidepressant; did you mean "sertraline"?',
        'trials[0].adherence: "sometimes" is not one of good, partial, poor, unknown',
        "phq9[0].items[8]: 7 is not an item score from 0 to 3",
    ]


def test_refuses_a_document_that_is_not_an_object() -> None:
    assert problems([1, 2]) == ["input: [1, 2] is not a JSON object"]
    assert problems(None) == ["input: null is not a JSON object"]


def test_the_error_text_counts_problems_without_quoting_clinical_values() -> None:
    with pytest.raises(SnapshotError) as error:
        parse_snapshot(changed({"labs[0].value": 48, "patient.birth_date": "1974-13-02"}))

    assert str(error.value) == "the snapshot has 2 problems"
    assert "48" not in str(error.value)


# ---------------------------------------------------------------------------------------------------------
# JSON text


def test_reports_malformed_json_with_line_and_column() -> None:
    with pytest.raises(SnapshotError) as error:
        loads('{\n  "as_of": "2026-11-01",\n  "patient": {"sex": "female" "birth_date": "1974-05-02"}\n}')

    assert error.value.problems == ["malformed JSON at line 3, column 31: Expecting ',' delimiter"]


def test_reports_absurdly_deep_nesting_as_malformed_json() -> None:
    with pytest.raises(SnapshotError) as error:
        loads("[" * 100_000 + "]" * 100_000)

    assert error.value.problems == ["malformed JSON: nested too deeply"]


def test_reports_a_key_given_twice_naming_the_object() -> None:
    text = json.dumps(EXAMPLE).replace('"value": 6.1,', '"value": 6.1, "value": 61,')

    assert problems(loads(text)) == [
        "labs[0].value: is given more than once",
        f"labs[0].value: {lab_problem('hba1c', 61, '%')}",
    ]


def test_refuses_nan_and_infinity_that_python_json_accepts() -> None:
    text = (
        json.dumps(EXAMPLE)
        .replace('"weight_kg": 82.0', '"weight_kg": NaN')
        .replace('"value": 6.1', '"value": Infinity')
    )

    assert problems(loads(text)) == [
        "measurements[0].weight_kg: NaN is not a finite number",
        "labs[0].value: Infinity is not a finite number",
    ]


# ---------------------------------------------------------------------------------------------------------
# Writing back


def test_writes_the_example_back_unchanged_apart_from_defaults() -> None:
    written = snapshot_to_dict(*parse_snapshot(copy.deepcopy(EXAMPLE)))

    assert written == changed(
        {
            "supplements[0].start": None,
            "supplements[0].end": None,
            "measurements[0].weight_kg": 82,
        }
    )


def test_writes_reference_limits_in_the_reported_unit_as_entered() -> None:
    document = changed(
        {"labs[0]": {"analyte": "hdl", "value": 1.1, "unit": "mmol/L", "collected": "2026-10-20", "reference_low": 1.2}}
    )

    (lab,) = snapshot_to_dict(*parse_snapshot(document))["labs"]

    assert (lab["value"], lab["unit"], lab["reference_low"]) == (1.1, "mmol/L", 1.2)


def test_writes_unit_confirmed_only_where_the_value_needs_it() -> None:
    document = changed(
        {
            "labs": [
                {
                    "analyte": "magnesium",
                    "value": 1.5,
                    "unit": "mmol/L",
                    "collected": "2026-10-20",
                    "unit_confirmed": True,
                },
                {
                    "analyte": "magnesium",
                    "value": 0.8,
                    "unit": "mmol/L",
                    "collected": "2026-10-21",
                    "unit_confirmed": True,
                },
            ],
            "measurements[0].waist_cm": 52,
            "measurements[0].unit_confirmed": True,
        }
    )

    written = snapshot_to_dict(*parse_snapshot(document))

    assert [lab.get("unit_confirmed") for lab in written["labs"]] == [True, None]
    assert written["measurements"][0]["unit_confirmed"] is True


def test_writes_a_fasting_glucose_under_its_own_loinc_code() -> None:
    document = changed({"labs[0]": {"analyte": "1558-6", "value": 5.4, "unit": "mmol/l", "collected": "2026-10-20"}})

    (lab,) = snapshot_to_dict(*parse_snapshot(document))["labs"]

    assert (lab["analyte"], lab["unit"], lab["fasting"]) == ("1558-6", "mmol/L", True)


# ---------------------------------------------------------------------------------------------------------
# Round trip: any valid document parses, writes back, and parses to the same snapshot


def years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years, day=28 if (day.month, day.day) == (2, 29) else day.day)


def iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


names = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(
    lambda text: text.strip() == text and text.strip()
)


@st.composite
def periods(draw: st.DrawFn, dates: st.SearchStrategy[dt.date]) -> tuple[dt.date, dt.date | None]:
    start, end = sorted((draw(dates), draw(dates)))
    return start, draw(st.sampled_from([end, None]))


@st.composite
def labs(draw: st.DrawFn, dates: st.SearchStrategy[dt.date], sex: str) -> dict[str, Any]:
    analyte = ANALYTES[draw(st.sampled_from(sorted(ANALYTES)))]
    code = draw(st.sampled_from([*analyte.loinc, *analyte.aliases, analyte.name]))
    unit = draw(st.sampled_from(list(analyte.units)))
    comparator = draw(st.sampled_from([None, None, None, "<", "<=", ">", ">="]))
    low, high = plausible_range(analyte.key, unit) or (0.0, 10_000.0)
    value = draw(st.floats(low, high) if comparator is None else st.floats(0, high))
    held = bool(check_lab_value(analyte.key, value, unit, sex=sex, comparator=comparator))
    reference = sorted(draw(st.lists(st.floats(0, 100_000), min_size=2, max_size=2)))
    fasting = draw(st.sampled_from([None, True, False]))
    return {
        "analyte": code,
        "value": value,
        "unit": unit,
        "comparator": comparator,
        "collected": iso(draw(dates)),
        "time": draw(st.none() | st.times().map(lambda t: t.replace(microsecond=0).isoformat())),
        "fasting": True if code == "1558-6" and fasting is False else fasting,
        "reference_low": draw(st.sampled_from([None, reference[0]])),
        "reference_high": draw(st.sampled_from([None, reference[1]])),
        "unit_confirmed": held or draw(st.booleans()),
        "source_id": draw(st.none() | names),
    }


@st.composite
def measurements(draw: st.DrawFn, dates: st.SearchStrategy[dt.date]) -> dict[str, Any]:
    height = draw(st.none() | st.floats(100, 250))
    if height is None:
        weight = draw(st.none() | st.floats(25, 400))
    else:  # keep the BMI within its plausible 10-100 kg/m2
        metres_squared = (height / 100) ** 2
        weight = draw(st.none() | st.floats(max(25, 10.1 * metres_squared), min(400, 99.9 * metres_squared)))
    waist = draw(st.none() | st.floats(40, 250))
    systolic = draw(st.none() | st.integers(50, 300))
    diastolic = None if systolic is None else draw(st.integers(20, min(200, systolic - 1)))
    if (height, weight, waist, systolic) == (None, None, None, None):
        waist = 90.5
    return {
        "date": iso(draw(dates)),
        "weight_kg": weight,
        "height_cm": height,
        "waist_cm": waist,
        "systolic": systolic,
        "diastolic": diastolic,
        "unit_confirmed": waist is not None and waist < 55,
    }


def doses_for(drug: str) -> st.SearchStrategy[float]:
    return st.floats(0.5, max_plausible_dose_mg(drug) or 5000)


@st.composite
def trials(draw: st.DrawFn, first: dt.date, last: dt.date) -> dict[str, Any]:
    drug = draw(st.sampled_from([*ANTIDEPRESSANTS, "other"]))
    starts = sorted(draw(st.sets(st.dates(first, last), min_size=1, max_size=4)))
    # An earlier period is open (until the change), ends the day it starts, or ends on the day of the change.
    ends = [draw(st.sampled_from([None, starts[i], starts[i + 1]])) for i in range(len(starts) - 1)]
    ends.append(draw(st.none() | st.dates(starts[-1], last)))
    periods_ = [
        {"daily_dose_mg": draw(doses_for(drug)), "start": iso(start), "end": iso(end)}
        for start, end in zip(starts, ends, strict=True)
    ]
    trial: dict[str, Any] = {"drug": drug}
    if drug == "other":
        trial["drug_text"] = draw(names)
    if len(periods_) == 1 and draw(st.booleans()):
        trial.update(periods_[0])
    else:
        trial["doses"] = periods_
    trial.update(
        adherence=draw(st.sampled_from([a.value for a in Adherence])),
        outcome=draw(st.none() | st.sampled_from([o.value for o in Outcome])),
        improvement_pct=draw(st.none() | st.floats(-100, 100)),
        source_id=draw(st.none() | names),
    )
    return trial


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    as_of = draw(st.dates(D(2000, 1, 1), D(2035, 12, 31)))
    birth = draw(st.dates(years_before(as_of, 100), years_before(as_of, 16)))
    sex = draw(st.sampled_from(["female", "male"]))
    female = sex == "female"
    past = st.dates(birth, as_of)
    patient = {
        "sex": sex,
        "birth_date": iso(birth),
        "ancestry": draw(st.sampled_from([a.value for a in Ancestry])),
        "pregnant": female and draw(st.booleans()),
        "delivery_date": iso(draw(st.dates(birth.replace(year=birth.year + 12), as_of))) if female else None,
        "menstrual_status": draw(st.none() | st.sampled_from([m.value for m in MenstrualStatus])) if female else None,
    }
    medicine_names = st.sampled_from([*MEDICINES, "other"])
    supplement_names = st.sampled_from([*SUPPLEMENTS, "other"])
    augmentation_drugs = st.sampled_from([*AUGMENTATION_AGENTS, *ANTIDEPRESSANTS, "other"])

    def named(name: str, key: str) -> dict[str, Any]:
        return {key: draw(names)} if name == "other" else {}

    medicines = []
    for name in draw(st.lists(medicine_names, max_size=3)):
        start, end = draw(periods(past))
        dose = draw(st.none() | st.floats(0.001, 10_000))
        medicines.append(
            {"name": name, **named(name, "name_text"), "daily_dose_mg": dose, "start": iso(start), "end": iso(end)}
        )
    supplements = []
    for name in draw(st.lists(supplement_names, max_size=2)):
        start, end = draw(periods(past))
        supplements.append(
            {
                "name": name,
                **named(name, "name_text"),
                "last_taken": iso(draw(st.none() | past)),
                "start": iso(start),
                "end": iso(end),
            }
        )
    augmentations = []
    for drug in draw(st.lists(augmentation_drugs, max_size=2)):
        start, end = draw(periods(past))
        augmentations.append(
            {
                "drug": drug,
                **named(drug, "drug_text"),
                "daily_dose_mg": draw(st.none() | doses_for(drug)),
                "start": iso(start),
                "end": iso(end),
                "outcome": draw(st.none() | st.sampled_from([o.value for o in Outcome])),
            }
        )
    ect = []
    for _ in range(draw(st.integers(0, 2))):
        start, end = draw(periods(past))
        ect.append(
            {
                "start": iso(start),
                "end": iso(end),
                "laterality": draw(st.sampled_from([x.value for x in Laterality])),
                "sessions": draw(st.none() | st.integers(1, 40)),
                "outcome": draw(st.none() | st.sampled_from([o.value for o in Outcome])),
            }
        )

    def scores(count: int, maximum: int, difficulty: bool) -> list[dict[str, Any]]:
        entries = []
        for _ in range(draw(st.integers(0, 3))):
            entry: dict[str, Any] = {"date": iso(draw(past))}
            if draw(st.booleans()):
                entry["items"] = draw(st.lists(st.integers(0, 3), min_size=count, max_size=count))
            else:
                entry["total"] = draw(st.integers(0, maximum))
            if difficulty:
                entry["difficulty"] = draw(st.none() | st.integers(0, 3))
            entries.append(entry)
        return entries

    return {
        "as_of": iso(as_of),
        "patient": patient,
        "conditions": sorted(draw(st.sets(st.sampled_from(CONDITIONS)))),
        "medicines": medicines,
        "supplements": supplements,
        "measurements": draw(st.lists(measurements(past), max_size=2)),
        "labs": draw(st.lists(labs(past, sex), max_size=6)),
        "episode": {
            "onset": iso(draw(st.none() | past)),
            "severity": draw(st.none() | st.sampled_from([s.value for s in Severity])),
        },
        "trials": draw(st.lists(trials(birth, as_of), max_size=3)),
        "augmentations": augmentations,
        "ect": ect,
        "phq9": scores(9, 27, difficulty=True),
        "epds": scores(10, 30, difficulty=False),
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_round_trip_gives_back_the_same_snapshot(document: dict[str, Any]) -> None:
    snapshot, as_of = parse_snapshot(document)

    written = json.loads(json.dumps(snapshot_to_dict(snapshot, as_of), allow_nan=False))

    assert parse_snapshot(written) == (snapshot, as_of)
    jsonschema.validate(written, INPUT_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_generated_documents_satisfy_the_input_schema(document: dict[str, Any]) -> None:
    jsonschema.validate(document, INPUT_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
