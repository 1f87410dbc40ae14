"""Analyte catalogue, units and the entry gates G-01/G-02 (clinical reference sections 0, 6.2, 8 and 9).

The expected factors, limits, zones and codes below are copied from the reference independently of the
code's own tables, so a typo in either is caught.
"""

from __future__ import annotations

import math

import pytest

from screening.rules.analytes import (
    ANALYTES,
    GROUPS,
    MEASUREMENT_LOINC,
    EntryProblem,
    check_blood_pressure,
    check_lab_value,
    check_measurement,
    check_score,
    convert,
    find_analyte,
    format_value,
    from_canonical,
    loinc_for,
    loinc_implies_fasting,
    normalise_unit,
    plausible_range,
    to_canonical,
    unit_label,
)
from tests.rules.builders import lab


def codes(problems: list[EntryProblem]) -> list[str]:
    return [str(p.code) for p in problems]


# ---------------------------------------------------------------------------------------------------------
# Catalogue

# The brief's analyte keys and canonical units (section 0 where it names them).
BRIEF_CANONICAL_UNITS = {
    "hba1c": "%",
    "glucose": "mg/dL",
    "insulin": "u[IU]/mL",
    "triglycerides": "mg/dL",
    "hdl": "mg/dL",
    "cholesterol_total": "mg/dL",
    "ldl": "mg/dL",
    "hscrp": "mg/L",
    "crp": "mg/L",
    "il6": "pg/mL",
    "esr": "mm/h",
    "wbc": "10*3/uL",
    "tsh": "m[IU]/L",
    "ft4": "ng/dL",
    "ft3": "pg/mL",
    "anti_tpo": "[IU]/mL",
    "anti_tg": "[IU]/mL",
    "b12": "pg/mL",
    "folate": "ng/mL",
    "mma": "umol/L",
    "homocysteine": "umol/L",
    "ferritin": "ng/mL",
    "iron": "ug/dL",
    "tibc": "ug/dL",
    "tsat": "%",
    "vitamin_d": "ng/mL",
    "magnesium": "mmol/L",
    "zinc": "ug/dL",
    "omega3_index": "%",
    "testosterone": "ng/dL",
    "free_testosterone": "pg/mL",
    "shbg": "nmol/L",
    "cortisol": "ug/dL",
    "estradiol": "pg/mL",
    "fsh": "m[IU]/mL",
    "lh": "m[IU]/mL",
    "prolactin": "ng/mL",
    "lithium": "mmol/L",
}


def test_catalogue_holds_exactly_the_brief_analytes_with_their_canonical_units():
    assert {key: a.canonical_unit for key, a in ANALYTES.items()} == BRIEF_CANONICAL_UNITS


@pytest.mark.parametrize("key", sorted(BRIEF_CANONICAL_UNITS))
def test_analyte_entry_is_complete_and_self_consistent(key):
    analyte = ANALYTES[key]
    assert analyte.key == key
    assert analyte.name
    assert analyte.group in GROUPS
    assert analyte.decimals >= 0
    assert analyte.aliases[0] == key
    assert next(iter(analyte.units)) == analyte.canonical_unit
    assert all(unit == spec.unit for unit, spec in analyte.units.items())


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("hba1c", "HbA1c"),
        ("glucose", "Glucose"),
        ("hscrp", "hs-CRP"),
        ("ft4", "Free T4"),
        ("b12", "Vitamin B12"),
        ("vitamin_d", "25-OH vitamin D"),
    ],
)
def test_display_names_follow_the_brief(key, name):
    assert ANALYTES[key].name == name


def test_groups_are_the_ui_groups_in_order():
    assert GROUPS == (
        "Glycaemia",
        "Lipids",
        "Inflammation",
        "Thyroid",
        "Vitamins and minerals",
        "Iron studies",
        "Hormones",
        "Drug levels",
    )


# ---------------------------------------------------------------------------------------------------------
# LOINC and aliases

# Every section 9 code that maps to a catalogued analyte.
SECTION_9_LOINC = [
    ("4548-4", "hba1c"),
    ("59261-8", "hba1c"),
    ("1558-6", "glucose"),
    ("2345-7", "glucose"),
    ("20448-7", "insulin"),
    ("2571-8", "triglycerides"),
    ("2085-9", "hdl"),
    ("2093-3", "cholesterol_total"),
    ("13457-7", "ldl"),
    ("30522-7", "hscrp"),
    ("1988-5", "crp"),
    ("26881-3", "il6"),
    ("30341-2", "esr"),
    ("6690-2", "wbc"),
    ("3016-3", "tsh"),
    ("3024-7", "ft4"),
    ("3051-0", "ft3"),
    ("8099-4", "anti_tpo"),
    ("8098-6", "anti_tg"),
    ("2132-9", "b12"),
    ("14685-3", "b12"),
    ("2284-8", "folate"),
    ("13964-2", "mma"),
    ("13965-9", "homocysteine"),
    ("2276-4", "ferritin"),
    ("2498-4", "iron"),
    ("2500-7", "tibc"),
    ("2502-3", "tsat"),
    ("62292-8", "vitamin_d"),
    ("1989-3", "vitamin_d"),
    ("19123-9", "magnesium"),
    ("2601-3", "magnesium"),
    ("5763-8", "zinc"),
    ("2986-8", "testosterone"),
    ("2991-8", "free_testosterone"),
    ("13967-5", "shbg"),
    ("2143-6", "cortisol"),
    ("2243-4", "estradiol"),
    ("15067-2", "fsh"),
    ("10501-5", "lh"),
    ("2842-3", "prolactin"),
    ("14334-7", "lithium"),
]


@pytest.mark.parametrize(("code", "key"), SECTION_9_LOINC, ids=[c for c, _ in SECTION_9_LOINC])
def test_section_9_loinc_code_resolves_to_its_analyte(code, key):
    assert find_analyte(code) is ANALYTES[key]
    assert find_analyte(f"  {code} ") is ANALYTES[key]


def test_each_analyte_lists_exactly_its_section_9_codes():
    expected: dict[str, set[str]] = {key: set() for key in ANALYTES}
    for code, key in SECTION_9_LOINC:
        expected[key].add(code)
    assert {key: set(a.loinc) for key, a in ANALYTES.items()} == expected


@pytest.mark.parametrize(
    ("key", "primary"),
    [
        ("hba1c", "4548-4"),
        ("glucose", "2345-7"),
        ("b12", "2132-9"),
        ("vitamin_d", "62292-8"),
        ("magnesium", "19123-9"),
    ],
)
def test_preferred_loinc_code_is_listed_first(key, primary):
    assert ANALYTES[key].loinc[0] == primary


def test_omega3_index_has_no_loinc_and_is_found_by_alias():
    assert ANALYTES["omega3_index"].loinc == ()
    assert find_analyte("omega3_index") is ANALYTES["omega3_index"]


# Section 9 codes that are not laboratory analytes: scores, calculated HOMA, vital signs.
NON_ANALYTE_LOINC = ["47214-2", "44261-6", "71354-5", "99046-5", "39156-5", "29463-7", "8302-2", "8480-6", "8462-4"]


@pytest.mark.parametrize("code", [*NON_ANALYTE_LOINC, "8280-0", "9999-9"])
def test_code_that_is_not_a_catalogued_analyte_finds_nothing(code):
    assert find_analyte(code) is None


def test_body_measurement_loinc_codes_map_to_measurement_fields():
    assert dict(MEASUREMENT_LOINC) == {
        "8302-2": "height_cm",
        "29463-7": "weight_kg",
        "39156-5": "bmi",
        "8280-0": "waist_cm",
        "8480-6": "systolic",
        "8462-4": "diastolic",
    }


@pytest.mark.parametrize(
    ("code", "fasting"),
    [("1558-6", True), (" 1558-6 ", True), ("2345-7", False), ("4548-4", False), ("", False)],
)
def test_only_the_fasting_glucose_code_implies_fasting(code, fasting):
    assert loinc_implies_fasting(code) is fasting


