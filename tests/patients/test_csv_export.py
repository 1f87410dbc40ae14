"""The one CSV cell writer: text a spreadsheet would run as a formula is neutralised, data is kept."""

import datetime as dt
from decimal import Decimal

import pytest

from patients.csv_export import csv_response, csv_text, safe_cell

CASES = [
    ("formula", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("plus", "+SUM(A1:A9)", "'+SUM(A1:A9)"),
    ("minus", "-2+3", "'-2+3"),
    ("at", "@SUM(1)", "'@SUM(1)"),
    ("tab", "\t=1", "'\t=1"),
    ("carriage return", "\r=1", "'\r=1"),
    ("plain text", "Okafor", "Okafor"),
    ("formula sign inside", "a=b", "a=b"),
    ("empty", "", ""),
    ("none", None, ""),
    ("negative number", -5, -5),
    ("negative decimal", Decimal("-1.5"), Decimal("-1.5")),
    ("date", dt.date(2026, 1, 2), dt.date(2026, 1, 2)),
    ("boolean", True, True),
]


@pytest.mark.parametrize(("value", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_header_cells_are_neutralised_too():
    assert csv_text(["=x"], [["-y", 3]]).splitlines() == ["'=x", "'-y,3"]


def test_response_is_an_attachment_with_a_byte_order_mark():
    response = csv_response("list.csv", ["a"], [["b"]])
    assert response["Content-Disposition"] == 'attachment; filename="list.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    assert response.content.decode("utf-8").startswith("\ufeffa\r\n")
