"""The rule set as a whole: every rule of section 11 present once, versioned, cited; the package is pure;
any valid snapshot evaluates without error and deterministically."""

from __future__ import annotations

import ast
import datetime as dt
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screening.rules import RULES, RULES_BY_ID, RULESET_VERSION, Category, Level, evaluate
from screening.rules.analytes import ANALYTES, to_canonical
from screening.rules.drugs import ANTIDEPRESSANTS, MEDICINES
from screening.rules.snapshot import (
    Adherence,
    Ancestry,
    Comparator,
    DosePeriod,
    Episode,
    LabValue,
    Measurement,
    Medicine,
    Outcome,
    PatientInfo,
    ScaleScore,
    Severity,
    Sex,
    Snapshot,
    Trial,
)

RULES_DIR = Path(__file__).resolve().parents[2] / "screening" / "rules"
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "clinical-reference.md"

# Section 11 of the clinical reference, written out independently of the code.
SECTION_11_IDS = """
META-01a META-01b META-02a META-02b META-03 META-04 META-05 META-06 META-07a META-07b META-08
INFL-01a INFL-01b INFL-01c INFL-02
THY-01a THY-01b THY-02 THY-03a THY-03b THY-03c THY-04 THY-05 THY-06
HORM-01 HORM-02 HORM-03a HORM-03b HORM-04a HORM-04b HORM-05 HORM-06
NUTR-01a NUTR-01b NUTR-01c NUTR-02a NUTR-02b NUTR-03a NUTR-03b NUTR-03c NUTR-04 NUTR-05a NUTR-05b NUTR-05c
NUTR-06a NUTR-06b NUTR-07 NUTR-08 NUTR-09 MED-01 MED-02
DATA-01 DATA-02 DATA-03 DATA-04 TRD-01 TRD-02 TRD-03 TRD-04
""".split()

PREFIX_CATEGORY = {
    "META": Category.METABOLIC,
    "INFL": Category.INFLAMMATORY,
    "THY": Category.HORMONAL,
    "HORM": Category.HORMONAL,
    "NUTR": Category.NUTRIENT,
    "MED": Category.MEDICATION,
    "DATA": Category.DATA_GAP,
    "TRD": Category.TRD,
}


def test_every_section_11_rule_is_registered_once():
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids)) == 59
    assert set(ids) == set(SECTION_11_IDS)


def test_every_rule_is_versioned_cited_and_explained():
    for rule in RULES:
        assert isinstance(rule.version, int) and rule.version >= 1, rule.id
        assert rule.source.strip(), rule.id
        assert rule.message.strip() and rule.follow_up.strip() and rule.rationale.strip(), rule.id
        assert rule.severity in set(Level), rule.id
        for threshold in rule.thresholds:
            assert threshold.name.isupper() and threshold.unit, (rule.id, threshold)


def test_categories_follow_the_reference_preface():
    for rule in RULES:
        expected = Category.SAFETY if rule.id == "HORM-05" else PREFIX_CATEGORY[rule.id.split("-")[0]]
        assert rule.category == expected, rule.id


def test_ruleset_version_is_set():
    assert re.fullmatch(r"\d{4}\.\d{1,2}\.\d+", RULESET_VERSION)


@pytest.mark.skipif(not REFERENCE.exists(), reason="the clinical reference is not beside this checkout")
def test_messages_severities_follow_ups_and_sources_match_the_reference_verbatim():
    text = REFERENCE.read_text()
    section = text[text.index("## 11. Screening rules") : text.index("## 13.")]
    rows = re.findall(r"^\| ((?:META|INFL|THY|HORM|NUTR|MED|DATA|TRD)-\d\d[a-c]?) \|(.*)\|\s*$", section, re.M)
    assert len(rows) == 59
    for rule_id, rest in rows:
        cells = [cell.strip() for cell in rest.split("|")]
        _inputs, _condition, severity, message, follow_up, source = cells
        rule = RULES_BY_ID[rule_id]
        assert rule.severity == severity, rule_id
        assert rule.message == message, rule_id
        assert rule.follow_up == follow_up, rule_id
        assert rule.source == source, rule_id


def test_rules_package_imports_nothing_outside_the_standard_library():
    allowed_roots = set(sys.stdlib_module_names) | {"__future__"}
    for path in RULES_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed_roots, f"{path.name} imports {name}"


def test_rules_never_read_the_clock():
    for path in RULES_DIR.glob("*.py"):
        source = path.read_text()
        for forbidden in ("date.today(", ".now(", "utcnow(", "time.time("):
            assert forbidden not in source, f"{path.name} calls {forbidden}"


# ---------------------------------------------------------------------------------------------------------
# Property-based: any valid snapshot evaluates, deterministically

AS_OF = dt.date(2026, 11, 1)
dates = st.dates(min_value=dt.date(2018, 1, 1), max_value=AS_OF)
SAFE_LAB_VALUES = {
    # a sample of analytes with values spanning their plausible ranges in the canonical unit
    "hba1c": (3.0, 20.0),
    "glucose": (20, 600),
    "insulin": (0.2, 300),
    "triglycerides": (10, 2000),
    "hdl": (5, 200),
    "hscrp": (0, 200),
    "crp": (0, 200),
    "tsh": (0.001, 150),
    "ft4": (0.1, 8),
    "ft3": (0.5, 30),
    "anti_tpo": (0, 2000),
    "b12": (30, 3000),
    "folate": (0.5, 40),
    "mma": (0.01, 5),
    "homocysteine": (1, 100),
    "ferritin": (1, 3000),
    "tsat": (1, 100),
    "vitamin_d": (2, 150),
    "magnesium": (0.2, 1.3),
    "zinc": (25, 500),
    "omega3_index": (1, 20),
    "testosterone": (50, 3000),
    "cortisol": (0.2, 100),
    "prolactin": (0.5, 500),
    "lithium": (0, 5),
}


