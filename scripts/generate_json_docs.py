"""Write the parts of the JSON contract's documentation that come from the code's catalogues.

    .venv/bin/python scripts/generate_json_docs.py           # rewrite the generated parts
    .venv/bin/python scripts/generate_json_docs.py --check   # exit 1 if anything is out of date (tests run this)

Generated: in docs/screening-json.md, the blocks between ``<!-- BEGIN GENERATED name -->`` and
``<!-- END GENERATED name -->`` (enumerations, analytes and their units, drug catalogues); in the two JSON
Schemas under docs/schemas/, the ``enum`` lists of the vocabularies. Everything else is written by hand.
The example result is regenerated with ``manage.py screen`` (see the end of docs/screening-json.md).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from screening.rules import drugs, snapshot  # noqa: E402  (needs the path above)
from screening.rules.analytes import ANALYTES  # noqa: E402
from screening.rules.json_io import CONDITIONS, OTHER  # noqa: E402
from screening.rules.result import Category, Level  # noqa: E402
from screening.rules.units import unit_label  # noqa: E402

DOC = ROOT / "docs" / "screening-json.md"
INPUT_SCHEMA = ROOT / "docs" / "schemas" / "screening-input.schema.json"
RESULT_SCHEMA = ROOT / "docs" / "schemas" / "screening-result.schema.json"


def _values(enum: Iterable[object]) -> list[str]:
    return [str(member) for member in enum]


def input_enums() -> dict[str, list[str]]:
    """The vocabularies of the input format, by ``$defs`` name."""
    return {
        "sex": _values(snapshot.Sex),
        "ancestry": _values(snapshot.Ancestry),
        "menstrual_status": _values(snapshot.MenstrualStatus),
        "severity": _values(snapshot.Severity),
        "adherence": _values(snapshot.Adherence),
        "outcome": _values(snapshot.Outcome),
        "laterality": _values(snapshot.Laterality),
        "condition": list(CONDITIONS),
        "antidepressant": [*drugs.ANTIDEPRESSANTS, OTHER],
        "augmentation_drug": [*drugs.AUGMENTATION_AGENTS, *drugs.ANTIDEPRESSANTS, OTHER],
        "medicine_name": [*drugs.MEDICINES, OTHER],
        "supplement_name": [*drugs.SUPPLEMENTS, OTHER],
    }


def result_enums() -> dict[str, list[str]]:
    return {"category": _values(Category), "severity": _values(Level)}


# ---------------------------------------------------------------------------------------------------------
# Markdown blocks


def _code(text: str) -> str:
    return f"`{text}`"


def _table(header: list[str], rows: Iterable[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def enums_block() -> str:
    fields = {
        "sex": "`patient.sex`",
        "ancestry": "`patient.ancestry` (default `unknown`)",
        "menstrual_status": "`patient.menstrual_status`",
        "severity": "`episode.severity`",
        "adherence": "`trials[].adherence` (default `unknown`)",
        "outcome": "`trials[].outcome`, `augmentations[].outcome`, `ect[].outcome`",
        "laterality": "`ect[].laterality` (default `unknown`)",
        "condition": "`conditions[]`",
    }
    enums = input_enums()
    rows = [[where, ", ".join(_code(v) for v in enums[name])] for name, where in fields.items()]
    rows.append(["`labs[].comparator`", ", ".join(_code(c.value) for c in snapshot.Comparator)])
    return _table(["Field", "Values"], rows)


def analytes_block() -> str:
    rows = []
    for analyte in ANALYTES.values():
        units = [_code(u) + ("" if unit_label(u) == u else f" ({unit_label(u)})") for u in analyte.units]
        names = [a for a in analyte.aliases if a != analyte.key]
        rows.append(
            [
                _code(analyte.key),
                analyte.name,
                ", ".join(_code(code) for code in analyte.loinc) or "none",
                units[0],
                ", ".join(units[1:]) or "—",
                ", ".join(_code(name) for name in names) or "—",
            ]
        )
    return _table(["Key", "Name", "LOINC (first = primary)", "Canonical unit", "Other units accepted", "Aliases"], rows)


def antidepressants_block() -> str:
    rows = [
        [_code(row.name), row.display, row.drug_class, f"{row.min_adequate_mg:g}", f"{row.usual_max_mg:g}"]
        for row in drugs.ANTIDEPRESSANTS.values()
    ]
    header = ["`drug`", "Drug", "Class", "Minimum adequate dose (mg/day)", "Usual maximum (mg/day)"]
    return _table(header, rows)


def _medicine_rows(names: Iterable[str]) -> list[list[str]]:
    return [
        [_code(name), drugs.MEDICINES[name].display, ", ".join(sorted(drugs.MEDICINES[name].classes))] for name in names
    ]


def augmentations_block() -> str:
    return _table(["`drug`", "Drug", "Classes"], _medicine_rows(drugs.AUGMENTATION_AGENTS))


def medicines_block() -> str:
    return _table(["`name`", "Medicine", "Classes"], _medicine_rows(drugs.MEDICINES))


def supplements_block() -> str:
    return _table(["`name`", "Supplement"], [[_code(name), display] for name, display in drugs.SUPPLEMENTS.items()])


BLOCKS: dict[str, Callable[[], str]] = {
    "enums": enums_block,
    "analytes": analytes_block,
    "antidepressants": antidepressants_block,
    "augmentation-agents": augmentations_block,
    "medicines": medicines_block,
    "supplements": supplements_block,
}


def render_doc(text: str) -> str:
    for name, build in BLOCKS.items():
        begin, end = f"<!-- BEGIN GENERATED {name} -->\n", f"<!-- END GENERATED {name} -->"
        pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"{DOC.relative_to(ROOT)}: no generated block named {name!r}")
        block = begin + build() + "\n" + end
        text = pattern.sub(lambda _match, block=block: block, text)
    return text


def render_schema(text: str, enums: dict[str, list[str]]) -> str:
    schema = json.loads(text)
    for name, values in enums.items():
        schema["$defs"][name]["enum"] = values
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report out-of-date files instead of writing them")
    args = parser.parse_args(argv)
    outputs = {
        DOC: render_doc,
        INPUT_SCHEMA: lambda text: render_schema(text, input_enums()),
        RESULT_SCHEMA: lambda text: render_schema(text, result_enums()),
    }
    stale = []
    for path, render in outputs.items():
        current = path.read_text(encoding="utf-8")
        wanted = render(current)
        if wanted != current:
            stale.append(path)
            if not args.check:
                path.write_text(wanted, encoding="utf-8")
    for path in stale:
        verb = "is out of date" if args.check else "written"
        print(f"{path.relative_to(ROOT)} {verb}", file=sys.stderr if args.check else sys.stdout)
    if args.check and stale:
        print("Run: .venv/bin/python scripts/generate_json_docs.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
