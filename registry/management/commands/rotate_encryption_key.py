"""Seal every ID number again with the newest key of FIELD_ENCRYPTION_KEYS, in the member table
and in its history table, in batches, with progress, and every private document (charters,
activity rules, selection's entry pictures and attachments: all of ``PRIVATE_MEDIA_ROOT``,
``core.documents``) (docs/security.md, "Key management and rotation"): add the new key in
front, run this, then drop the old key.

Rewriting a ciphertext changes no organisation data (the value and its keyed hash stay the
same), so no history row is written for it.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from tqdm import tqdm

from core.documents import reseal_private_documents
from core.encryption import rotate
from registry.models import Member

BATCH = 2000


class Command(BaseCommand):
    help = "Re-encrypt every stored ID number (members and their history) with the newest key."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=BATCH, help="rows per transaction")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, batch, no_progress, **options):
        total = 0
        for model in (Member, Member.history.model):
            total += rotate_table(model, batch=batch, progress=not no_progress)
        self.stdout.write(f"{total} ID numbers sealed with the newest key.")
        documents, unopened = reseal_private_documents()
        self.stdout.write(f"{documents} documents sealed with the newest key.")
        if unopened:
            raise CommandError(
                f"{len(unopened)} files under PRIVATE_MEDIA_ROOT open with none of the keys in "
                "FIELD_ENCRYPTION_KEYS and were left as they are (everything else is rotated): "
                + ", ".join(unopened[:20])
                + (" ..." if len(unopened) > 20 else "")
            )


def rotate_table(model, *, batch: int = BATCH, progress: bool = False) -> int:
    """Seal again every non-empty ``id_number`` of ``model``'s table; returns how many. The
    ciphertext is read and written as it is stored (no decryption to the model and back)."""
    meta = model._meta
    field = meta.get_field("id_number")
    pk = meta.pk
    queryset = model._default_manager.exclude(id_number="")
    count = queryset.count()
    bar = tqdm(total=count, desc=meta.db_table, disable=not progress, unit="rows")
    done, last = 0, None
    quote = connection.ops.quote_name
    table, key, column = quote(meta.db_table), quote(pk.column), quote(field.column)
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            where = f"{column} <> ''" + ("" if last is None else f" AND {key} > %s")
            cursor.execute(
                f"SELECT {key}, {column} FROM {table} WHERE {where} ORDER BY {key} LIMIT %s "
                + ("FOR UPDATE" if connection.features.has_select_for_update else ""),
                ([] if last is None else [last]) + [batch],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            cursor.executemany(
                f"UPDATE {table} SET {column} = %s WHERE {key} = %s",
                [(rotate(token), pk_value) for pk_value, token in rows],
            )
        last = rows[-1][0]
        done += len(rows)
        bar.update(len(rows))
    bar.close()
    return done
