"""Inserting many new rows of one model at once, for the bulk paths (recording screenings, their audit entries).

On PostgreSQL the rows go through ``COPY ... FROM STDIN`` (psycopg's copy support), with primary keys taken
from the table's sequence first so that the objects come back with their pks, as from ``bulk_create``.
``bulk_create`` of a few hundred screenings spent most of its time compiling and quoting one large
``INSERT`` in Python, and PostgreSQL most of its time parsing it; ``COPY`` does neither. Elsewhere (SQLite)
this is ``bulk_create``. On PostgreSQL that makes two statements (the sequence, then the ``COPY``) where
``bulk_create`` of up to 500 rows makes one.

Like ``bulk_create``: no ``save()``, no signals (audit the rows with :func:`audit.services.log_bulk_create`),
no model validation; the database still enforces every constraint. Use inside a transaction.

JSON documents are encoded with orjson, about ten times faster than the standard library for the same
document (PostgreSQL stores ``jsonb`` parsed, so the text's spacing and key order leave no trace).
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson
from django.db import connections, models, router
from django.db.models import JSONField, Model
from psycopg import sql
from psycopg.types.json import Jsonb


def insert_new(objects: Iterable[Model]) -> list[Model]:
    """Insert ``objects`` (new, unsaved, all of one model with an auto-increment pk) and set their pks."""
    objects = list(objects)
    if not objects:
        return objects
    model = type(objects[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model.objects.using(alias).bulk_create(objects)
    for obj in objects:
        # As bulk_create does: take the key of a related object saved after it was assigned, refuse an unsaved one.
        obj._prepare_related_fields_for_save(operation_name="insert_new")
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        pks = [row[0] for row in cursor.fetchall()]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(meta.db_table),
            sql.SQL(", ").join(sql.Identifier(column) for column in [meta.pk.column, *(f.column for f in fields)]),
        )
        plan = [(field, _plain_type(field)) for field in fields]
        with connection.wrap_database_errors, cursor.copy(statement) as copy:
            for obj, pk in zip(objects, pks, strict=True):
                obj.pk = pk
                copy.write_row([pk, *(_column_value(field, plain, obj, connection) for field, plain in plan)])
    for obj in objects:
        obj._state.adding = False
        obj._state.db = alias
    return objects


#: Fields that send a value of one Python type to the database as it is: ``get_db_prep_save`` of a str for
#: a char or text field, or of an int for an integer field, returns the same value. Exact classes only (a
#: subclass may convert). Most columns of the bulk paths are these, and skipping the general path for them
#: saves a dozen calls per value.
_PLAIN_TYPES: dict[type, type] = {
    models.CharField: str,
    models.TextField: str,
    models.SmallIntegerField: int,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.AutoField: int,
    models.BigAutoField: int,
}


def _plain_type(field) -> type | None:
    if type(field) is models.ForeignKey:
        return _plain_type(field.target_field)
    return _PLAIN_TYPES.get(type(field))


def _column_value(field, plain: type | None, obj: Model, connection):
    if plain is not None:
        value = getattr(obj, field.attname)
        # ``type() is``, not isinstance: a bool is an int and an enum member a str, and both are converted.
        if value is None or type(value) is plain:
            return value
    return _db_value(field, obj, connection)


def _db_value(field, obj: Model, connection):
    value = field.pre_save(obj, True)
    if isinstance(field, JSONField) and field.encoder is None and value is not None:
        return Jsonb(value, dumps=_encode_json)
    return field.get_db_prep_save(value, connection)


def _encode_json(value) -> bytes:
    # Non-string keys as strings, as json.dumps writes them. No default: a value JSON has no form for (a
    # Decimal, a set) raises here as it does in bulk_create, rather than being stored as its str().
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
