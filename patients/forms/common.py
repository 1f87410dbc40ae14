"""Shared form helpers: date widgets and date checks every clinical form applies."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)


def today() -> dt.date:
    return timezone.localdate()


def not_in_future(day: dt.date | None, *, what: str = "This date") -> dt.date | None:
    if day is not None and day > today():
        raise ValidationError("%(what)s cannot be in the future.", code="future_date", params={"what": what})
    return day


def not_before_birth(day: dt.date | None, birth_date: dt.date, *, what: str = "This date") -> dt.date | None:
    if day is not None and day < birth_date:
        raise ValidationError(
            "%(what)s cannot be before the patient's date of birth.", code="before_birth", params={"what": what}
        )
    return day
