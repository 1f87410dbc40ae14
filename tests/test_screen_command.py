"""``manage.py screen``: JSON in, JSON out, exit status 2 with one line per problem on bad input.

Also the contract's documents: the example input and output validate against the JSON Schemas, the example
output is what the command prints now, and the generated parts of the documentation are current.
"""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from patients.models import Condition
from screening.rules.json_io import CONDITIONS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_INPUT = ROOT / "docs" / "examples" / "snapshot-example.json"
EXAMPLE_RESULT = ROOT / "docs" / "examples" / "result-example.json"
SCHEMAS = ROOT / "docs" / "schemas"


def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"screening-{name}.schema.json").read_text("utf-8"))


def validate(document: Any, name: str) -> None:
    jsonschema.validate(document, schema(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE_INPUT.read_text("utf-8"))


def screen(*args: str) -> str:
    out = io.StringIO()
    call_command("screen", *args, stdout=out)
    return out.getvalue()


def run_screen(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it (the environment, including SECRET_KEY, is the test run's)."""
    return subprocess.run(  # noqa: S603  (our own command, fixed arguments)
        [sys.executable, "manage.py", "screen", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


@pytest.fixture
def write_json(tmp_path: Path):
    def write(document: Any, name: str = "snapshot.json") -> str:
        path = tmp_path / name
        path.write_text(json.dumps(document), encoding="utf-8")
        return str(path)

    return write


# ---------------------------------------------------------------------------------------------------------
# Valid input


def test_prints_the_result_as_json_without_touching_the_database() -> None:
    # No django_db mark: any database access would fail this test.
    result = json.loads(screen(str(EXAMPLE_INPUT)))

    assert result["as_of"] == "2026-11-01"
    assert result["trd"]["meets_trd_definition"] is True


def test_result_validates_against_the_result_schema() -> None:
    validate(json.loads(screen(str(EXAMPLE_INPUT))), "result")


def test_output_is_indented_in_rule_order_with_unicode_unescaped(write_json) -> None:
    document = example()
    document["medicines"].append({"name": "other", "name_text": "Johanniskraut-Extrakt für Ärzte"})
    text = screen(write_json(document))

    assert text.startswith('{\n  "ruleset_version": ')
    assert list(json.loads(text)) == [
        "ruleset_version",
        "as_of",
        "options",
        "findings",
        "not_evaluable",
        "trd",
        "phq9",
        "epds",
    ]
    assert "\\u" not in text


def test_example_result_is_what_the_command_prints_now() -> None:
    # After a change to the rules, regenerate it as docs/screening-json.md says.
    assert json.loads(screen(str(EXAMPLE_INPUT))) == json.loads(EXAMPLE_RESULT.read_text("utf-8"))


def test_uses_the_clinic_neutral_defaults_without_options() -> None:
    options = json.loads(screen(str(EXAMPLE_INPUT)))["options"]

    assert options["adequate_trial_weeks"] == 6
    assert options["failure_definition"] == "lt25"
    assert options["min_dose_overrides"] == {}


def test_applies_section_13_options() -> None:
    result = json.loads(
        screen(
            str(EXAMPLE_INPUT),
            "--option",
            "adequate_trial_weeks=4",
            "--option",
            "failure_definition=lt50",
            "--option",
            "tsh_upper_limit=4.0",
            "--option",
            'min_dose_overrides={"sertraline": 100}',
        )
    )

    assert result["options"]["adequate_trial_weeks"] == 4
    assert result["options"]["failure_definition"] == "lt50"
    assert result["options"]["tsh_upper_limit"] == 4.0
    assert result["options"]["min_dose_overrides"] == {"sertraline": 100}
    sertraline = next(t for t in result["trd"]["trials"] if t["drug"] == "sertraline")
    assert sertraline["minimum_adequate_dose_mg"] == 100


def test_reads_standard_input_with_a_dash() -> None:
    completed = run_screen("-", stdin=EXAMPLE_INPUT.read_text("utf-8"))

    assert (completed.returncode, completed.stderr) == (0, "")
    assert json.loads(completed.stdout) == json.loads(EXAMPLE_RESULT.read_text("utf-8"))


# ---------------------------------------------------------------------------------------------------------
# Bad input


def test_bad_input_raises_command_error_with_status_2_and_one_line_per_problem(write_json) -> None:
    document = example()
    document["patient"]["birth_date"] = "1974-13-02"
    document["labs"][0]["unit"] = "mg/dL"
    document["trials"][1]["drug"] = "sertralin"

    with pytest.raises(CommandError) as error:
        screen(write_json(document))

    assert error.value.returncode == 2
    assert str(error.value).splitlines() == [
        'patient.birth_date: "1974-13-02" is not a date (YYYY-MM-DD)',
        'labs[0].unit: "mg/dL" is not accepted for 59261-8 (HbA1c); accepted units: %, mmol/mol',
        'trials[1].drug: "sertralin" is not a known antidepressant; did you mean "sertraline"?',
    ]


def test_exits_2_printing_only_the_problems_on_standard_error(write_json) -> None:
    document = example()
    document["labs"][0]["value"] = True
    document["trials"][1]["adherence"] = "sometimes"

    completed = run_screen(write_json(document))

    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.splitlines() == [
        "labs[0].value: true is a boolean, not a number",
        'trials[1].adherence: "sometimes" is not one of good, partial, poor, unknown',
    ]


def test_exits_2_on_malformed_json_from_standard_input_with_line_and_column() -> None:
    completed = run_screen("-", stdin='{\n  "as_of": "2026-11-01",\n  "patient": {"sex": "female",}\n}\n')

    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.splitlines() == [
        "malformed JSON at line 3, column 31: Expecting property name enclosed in double quotes"
    ]


def test_exits_2_when_the_file_cannot_be_read(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"

    completed = run_screen(str(missing))

    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [f"{missing}: cannot be read (No such file or directory)"]


def test_refuses_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"as_of": "2026-11-01", "note": "Müller"}'.encode("latin-1"))

    with pytest.raises(CommandError) as error:
        screen(str(path))

    assert str(error.value).splitlines() == [f"{path}: is not UTF-8 text (byte 35)"]


def test_accepts_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + EXAMPLE_INPUT.read_bytes())

    assert json.loads(screen(str(path)))["as_of"] == "2026-11-01"


@pytest.mark.parametrize(
    ("option", "problem"),
    [
        ("adequate_trial_weeks=5", "--option adequate_trial_weeks=5: 5 is not one of 6, 4"),
        ("failure_definition=lt40", "--option failure_definition=lt40: lt40 is not one of lt25, lt50"),
        ("homa_ir_cutoff=true", "--option homa_ir_cutoff=true: true is not one of 2.5, 2.0, 2.9, 3.0"),
        ("tyg_cutoff", "--option tyg_cutoff: expected KEY=VALUE"),
        (
            "homa=2.0",
            "--option homa=2.0: homa is not an option; options: adequate_trial_weeks, failure_definition, "
            "homa_ir_cutoff, tyg_cutoff, tg_hdl, waist, b12, ferritin, vitamin_d, testosterone_cutoff_ng_dl, "
            "tsh_upper_limit, epds_probable_cutoff, min_dose_overrides",
        ),
        (
            'min_dose_overrides={"sertralin": 0}',
            '--option min_dose_overrides={"sertralin": 0}: "sertralin" is not a known antidepressant',
        ),
    ],
    ids=[
        "weeks-not-offered",
        "failure-definition-unknown",
        "boolean-cutoff",
        "no-value",
        "unknown-key",
        "bad-override",
    ],
)
def test_refuses_options_outside_section_13(option: str, problem: str) -> None:
    with pytest.raises(CommandError) as error:
        screen(str(EXAMPLE_INPUT), "--option", option)

    assert error.value.returncode == 2
    assert str(error.value).splitlines()[0] == problem


def test_reports_option_and_input_problems_together(write_json) -> None:
    document = copy.deepcopy(example())
    document["phq9"][0]["total"] = 28

    with pytest.raises(CommandError) as error:
        screen(write_json(document), "--option", "waist=who")

    assert str(error.value).splitlines() == [
        "--option waist=who: who is not one of ethnicity_idf, aha_nhlbi",
        "phq9[0].total: The PHQ-9 total must be a whole number from 0 to 27; 28 was entered.",
    ]


# ---------------------------------------------------------------------------------------------------------
# The contract's documents


@pytest.mark.parametrize("name", ["input", "result"])
def test_schemas_are_valid_draft_2020_12(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(schema(name))


def test_example_input_validates_against_the_input_schema() -> None:
    validate(example(), "input")


def test_input_schema_refuses_what_the_parser_refuses_structurally() -> None:
    document = example()
    document["labs"][0]["fastng"] = True
    document["trials"][1]["adherence"] = "sometimes"

    errors = list(jsonschema.Draft202012Validator(schema("input")).iter_errors(document))

    assert len(errors) == 2


def test_example_result_validates_against_the_result_schema() -> None:
    validate(json.loads(EXAMPLE_RESULT.read_text("utf-8")), "result")


def test_generated_parts_of_the_docs_are_current() -> None:
    completed = subprocess.run(
        [sys.executable, "scripts/generate_json_docs.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr


def test_condition_codes_match_the_intake_form() -> None:
    assert set(CONDITIONS) == set(Condition.values)