@pytest.mark.parametrize(
    ("key", "unit", "code"),
    [
        ("hba1c", "%", "4548-4"),
        ("hba1c", "mmol/mol", "59261-8"),
        ("b12", "pg/mL", "2132-9"),
        ("b12", "pmol/L", "14685-3"),
        ("magnesium", "mg/dL", "19123-9"),
        ("magnesium", "mmol/l", "2601-3"),
        ("glucose", "mmol/L", "2345-7"),
        ("omega3_index", "%", ""),
    ],
)
def test_loinc_for_a_unit_is_the_section_9_code_of_that_unit(key, unit, code):
    assert loinc_for(key, unit) == code


ALIAS_CASES = [
    ("hba1c", "hba1c"),
    ("HbA1c", "hba1c"),
    ("A1C", "hba1c"),
    ("fpg", "glucose"),
    ("FPG", "glucose"),
    ("Glucose", "glucose"),
    ("tsh", "tsh"),
    ("TSH", "tsh"),
    ("ft4", "ft4"),
    ("fT4", "ft4"),
    ("Free T4", "ft4"),
    ("b12", "b12"),
    ("B12", "b12"),
    ("Vitamin B12", "b12"),
    ("vitd", "vitamin_d"),
    ("VitD", "vitamin_d"),
    ("25ohd", "vitamin_d"),
    ("25(OH)D", "vitamin_d"),
    ("25-OH vitamin D", "vitamin_d"),
    ("omega3_index", "omega3_index"),
    ("Omega-3 index", "omega3_index"),
    ("hs-CRP", "hscrp"),
    ("CRP", "crp"),
    ("Mg", "magnesium"),
    ("anti-TPO", "anti_tpo"),
    ("oestradiol", "estradiol"),
    ("LDL-C", "ldl"),
    ("  tsh  ", "tsh"),
]


@pytest.mark.parametrize(("alias", "key"), ALIAS_CASES, ids=[a for a, _ in ALIAS_CASES])
def test_alias_resolves_case_insensitively(alias, key):
    assert find_analyte(alias) is ANALYTES[key]


@pytest.mark.parametrize("text", ["", "   ", "vitamin K", "1234-5", "glucose tolerance"])
def test_unknown_code_or_alias_finds_nothing(text):
    assert find_analyte(text) is None


def test_every_alias_finds_its_own_analyte():
    for analyte in ANALYTES.values():
        for alias in analyte.aliases:
            assert find_analyte(alias) is analyte, alias


# ---------------------------------------------------------------------------------------------------------
# Unit normalisation

NORMALISE_CASES = [
    ("mIU/L", "m[IU]/L"),
    ("mU/L", "m[IU]/L"),
    ("miu/l", "m[IU]/L"),
    ("uIU/mL", "u[IU]/mL"),
    ("µIU/mL", "u[IU]/mL"),  # micro sign U+00B5
    ("μIU/mL", "u[IU]/mL"),  # Greek mu U+03BC
    ("µU/mL", "u[IU]/mL"),
    ("mcIU/mL", "u[IU]/mL"),
    ("mIU/mL", "m[IU]/mL"),
    ("IU/mL", "[IU]/mL"),
    ("IU/L", "[IU]/L"),
    ("kIU/L", "k[IU]/L"),
    ("mg/dl", "mg/dL"),
    ("MG/DL", "mg/dL"),
    ("mg / dL", "mg/dL"),
    (" mg/dL ", "mg/dL"),
    ("ug/dl", "ug/dL"),
    ("µg/dL", "ug/dL"),
    ("mcg/dL", "ug/dL"),
    ("µg/L", "ug/L"),
    ("mcg/L", "ug/L"),
    ("umol/l", "umol/L"),
    ("µmol/L", "umol/L"),
    ("mmol/l", "mmol/L"),
    ("MMOL/L", "mmol/L"),
    ("nmol/l", "nmol/L"),
    ("pmol/l", "pmol/L"),
    ("pg/ml", "pg/mL"),
    ("ng/ml", "ng/mL"),
    ("meq/l", "mEq/L"),
    ("mEq/L", "mEq/L"),
    ("mmHg", "mm[Hg]"),
    ("mm Hg", "mm[Hg]"),
    ("mm/hr", "mm/h"),
    ("x10^3/µL", "10*3/uL"),
    ("10^3/uL", "10*3/uL"),
    ("K/uL", "10*3/uL"),
    ("10^9/L", "10*9/L"),
    ("kg/m²", "kg/m2"),
    ("%", "%"),
    ("m[IU]/L", "m[IU]/L"),
    # Not recognised: returned stripped but unchanged, so the acceptance check refuses them.
    ("Mg/dL", "Mg/dL"),  # megagram, not milligram
    ("Mmol/L", "Mmol/L"),
    ("mol/L", "mol/L"),  # not mmol/L
    ("pg/ML", "pg/ML"),
    ("M", "M"),
    ("U/mL", "U/mL"),  # arbitrary kit units are not international units
    (" furlongs ", "furlongs"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "ucum"), NORMALISE_CASES, ids=[repr(t) for t, _ in NORMALISE_CASES])
def test_normalise_unit_returns_ucum_spelling(text, ucum):
    assert normalise_unit(text) == ucum


def test_every_catalogue_unit_is_already_normalised():
    for analyte in ANALYTES.values():
        for unit in analyte.units:
            assert normalise_unit(unit) == unit


@pytest.mark.parametrize(
    ("ucum", "label"),
    [("m[IU]/L", "mIU/L"), ("u[IU]/mL", "uIU/mL"), ("[IU]/mL", "IU/mL"), ("mm[Hg]", "mmHg"), ("1", "fraction")],
)
def test_unit_label_is_the_clinicians_spelling(ucum, label):
    assert unit_label(ucum) == label


# ---------------------------------------------------------------------------------------------------------
# Conversions (section 6.2)

# canonical = value x factor ("x") or value / factor ("/"), with each factor as section 6.2 writes it.
REFERENCE_FACTORS: dict[tuple[str, str], tuple[str, float]] = {
    **dict.fromkeys(BRIEF_CANONICAL_UNITS.items(), ("x", 1.0)),
    ("glucose", "mmol/L"): ("x", 18.016),  # mmol/L = mg/dL / 18.016
    ("insulin", "m[IU]/L"): ("x", 1.0),
    ("insulin", "pmol/L"): ("/", 6.00),  # pmol/L = uIU/mL x 6.00
    ("triglycerides", "mmol/L"): ("x", 88.5),  # mmol/L = mg/dL / 88.5
    ("hdl", "mmol/L"): ("x", 38.67),  # mmol/L = mg/dL / 38.67
    ("cholesterol_total", "mmol/L"): ("x", 38.67),
    ("ldl", "mmol/L"): ("x", 38.67),
    ("hscrp", "mg/dL"): ("x", 10.0),  # mg/L = mg/dL x 10
    ("crp", "mg/dL"): ("x", 10.0),
    ("wbc", "10*9/L"): ("x", 1.0),
    ("tsh", "u[IU]/mL"): ("x", 1.0),  # mIU/L = uIU/mL
    ("ft4", "pmol/L"): ("/", 12.87),  # pmol/L = ng/dL x 12.87
    ("ft3", "pmol/L"): ("/", 1.536),  # pmol/L = pg/mL x 1.536
    ("anti_tpo", "k[IU]/L"): ("x", 1.0),
    ("anti_tg", "k[IU]/L"): ("x", 1.0),
    ("b12", "ng/L"): ("x", 1.0),
    ("b12", "pmol/L"): ("x", 1.355),  # pg/mL = pmol/L x 1.355
    ("folate", "ug/L"): ("x", 1.0),
    ("folate", "nmol/L"): ("/", 2.266),  # nmol/L = ng/mL x 2.266
    ("mma", "nmol/L"): ("/", 1000.0),  # nmol/L = umol/L x 1000
    ("homocysteine", "mg/L"): ("/", 0.1352),  # mg/L = umol/L x 0.1352
    ("ferritin", "ug/L"): ("x", 1.0),  # ug/L = ng/mL
    ("iron", "umol/L"): ("/", 0.1791),  # umol/L = ug/dL x 0.1791
    ("tibc", "umol/L"): ("/", 0.1791),
    ("tsat", "1"): ("x", 100.0),
    ("vitamin_d", "nmol/L"): ("/", 2.496),  # nmol/L = ng/mL x 2.496
    ("magnesium", "mg/dL"): ("x", 0.4114),  # mmol/L = mg/dL x 0.4114
    ("magnesium", "mEq/L"): ("/", 2.0),  # mEq/L = mmol/L x 2
    ("zinc", "umol/L"): ("/", 0.1530),  # umol/L = ug/dL x 0.1530
    ("testosterone", "nmol/L"): ("x", 28.84),  # ng/dL = nmol/L x 28.84
    ("cortisol", "nmol/L"): ("/", 27.59),  # nmol/L = ug/dL x 27.59
    ("estradiol", "pmol/L"): ("/", 3.671),  # pmol/L = pg/mL x 3.671
    ("fsh", "[IU]/L"): ("x", 1.0),
    ("lh", "[IU]/L"): ("x", 1.0),
    ("prolactin", "ug/L"): ("x", 1.0),
    ("prolactin", "m[IU]/L"): ("/", 21.2),  # mIU/L = ng/mL x 21.2
    ("lithium", "mEq/L"): ("x", 1.0),  # mmol/L = mEq/L
}
LINEAR_UNITS = sorted(REFERENCE_FACTORS)


