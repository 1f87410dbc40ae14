"""The drug catalogues: table 1.3 antidepressants, augmentation agents, other medicines and class lookups."""

from __future__ import annotations

import datetime as dt

import pytest

from screening.rules.drugs import (
    ANTIDEPRESSANTS,
    AUGMENTATION_AGENTS,
    MEDICINES,
    OTHER_ANTIDEPRESSANT,
    SUPPLEMENTS,
    courses_of_class,
    drug_classes,
    drug_display,
    is_on_class,
    max_plausible_dose_mg,
    molecule,
)
from screening.rules.snapshot import Augmentation, Medicine

from .builders import make_snapshot, trial

D = dt.date

# Table 1.3 of the clinical reference: (name, class, app minimum adequate dose, upper bound of usual range).
TABLE_1_3 = [
    ("citalopram", "SSRI", 20, 40),
    ("escitalopram", "SSRI", 10, 20),
    ("fluoxetine", "SSRI", 20, 60),
    ("fluvoxamine", "SSRI", 50, 200),
    ("fluvoxamine_cr", "SSRI", 100, 200),
    ("paroxetine", "SSRI", 20, 40),
    ("paroxetine_cr", "SSRI", 25, 50),
    ("sertraline", "SSRI", 50, 200),
    ("venlafaxine", "SNRI", 75, 375),
    ("desvenlafaxine", "SNRI", 50, 100),
    ("duloxetine", "SNRI", 60, 60),
    ("levomilnacipran", "SNRI", 40, 80),
    ("milnacipran", "SNRI", 100, 200),
    ("bupropion", "NDRI", 300, 300),
    ("mirtazapine", "NaSSA", 15, 45),
    ("agomelatine", "MT1/MT2 agonist", 25, 50),
    ("trazodone", "SARI", 200, 400),
    ("nefazodone", "SARI", 300, 600),
    ("vilazodone", "SPARI", 20, 40),
    ("vortioxetine", "multimodal", 10, 20),
    ("amitriptyline", "TCA", 150, 300),
    ("clomipramine", "TCA", 100, 250),
    ("desipramine", "TCA", 150, 300),
    ("doxepin", "TCA", 100, 300),
    ("imipramine", "TCA", 150, 300),
    ("nortriptyline", "TCA", 50, 150),
    ("protriptyline", "TCA", 15, 60),
    ("trimipramine", "TCA", 150, 300),
    ("maprotiline", "tetracyclic", 100, 225),
    ("amoxapine", "tetracyclic", 200, 300),
    ("phenelzine", "MAOI", 45, 90),
    ("tranylcypromine", "MAOI", 30, 60),
    ("isocarboxazid", "MAOI", 30, 40),
    ("selegiline_transdermal", "MAOI", 6, 12),
]


@pytest.mark.parametrize(("name", "drug_class", "minimum", "usual_max"), TABLE_1_3, ids=[r[0] for r in TABLE_1_3])
def test_antidepressant_row_matches_table_1_3(name, drug_class, minimum, usual_max):
    row = ANTIDEPRESSANTS[name]
    assert (row.name, row.drug_class, row.min_adequate_mg, row.usual_max_mg) == (name, drug_class, minimum, usual_max)


def test_catalogue_holds_exactly_the_rows_of_table_1_3():
    assert set(ANTIDEPRESSANTS) == {row[0] for row in TABLE_1_3}
    assert OTHER_ANTIDEPRESSANT not in ANTIDEPRESSANTS


@pytest.mark.parametrize(
    ("name", "note_fragment"),
    [
        ("citalopram", "max 40 (QT)"),
        ("trazodone", "25-100 mg hypnotic use is not an antidepressant trial"),
        ("phenelzine", "45 mg is the usual effective minimum [U]"),
        ("bupropion", "HBr salt 348"),
    ],
    ids=["citalopram", "trazodone", "phenelzine", "bupropion"],
)
def test_antidepressant_keeps_the_table_note(name, note_fragment):
    assert note_fragment in ANTIDEPRESSANTS[name].note


