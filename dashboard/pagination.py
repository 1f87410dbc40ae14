"""A page of a list together with its total, from one query.

Counting the worklist costs as much as reading its first page (both group every open finding of the latest
screenings), so the total is read with the page, as ``COUNT(*) OVER ()``: the number of rows before the
LIMIT. Only a page past the end needs a second query.
"""

from __future__ import annotations

import math

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

_TOTAL = "window_total"


class _KnownTotal(Paginator):
    def __init__(self, object_list, per_page, total: int):
        super().__init__(object_list, per_page)
        self._total = total

    @property
    def count(self) -> int:
        return self._total


def page_with_total(queryset: QuerySet, number, per_page: int) -> Page:
    """The page asked for, as :meth:`django.core.paginator.Paginator.get_page` gives it (a page that is not a
    number is the first, one past the end is the last), in one query."""
    try:
        number = max(int(number), 1)
    except (TypeError, ValueError):
        number = 1
    counted = queryset.annotate(**{_TOTAL: Window(Count("*"))})

    def rows_of(page_number: int) -> list:
        return list(counted[(page_number - 1) * per_page : page_number * per_page])

    rows = rows_of(number)
    if rows:
        total = rows[0][_TOTAL] if isinstance(rows[0], dict) else getattr(rows[0], _TOTAL)
    elif number > 1:
        total = queryset.count()
        number = max(1, math.ceil(total / per_page))
        rows = rows_of(number) if total else []
    else:
        total = 0
    return Page(rows, number, _KnownTotal(queryset, per_page, total))