def reference_canonical(key: str, value: float, unit: str) -> float:
    if (key, unit) == ("hba1c", "mmol/mol"):
        return 0.0915 * value + 2.15  # NGSP % = 0.0915 x IFCC + 2.15
    op, factor = REFERENCE_FACTORS[key, unit]
    return value * factor if op == "x" else value / factor


def test_conversion_table_covers_every_accepted_unit():
    accepted = {(key, unit) for key, analyte in ANALYTES.items() for unit in analyte.units}
    assert accepted == {*REFERENCE_FACTORS, ("hba1c", "mmol/mol")}


@pytest.mark.parametrize(("key", "unit"), LINEAR_UNITS, ids=[f"{k}-{u}" for k, u in LINEAR_UNITS])
@pytest.mark.parametrize("value", [0.37, 12.5, 480.0])
def test_to_canonical_uses_the_reference_factor(key, unit, value):
    assert to_canonical(key, value, unit) == pytest.approx(reference_canonical(key, value, unit), abs=1e-6)


@pytest.mark.parametrize(("key", "unit"), [*LINEAR_UNITS, ("hba1c", "mmol/mol")])
@pytest.mark.parametrize("value", [0.37, 12.5, 480.0])
def test_round_trip_returns_the_value_entered(key, unit, value):
    assert from_canonical(key, to_canonical(key, value, unit), unit) == pytest.approx(value, rel=1e-6, abs=1e-5)


@pytest.mark.parametrize(
    ("key", "unit", "canonical", "expected"),
    [
        # The other direction as the reference also states it (rounded factors, so within 0.1 %).
        ("b12", "pmol/L", 100, 100 * 0.7378),  # pmol/L = pg/mL x 0.7378
        ("testosterone", "nmol/L", 300, 300 * 0.03467),  # nmol/L = ng/dL x 0.03467
        ("triglycerides", "mmol/L", 150, 150 * 0.01129),  # mmol/L = mg/dL x 0.01129
        ("hdl", "mmol/L", 40, 40 * 0.02586),  # mmol/L = mg/dL x 0.02586
        ("glucose", "mmol/L", 126, 126 * 0.0555),  # x 0.0555
        ("hba1c", "mmol/mol", 6.5, 10.929 * (6.5 - 2.15)),  # IFCC = 10.929 x (NGSP - 2.15)
    ],
)
def test_from_canonical_agrees_with_the_inverse_factor_the_reference_states(key, unit, canonical, expected):
    assert from_canonical(key, canonical, unit) == pytest.approx(expected, rel=1e-3)


@pytest.mark.parametrize(
    ("ifcc", "ngsp"),
    [(39, 5.7), (48, 6.5), (20, 4.0)],  # ADA pairs 39/5.7 and 48/6.5 mmol/mol/%
)
def test_hba1c_ifcc_converts_to_the_ada_ngsp_value(ifcc, ngsp):
    assert to_canonical("hba1c", ifcc, "mmol/mol") == pytest.approx(0.0915 * ifcc + 2.15, abs=1e-9)
    assert round(to_canonical("hba1c", ifcc, "mmol/mol"), 1) == ngsp
    assert round(from_canonical("hba1c", ngsp, "%")) == round(ngsp)
    assert round(from_canonical("hba1c", ngsp, "mmol/mol")) == ifcc


@pytest.mark.parametrize("key", ["crp", "hscrp"])
def test_crp_mg_dl_converts_without_float_artefacts(key):
    assert to_canonical(key, 0.3, "mg/dL") == 3.0
    assert to_canonical(key, 0.1, "mg/dL") == 1.0


def test_to_canonical_accepts_any_spelling_of_an_accepted_unit():
    assert to_canonical("tsh", 2.0, "uIU/mL") == 2.0
    assert to_canonical("b12", 100, "pmol/l") == 135.5
    assert to_canonical("insulin", 60, "pmol/L") == 10.0


@pytest.mark.parametrize(
    ("key", "unit"),
    [("hba1c", "mmol/L"), ("glucose", "mol/L"), ("magnesium", "Mg/dL"), ("anti_tpo", "U/mL"), ("tsh", "")],
)
def test_to_canonical_refuses_a_unit_the_analyte_does_not_accept(key, unit):
    with pytest.raises(ValueError, match="not an accepted unit"):
        to_canonical(key, 1.0, unit)


def test_unknown_analyte_key_raises_key_error():
    with pytest.raises(KeyError):
        to_canonical("vitamin_k", 1.0, "ng/mL")
    with pytest.raises(KeyError):
        check_lab_value("vitamin_k", 1.0, "ng/mL")


def test_convert_goes_between_two_non_canonical_units():
    assert convert("glucose", 7.0, "mmol/L", "mg/dL") == pytest.approx(126.112)
    assert convert("magnesium", 0.8, "mmol/L", "mEq/L") == 1.6
    assert convert("b12", 148, "pmol/L", "ng/L") == pytest.approx(200.54)


def test_assay_dependent_factors_carry_a_caveat():
    assert "6.945" in ANALYTES["insulin"].units["pmol/L"].note
    assert "assay-specific" in ANALYTES["prolactin"].units["m[IU]/L"].note


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("hba1c", 6.542, "6.5"),
        ("hba1c", 6.45, "6.5"),  # half up, not half to even
        ("hba1c", 6.25, "6.3"),
        ("glucose", 100.8896, "101"),
        ("glucose", 125.5, "126"),
        ("magnesium", 0.86394, "0.86"),
        ("mma", 0.08, "0.080"),
        ("tsh", 0.005, "0.01"),
        ("hscrp", -0.0, "0.0"),
    ],
)
def test_format_value_uses_the_analyte_display_precision(key, value, text):
    assert format_value(key, value) == text


# ---------------------------------------------------------------------------------------------------------
# G-01 hard limits (section 8), tested with the unit confirmed so only G-01 applies

