"""``python manage.py screen FILE``: screen one snapshot given as JSON and print the result as JSON.

The input and output formats, the exit codes and the error format are in docs/screening-json.md. The command
touches no database and reads no clock: it parses the file (:mod:`screening.rules.json_io`), runs the pure
rules engine as of the snapshot's own ``as_of`` date, and prints ``ScreeningResult.to_dict()``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import fields
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from screening.rules import ScreeningOptions, evaluate
from screening.rules.drugs import ANTIDEPRESSANTS
from screening.rules.json_io import SnapshotError, loads, parse_snapshot
from screening.rules.options import ALLOWED_VALUES

#: Exit status for input that cannot be screened (argparse uses the same for bad arguments).
BAD_INPUT = 2

_DEFAULTS: dict[str, Any] = {f.name: getattr(ScreeningOptions(), f.name) for f in fields(ScreeningOptions)}


class InputProblems(CommandError):
    """Bad input: the message is one line per problem, printed to standard error as it is."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems), returncode=BAD_INPUT)
        self.problems = problems


class Command(BaseCommand):
    help = (
        "Screen one patient snapshot (JSON, see docs/screening-json.md) with the clinic-neutral default options "
        "and print the result as JSON. Exit status 2 on bad input, with one line per problem on standard error."
    )
    # Pure computation: no database, so no system or migration checks.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the snapshot JSON file, or - to read standard input")
        parser.add_argument(
            "--option",
            action="append",
            default=[],
            dest="choices",
            metavar="KEY=VALUE",
            help=(
                "a per-clinic choice of section 13 of the clinical reference, repeatable, e.g. "
                "--option adequate_trial_weeks=4 --option failure_definition=lt50; "
                f"keys: {', '.join(_DEFAULTS)}"
            ),
        )

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except InputProblems as error:
            # Django prints a CommandError from the command line as "CommandError: <message>"; the contract is
            # one bare line per problem, so print it here. call_command() still gets the exception.
            if not self._called_from_command_line or options.get("traceback"):
                raise
            self.stderr.write(str(error))
            sys.exit(error.returncode)

    def handle(self, *args: Any, file: str, choices: list[str], **options: Any) -> None:
        # Every problem is collected before giving up: option problems and input problems together.
        screening_options, problems = _screening_options(choices)
        text, read_problem = _read(file)
        if read_problem:
            raise InputProblems([*problems, read_problem])
        try:
            snapshot, as_of = parse_snapshot(loads(text or ""))
        except SnapshotError as error:
            raise InputProblems([*problems, *error.problems]) from None
        if problems:
            raise InputProblems(problems)
        result = evaluate(snapshot, as_of=as_of, options=screening_options)
        self.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))


def _read(file: str) -> tuple[str | None, str | None]:
    """The text of ``file`` (``-`` is standard input) as UTF-8, or a problem line."""
    name = "standard input" if file == "-" else file
    try:
        if file == "-":
            stream = getattr(sys.stdin, "buffer", None)
            data = stream.read() if stream is not None else sys.stdin.read().encode()
        else:
            data = Path(file).read_bytes()
    except OSError as error:
        return None, f"{name}: cannot be read ({error.strerror or error})"
    try:
        return data.decode("utf-8-sig"), None  # a byte-order mark, as some editors write, is harmless
    except UnicodeDecodeError as error:
        return None, f"{name}: is not UTF-8 text (byte {error.start + 1})"


def _screening_options(choices: list[str]) -> tuple[ScreeningOptions, list[str]]:
    """``--option key=value`` pairs as options; unknown keys are refused here (``from_dict`` ignores them)."""
    problems: list[str] = []
    data: dict[str, Any] = {}
    for choice in choices:
        key, sep, raw = choice.partition("=")
        key, value = key.strip(), _option_value(raw.strip())
        if not sep or not key:
            problems.append(f"--option {choice}: expected KEY=VALUE")
        elif key not in _DEFAULTS:
            problems.append(f"--option {choice}: {key} is not an option; options: {', '.join(_DEFAULTS)}")
        elif key == "min_dose_overrides":
            problems += [f"--option {choice}: {problem}" for problem in _override_problems(value)]
            data[key] = value
        elif not _is_allowed(key, value):
            allowed = ", ".join(_shown(v) for v in _allowed(key))
            problems.append(f"--option {choice}: {_shown(value)} is not one of {allowed}")
        else:
            data[key] = value
    if problems:
        return ScreeningOptions(), problems
    return ScreeningOptions.from_dict(data), problems


def _allowed(key: str) -> tuple[Any, ...]:
    """The values an option may take: its enum's values, or the alternatives of section 13."""
    default = _DEFAULTS[key]
    if isinstance(default, StrEnum):
        return tuple(member.value for member in type(default))
    return ALLOWED_VALUES[key]


def _is_allowed(key: str, value: Any) -> bool:
    if isinstance(_DEFAULTS[key], StrEnum):
        return isinstance(value, str) and value in _allowed(key)
    # Numbers compare as numbers (4 and 4.0 are the same TSH limit); true is not 1.
    return not isinstance(value, bool) and isinstance(value, int | float) and value in _allowed(key)


def _option_value(raw: str) -> Any:
    """A JSON value when the text is one (4, 2.0, {"sertraline": 100}), otherwise the text (lt50)."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _shown(value: Any) -> str:
    """An option value as typed: lt50, 4, 2.5."""
    return value if isinstance(value, str) else json.dumps(value)


def _override_problems(overrides: Any) -> list[str]:
    if not isinstance(overrides, dict):
        return ['expected a JSON object of antidepressants and mg/day, e.g. {"sertraline": 100}']
    problems = []
    for name, dose in overrides.items():
        if name not in ANTIDEPRESSANTS:
            problems.append(f"{json.dumps(name)} is not a known antidepressant")
        if isinstance(dose, bool) or not isinstance(dose, int | float) or not 0 < dose < float("inf"):
            problems.append(f"{json.dumps(dose)} for {name} is not a daily dose above 0 mg")
    return problems
