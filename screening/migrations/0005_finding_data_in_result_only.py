"""A finding's JSON lives only in its screening's result; the finding row keeps the columns lists query, plus
the follow-up the labs-to-order list shows.

Each finding used to carry a copy of itself (``data``, about 1 KB, a quarter of the JSON written per
screening). ``ScreeningFinding.data`` now reads the same dict from ``screening.result["findings"][position]``.
Reversible: going back copies each finding out of its screening's result again.
"""

from django.db import migrations, models
from django.db.models import Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce


def copy_follow_up(apps, schema_editor):
    finding = apps.get_model("screening", "ScreeningFinding")
    finding.objects.update(follow_up=Coalesce(KT("data__follow_up"), Value("")))


def copy_data_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # One statement instead of one per finding (a clinic's history is millions of them).
        schema_editor.execute(
            "UPDATE screening_screeningfinding AS finding SET data = screening.result -> 'findings' -> finding.position"
            " FROM screening_screening AS screening WHERE screening.id = finding.screening_id"
        )
        return
    finding = apps.get_model("screening", "ScreeningFinding")
    screening = apps.get_model("screening", "Screening")
    for recorded in screening.objects.only("result").iterator(chunk_size=500):
        rows = list(finding.objects.filter(screening=recorded).only("position"))
        for row in rows:
            row.data = recorded.result["findings"][row.position]
        finding.objects.bulk_update(rows, ["data"])


class Migration(migrations.Migration):
    dependencies = [("screening", "0004_lz4_documents")]

    operations = [
        migrations.AddField(
            model_name="screeningfinding",
            name="follow_up",
            field=models.TextField(blank=True, help_text="The suggested follow-up, as in the stored finding."),
        ),
        migrations.AlterField(
            model_name="screeningfinding",
            name="data",
            field=models.JSONField(null=True, help_text="The finding as stored in the result."),
        ),
        migrations.RunPython(copy_follow_up, copy_data_back, elidable=False),
        migrations.RemoveField(model_name="screeningfinding", name="data"),
    ]