# (key, entered unit, low, high, just below, just above)
HARD_LIMITS = [
    ("hba1c", "%", 3.0, 20.0, 2.9, 20.1),
    ("hba1c", "mmol/mol", 9, 195, 8.9, 196),
    ("glucose", "mg/dL", 20, 1000, 19.9, 1001),
    ("glucose", "mmol/L", 1.1, 55.5, 1.0, 55.6),
    ("insulin", "u[IU]/mL", 0.2, 500, 0.1, 501),
    ("triglycerides", "mg/dL", 10, 10000, 9.9, 10001),
    ("hdl", "mg/dL", 5, 200, 4.9, 201),
    ("cholesterol_total", "mg/dL", 40, 1000, 39.9, 1001),
    ("hscrp", "mg/L", 0, 500, -0.1, 501),
    ("crp", "mg/L", 0, 500, -0.1, 501),
    ("tsh", "m[IU]/L", 0.001, 500, 0.0009, 501),
    ("ft4", "ng/dL", 0.1, 8.0, 0.09, 8.1),
    ("ft3", "pg/mL", 0.5, 30, 0.4, 31),
    ("b12", "pg/mL", 30, 10000, 29, 10001),
    ("folate", "ng/mL", 0.5, 60, 0.4, 60.1),
    ("ferritin", "ng/mL", 1, 100000, 0.9, 100001),
    ("iron", "ug/dL", 5, 1000, 4.9, 1001),
    ("tsat", "%", 1, 100, 0.9, 100.1),
    ("vitamin_d", "ng/mL", 2, 250, 1.9, 250.1),
    ("magnesium", "mmol/L", 0.2, 8.0, 0.19, 8.1),
    ("zinc", "ug/dL", 10, 500, 9.9, 501),
    ("homocysteine", "umol/L", 1, 500, 0.9, 501),
    ("mma", "umol/L", 0.01, 100, 0.009, 100.1),
    ("omega3_index", "%", 1, 20, 0.9, 20.1),
    ("testosterone", "ng/dL", 1, 3000, 0.9, 3001),
    ("cortisol", "ug/dL", 0.2, 100, 0.19, 100.1),
    ("prolactin", "ng/mL", 0.5, 20000, 0.4, 20001),
    ("estradiol", "pg/mL", 1, 60000, 0.9, 60001),
    ("lithium", "mmol/L", 0, 5, -0.01, 5.01),
]
HARD_LIMIT_IDS = [f"{k}-{u}" for k, u, *_ in HARD_LIMITS]


@pytest.mark.parametrize(("key", "unit", "low", "high", "below", "above"), HARD_LIMITS, ids=HARD_LIMIT_IDS)
def test_plausible_range_is_the_section_8_hard_limits(key, unit, low, high, below, above):
    assert plausible_range(key, unit) == (low, high)


@pytest.mark.parametrize(("key", "unit", "low", "high", "below", "above"), HARD_LIMITS, ids=HARD_LIMIT_IDS)
def test_accepts_values_at_both_hard_limits(key, unit, low, high, below, above):
    assert check_lab_value(key, low, unit, sex="male", unit_confirmed=True) == []
    assert check_lab_value(key, high, unit, sex="male", unit_confirmed=True) == []


@pytest.mark.parametrize(("key", "unit", "low", "high", "below", "above"), HARD_LIMITS, ids=HARD_LIMIT_IDS)
def test_refuses_values_just_outside_the_hard_limits(key, unit, low, high, below, above):
    assert codes(check_lab_value(key, below, unit, unit_confirmed=True)) == ["negative" if low == 0 else "implausible"]
    assert codes(check_lab_value(key, above, unit, unit_confirmed=True)) == ["implausible"]


def test_implausible_message_names_the_range_in_the_entered_unit():
    [problem] = check_lab_value("hba1c", 250, "%")
    assert problem.code == "implausible"
    assert problem.message == "250 % is outside the plausible range for HbA1c (3-20 %)."
    assert problem.suggested_unit is None
    assert problem.converted_value is None
    [problem] = check_lab_value("glucose", 0.5, "mmol/L")
    assert problem.message == "0.5 mmol/L is outside the plausible range for glucose (1.1-55.5 mmol/L)."
    [problem] = check_lab_value("tsh", 0.0005, "uIU/mL")
    assert problem.message == "0.0005 uIU/mL is outside the plausible range for TSH (0.001-500 uIU/mL)."


# Limits in a unit section 8 does not state: the canonical limits converted (three significant figures).
@pytest.mark.parametrize(
    ("key", "unit", "low", "high", "below", "above"),
    [
        ("b12", "pmol/L", 22.1, 7380, 22.0, 7381),  # 30 / 1.355, 10000 / 1.355
        ("vitamin_d", "nmol/L", 4.99, 624, 4.9, 625),  # 2 x 2.496, 250 x 2.496
        ("magnesium", "mg/dL", 0.486, 19.4, 0.48, 19.5),  # 0.2 / 0.4114, 8 / 0.4114
        ("magnesium", "mEq/L", 0.4, 16, 0.39, 16.1),
        ("mma", "nmol/L", 10, 100000, 9, 100001),
        ("insulin", "pmol/L", 1.2, 3000, 1.1, 3001),
        ("triglycerides", "mmol/L", 0.113, 113, 0.11, 114),
        ("hscrp", "mg/dL", 0, 50, -0.1, 51),
        ("tsh", "u[IU]/mL", 0.001, 500, 0.0009, 501),
        ("prolactin", "ug/L", 0.5, 20000, 0.4, 20001),
        ("lithium", "mEq/L", 0, 5, -0.01, 5.01),
    ],
)
def test_hard_limits_in_other_units_are_the_converted_canonical_limits(key, unit, low, high, below, above):
    assert plausible_range(key, unit) == (low, high)
    assert check_lab_value(key, low, unit, unit_confirmed=True) == []
    assert check_lab_value(key, high, unit, unit_confirmed=True) == []
    assert codes(check_lab_value(key, below, unit, unit_confirmed=True)) == ["negative" if low == 0 else "implausible"]
    assert codes(check_lab_value(key, above, unit, unit_confirmed=True)) == ["implausible"]


def test_every_converted_limit_is_within_half_a_percent_of_the_canonical_limit():
    for key, analyte in ANALYTES.items():
        canonical = plausible_range(key, analyte.canonical_unit)
        for unit in analyte.units:
            limits = plausible_range(key, unit)
            if canonical is None or (key, unit) in {("hba1c", "mmol/mol"), ("glucose", "mmol/L")}:
                continue
            expected = tuple(reference_canonical(key, limit, unit) for limit in limits)
            assert expected == pytest.approx(canonical, rel=5e-3), (key, unit)


NO_SECTION_8_ROW = ["il6", "esr", "wbc", "anti_tpo", "anti_tg", "tibc", "free_testosterone", "shbg", "fsh", "lh"]


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (0, "mg/dL", []),
        (1000, "mg/dL", []),
        (1000.1, "mg/dL", ["implausible"]),
        (25.9, "mmol/L", []),
        (26, "mmol/L", ["implausible"]),
        (99999999, "mg/dL", ["implausible"]),
    ],
)
def test_ldl_is_bounded_by_the_total_cholesterol_upper_limit(value, unit, expected):
    assert plausible_range("ldl", "mg/dL") == (0, 1000)
    assert codes(check_lab_value("ldl", value, unit)) == expected


@pytest.mark.parametrize("key", NO_SECTION_8_ROW)
def test_analyte_without_a_section_8_row_is_only_checked_for_unit_and_sign(key):
    unit = BRIEF_CANONICAL_UNITS[key]
    assert plausible_range(key, unit) is None
    assert check_lab_value(key, 0, unit) == []
    assert check_lab_value(key, 1e6, unit) == []
    assert codes(check_lab_value(key, -1, unit)) == ["negative"]


# ---------------------------------------------------------------------------------------------------------
# G-02 mix-up zones (section 8), both sides of every boundary

