"""Case-insensitive text search that folds every letter, not only A-Z, on both databases.

PostgreSQL's ``UPPER`` folds all Unicode letters, so Django's ``icontains`` is right there and stays as it is.
SQLite's ``LIKE``, ``lower()`` and ``upper()`` fold ASCII only: "łukasz" would not find "Łukasz". On SQLite
each connection gets a ``unicode_lower`` function (Python's ``str.lower``), and the lookup compares the
lower-cased column with the lower-cased term.
"""

from __future__ import annotations

import operator
from functools import reduce

from django.db.models import CharField, F, Func, Q
from django.db.models.lookups import Contains, IContains


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: add ``unicode_lower`` to each new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)


class UnicodeLower(Func):
    function = "unicode_lower"
    arity = 1
    output_field = CharField()


class UnicodeIContains(IContains):
    """``icontains`` that ignores the case of every letter on SQLite too.

    Use as an expression: ``queryset.filter(UnicodeIContains(F("family_name"), term))``.
    """

    def as_sqlite(self, compiler, connection):
        return Contains(UnicodeLower(self.lhs), _unicode_lower(self.rhs)).as_sql(compiler, connection)


def any_contains(term: str, *fields: str) -> Q:
    """Any of ``fields`` contains ``term``, ignoring the case of every letter (on SQLite too)."""
    return reduce(operator.or_, (UnicodeIContains(F(field), term) for field in fields))
