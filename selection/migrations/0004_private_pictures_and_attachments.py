"""Entry pictures and attachments move to the private, sealed storage (core.documents), as the
charters did (registry/0012_private_documents): each file named by a picture or an attachment,
or by one of their history rows (a removed picture's file is still there), is moved out of
MEDIA_ROOT, encrypted, under the same name, so the rows need no change. Backwards each file is
decrypted back into MEDIA_ROOT."""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import migrations, models

import core.documents

MODELS = ("EntryPicture", "HistoricalEntryPicture", "EntryAttachment", "HistoricalEntryAttachment")


def _names(apps):
    names = set()
    for model_name in MODELS:
        model = apps.get_model("selection", model_name)
        names.update(model._default_manager.exclude(file="").values_list("file", flat=True))
    return sorted(names)


def seal_existing_files(apps, schema_editor):
    for name in _names(apps):
        core.documents.seal_into_private(name)


def unseal_files(apps, schema_editor):
    public = FileSystemStorage(location=settings.MEDIA_ROOT)
    private = core.documents.private_documents()
    for name in _names(apps):
        if not private.exists(name) or public.exists(name):
            continue
        with private.open(name) as handle:
            data = handle.read()
        path = public.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
        private.delete(name)


class Migration(migrations.Migration):
    dependencies = [
        ("selection", "0003_orderings_without_joins"),
    ]

    operations = [
        migrations.AlterField(
            model_name="entryattachment",
            name="file",
            field=models.FileField(
                storage=core.documents.private_documents,
                upload_to="selection/attachments/%Y/",
                verbose_name="file",
            ),
        ),
        migrations.AlterField(
            model_name="entrypicture",
            name="file",
            field=models.FileField(
                storage=core.documents.private_documents,
                upload_to="selection/pictures/%Y/",
                verbose_name="file",
            ),
        ),
        migrations.RunPython(seal_existing_files, unseal_files),
    ]