# (case id, key, entered unit, value, sex, expected code or None, suggested unit, converted value)
ZONE_CASES = [
    # HbA1c % 20 < x <= 200 -> mmol/mol
    ("hba1c-pct-20-not-zone", "hba1c", "%", 20, None, None, None, None),
    ("hba1c-pct-20.1-mixup", "hba1c", "%", 20.1, None, "unit_mixup", "mmol/mol", 0.0915 * 20.1 + 2.15),
    ("hba1c-pct-200-mixup", "hba1c", "%", 200, None, "unit_mixup", "mmol/mol", 0.0915 * 200 + 2.15),
    ("hba1c-pct-200.1-refused", "hba1c", "%", 200.1, None, "implausible", None, None),
    # HbA1c mmol/mol 3 <= x <= 20 -> %; 9-20 is inside the hard limits, so it is held for confirmation
    ("hba1c-ifcc-2.9-refused", "hba1c", "mmol/mol", 2.9, None, "implausible", None, None),
    ("hba1c-ifcc-3-mixup", "hba1c", "mmol/mol", 3, None, "unit_mixup", "%", 3.0),
    ("hba1c-ifcc-8.9-mixup", "hba1c", "mmol/mol", 8.9, None, "unit_mixup", "%", 8.9),
    ("hba1c-ifcc-9-confirm", "hba1c", "mmol/mol", 9, None, "confirm_unit", "%", 9.0),
    ("hba1c-ifcc-20-confirm", "hba1c", "mmol/mol", 20, None, "confirm_unit", "%", 20.0),
    ("hba1c-ifcc-20.1-accepted", "hba1c", "mmol/mol", 20.1, None, None, None, None),
    # Glucose mg/dL 1.0 <= x < 20 -> mmol/L
    ("glucose-mg-0.9-refused", "glucose", "mg/dL", 0.9, None, "implausible", None, None),
    ("glucose-mg-1.0-mixup", "glucose", "mg/dL", 1.0, None, "unit_mixup", "mmol/L", 18.016),
    ("glucose-mg-19.9-mixup", "glucose", "mg/dL", 19.9, None, "unit_mixup", "mmol/L", 19.9 * 18.016),
    ("glucose-mg-20-accepted", "glucose", "mg/dL", 20, None, None, None, None),
    # Glucose mmol/L 56 <= x <= 1000 -> mg/dL (55.5 < x < 56 is in neither: refused)
    ("glucose-mmol-55.5-accepted", "glucose", "mmol/L", 55.5, None, None, None, None),
    ("glucose-mmol-55.9-refused", "glucose", "mmol/L", 55.9, None, "implausible", None, None),
    ("glucose-mmol-56-mixup", "glucose", "mmol/L", 56, None, "unit_mixup", "mg/dL", 56.0),
    ("glucose-mmol-1000-mixup", "glucose", "mmol/L", 1000, None, "unit_mixup", "mg/dL", 1000.0),
    ("glucose-mmol-1001-refused", "glucose", "mmol/L", 1001, None, "implausible", None, None),
    # Insulin uIU/mL x > 300 -> pmol/L (300-500 is inside the hard limits)
    ("insulin-300-accepted", "insulin", "u[IU]/mL", 300, None, None, None, None),
    ("insulin-300.5-confirm", "insulin", "u[IU]/mL", 300.5, None, "confirm_unit", "pmol/L", 300.5 / 6),
    ("insulin-500-confirm", "insulin", "u[IU]/mL", 500, None, "confirm_unit", "pmol/L", 500 / 6),
    ("insulin-501-mixup", "insulin", "u[IU]/mL", 501, None, "unit_mixup", "pmol/L", 501 / 6),
    ("insulin-miu-per-l-400-confirm", "insulin", "m[IU]/L", 400, None, "confirm_unit", "pmol/L", 400 / 6),
    ("insulin-pmol-400-accepted", "insulin", "pmol/L", 400, None, None, None, None),
    # Triglycerides mg/dL 0.1 <= x < 10 -> mmol/L
    ("tg-0.09-refused", "triglycerides", "mg/dL", 0.09, None, "implausible", None, None),
    ("tg-0.1-mixup", "triglycerides", "mg/dL", 0.1, None, "unit_mixup", "mmol/L", 0.1 * 88.5),
    ("tg-9.9-mixup", "triglycerides", "mg/dL", 9.9, None, "unit_mixup", "mmol/L", 9.9 * 88.5),
    ("tg-10-accepted", "triglycerides", "mg/dL", 10, None, None, None, None),
    # HDL mg/dL 0.1 <= x < 5 -> mmol/L
    ("hdl-0.09-refused", "hdl", "mg/dL", 0.09, None, "implausible", None, None),
    ("hdl-0.1-mixup", "hdl", "mg/dL", 0.1, None, "unit_mixup", "mmol/L", 0.1 * 38.67),
    ("hdl-4.9-mixup", "hdl", "mg/dL", 4.9, None, "unit_mixup", "mmol/L", 4.9 * 38.67),
    ("hdl-5-accepted", "hdl", "mg/dL", 5, None, None, None, None),
    # Total cholesterol mg/dL 1 <= x < 40 -> mmol/L
    ("tc-0.9-refused", "cholesterol_total", "mg/dL", 0.9, None, "implausible", None, None),
    ("tc-1-mixup", "cholesterol_total", "mg/dL", 1, None, "unit_mixup", "mmol/L", 38.67),
    ("tc-39.9-mixup", "cholesterol_total", "mg/dL", 39.9, None, "unit_mixup", "mmol/L", 39.9 * 38.67),
    ("tc-40-accepted", "cholesterol_total", "mg/dL", 40, None, None, None, None),
    # Free T4 ng/dL 8 < x <= 100 -> pmol/L
    ("ft4-8-accepted", "ft4", "ng/dL", 8.0, None, None, None, None),
    ("ft4-8.1-mixup", "ft4", "ng/dL", 8.1, None, "unit_mixup", "pmol/L", 8.1 / 12.87),
    ("ft4-100-mixup", "ft4", "ng/dL", 100, None, "unit_mixup", "pmol/L", 100 / 12.87),
    ("ft4-100.1-refused", "ft4", "ng/dL", 100.1, None, "implausible", None, None),
    # Folate ng/mL 40 < x <= 60 -> confirm (nmol/L)
    ("folate-40-accepted", "folate", "ng/mL", 40, None, None, None, None),
    ("folate-40.1-confirm", "folate", "ng/mL", 40.1, None, "confirm_unit", "nmol/L", 40.1 / 2.266),
    ("folate-60-confirm", "folate", "ng/mL", 60, None, "confirm_unit", "nmol/L", 60 / 2.266),
    ("folate-60.1-refused", "folate", "ng/mL", 60.1, None, "implausible", None, None),
    ("folate-ug-per-l-50-confirm", "folate", "ug/L", 50, None, "confirm_unit", "nmol/L", 50 / 2.266),
    ("folate-nmol-50-accepted", "folate", "nmol/L", 50, None, None, None, None),
    # Iron ug/dL 5 <= x < 20 -> confirm (umol/L)
    ("iron-4.9-refused", "iron", "ug/dL", 4.9, None, "implausible", None, None),
    ("iron-5-confirm", "iron", "ug/dL", 5, None, "confirm_unit", "umol/L", 5 / 0.1791),
    ("iron-19.9-confirm", "iron", "ug/dL", 19.9, None, "confirm_unit", "umol/L", 19.9 / 0.1791),
    ("iron-20-accepted", "iron", "ug/dL", 20, None, None, None, None),
    # TSAT % 0.01 <= x < 1 -> fraction (x 100)
    ("tsat-0.009-refused", "tsat", "%", 0.009, None, "implausible", None, None),
    ("tsat-0.01-mixup", "tsat", "%", 0.01, None, "unit_mixup", "1", 1.0),
    ("tsat-0.99-mixup", "tsat", "%", 0.99, None, "unit_mixup", "1", 99.0),
    ("tsat-1-accepted", "tsat", "%", 1, None, None, None, None),
    # 25(OH)D ng/mL 150 < x <= 250 -> confirm (nmol/L)
    ("vitd-150-accepted", "vitamin_d", "ng/mL", 150, None, None, None, None),
    ("vitd-150.1-confirm", "vitamin_d", "ng/mL", 150.1, None, "confirm_unit", "nmol/L", 150.1 / 2.496),
    ("vitd-250-confirm", "vitamin_d", "ng/mL", 250, None, "confirm_unit", "nmol/L", 250 / 2.496),
    ("vitd-250.1-refused", "vitamin_d", "ng/mL", 250.1, None, "implausible", None, None),
    # Magnesium mmol/L 1.3 < x <= 3.0 -> confirm (mg/dL)
    ("mg-1.3-accepted", "magnesium", "mmol/L", 1.3, None, None, None, None),
    ("mg-1.31-confirm", "magnesium", "mmol/L", 1.31, None, "confirm_unit", "mg/dL", 1.31 * 0.4114),
    ("mg-3.0-confirm", "magnesium", "mmol/L", 3.0, None, "confirm_unit", "mg/dL", 3.0 * 0.4114),
    ("mg-3.01-accepted", "magnesium", "mmol/L", 3.01, None, None, None, None),
    # Zinc ug/dL 5 <= x < 25 -> umol/L (10-25 is inside the hard limits)
    ("zinc-4.9-refused", "zinc", "ug/dL", 4.9, None, "implausible", None, None),
    ("zinc-5-mixup", "zinc", "ug/dL", 5, None, "unit_mixup", "umol/L", 5 / 0.1530),
    ("zinc-9.9-mixup", "zinc", "ug/dL", 9.9, None, "unit_mixup", "umol/L", 9.9 / 0.1530),
    ("zinc-10-confirm", "zinc", "ug/dL", 10, None, "confirm_unit", "umol/L", 10 / 0.1530),
    ("zinc-24.9-confirm", "zinc", "ug/dL", 24.9, None, "confirm_unit", "umol/L", 24.9 / 0.1530),
    ("zinc-25-accepted", "zinc", "ug/dL", 25, None, None, None, None),
    # MMA umol/L 50 <= x <= 5000 -> nmol/L (50-100 is inside the hard limits)
    ("mma-49.9-accepted", "mma", "umol/L", 49.9, None, None, None, None),
    ("mma-50-confirm", "mma", "umol/L", 50, None, "confirm_unit", "nmol/L", 0.05),
    ("mma-100-confirm", "mma", "umol/L", 100, None, "confirm_unit", "nmol/L", 0.1),
    ("mma-100.1-mixup", "mma", "umol/L", 100.1, None, "unit_mixup", "nmol/L", 0.1001),
    ("mma-5000-mixup", "mma", "umol/L", 5000, None, "unit_mixup", "nmol/L", 5.0),
    ("mma-5001-refused", "mma", "umol/L", 5001, None, "implausible", None, None),
    # Testosterone ng/dL, adult male, 2 <= x <= 50 -> confirm (nmol/L)
    ("testo-male-1.9-accepted", "testosterone", "ng/dL", 1.9, "male", None, None, None),
    ("testo-male-2-confirm", "testosterone", "ng/dL", 2, "male", "confirm_unit", "nmol/L", 2 * 28.84),
    ("testo-male-50-confirm", "testosterone", "ng/dL", 50, "male", "confirm_unit", "nmol/L", 50 * 28.84),
    ("testo-male-50.1-accepted", "testosterone", "ng/dL", 50.1, "male", None, None, None),
    ("testo-Male-capitalised-confirm", "testosterone", "ng/dL", 15, "Male", "confirm_unit", "nmol/L", 15 * 28.84),
    ("testo-female-15-accepted", "testosterone", "ng/dL", 15, "female", None, None, None),
    ("testo-sex-unknown-15-accepted", "testosterone", "ng/dL", 15, None, None, None, None),
    ("testo-male-nmol-15-accepted", "testosterone", "nmol/L", 15, "male", None, None, None),
    # Cortisol ug/dL 100 < x <= 2000 -> nmol/L
    ("cortisol-100-accepted", "cortisol", "ug/dL", 100, None, None, None, None),
    ("cortisol-100.1-mixup", "cortisol", "ug/dL", 100.1, None, "unit_mixup", "nmol/L", 100.1 / 27.59),
    ("cortisol-2000-mixup", "cortisol", "ug/dL", 2000, None, "unit_mixup", "nmol/L", 2000 / 27.59),
    ("cortisol-2000.1-refused", "cortisol", "ug/dL", 2000.1, None, "implausible", None, None),
    # Prolactin ng/mL x > 500 -> confirm (mIU/L); above the 20000 hard limit it is implausible as entered
    ("prolactin-500-accepted", "prolactin", "ng/mL", 500, None, None, None, None),
    ("prolactin-500.1-confirm", "prolactin", "ng/mL", 500.1, None, "confirm_unit", "m[IU]/L", 500.1 / 21.2),
    ("prolactin-20000-confirm", "prolactin", "ng/mL", 20000, None, "confirm_unit", "m[IU]/L", 20000 / 21.2),
    ("prolactin-20001-mixup", "prolactin", "ng/mL", 20001, None, "unit_mixup", "m[IU]/L", 20001 / 21.2),
    ("prolactin-ug-per-l-800-confirm", "prolactin", "ug/L", 800, None, "confirm_unit", "m[IU]/L", 800 / 21.2),
    ("prolactin-miu-800-accepted", "prolactin", "m[IU]/L", 800, None, None, None, None),
]


