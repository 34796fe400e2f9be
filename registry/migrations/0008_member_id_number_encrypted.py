"""ID numbers sealed at rest (core.encryption), in the member table and in every past value of
its history table, with a keyed hash beside each for exact search.

The rows are rewritten in batches with plain SQL (the models of a migration would try to decrypt
what is still plain text); backwards, the values are decrypted into the column again.
"""

from django.db import migrations

import core.encryption

BATCH = 2000
TABLES = ("member", "historicalmember")


def _rewrite(apps, schema_editor, convert):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for name in TABLES:
        meta = apps.get_model("registry", name)._meta
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        last = None
        while True:
            with connection.cursor() as cursor:
                where = "id_number <> ''" + ("" if last is None else f" AND {pk} > %s")
                cursor.execute(
                    f"SELECT {pk}, id_number FROM {table} WHERE {where} ORDER BY {pk} LIMIT %s",
                    ([] if last is None else [last]) + [BATCH],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                cursor.executemany(
                    f"UPDATE {table} SET id_number = %s, id_number_hash = %s WHERE {pk} = %s",
                    [(*convert(value), key) for key, value in rows],
                )
            last = rows[-1][0]


def _seal(value):
    return core.encryption.encrypt(value), core.encryption.blind_index(value)


def _open(token):
    return core.encryption.decrypt(token), ""


def encrypt_rows(apps, schema_editor):
    _rewrite(apps, schema_editor, _seal)


def decrypt_rows(apps, schema_editor):
    _rewrite(apps, schema_editor, _open)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_history_recorded_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="member",
            name="id_number",
            field=core.encryption.EncryptedCharField(
                blank=True, max_length=18, verbose_name="ID number"
            ),
        ),
        migrations.AlterField(
            model_name="historicalmember",
            name="id_number",
            field=core.encryption.EncryptedCharField(
                blank=True, max_length=18, verbose_name="ID number"
            ),
        ),
        migrations.AddField(
            model_name="member",
            name="id_number_hash",
            field=core.encryption.BlindIndexField(
                db_index=True, source="id_number", verbose_name="ID number (keyed hash)"
            ),
        ),
        migrations.AddField(
            model_name="historicalmember",
            name="id_number_hash",
            field=core.encryption.BlindIndexField(
                db_index=True, source="id_number", verbose_name="ID number (keyed hash)"
            ),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
    ]