@pytest.mark.parametrize(("name", "display"), [("sertraline", "Sertraline"), ("fluvoxamine_cr", "Fluvoxamine CR")])
def test_antidepressant_display_name(name, display):
    assert drug_display(name) == display


@pytest.mark.parametrize(
    ("name", "limit"),
    [("sertraline", 400), ("duloxetine", 120), ("selegiline_transdermal", 24), ("bupropion", 600)],
    ids=["sertraline", "duloxetine", "selegiline", "bupropion"],
)
def test_plausible_dose_limit_is_twice_the_usual_maximum(name, limit):
    assert max_plausible_dose_mg(name) == limit


@pytest.mark.parametrize("name", [OTHER_ANTIDEPRESSANT, "lithium", "unknown_drug"])
def test_plausible_dose_limit_is_none_outside_table_1_3(name):
    assert max_plausible_dose_mg(name) is None


def test_controlled_release_forms_are_the_same_drug():
    assert molecule("fluvoxamine_cr") == molecule("fluvoxamine") == "fluvoxamine"
    assert molecule("paroxetine_cr") == "paroxetine"
    assert molecule("sertraline") == "sertraline"


@pytest.mark.parametrize(
    ("name", "classes"),
    [
        ("sertraline", {"ssri", "antidepressant"}),
        ("agomelatine", {"mt1/mt2 agonist", "antidepressant"}),
        ("phenelzine", {"maoi", "antidepressant"}),
        (OTHER_ANTIDEPRESSANT, {"antidepressant"}),
        ("Sertraline", {"ssri", "antidepressant"}),
        ("unknown_drug", set()),
    ],
    ids=["ssri", "mt1-mt2", "maoi", "other", "capitalised", "unknown"],
)
def test_antidepressant_classes(name, classes):
    assert drug_classes(name) == classes


# Every medicine the brief lists, with the classes the rules ask about (a subset of its classes).
MEDICINE_CLASSES = [
    ("metformin", {"biguanide", "glucose_lowering"}),
    ("insulin", {"insulin", "glucose_lowering"}),
    *((n, {"insulin_secretagogue", "glucose_lowering"}) for n in ("gliclazide", "glipizide", "glimepiride")),
    *((n, {"insulin_secretagogue", "glucose_lowering"}) for n in ("glyburide", "repaglinide")),
    *(
        (n, {"glucose_lowering"})
        for n in (
            "empagliflozin",
            "dapagliflozin",
            "canagliflozin",
            "semaglutide",
            "liraglutide",
            "dulaglutide",
            "tirzepatide",
            "sitagliptin",
            "linagliptin",
            "pioglitazone",
        )
    ),
    *((n, {"statin", "lipid_lowering"}) for n in ("atorvastatin", "simvastatin", "rosuvastatin", "pravastatin")),
    ("ezetimibe", {"lipid_lowering"}),
    *((n, {"fibrate", "tg_lowering", "hdl_raising", "lipid_lowering"}) for n in ("fenofibrate", "gemfibrozil")),
    ("niacin", {"niacin", "tg_lowering", "hdl_raising", "lipid_lowering"}),
    *((n, {"tg_lowering", "lipid_lowering"}) for n in ("icosapent_ethyl", "omega3_acid_ethyl_esters")),
    *(
        (n, {"antihypertensive"})
        for n in (
            "lisinopril",
            "ramipril",
            "enalapril",
            "perindopril",
            "losartan",
            "valsartan",
            "candesartan",
            "irbesartan",
            "amlodipine",
            "nifedipine",
            "felodipine",
            "hydrochlorothiazide",
            "chlorthalidone",
            "indapamide",
            "metoprolol",
            "bisoprolol",
            "atenolol",
            "carvedilol",
            "nebivolol",
            "propranolol",
            "spironolactone",
            "doxazosin",
            "clonidine",
        )
    ),
    ("furosemide", {"loop_diuretic"}),
    *(
        (n, {"ppi"})
        for n in ("omeprazole", "esomeprazole", "lansoprazole", "pantoprazole", "rabeprazole", "dexlansoprazole")
    ),
    *((n, {"h2_blocker"}) for n in ("famotidine", "ranitidine", "cimetidine")),
    ("lithium", {"lithium"}),
    *((n, {"thyroid_hormone"}) for n in ("levothyroxine", "liothyronine")),
    *(
        (n, {"glucocorticoid"})
        for n in (
            "prednisone",
            "prednisolone",
            "hydrocortisone",
            "dexamethasone",
            "methylprednisolone",
            "budesonide",
            "fluticasone_inhaled",
            "beclometasone_inhaled",
        )
    ),
    *(
        (n, {"opioid"})
        for n in (
            "morphine",
            "oxycodone",
            "hydrocodone",
            "tramadol",
            "codeine",
            "fentanyl",
            "buprenorphine",
            "methadone",
            "tapentadol",
        )
    ),
    ("combined_oral_contraceptive", {"hormonal_contraception", "oral_estrogen"}),
    ("estradiol_oral", {"oral_estrogen", "hrt"}),
    ("estradiol_transdermal", {"hrt"}),
    *((n, {"hormonal_contraception"}) for n in ("progestogen_only_pill", "levonorgestrel_ius", "medroxyprogesterone")),
    *((n, {"folate_antagonist"}) for n in ("valproate", "carbamazepine", "methotrexate")),
    ("amiodarone", {"thyroid_interfering"}),
    ("metoclopramide", {"prolactin_raising"}),
]