@pytest.mark.parametrize(
    ("key", "unit", "value", "sex", "code", "suggested", "converted"),
    [case[1:] for case in ZONE_CASES],
    ids=[case[0] for case in ZONE_CASES],
)
def test_mixup_zone_boundary(key, unit, value, sex, code, suggested, converted):
    problems = check_lab_value(key, value, unit, sex=sex)
    assert codes(problems) == ([code] if code else [])
    if code:
        [problem] = problems
        assert problem.suggested_unit == suggested
        if converted is None:
            assert problem.converted_value is None
        else:
            assert problem.converted_value == pytest.approx(converted, abs=1e-6)


# One message per zone, in the clinician-facing wording.
ZONE_MESSAGES = [
    ("hba1c", "%", 48, None, "48 is not a plausible HbA1c in %; in mmol/mol it would be 6.5 %. Did you mean mmol/mol?"),
    ("hba1c", "mmol/mol", 5, None, "5 is not a plausible HbA1c in mmol/mol; did you mean 5 %?"),
    (
        "hba1c",
        "mmol/mol",
        15,
        None,
        "An HbA1c of 15 mmol/mol is unusual; it may have been 15 %. Confirm the unit or choose %.",
    ),
    (
        "glucose",
        "mg/dL",
        5.6,
        None,
        "5.6 is not a plausible glucose in mg/dL; in mmol/L it would be 101 mg/dL. Did you mean mmol/L?",
    ),
    ("glucose", "mmol/L", 100, None, "100 is not a plausible glucose in mmol/L; did you mean 100 mg/dL?"),
    (
        "insulin",
        "u[IU]/mL",
        400,
        None,
        "An insulin of 400 uIU/mL is unusual; 400 pmol/L would be 66.7 uIU/mL. Confirm the unit or choose pmol/L.",
    ),
    (
        "insulin",
        "u[IU]/mL",
        600,
        None,
        "600 is not a plausible insulin in uIU/mL; in pmol/L it would be 100.0 uIU/mL. Did you mean pmol/L?",
    ),
    (
        "triglycerides",
        "mg/dL",
        1.7,
        None,
        "1.7 is not a plausible triglyceride in mg/dL; in mmol/L it would be 150 mg/dL. Did you mean mmol/L?",
    ),
    (
        "hdl",
        "mg/dL",
        1.0,
        None,
        "1 is not a plausible HDL cholesterol in mg/dL; in mmol/L it would be 39 mg/dL. Did you mean mmol/L?",
    ),
    (
        "cholesterol_total",
        "mg/dL",
        5.2,
        None,
        "5.2 is not a plausible total cholesterol in mg/dL; in mmol/L it would be 201 mg/dL. Did you mean mmol/L?",
    ),
    (
        "ft4",
        "ng/dL",
        15,
        None,
        "15 is not a plausible free T4 in ng/dL; in pmol/L it would be 1.17 ng/dL. Did you mean pmol/L?",
    ),
    (
        "folate",
        "ng/mL",
        50,
        None,
        "A folate of 50 ng/mL is unusual; 50 nmol/L would be 22.1 ng/mL. Confirm the unit or choose nmol/L.",
    ),
    (
        "iron",
        "ug/dL",
        15,
        None,
        "An iron of 15 ug/dL is unusual; 15 umol/L would be 84 ug/dL. Confirm the unit or choose umol/L.",
    ),
    (
        "tsat",
        "%",
        0.25,
        None,
        "0.25 is not a plausible transferrin saturation in %; as a fraction it would be 25 %. Did you mean a fraction?",
    ),
    (
        "vitamin_d",
        "ng/mL",
        200,
        None,
        "A 25-OH vitamin D of 200 ng/mL is unusual; 200 nmol/L would be 80.1 ng/mL. Confirm the unit or choose nmol/L.",
    ),
    (
        "magnesium",
        "mmol/L",
        2.1,
        None,
        "A magnesium of 2.1 mmol/L is unusual; 2.1 mg/dL would be 0.86 mmol/L. Confirm the unit or choose mg/dL.",
    ),
    (
        "zinc",
        "ug/dL",
        7,
        None,
        "7 is not a plausible zinc in ug/dL; in umol/L it would be 46 ug/dL. Did you mean umol/L?",
    ),
    (
        "zinc",
        "ug/dL",
        15,
        None,
        "A zinc of 15 ug/dL is unusual; 15 umol/L would be 98 ug/dL. Confirm the unit or choose umol/L.",
    ),
    (
        "mma",
        "umol/L",
        80,
        None,
        "A methylmalonic acid of 80 umol/L is unusual; 80 nmol/L would be 0.080 umol/L. "
        "Confirm the unit or choose nmol/L.",
    ),
    (
        "mma",
        "umol/L",
        300,
        None,
        "300 is not a plausible methylmalonic acid in umol/L; in nmol/L it would be 0.300 umol/L. Did you mean nmol/L?",
    ),
    (
        "testosterone",
        "ng/dL",
        15,
        "male",
        "A testosterone of 15 ng/dL is unusual in a man; 15 nmol/L would be 433 ng/dL. "
        "Confirm the unit or choose nmol/L.",
    ),
    (
        "cortisol",
        "ug/dL",
        400,
        None,
        "400 is not a plausible cortisol in ug/dL; in nmol/L it would be 14.5 ug/dL. Did you mean nmol/L?",
    ),
    (
        "prolactin",
        "ng/mL",
        800,
        None,
        "A prolactin of 800 ng/mL is unusual; 800 mIU/L would be 37.7 ng/mL. Confirm the unit or choose mIU/L.",
    ),
    (
        "prolactin",
        "ng/mL",
        25000,
        None,
        "25000 is not a plausible prolactin in ng/mL; in mIU/L it would be 1179.2 ng/mL. Did you mean mIU/L?",
    ),
]


