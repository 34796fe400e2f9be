"""Charters and activity rules move to the private, sealed storage (core.documents): each
file named by an organisation is moved out of MEDIA_ROOT, encrypted, under the same name, so
the rows (and their history) need no change. Backwards the files stay where they are."""

from django.db import migrations, models

import core.documents


def seal_existing_documents(apps, schema_editor):
    Organisation = apps.get_model("registry", "Organisation")
    names = Organisation.objects.exclude(charter_file="").values_list("charter_file", flat=True)
    rules = Organisation.objects.exclude(activity_rules_file="").values_list(
        "activity_rules_file", flat=True
    )
    for name in {*names, *rules}:
        core.documents.seal_into_private(name)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_api_tokens_hashed"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalorganisation",
            name="activity_rules_file",
            field=models.TextField(
                blank=True,
                max_length=100,
                validators=[core.documents.validate_document],
                verbose_name="activity rules file",
            ),
        ),
        migrations.AlterField(
            model_name="historicalorganisation",
            name="charter_file",
            field=models.TextField(
                blank=True,
                max_length=100,
                validators=[core.documents.validate_document],
                verbose_name="charter file",
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="activity_rules_file",
            field=models.FileField(
                blank=True,
                storage=core.documents.private_documents,
                upload_to="activity-rules/%Y/",
                validators=[core.documents.validate_document],
                verbose_name="activity rules file",
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="charter_file",
            field=models.FileField(
                blank=True,
                storage=core.documents.private_documents,
                upload_to="charters/%Y/",
                validators=[core.documents.validate_document],
                verbose_name="charter file",
            ),
        ),
        migrations.RunPython(seal_existing_documents, migrations.RunPython.noop),
    ]
