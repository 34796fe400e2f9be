"""Benchmark: new member rows imported (the member ledger, ``registry.imports.ledger_import``)
with ID numbers sealed at rest (``core.encryption``: Fernet per value, keyed hash beside it)
and with the sealing turned off (the same code with ``encrypt`` and ``blind_index`` replaced
by no-ops), on PostgreSQL, in one run (issue 16: the rate with encryption at least 90% of the
rate without).

    .venv/bin/python bench/encryption.py                 # 10,000 members, 3 runs each
    .venv/bin/python bench/encryption.py --rows 2000 --repeat 1

Scratch database ``registry_bench_encryption``, dropped and created afresh through
``postgres://registry:registry@127.0.0.1:5432/postgres`` (``--postgres-admin-url``). Runs
alternate (on, off, on, off, ...) on an emptied, vacuumed member table; the median of each is
the figure. Every row has a phone and a valid ID number.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))

from excel_io import DISTRICT, build_file, recreate_postgres  # noqa: E402

PG_ADMIN = "postgres://registry:registry@127.0.0.1:5432/postgres"
PG_NAME = "registry_bench_encryption"


def id_number(i: int) -> str:
    """A valid 18-digit ID number (python-stdnum's check), different for every ``i``."""
    from stdnum.cn import ric

    for day in range(1 + i % 28, 29):
        body = f"440303{1990 + i % 20}{1 + i % 12:02d}{day:02d}{i % 999 + 1:03d}"
        for check in "0123456789X":
            if ric.is_valid(body + check):
                return body + check
    raise ValueError(i)


def member_file(organisations: list[tuple[str, str]], rows: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("成员名册")
    sheet.append(["社区", "组织名称", "姓名", "联系电话", "身份证号码"])
    for i in range(rows):
        community, name = organisations[i % len(organisations)]
        sheet.append([community, name, f"成员{i:06d}", f"139{i:08d}", id_number(i)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres-admin-url", default=PG_ADMIN)
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = recreate_postgres(args.postgres_admin_url, PG_NAME)
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import translation

    from core import encryption
    from registry.imports import ledger_import
    from registry.ledgers import GROUPS, MEMBERS, community_label
    from registry.models import Division, Member, Organisation, User
    from registry.services.divisions import divisions_load

    translation.activate("zh-hans")
    call_command("migrate", verbosity=0)
    divisions_load()
    user = User.objects.create_user(
        "bench-district", role="district_officer", division=Division.objects.get(code=DISTRICT)
    )
    communities = [
        community_label(d)
        for d in Division.objects.filter(level="community", path__contains=f"/{DISTRICT}/")
        .select_related("parent")
        .order_by("code")
    ]
    groups = ledger_import(source=build_file(communities, 500), acting_user=user, ledger=GROUPS)
    assert groups.ok, groups.errors[:3]
    organisations = [
        (community_label(o.community), o.name)
        for o in Organisation.objects.select_related("community__parent").order_by("pk")
    ]
    data = member_file(organisations, args.rows)
    print(
        f"\n== {connection.vendor}: {args.rows:,} new members over {len(organisations)} groups =="
    )

    sealed = encryption.encrypt, encryption.blind_index
    tables = [Member.history.model._meta.db_table, Member._meta.db_table]
    runs: dict[str, list[float]] = {"on": [], "off": []}
    for attempt in range(1, args.repeat + 1):
        for mode in ("on", "off"):
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"DELETE FROM {table}")
                    cursor.execute(f"VACUUM {table}")
            if mode == "off":
                encryption.encrypt, encryption.blind_index = (lambda v: v), (lambda v: "")
            try:
                started = time.perf_counter()
                result = ledger_import(source=data, acting_user=user, ledger=MEMBERS)
                seconds = time.perf_counter() - started
            finally:
                encryption.encrypt, encryption.blind_index = sealed
            assert result.ok, [str(e) for e in result.errors[:5]]
            assert Member.objects.count() == args.rows
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT id_number FROM {tables[1]} LIMIT 1")
                stored = cursor.fetchone()[0]
            assert (len(stored) > 18) == (mode == "on"), stored
            runs[mode].append(args.rows / seconds)
            print(f"run {attempt} encryption {mode:3}: {args.rows / seconds:8,.0f} rows/s")
    on, off = statistics.median(runs["on"]), statistics.median(runs["off"])
    print(f"\nmedian with encryption   : {on:8,.0f} rows/s")
    print(f"median without encryption: {off:8,.0f} rows/s")
    print(f"ratio                    : {on / off:8.1%}  (goal >= 90%)")


if __name__ == "__main__":
    main()