@pytest.mark.parametrize(("name", "classes"), MEDICINE_CLASSES, ids=[m[0] for m in MEDICINE_CLASSES])
def test_medicine_has_the_classes_the_rules_use(name, classes):
    assert name in MEDICINES
    assert classes <= drug_classes(name)


@pytest.mark.parametrize(
    ("name", "classes"),
    [
        ("estradiol_transdermal", {"oral_estrogen"}),
        ("furosemide", {"antihypertensive"}),
        ("progestogen_only_pill", {"oral_estrogen"}),
        ("ezetimibe", {"tg_lowering", "statin"}),
        ("metformin", {"insulin", "insulin_secretagogue"}),
    ],
    ids=["transdermal-estradiol", "furosemide", "pop", "ezetimibe", "metformin"],
)
def test_medicine_lacks_classes_it_should_not_have(name, classes):
    assert not classes & drug_classes(name)


AUGMENTATION_NAMES = [
    "lithium",
    "liothyronine",
    "aripiprazole",
    "brexpiprazole",
    "quetiapine",
    "cariprazine",
    "olanzapine_fluoxetine",
    "olanzapine",
    "risperidone",
    "paliperidone",
    "ziprasidone",
    "lurasidone",
    "clozapine",
    "amisulpride",
    "asenapine",
]
ANTIPSYCHOTICS = AUGMENTATION_NAMES[2:]
PARTIAL_AGONISTS = {"aripiprazole", "brexpiprazole", "cariprazine"}


def test_augmentation_catalogue_lists_section_1_3_agents_and_other_atypicals():
    assert set(AUGMENTATION_AGENTS) == set(AUGMENTATION_NAMES)
    assert set(AUGMENTATION_AGENTS) <= set(MEDICINES)


@pytest.mark.parametrize("name", ANTIPSYCHOTICS)
def test_antipsychotic_raises_prolactin_unless_partial_agonist(name):
    classes = drug_classes(name)
    assert "antipsychotic" in classes
    assert ("prolactin_raising" in classes) is (name not in PARTIAL_AGONISTS)


