"""The canonical JSON that a screening's data fingerprint and content hash are taken of: exactly
``json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)``, whichever encoder writes it."""

from __future__ import annotations

import datetime as dt
import json
from enum import IntEnum, StrEnum

import pytest

from screening.services import _canonical_json


class Colour(StrEnum):
    RED = "red"


class Rank(IntEnum):
    HIGH = 3


def definition(data) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()


NUMBERS = [
    0, -7, 2**63 - 1, 2**70, -(2**70), 0.0, -0.0, 0.1, 1.0, 4.35, 1 / 3, 100.0, 123456.789, 0.30000000000000004,
    0.0001, 0.00012345, 9.9e-5, 1e-5, 1.5e-5, 1e-7, 5e-324, 1e15, 9999999999999998.0, 1e16, 1.5e16, 1e21, 1e300,
]  # fmt: skip

DOCUMENTS = [
    {"b": 1, "a": [2, {"d": None, "c": True}], "": False},
    {"text": "".join(chr(code) for code in range(128))},  # every ASCII character, controls and DEL included
    {"text": "Agomélatine «générique» 25\u00a0mg ≥ 5.7 % µmol/L \U0001f600"},
    {"Zürich": 1, "zebra": 2, "Äpfel": 3},
    {"numbers": NUMBERS},
    {"enums": [Colour.RED, Rank.HIGH], Colour.RED: "key"},
    {"when": [dt.date(2026, 1, 2), dt.time(10, 30), dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)]},
    {10: "int keys", 2: "sorted as numbers", 1: "by json.dumps"},
    {"words": "type 1e-5 and 3e+2 in text, pre-diabetes, re-test, 0.00001 g"},
    {"digest": "3e5a1f0e9b", "tuple": (1, (2, 3))},
    "as_of",
    "2026-11-26",
    [],
]


@pytest.mark.parametrize("data", DOCUMENTS, ids=range(len(DOCUMENTS)))
def test_the_canonical_text_is_that_of_json_dumps(data):
    assert _canonical_json(data) == definition(data)


def test_keys_json_dumps_cannot_sort_raise_as_it_raises():
    with pytest.raises(TypeError):
        _canonical_json({1: "int key", "2": "str key"})


@pytest.mark.parametrize("number", NUMBERS)
def test_each_number_is_written_as_json_dumps_writes_it(number):
    document = {"value": number, "values": [number, -number]}
    assert _canonical_json(document) == definition(document)
