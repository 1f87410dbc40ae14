"""Drug catalogues: antidepressants with their minimum adequate doses, augmentation agents, other medicines.

Pure data plus small lookups. The antidepressant table is table 1.3 of the clinical reference (minimum
adequate dose = lower bound of the usual therapeutic daily dose, UpToDate and McMaster); the classes of the
other medicines are the ones the screening rules ask about (section 10 and the rules of section 11).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from .base import memo_per_snapshot
from .snapshot import Snapshot

# ---------------------------------------------------------------------------------------------------------
# Antidepressants (clinical reference table 1.3)


@dataclass(frozen=True, slots=True)
class Antidepressant:
    """One row of table 1.3. Doses are mg/day (selegiline transdermal: mg/24 h)."""

    name: str  # generic, lower-case key
    display: str
    drug_class: str  # exactly as table 1.3 writes it ("SSRI", "MT1/MT2 agonist", ...)
    min_adequate_mg: float  # the app minimum adequate dose
    usual_max_mg: float  # upper bound of the UpToDate usual daily range
    note: str = ""


_ANTIDEPRESSANT_ROWS: tuple[Antidepressant, ...] = (
    Antidepressant("citalopram", "Citalopram", "SSRI", 20, 40, "max 40 (QT)"),
    Antidepressant("escitalopram", "Escitalopram", "SSRI", 10, 20),
    Antidepressant("fluoxetine", "Fluoxetine", "SSRI", 20, 60),
    Antidepressant("fluvoxamine", "Fluvoxamine", "SSRI", 50, 200, "several TRD protocols use 100 [U]"),
    Antidepressant("fluvoxamine_cr", "Fluvoxamine CR", "SSRI", 100, 200),
    Antidepressant("paroxetine", "Paroxetine", "SSRI", 20, 40),
    Antidepressant("paroxetine_cr", "Paroxetine CR", "SSRI", 25, 50),
    Antidepressant("sertraline", "Sertraline", "SSRI", 50, 200),
    # One row for IR and XR, as in table 1.3; the usual maximum is the IR bound (XR 75-225).
    Antidepressant(
        "venlafaxine", "Venlafaxine (IR or XR)", "SNRI", 75, 375, "ATRQ appears stricter (> 75; often 150) [U]"
    ),
    Antidepressant("desvenlafaxine", "Desvenlafaxine", "SNRI", 50, 100),
    # UpToDate gives a single usual dose of 60 mg (McMaster 60-120); 2 x 60 still admits 120 mg at entry.
    Antidepressant("duloxetine", "Duloxetine", "SNRI", 60, 60, "30 mg is a start dose only"),
    Antidepressant("levomilnacipran", "Levomilnacipran", "SNRI", 40, 80),
    Antidepressant("milnacipran", "Milnacipran", "SNRI", 100, 200, "not licensed for MDD in US"),
    Antidepressant("bupropion", "Bupropion (IR/SR/XL)", "NDRI", 300, 300, "150 mg is a start dose; HBr salt 348"),
    Antidepressant("mirtazapine", "Mirtazapine", "NaSSA", 15, 45),
    Antidepressant("agomelatine", "Agomelatine", "MT1/MT2 agonist", 25, 50, "not US"),
    Antidepressant("trazodone", "Trazodone", "SARI", 200, 400, "25-100 mg hypnotic use is not an antidepressant trial"),
    Antidepressant("nefazodone", "Nefazodone", "SARI", 300, 600),
    # UpToDate gives single usual doses (vilazodone 40, vortioxetine 20); the minimums are McMaster's lower bounds.
    Antidepressant("vilazodone", "Vilazodone", "SPARI", 20, 40),
    Antidepressant(
        "vortioxetine", "Vortioxetine", "multimodal", 10, 20, "10 mg is the licensed effective start dose [U]"
    ),
    Antidepressant("amitriptyline", "Amitriptyline", "TCA", 150, 300),
    Antidepressant("clomipramine", "Clomipramine", "TCA", 100, 250),
    Antidepressant("desipramine", "Desipramine", "TCA", 150, 300),
    Antidepressant("doxepin", "Doxepin", "TCA", 100, 300),
    Antidepressant("imipramine", "Imipramine", "TCA", 150, 300),
    Antidepressant("nortriptyline", "Nortriptyline", "TCA", 50, 150, "plasma-level guided (70-170 ng/mL) [V2]"),
    Antidepressant("protriptyline", "Protriptyline", "TCA", 15, 60),
    Antidepressant("trimipramine", "Trimipramine", "TCA", 150, 300),
    Antidepressant("maprotiline", "Maprotiline", "tetracyclic", 100, 225),
    Antidepressant("amoxapine", "Amoxapine", "tetracyclic", 200, 300),
    Antidepressant(
        "phenelzine",
        "Phenelzine",
        "MAOI",
        45,
        90,
        "UpToDate lower bound 15 is a start dose; 45 mg is the usual effective minimum [U]",
    ),
    Antidepressant("tranylcypromine", "Tranylcypromine", "MAOI", 30, 60),
    Antidepressant("isocarboxazid", "Isocarboxazid", "MAOI", 30, 40, "10 is a start dose [U for 30]"),
    Antidepressant("selegiline_transdermal", "Selegiline transdermal", "MAOI", 6, 12),  # mg/24 h
)

ANTIDEPRESSANTS: Mapping[str, Antidepressant] = MappingProxyType({row.name: row for row in _ANTIDEPRESSANT_ROWS})

#: A free-text antidepressant not in table 1.3; its dose adequacy cannot be assessed.
OTHER_ANTIDEPRESSANT = "other"

# Controlled-release forms are the same drug when counting distinct failed antidepressants.
_SAME_DRUG = MappingProxyType({"fluvoxamine_cr": "fluvoxamine", "paroxetine_cr": "paroxetine"})

#: Entry refuses a dose above this multiple of the usual maximum ([design]; see max_plausible_dose_mg).
PLAUSIBLE_DOSE_FACTOR = 2


def max_plausible_dose_mg(name: str) -> float | None:
    """The highest daily dose accepted at entry for an antidepressant, or ``None`` when there is no limit.

    [design] A dose above twice the upper bound of the UpToDate usual range (table 1.3) is refused as a
    probable typing error (an extra zero, mg entered as ug). This is an input check, not a clinical
    maximum: doses between the usual maximum and twice it are accepted unremarked. Drugs outside table 1.3
    (including free-text "other") have no limit.
    """
    row = ANTIDEPRESSANTS.get(_key(name))
    return None if row is None else PLAUSIBLE_DOSE_FACTOR * row.usual_max_mg


def molecule(name: str) -> str:
    """The drug a catalogue key stands for, so that fluvoxamine and fluvoxamine CR count as one drug."""
    key = _key(name)
    return _SAME_DRUG.get(key, key)


# ---------------------------------------------------------------------------------------------------------
# Augmentation agents and other medicines


@dataclass(frozen=True, slots=True)
class MedicineInfo:
    name: str
    display: str
    classes: frozenset[str]


def _medicine(name: str, display: str, *classes: str) -> MedicineInfo:
    return MedicineInfo(name, display, frozenset(classes))


_GLUCOSE = ("glucose_lowering",)
_LIPID = ("lipid_lowering",)
_FIBRATE = ("fibrate", "tg_lowering", "hdl_raising", "lipid_lowering")
_AHT = ("antihypertensive",)
# Antipsychotics raise prolactin (section 10.3); the D2 partial agonists are the listed exceptions.
_AP = ("antipsychotic", "prolactin_raising")
_AP_PARTIAL = ("antipsychotic",)

_AUGMENTATION_ROWS: tuple[MedicineInfo, ...] = (
    # Section 10.3 lists lithium among drugs causing thyroid dysfunction.
    _medicine("lithium", "Lithium", "lithium", "thyroid_interfering"),
    _medicine("liothyronine", "Liothyronine (T3)", "thyroid_hormone"),
    _medicine("aripiprazole", "Aripiprazole", *_AP_PARTIAL),
    _medicine("brexpiprazole", "Brexpiprazole", *_AP_PARTIAL),
    _medicine("quetiapine", "Quetiapine", *_AP),
    _medicine("cariprazine", "Cariprazine", *_AP_PARTIAL),
    # The combination contains fluoxetine, so it is also an SSRI antidepressant wherever it is recorded.
    _medicine("olanzapine_fluoxetine", "Olanzapine-fluoxetine", *_AP, "ssri", "antidepressant"),
    _medicine("olanzapine", "Olanzapine", *_AP),
    _medicine("risperidone", "Risperidone", *_AP),
    _medicine("paliperidone", "Paliperidone", *_AP),
    _medicine("ziprasidone", "Ziprasidone", *_AP),
    _medicine("lurasidone", "Lurasidone", *_AP),
    _medicine("clozapine", "Clozapine", *_AP),
    _medicine("amisulpride", "Amisulpride", *_AP),
    _medicine("asenapine", "Asenapine", *_AP),
)

_OTHER_MEDICINE_ROWS: tuple[MedicineInfo, ...] = (
    # Glucose-lowering
    _medicine("metformin", "Metformin", "biguanide", *_GLUCOSE),
    _medicine("insulin", "Insulin", "insulin", *_GLUCOSE),
    _medicine("gliclazide", "Gliclazide", "insulin_secretagogue", "sulfonylurea", *_GLUCOSE),
    _medicine("glipizide", "Glipizide", "insulin_secretagogue", "sulfonylurea", *_GLUCOSE),
    _medicine("glimepiride", "Glimepiride", "insulin_secretagogue", "sulfonylurea", *_GLUCOSE),
    _medicine("glyburide", "Glyburide (glibenclamide)", "insulin_secretagogue", "sulfonylurea", *_GLUCOSE),
    _medicine("repaglinide", "Repaglinide", "insulin_secretagogue", "meglitinide", *_GLUCOSE),
    _medicine("empagliflozin", "Empagliflozin", "sglt2_inhibitor", *_GLUCOSE),
    _medicine("dapagliflozin", "Dapagliflozin", "sglt2_inhibitor", *_GLUCOSE),
    _medicine("canagliflozin", "Canagliflozin", "sglt2_inhibitor", *_GLUCOSE),
    _medicine("semaglutide", "Semaglutide", "glp1_agonist", *_GLUCOSE),
    _medicine("liraglutide", "Liraglutide", "glp1_agonist", *_GLUCOSE),
    _medicine("dulaglutide", "Dulaglutide", "glp1_agonist", *_GLUCOSE),
    _medicine("tirzepatide", "Tirzepatide", "glp1_agonist", *_GLUCOSE),
    _medicine("sitagliptin", "Sitagliptin", "dpp4_inhibitor", *_GLUCOSE),
    _medicine("linagliptin", "Linagliptin", "dpp4_inhibitor", *_GLUCOSE),
    _medicine("pioglitazone", "Pioglitazone", "thiazolidinedione", *_GLUCOSE),
    # Lipid-lowering
    _medicine("atorvastatin", "Atorvastatin", "statin", *_LIPID),
    _medicine("simvastatin", "Simvastatin", "statin", *_LIPID),
    _medicine("rosuvastatin", "Rosuvastatin", "statin", *_LIPID),
    _medicine("pravastatin", "Pravastatin", "statin", *_LIPID),
    _medicine("ezetimibe", "Ezetimibe", *_LIPID),
    _medicine("fenofibrate", "Fenofibrate", *_FIBRATE),
    _medicine("gemfibrozil", "Gemfibrozil", *_FIBRATE),
    _medicine("niacin", "Niacin (nicotinic acid)", "niacin", "tg_lowering", "hdl_raising", *_LIPID),
    _medicine("icosapent_ethyl", "Icosapent ethyl", "tg_lowering", *_LIPID),
    _medicine("omega3_acid_ethyl_esters", "Omega-3-acid ethyl esters", "tg_lowering", *_LIPID),
    # Antihypertensives. Propranolol, clonidine and doxazosin are often given for anxiety, PTSD or sleep,
    # which is why the metabolic-syndrome rule also needs a recorded hypertension history.
    _medicine("lisinopril", "Lisinopril", "ace_inhibitor", *_AHT),
    _medicine("ramipril", "Ramipril", "ace_inhibitor", *_AHT),
    _medicine("enalapril", "Enalapril", "ace_inhibitor", *_AHT),
    _medicine("perindopril", "Perindopril", "ace_inhibitor", *_AHT),
    _medicine("losartan", "Losartan", "arb", *_AHT),
    _medicine("valsartan", "Valsartan", "arb", *_AHT),
    _medicine("candesartan", "Candesartan", "arb", *_AHT),
    _medicine("irbesartan", "Irbesartan", "arb", *_AHT),
    _medicine("amlodipine", "Amlodipine", "calcium_channel_blocker", *_AHT),
    _medicine("nifedipine", "Nifedipine", "calcium_channel_blocker", *_AHT),
    _medicine("felodipine", "Felodipine", "calcium_channel_blocker", *_AHT),
    _medicine("hydrochlorothiazide", "Hydrochlorothiazide", "thiazide_diuretic", "diuretic", *_AHT),
    _medicine("chlorthalidone", "Chlorthalidone", "thiazide_diuretic", "diuretic", *_AHT),
    _medicine("indapamide", "Indapamide", "thiazide_diuretic", "diuretic", *_AHT),
    _medicine("metoprolol", "Metoprolol", "beta_blocker", *_AHT),
    _medicine("bisoprolol", "Bisoprolol", "beta_blocker", *_AHT),
    _medicine("atenolol", "Atenolol", "beta_blocker", *_AHT),
    _medicine("carvedilol", "Carvedilol", "beta_blocker", *_AHT),
    _medicine("nebivolol", "Nebivolol", "beta_blocker", *_AHT),
    _medicine("propranolol", "Propranolol", "beta_blocker", *_AHT),
    _medicine("spironolactone", "Spironolactone", "mineralocorticoid_antagonist", "diuretic", *_AHT),
    _medicine("doxazosin", "Doxazosin", "alpha_blocker", *_AHT),
    _medicine("clonidine", "Clonidine", "alpha2_agonist", *_AHT),
    _medicine("furosemide", "Furosemide", "loop_diuretic", "diuretic"),
    # Acid suppression
    _medicine("omeprazole", "Omeprazole", "ppi"),
    _medicine("esomeprazole", "Esomeprazole", "ppi"),
    _medicine("lansoprazole", "Lansoprazole", "ppi"),
    _medicine("pantoprazole", "Pantoprazole", "ppi"),
    _medicine("rabeprazole", "Rabeprazole", "ppi"),
    _medicine("dexlansoprazole", "Dexlansoprazole", "ppi"),
    _medicine("famotidine", "Famotidine", "h2_blocker"),
    _medicine("ranitidine", "Ranitidine", "h2_blocker"),
    _medicine("cimetidine", "Cimetidine", "h2_blocker"),
    # Thyroid
    _medicine("levothyroxine", "Levothyroxine", "thyroid_hormone"),
    _medicine("amiodarone", "Amiodarone", "thyroid_interfering"),
    _medicine("interferon_alfa", "Interferon alfa", "thyroid_interfering"),
    # Glucocorticoids
    _medicine("prednisone", "Prednisone", "glucocorticoid"),
    _medicine("prednisolone", "Prednisolone", "glucocorticoid"),
    _medicine("hydrocortisone", "Hydrocortisone", "glucocorticoid"),
    _medicine("dexamethasone", "Dexamethasone", "glucocorticoid"),
    _medicine("methylprednisolone", "Methylprednisolone", "glucocorticoid"),
    _medicine("budesonide", "Budesonide", "glucocorticoid"),
    _medicine("fluticasone_inhaled", "Fluticasone (inhaled)", "glucocorticoid"),
    _medicine("beclometasone_inhaled", "Beclometasone (inhaled)", "glucocorticoid"),
    # Opioids
    _medicine("morphine", "Morphine", "opioid"),
    _medicine("oxycodone", "Oxycodone", "opioid"),
    _medicine("hydrocodone", "Hydrocodone", "opioid"),
    _medicine("tramadol", "Tramadol", "opioid"),
    _medicine("codeine", "Codeine", "opioid"),
    _medicine("fentanyl", "Fentanyl", "opioid"),
    _medicine("buprenorphine", "Buprenorphine", "opioid"),
    _medicine("methadone", "Methadone", "opioid"),
    _medicine("tapentadol", "Tapentadol", "opioid"),
    # Hormonal
    _medicine("combined_oral_contraceptive", "Combined oral contraceptive", "hormonal_contraception", "oral_estrogen"),
    _medicine("estradiol_oral", "Estradiol (oral)", "oral_estrogen", "hrt"),
    _medicine("estradiol_transdermal", "Estradiol (transdermal)", "hrt"),
    _medicine("progestogen_only_pill", "Progestogen-only pill", "hormonal_contraception"),
    _medicine("levonorgestrel_ius", "Levonorgestrel intrauterine system", "hormonal_contraception"),
    _medicine("medroxyprogesterone", "Medroxyprogesterone (injection)", "hormonal_contraception"),
    # Folate-lowering (section 10.3: valproate, carbamazepine, methotrexate lower folate)
    _medicine("valproate", "Valproate", "folate_antagonist"),
    _medicine("carbamazepine", "Carbamazepine", "folate_antagonist"),
    _medicine("methotrexate", "Methotrexate", "folate_antagonist"),
    # Prolactin-raising
    _medicine("metoclopramide", "Metoclopramide", "prolactin_raising"),
)

#: The augmentation agents of table 1.3 plus other atypical antipsychotics (count toward MSM augmentation).
AUGMENTATION_AGENTS: Mapping[str, MedicineInfo] = MappingProxyType({m.name: m for m in _AUGMENTATION_ROWS})

#: Every non-antidepressant medicine the rules know, including the augmentation agents (lithium or
#: quetiapine may be recorded as an ordinary medicine too).
MEDICINES: Mapping[str, MedicineInfo] = MappingProxyType(
    {m.name: m for m in (*_AUGMENTATION_ROWS, *_OTHER_MEDICINE_ROWS)}
)

SUPPLEMENTS: Mapping[str, str] = MappingProxyType(
    {
        "biotin": "Biotin",
        "vitamin_d": "Vitamin D",
        "vitamin_b12": "Vitamin B12",
        "iron": "Iron",
        "omega_3": "Omega-3 fatty acids",
        "folic_acid": "Folic acid",
        "methylfolate": "Methylfolate",
        "magnesium": "Magnesium",
        "zinc": "Zinc",
    }
)


# ---------------------------------------------------------------------------------------------------------
# Lookups


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


@functools.lru_cache(maxsize=512)
def drug_classes(name: str) -> frozenset[str]:
    """The classes of any recorded drug name; an empty set for a name the catalogues do not know.

    An antidepressant gives its table-1.3 class in lower case plus ``"antidepressant"`` (sertraline ->
    ``{"ssri", "antidepressant"}``); the free-text ``"other"`` antidepressant gives only
    ``"antidepressant"``.
    """
    key = _key(name)
    if key in ANTIDEPRESSANTS:
        return frozenset({ANTIDEPRESSANTS[key].drug_class.lower(), "antidepressant"})
    if key == OTHER_ANTIDEPRESSANT:
        return frozenset({"antidepressant"})
    if key in MEDICINES:
        return MEDICINES[key].classes
    return frozenset()


def drug_display(name: str) -> str:
    """The display name of any recorded drug; an unknown name is returned as recorded."""
    key = _key(name)
    if key in ANTIDEPRESSANTS:
        return ANTIDEPRESSANTS[key].display
    if key in MEDICINES:
        return MEDICINES[key].display
    if key in SUPPLEMENTS:
        return SUPPLEMENTS[key]
    if key == OTHER_ANTIDEPRESSANT:
        return "Other antidepressant"
    return name


Course = tuple[str, dt.date | None, dt.date | None]


@memo_per_snapshot
def courses_of_class(snapshot: Snapshot, cls: str) -> list[Course]:
    """Every recorded course of a drug in class ``cls`` as (name, start, end), earliest start first.

    A drug counts wherever it is recorded: ordinary medicines, augmentation agents (lithium given as
    augmentation is lithium use) and antidepressant trials (from the first dose period to the last).
    ``None`` start means "start unknown"; ``None`` end means "ongoing".
    """
    courses: list[Course] = []
    courses += [(m.name, m.start, m.end) for m in snapshot.medicines if cls in drug_classes(m.name)]
    courses += [(a.drug, a.start, a.end) for a in snapshot.augmentations if cls in drug_classes(a.drug)]
    courses += [(t.drug, t.start, t.end) for t in snapshot.trials if t.dose_periods and cls in drug_classes(t.drug)]
    courses.sort(key=lambda c: (c[1] is not None, c[1] or dt.date.min, c[0]))
    return courses


def is_on_class(snapshot: Snapshot, cls: str, day: dt.date) -> bool:
    """Is any drug of class ``cls`` recorded as taken on ``day``? (An unknown start counts as before ``day``.)"""
    return any(
        (start is None or start <= day) and (end is None or end >= day)
        for _, start, end in courses_of_class(snapshot, cls)
    )
