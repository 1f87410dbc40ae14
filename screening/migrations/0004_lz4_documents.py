"""Compress a screening's stored snapshot and result with LZ4 instead of PostgreSQL's default pglz.

The two documents (about 7 and 11 KB of JSON per screening) are the only values of the app large enough to be
compressed. pglz spent about a fifth of the database's CPU time of a bulk rescreen; LZ4 compresses and
decompresses several times faster for a few percent more disk. Existing rows keep their compression until
rewritten; new rows use LZ4. PostgreSQL only (14 and later, built with LZ4 as Debian's and the official images
are); on a server without LZ4 the columns keep pglz. Nothing changes for Django or for readers.
"""

from django.db import migrations

_COLUMNS = ("snapshot", "result")

_FORWARD = """
DO $$
BEGIN
    ALTER TABLE screening_screening {alter};
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'LZ4 is not available on this server: screening documents keep pglz compression';
END
$$
"""


def _set_compression(method: str):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        alter = ", ".join(f"ALTER COLUMN {column} SET COMPRESSION {method}" for column in _COLUMNS)
        schema_editor.execute(_FORWARD.format(alter=alter))

    return operation


class Migration(migrations.Migration):
    dependencies = [("screening", "0003_latest_screening")]

    operations = [
        migrations.RunPython(_set_compression("lz4"), _set_compression("pglz"), elidable=False),
    ]