@pytest.mark.parametrize(
    ("key", "unit", "value", "sex", "message"),
    ZONE_MESSAGES,
    ids=[f"{k}-{v}-{u}" for k, u, v, *_ in ZONE_MESSAGES],
)
def test_mixup_message_names_the_probable_unit_and_converted_value(key, unit, value, sex, message):
    [problem] = check_lab_value(key, value, unit, sex=sex)
    assert problem.message == message


def test_mixup_zone_applies_to_any_spelling_of_the_entered_unit():
    assert codes(check_lab_value("glucose", 5.6, "mg/dl")) == ["unit_mixup"]
    assert codes(check_lab_value("insulin", 400, "µIU/mL")) == ["confirm_unit"]


# ---------------------------------------------------------------------------------------------------------
# Confirming the unit


@pytest.mark.parametrize(
    ("key", "unit", "value", "sex"),
    [
        ("magnesium", "mmol/L", 2.1, None),
        ("folate", "ng/mL", 50, None),
        ("iron", "ug/dL", 10, None),
        ("vitamin_d", "ng/mL", 200, None),
        ("testosterone", "ng/dL", 15, "male"),
        ("prolactin", "ng/mL", 800, None),
        ("insulin", "u[IU]/mL", 400, None),
        ("zinc", "ug/dL", 15, None),
        ("mma", "umol/L", 80, None),
        ("hba1c", "mmol/mol", 15, None),
    ],
)
def test_confirmed_unit_releases_a_value_held_for_confirmation(key, unit, value, sex):
    assert codes(check_lab_value(key, value, unit, sex=sex)) == ["confirm_unit"]
    assert check_lab_value(key, value, unit, sex=sex, unit_confirmed=True) == []


@pytest.mark.parametrize(
    ("key", "unit", "value", "message"),
    [
        ("hba1c", "%", 48, "48 % is outside the plausible range for HbA1c (3-20 %)."),
        ("glucose", "mg/dL", 5.6, "5.6 mg/dL is outside the plausible range for glucose (20-1000 mg/dL)."),
        ("tsat", "%", 0.25, "0.25 % is outside the plausible range for transferrin saturation (1-100 %)."),
    ],
)
def test_confirmed_unit_does_not_make_an_implausible_value_acceptable(key, unit, value, message):
    [problem] = check_lab_value(key, value, unit, unit_confirmed=True)
    assert problem.code == "implausible"
    assert problem.message == message


# ---------------------------------------------------------------------------------------------------------
# Censored results, non-finite and negative numbers, refused units


@pytest.mark.parametrize(
    ("key", "comparator", "value", "unit"),
    [
        ("hscrp", "<", 0.2, "mg/L"),
        ("tsh", "<", 0.0005, "m[IU]/L"),  # below the hard limit, but a detection limit
        ("tsh", "<=", 0.01, "mIU/L"),
        ("glucose", "<", 5.6, "mg/dL"),  # in the mmol/L zone, but a detection limit is not a mix-up
        ("tsat", "<", 0.5, "%"),
        ("magnesium", "<", 2.1, "mmol/L"),
        ("b12", ">", 2000, "pg/mL"),
        ("ferritin", ">", 150000, "ng/mL"),  # above the hard limit, an assay ceiling
        ("hba1c", ">=", 48, "%"),
    ],
)
def test_censored_result_skips_plausibility_and_mixup_checks(key, comparator, value, unit):
    assert check_lab_value(key, value, unit, comparator=comparator) == []


def test_censored_result_still_needs_an_accepted_unit_and_a_non_negative_bound():
    assert codes(check_lab_value("hscrp", 0.2, "mmol/L", comparator="<")) == ["unit_not_accepted"]
    assert codes(check_lab_value("hscrp", -0.2, "mg/L", comparator="<")) == ["negative"]
    assert codes(check_lab_value("hscrp", math.nan, "mg/L", comparator="<")) == ["not_finite"]


def test_unknown_comparator_is_a_programming_error():
    with pytest.raises(ValueError, match="comparator"):
        check_lab_value("hscrp", 0.2, "mg/L", comparator="~")


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_number_is_refused(value):
    [problem] = check_lab_value("hscrp", value, "mg/L")
    assert problem.code == "not_finite"
    assert problem.message == "The value entered for hs-CRP is not a finite number."


@pytest.mark.parametrize(("key", "unit"), [("hba1c", "%"), ("hscrp", "mg/L"), ("ldl", "mmol/L"), ("lithium", "mEq/L")])
def test_negative_number_is_refused(key, unit):
    assert codes(check_lab_value(key, -0.5, unit)) == ["negative"]


def test_negative_message_names_the_analyte_and_value():
    [problem] = check_lab_value("glucose", -5, "mmol/L")
    assert problem.message == "Glucose cannot be negative (-5 mmol/L was entered)."


@pytest.mark.parametrize(("key", "unit"), [("hscrp", "mg/L"), ("crp", "mg/L"), ("lithium", "mmol/L")])
def test_zero_is_accepted_where_the_lower_limit_is_zero(key, unit):
    assert check_lab_value(key, 0, unit) == []
    assert check_lab_value(key, -0.0, unit) == []


def test_zero_is_implausible_where_the_lower_limit_is_above_zero():
    assert codes(check_lab_value("hba1c", 0, "%")) == ["implausible"]


@pytest.mark.parametrize(
    ("key", "unit", "message"),
    [
        ("hba1c", "mmol/L", "The unit mmol/L is not accepted for HbA1c; use % or mmol/mol."),
        ("glucose", "mol/L", "The unit mol/L is not accepted for glucose; use mg/dL or mmol/L."),
        ("magnesium", "Mg/dL", "The unit Mg/dL is not accepted for magnesium; use mmol/L, mg/dL or mEq/L."),
        ("anti_tpo", "U/mL", "The unit U/mL is not accepted for anti-TPO; use IU/mL or kIU/L."),
        ("hba1c", "", "A unit is required for HbA1c; use % or mmol/mol."),
        ("tsh", "   ", "A unit is required for TSH; use mIU/L or uIU/mL."),
    ],
)
def test_unit_not_accepted_is_refused_with_the_accepted_units(key, unit, message):
    [problem] = check_lab_value(key, 5, unit)
    assert problem.code == "unit_not_accepted"
    assert problem.message == message