def test_supplements_catalogue():
    assert set(SUPPLEMENTS) == {
        "biotin",
        "vitamin_d",
        "vitamin_b12",
        "iron",
        "omega_3",
        "folic_acid",
        "methylfolate",
        "magnesium",
        "zinc",
    }
    assert drug_display("vitamin_d") == "Vitamin D"


def test_unknown_drug_is_displayed_as_recorded():
    assert drug_display("St John's wort") == "St John's wort"


# --- is_on_class / courses_of_class -----------------------------------------------------------------------

LITHIUM_AUGMENTATION = Augmentation("lithium", start=D(2026, 3, 1), end=D(2026, 6, 30))
METFORMIN = Medicine("metformin", start=D(2025, 1, 1), end=D(2025, 12, 31))
OPEN_PPI = Medicine("omeprazole")  # start unknown, ongoing
SERTRALINE = trial("sertraline", (50, D(2026, 1, 1), D(2026, 2, 1)), (100, D(2026, 2, 1), None))

ON_CLASS_CASES = [
    ("lithium as augmentation counts as lithium use", (), (LITHIUM_AUGMENTATION,), (), "lithium", D(2026, 4, 1), True),
    ("first day of an augmentation", (), (LITHIUM_AUGMENTATION,), (), "lithium", D(2026, 3, 1), True),
    ("last day of an augmentation", (), (LITHIUM_AUGMENTATION,), (), "lithium", D(2026, 6, 30), True),
    ("day before an augmentation", (), (LITHIUM_AUGMENTATION,), (), "lithium", D(2026, 2, 28), False),
    ("day after an augmentation", (), (LITHIUM_AUGMENTATION,), (), "lithium", D(2026, 7, 1), False),
    ("medicine on its last day", (METFORMIN,), (), (), "biguanide", D(2025, 12, 31), True),
    ("medicine the day after it stopped", (METFORMIN,), (), (), "glucose_lowering", D(2026, 1, 1), False),
    ("medicine of another class", (METFORMIN,), (), (), "statin", D(2025, 6, 1), False),
    ("unknown start counts as before the day", (OPEN_PPI,), (), (), "ppi", D(2000, 1, 1), True),
    ("antidepressant trial is on its class", (), (), (SERTRALINE,), "ssri", D(2026, 10, 1), True),
    ("antidepressant trial before it started", (), (), (SERTRALINE,), "antidepressant", D(2025, 12, 31), False),
    (
        "augmentation antipsychotic",
        (),
        (Augmentation("quetiapine", D(2026, 1, 1)),),
        (),
        "antipsychotic",
        D(2026, 9, 1),
        True,
    ),
]


@pytest.mark.parametrize(
    ("medicines", "augmentations", "trials", "cls", "day", "expected"),
    [c[1:] for c in ON_CLASS_CASES],
    ids=[c[0] for c in ON_CLASS_CASES],
)
def test_is_on_class(medicines, augmentations, trials, cls, day, expected):
    snapshot = make_snapshot(medicines=medicines, augmentations=augmentations, trials=trials)
    assert is_on_class(snapshot, cls, day) is expected


def test_courses_of_class_lists_every_record_earliest_first():
    snapshot = make_snapshot(
        medicines=(Medicine("lithium", start=D(2026, 8, 1)), Medicine("metformin", start=D(2020, 1, 1))),
        augmentations=(LITHIUM_AUGMENTATION,),
    )
    assert courses_of_class(snapshot, "lithium") == [
        ("lithium", D(2026, 3, 1), D(2026, 6, 30)),
        ("lithium", D(2026, 8, 1), None),
    ]


def test_courses_of_class_puts_unknown_start_first():
    snapshot = make_snapshot(medicines=(METFORMIN, OPEN_PPI, Medicine("pantoprazole", start=D(2024, 1, 1))))
    assert courses_of_class(snapshot, "ppi") == [("omeprazole", None, None), ("pantoprazole", D(2024, 1, 1), None)]
