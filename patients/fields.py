"""Form fields and a form mixin that refuse the inputs clinical data must never silently accept.

Numbers: only plain decimals with a point ("4.5"); "4,5", "NaN", "inf", "1e9" and the like get a field error.
Text: any Unicode, stored NFC-normalised; control characters other than newline, carriage return and tab are
refused, and so are the invisible bidirectional controls that can make displayed text read differently from
what is stored.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

_DECIMAL = re.compile(r"^\s*(?P<number>\d+(?:\.\d*)?|\.\d+)\s*$")
_COMPARATOR = re.compile(r"^\s*(?P<comparator><=|>=|≤|≥|<|>)\s*(?P<rest>.*)$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
# Bidirectional embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069): invisible, yet they
# reorder how the text after them is displayed, so a name shown on screen or on the printed summary could read
# differently from what is stored and searched. The left-to-right, right-to-left and Arabic letter marks
# (U+200E, U+200F, U+061C) are allowed: they only place neutral characters such as punctuation, and text pasted
# from Hebrew or Arabic documents often holds them.
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def parse_decimal(text: str, *, allow_negative: bool = False) -> Decimal:
    """Parse a plain decimal typed by a person; raise ValidationError with a specific code otherwise."""
    raw = text.strip()
    negative = allow_negative and raw.startswith("-")
    if negative:
        raw = raw[1:]
    if raw.startswith("-"):
        raise ValidationError("Enter a number that is not negative.", code="negative")
    if "," in raw and re.fullmatch(r"\d+,\d+", raw):
        raise ValidationError(
            "Use a decimal point, not a comma: write %(suggestion)s.",
            code="decimal_comma",
            params={"suggestion": raw.replace(",", ".")},
        )
    match = _DECIMAL.match(raw)
    if not match:
        raise ValidationError("Enter a plain number such as 4.5 (digits and one decimal point).", code="invalid_number")
    try:
        value = Decimal(match["number"])
    except InvalidOperation as exc:  # pragma: no cover - the regex already guarantees a valid literal
        raise ValidationError("Enter a plain number.", code="invalid_number") from exc
    return -value if negative else value


class StrictDecimalField(forms.CharField):
    """A decimal typed as text, with digit limits, bounds and clear messages."""

    def __init__(
        self,
        *,
        max_digits: int = 12,
        decimal_places: int = 4,
        min_value: Decimal | int | None = None,
        max_value: Decimal | int | None = None,
        allow_negative: bool = False,
        **kwargs,
    ):
        kwargs.setdefault("max_length", 32)
        super().__init__(**kwargs)
        self.max_digits = max_digits
        self.decimal_places = decimal_places
        self.min_value = None if min_value is None else Decimal(min_value)
        self.max_value = None if max_value is None else Decimal(max_value)
        self.allow_negative = allow_negative
        self.widget.attrs.setdefault("inputmode", "decimal")
        self.widget.attrs.setdefault("autocomplete", "off")

    def clean(self, value):
        text = super().clean(value)
        if text in self.empty_values:
            return None
        number = parse_decimal(text, allow_negative=self.allow_negative)
        return self.check_bounds(number)

    def check_bounds(self, number: Decimal) -> Decimal:
        _, digits, exponent = number.as_tuple()
        decimals = max(0, -exponent)
        whole_digits = len(digits) - decimals
        if decimals > self.decimal_places:
            raise ValidationError(
                "Use at most %(places)s decimal places.",
                code="too_many_decimals",
                params={"places": self.decimal_places},
            )
        if whole_digits > self.max_digits - self.decimal_places:
            raise ValidationError("This number is too large.", code="too_large")
        if self.min_value is not None and number < self.min_value:
            raise ValidationError(
                "Enter a value of at least %(limit)s.", code="below_minimum", params={"limit": self.min_value}
            )
        if self.max_value is not None and number > self.max_value:
            raise ValidationError(
                "Enter a value of at most %(limit)s.", code="above_maximum", params={"limit": self.max_value}
            )
        return number


class CensoredDecimalField(StrictDecimalField):
    """A lab value that may be reported with a comparator: "<0.5", ">= 2000"."""

    SYMBOLS = {"≤": "<=", "≥": ">="}

    def clean(self, value):
        text = forms.CharField.clean(self, value)
        if text in self.empty_values:
            return None
        comparator = ""
        match = _COMPARATOR.match(text)
        if match:
            comparator = self.SYMBOLS.get(match["comparator"], match["comparator"])
            text = match["rest"]
        number = self.check_bounds(parse_decimal(text))
        return comparator, number


def normalise_text(value: str) -> str:
    """NFC-normalise and refuse control characters (other than newline, carriage return and tab) and
    bidirectional controls."""
    if _CONTROL.search(value):
        raise ValidationError("Remove the invisible control characters from this text.", code="control_characters")
    if _BIDI_CONTROL.search(value):
        raise ValidationError(
            "Remove the invisible text-direction characters (such as a right-to-left override) from this text.",
            code="bidi_controls",
        )
    return unicodedata.normalize("NFC", value)


class CleanTextMixin:
    """Applies :func:`normalise_text` to every text value a form cleans."""

    def _clean_fields(self):
        super()._clean_fields()
        for name, value in list(self.cleaned_data.items()):
            if isinstance(value, str) and not isinstance(self.fields[name], forms.ChoiceField):
                try:
                    self.cleaned_data[name] = normalise_text(value)
                except ValidationError as error:
                    self.add_error(name, error)