@st.composite
def lab_values(draw):
    key = draw(st.sampled_from(sorted(SAFE_LAB_VALUES)))
    low, high = SAFE_LAB_VALUES[key]
    value = round(draw(st.floats(min_value=low, max_value=high, allow_nan=False)), 3)
    unit = draw(st.sampled_from(sorted(ANALYTES[key].units)))
    entered = value if unit == ANALYTES[key].canonical_unit else None
    canonical_unit = ANALYTES[key].canonical_unit
    if entered is None:
        # express the canonical value in the other unit, as a laboratory would report it
        from screening.rules.analytes import from_canonical

        entered = from_canonical(key, value, unit)
    comparator = draw(st.sampled_from([None, None, None, Comparator.LT, Comparator.GT]))
    return LabValue(
        analyte=key,
        value=to_canonical(key, entered, unit) if unit != canonical_unit else value,
        collected=draw(dates),
        entered_value=entered,
        entered_unit=unit,
        comparator=comparator,
        time=draw(st.one_of(st.none(), st.times())),
        fasting=draw(st.sampled_from([None, True, False])),
    )


@st.composite
def trials(draw):
    start = draw(dates)
    periods = []
    for _ in range(draw(st.integers(1, 3))):
        end = draw(st.one_of(st.none(), st.dates(min_value=start, max_value=AS_OF)))
        periods.append(
            DosePeriod(daily_dose_mg=draw(st.sampled_from([5, 10, 25, 50, 75, 150, 300])), start=start, end=end)
        )
        if end is None or end >= AS_OF:
            break
        start = end + dt.timedelta(days=1)
    return Trial(
        drug=draw(st.sampled_from([*sorted(ANTIDEPRESSANTS), "other"])),
        dose_periods=tuple(periods),
        adherence=draw(st.sampled_from(list(Adherence))),
        outcome=draw(st.one_of(st.none(), st.sampled_from(list(Outcome)))),
        improvement_pct=draw(st.one_of(st.none(), st.integers(-50, 100))),
    )


@st.composite
def snapshots(draw):
    sex = draw(st.sampled_from(list(Sex)))
    scores = st.builds(
        ScaleScore,
        date=dates,
        items=st.lists(st.integers(0, 3), min_size=9, max_size=9).map(tuple),
    )
    epds = st.builds(
        ScaleScore,
        date=dates,
        items=st.lists(st.integers(0, 3), min_size=10, max_size=10).map(tuple),
    )
    return Snapshot(
        patient=PatientInfo(
            sex=sex,
            birth_date=draw(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2006, 1, 1))),
            ancestry=draw(st.sampled_from(list(Ancestry))),
            delivery_date=draw(st.one_of(st.none(), dates)) if sex == Sex.FEMALE else None,
        ),
        conditions=frozenset(draw(st.sets(st.sampled_from(["type2_diabetes", "hypertension", "type1_diabetes"])))),
        medicines=tuple(
            draw(
                st.lists(
                    st.builds(Medicine, name=st.sampled_from(sorted(MEDICINES)), start=st.one_of(st.none(), dates)),
                    max_size=4,
                )
            )
        ),
        measurements=tuple(
            draw(
                st.lists(
                    st.builds(
                        Measurement,
                        date=dates,
                        weight_kg=st.one_of(st.none(), st.floats(40, 200)),
                        height_cm=st.one_of(st.none(), st.floats(140, 210)),
                        waist_cm=st.one_of(st.none(), st.floats(55, 160)),
                    ),
                    max_size=4,
                )
            )
        ),
        labs=tuple(draw(st.lists(lab_values(), max_size=25))),
        episode=Episode(
            onset=draw(st.one_of(st.none(), dates)),
            severity=draw(st.one_of(st.none(), st.sampled_from(list(Severity)))),
        ),
        trials=tuple(draw(st.lists(trials(), max_size=5))),
        phq9=tuple(draw(st.lists(scores, max_size=4))),
        epds=tuple(draw(st.lists(epds, max_size=2))),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots())
def test_any_valid_snapshot_evaluates_deterministically(snapshot):
    first = evaluate(snapshot, as_of=AS_OF)
    second = evaluate(snapshot, as_of=AS_OF)
    assert first == second
    assert first.to_dict() == second.to_dict()
    # every rule is accounted for at most once: a finding or a not-evaluable entry, never both
    assert not (first.rule_ids & first.not_evaluable_ids)
    assert first.rule_ids | first.not_evaluable_ids <= set(RULES_BY_ID)


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_rule_texts_have_no_space_before_punctuation(rule):
    for text in (rule.message, rule.follow_up, rule.rationale, rule.source):
        assert not re.search(r"\s[.,;:](\s|$)", text), (rule.id, text)


def test_message_outline_shows_placeholders_as_gaps():
    assert RULES_BY_ID["TRD-03"].message_outline == "Maudsley Staging Method score is … (…)."
    assert RULES_BY_ID["META-01a"].message_outline == RULES_BY_ID["META-01a"].message
    assert RULES_BY_ID["NUTR-09"].message_outline == "Omega-3 index is in the lowest (<= 4%) zone."  # not a gap
    assert not any(re.search(r"<[^<>]+>", rule.message_outline) for rule in RULES)
