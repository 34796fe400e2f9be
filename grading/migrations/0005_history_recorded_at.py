"""Recorded time on the history rows of grade awards (``core.models.RecordedHistory``): the moment a
row was written, beside ``history_date``, the moment the change took effect. Rows written so far
were recorded when they took effect: the column starts equal to ``history_date``."""

import django.db.models.functions.datetime
from django.db import migrations, models
from django.db.models import F

import core.models

MODELS = ["HistoricalGradeAward"]


def backfill(apps, schema_editor):
    for name in MODELS:
        apps.get_model("grading", name).objects.update(history_recorded_at=F("history_date"))


class Migration(migrations.Migration):
    dependencies = [("grading", "0004_expert_phone_user")]

    operations = [
        *(
            migrations.AddField(
                model_name=name.lower(),
                name="history_recorded_at",
                field=models.DateTimeField(editable=False, null=True, verbose_name="recorded at"),
            )
            for name in MODELS
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        *(
            migrations.AlterField(
                model_name=name.lower(),
                name="history_recorded_at",
                field=models.DateTimeField(
                    db_default=django.db.models.functions.datetime.Now(),
                    default=core.models.recorded_now,
                    editable=False,
                    verbose_name="recorded at",
                ),
            )
            for name in MODELS
        ),
    ]