def test_unit_refusal_is_returned_alone():
    assert codes(check_lab_value("hba1c", math.nan, "mmol/L")) == ["unit_not_accepted"]
    assert codes(check_lab_value("hba1c", -5, "")) == ["unit_not_accepted"]
    assert codes(check_lab_value("hba1c", 48, "mmol/L")) == ["unit_not_accepted"]


@pytest.mark.parametrize(
    ("key", "value", "unit"),
    [("tsh", 2.5, "mIU/L"), ("tsh", 2.5, "µIU/mL"), ("insulin", 10, "µU/mL"), ("iron", 90, "mcg/dL")],
)
def test_plausible_value_in_a_common_spelling_is_accepted(key, value, unit):
    assert check_lab_value(key, value, unit) == []


# ---------------------------------------------------------------------------------------------------------
# Body measurements, blood pressure and scores

MEASUREMENT_CASES = [
    # (case id, field, value, expected code or None, suggested unit, converted value)
    ("height-0.99-refused", "height_cm", 0.99, "implausible", None, None),
    ("height-1.0-metres", "height_cm", 1.0, "unit_mixup", "m", 100.0),
    ("height-2.5-metres", "height_cm", 2.5, "unit_mixup", "m", 250.0),
    ("height-2.51-refused", "height_cm", 2.51, "implausible", None, None),
    ("height-38.9-refused", "height_cm", 38.9, "implausible", None, None),
    ("height-39-inches", "height_cm", 39, "unit_mixup", "[in_i]", 39 * 2.54),
    ("height-98-inches", "height_cm", 98, "unit_mixup", "[in_i]", 98 * 2.54),
    ("height-99-refused", "height_cm", 99, "implausible", None, None),
    ("height-100-accepted", "height_cm", 100, None, None, None),
    ("height-250-accepted", "height_cm", 250, None, None, None),
    ("height-251-refused", "height_cm", 251, "implausible", None, None),
    ("weight-24.9-refused", "weight_kg", 24.9, "implausible", None, None),
    ("weight-25-accepted", "weight_kg", 25, None, None, None),
    ("weight-400-accepted", "weight_kg", 400, None, None, None),
    ("weight-400.1-refused", "weight_kg", 400.1, "implausible", None, None),
    ("bmi-9.9-refused", "bmi", 9.9, "implausible", None, None),
    ("bmi-10-accepted", "bmi", 10, None, None, None),
    ("bmi-100-accepted", "bmi", 100, None, None, None),
    ("bmi-100.1-refused", "bmi", 100.1, "implausible", None, None),
    ("waist-39.9-refused", "waist_cm", 39.9, "implausible", None, None),
    ("waist-40-confirm-inches", "waist_cm", 40, "confirm_unit", "[in_i]", 40 * 2.54),
    ("waist-54.9-confirm-inches", "waist_cm", 54.9, "confirm_unit", "[in_i]", 54.9 * 2.54),
    ("waist-55-accepted", "waist_cm", 55, None, None, None),
    ("waist-250-accepted", "waist_cm", 250, None, None, None),
    ("waist-251-refused", "waist_cm", 251, "implausible", None, None),
    ("systolic-49-refused", "systolic", 49, "implausible", None, None),
    ("systolic-50-accepted", "systolic", 50, None, None, None),
    ("systolic-300-accepted", "systolic", 300, None, None, None),
    ("systolic-301-refused", "systolic", 301, "implausible", None, None),
    ("diastolic-19-refused", "diastolic", 19, "implausible", None, None),
    ("diastolic-20-accepted", "diastolic", 20, None, None, None),
    ("diastolic-200-accepted", "diastolic", 200, None, None, None),
    ("diastolic-201-refused", "diastolic", 201, "implausible", None, None),
]


@pytest.mark.parametrize(
    ("field", "value", "code", "suggested", "converted"),
    [case[1:] for case in MEASUREMENT_CASES],
    ids=[case[0] for case in MEASUREMENT_CASES],
)
def test_measurement_limit_or_zone_boundary(field, value, code, suggested, converted):
    problems = check_measurement(field, value)
    assert codes(problems) == ([code] if code else [])
    if code:
        [problem] = problems
        assert problem.suggested_unit == suggested
        if converted is None:
            assert problem.converted_value is None
        else:
            assert problem.converted_value == pytest.approx(converted, abs=1e-6)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("height_cm", 1.75, "1.75 is not a plausible height in cm; in metres it would be 175 cm. Did you mean metres?"),
        ("height_cm", 70, "70 is not a plausible height in cm; in inches it would be 178 cm. Did you mean inches?"),
        (
            "waist_cm",
            50,
            "A waist circumference of 50 cm is unusual; 50 inches would be 127 cm. Confirm the unit or choose inches.",
        ),
        ("weight_kg", 500, "500 kg is outside the plausible range for weight (25-400 kg)."),
        ("systolic", 320, "320 mmHg is outside the plausible range for systolic blood pressure (50-300 mmHg)."),
        ("bmi", -3, "BMI cannot be negative (-3 kg/m2 was entered)."),
        ("height_cm", math.nan, "The value entered for height is not a finite number."),
    ],
)
def test_measurement_message_is_clinician_readable(field, value, message):
    [problem] = check_measurement(field, value)
    assert problem.message == message


def test_measurement_unit_confirmation_releases_waist_but_not_an_implausible_height():
    assert check_measurement("waist_cm", 50, unit_confirmed=True) == []
    assert codes(check_measurement("height_cm", 1.75, unit_confirmed=True)) == ["implausible"]


def test_unknown_measurement_field_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown measurement field"):
        check_measurement("shoe_size", 42)


@pytest.mark.parametrize(
    ("systolic", "diastolic", "swapped"),
    [(120, 80, False), (120, 119, False), (120, 120, True), (80, 120, True), (math.nan, 80, False)],
)
def test_diastolic_at_or_above_systolic_is_refused_as_swapped(systolic, diastolic, swapped):
    assert codes(check_blood_pressure(systolic, diastolic)) == (["implausible"] if swapped else [])


def test_swapped_blood_pressure_message_shows_both_values():
    [problem] = check_blood_pressure(80, 120)
    assert problem.message == (
        "Diastolic blood pressure 120 mmHg is not below systolic 80 mmHg; the two values may have been swapped."
    )


@pytest.mark.parametrize(
    ("instrument", "total", "code"),
    [
        ("PHQ-9", 0, None),
        ("PHQ-9", 27, None),
        ("phq9", 27.0, None),
        ("PHQ-9", 28, "implausible"),
        ("PHQ-9", 12.5, "implausible"),
        ("PHQ-9", -1, "negative"),
        ("PHQ-9", math.nan, "not_finite"),
        ("EPDS", 0, None),
        ("EPDS", 30, None),
        ("epds", 31, "implausible"),
        ("QIDS-SR16", 27, None),
        ("QIDS-SR16", 28, "implausible"),
        ("MADRS", 60, None),
        ("MADRS", 61, "implausible"),
        ("HAM-D17", 52, None),
        ("HAM-D17", 53, "implausible"),
    ],
)
def test_score_total_must_be_a_whole_number_within_the_instrument_range(instrument, total, code):
    assert codes(check_score(instrument, total)) == ([code] if code else [])


def test_score_message_states_the_range():
    [problem] = check_score("PHQ-9", 28)
    assert problem.message == "The PHQ-9 total must be a whole number from 0 to 27; 28 was entered."


def test_unknown_instrument_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown instrument"):
        check_score("BDI-II", 10)


# ---------------------------------------------------------------------------------------------------------
# Test-data builders use this module


def test_builder_converts_a_lab_to_the_canonical_unit():
    glucose = lab("glucose", 7.0, "mmol/L", reference_high=5.5)
    assert glucose.value == pytest.approx(126.112)
    assert (glucose.entered_value, glucose.entered_unit) == (7.0, "mmol/L")
    assert glucose.reference_high == pytest.approx(99.088)
    assert glucose.loinc == "2345-7"
    hba1c = lab("hba1c", 6.1)
    assert (hba1c.value, hba1c.entered_unit) == (6.1, "%")
