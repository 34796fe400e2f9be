"""Benchmark: import and export a 20,000-row activity-group ledger with this project's Excel
import/export and with django-import-export, on SQLite and on PostgreSQL, in one run.

    .venv/bin/python bench/excel_io.py                     # both databases
    .venv/bin/python bench/excel_io.py --engine sqlite     # one of them
    .venv/bin/python bench/excel_io.py --rows 5000 --repeat 1

Scratch databases only: a temporary SQLite file, and a PostgreSQL database
``registry_bench_excel`` that is dropped and created afresh through
``postgres://registry:registry@127.0.0.1:5432/postgres`` (``--postgres-admin-url`` to change).

What is compared (same file, same importing user — the 宝安区 district officer —, same rows):

* this project: ``registry.imports.ledger_import`` (header matching, cell normalisation,
  division look-up, scope check, the model's field validation, uniqueness over all rows, the
  rows and their history rows written by ``core.db.create_with_history`` /
  ``update_with_history`` — ``COPY`` on PostgreSQL, ``executemany`` on SQLite —, the scope
  check after the write) and ``registry.exports`` (streamed .xlsx / CSV);
* django-import-export 4: a ``ModelResource`` for ``Organisation`` built below with
  ``use_bulk=True``, ``clean_model_instances=True`` (the model's ``full_clean`` per row: its
  validation), ``skip_unchanged=True``, the natural key ``(community, name)`` as
  ``import_id_fields``, a widget resolving "street/community" from a dict loaded once, and
  choice widgets reading the Chinese labels. django-import-export's bulk mode calls plain
  ``bulk_create`` / ``bulk_update``, which would skip django-simple-history; to keep history on
  (as the project requires) the resource's ``bulk_create`` / ``bulk_update`` call
  ``bulk_create_with_history`` / ``bulk_update_with_history`` instead. Its file is read with
  tablib (openpyxl) and exported with ``resource.export(queryset)`` → ``Dataset.export``.

Every figure is rows per second of wall time for the whole operation (reading the file included).
The three imports of this project (new rows, the same file again, every row changed) are run
``--repeat`` times on an emptied (on PostgreSQL also vacuumed) ledger; each run is printed with
its phases (reading, checking, writing, the rest: the scope check after the write and the
commit), and the median is the figure. The machine is usually shared: compare runs, not single
figures.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = "postgres://registry:registry@127.0.0.1:5432/postgres"
PG_NAME = "registry_bench_excel"
DISTRICT = "440306"  # 宝安区: 141 communities


def recreate_postgres(admin_url: str, name: str) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return admin_url.rpartition("/")[0] + "/" + name


def build_file(communities, rows: int, *, venue: str = "社区党群服务中心") -> bytes:
    """The ledger file: text cells as inline strings (as openpyxl and many exporting systems
    write them; Excel itself writes shared strings, which the project's reader reads a little
    faster), dates as date cells."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("社区活动小组台账")
    sheet.append(
        [
            "社区",
            "组织名称",
            "组织类型",
            "服务领域",
            "服务对象",
            "业务范围",
            "活动场所",
            "成立日期",
            "法人发起单位数",
            "是否营利",
        ]
    )
    types = ["会员制（社团类）", "服务类"]
    fields = ["文体活动", "公益慈善", "生活服务", "社区事务"]
    targets = ["一老一小", "困难群众、特殊群体", ""]
    for i in range(rows):
        community = communities[i % len(communities)]
        sheet.append(
            [
                community,
                f"第{i // len(communities) + 1:04d}兴趣小组",
                types[i % 2],
                fields[i % 4],
                targets[i % 3] or None,
                "组织居民开展文体活动，丰富社区生活。",
                f"{venue}{i % 7 + 1}楼",
                datetime.date(2015 + i % 9, 1 + i % 12, 1 + i % 28),
                0,
                "否",
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_export_resource():
    from import_export import fields, resources, widgets
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    from core.excel import choice_map
    from registry.choices import OrgField, OrgType, ServiceTarget
    from registry.ledgers import community_label
    from registry.models import Division, Organisation

    class CommunityWidget(widgets.ForeignKeyWidget):
        def __init__(self):
            super().__init__(Division)
            self.by_label = {
                community_label(d): d
                for d in Division.objects.filter(level="community").select_related("parent")
            }

        def clean(self, value, row=None, **kwargs):
            return self.by_label[value]

        def render(self, value, obj=None, **kwargs):
            return community_label(value) if value else ""

    class ChoiceWidget(widgets.Widget):
        def __init__(self, choices):
            self.map = choice_map(choices)

        def clean(self, value, row=None, **kwargs):
            return self.map.parse(value)

        def render(self, value, obj=None, **kwargs):
            return self.map.label(value)

    class TargetsWidget(ChoiceWidget):
        def clean(self, value, row=None, **kwargs):
            return self.map.parse_many(value)

        def render(self, value, obj=None, **kwargs):
            return "、".join(self.map.label(v) for v in value or [])

    class YesNoWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return value == "是"

        def render(self, value, obj=None, **kwargs):
            return "是" if value else "否"

    class OrganisationResource(resources.ModelResource):
        community = fields.Field("community", "社区", CommunityWidget())
        name = fields.Field("name", "组织名称")
        org_type = fields.Field("org_type", "组织类型", ChoiceWidget(OrgType))
        field = fields.Field("field", "服务领域", ChoiceWidget(OrgField))
        service_targets = fields.Field("service_targets", "服务对象", TargetsWidget(ServiceTarget))
        business_scope = fields.Field("business_scope", "业务范围")
        venue = fields.Field("venue", "活动场所")
        founded_on = fields.Field("founded_on", "成立日期", widgets.DateWidget())
        legal_person_founders = fields.Field(
            "legal_person_founders", "法人发起单位数", widgets.IntegerWidget()
        )
        is_for_profit = fields.Field("is_for_profit", "是否营利", YesNoWidget())

        class Meta:
            model = Organisation
            fields = (
                "community",
                "name",
                "org_type",
                "field",
                "service_targets",
                "business_scope",
                "venue",
                "founded_on",
                "legal_person_founders",
                "is_for_profit",
            )
            import_id_fields = ("community", "name")
            use_bulk = True
            batch_size = 1000
            skip_unchanged = True
            clean_model_instances = True

        def __init__(self, user):
            super().__init__()
            self.user = user

        def get_queryset(self):
            return Organisation.objects.select_related("community__parent")

        # Keep django-simple-history on in bulk mode (plain bulk_create would skip it).
        def bulk_create(
            self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
        ):
            if self.create_instances and (using_transactions or not dry_run):
                bulk_create_with_history(
                    self.create_instances,
                    Organisation,
                    batch_size=batch_size,
                    default_user=self.user,
                    default_change_reason="django-import-export",
                )
                self.create_instances.clear()

        def bulk_update(
            self, using_transactions, dry_run, raise_errors, batch_size=None, result=None
        ):
            if self.update_instances and (using_transactions or not dry_run):
                bulk_update_with_history(
                    self.update_instances,
                    Organisation,
                    self.get_bulk_update_fields(),
                    batch_size=batch_size,
                    default_user=self.user,
                    default_change_reason="django-import-export",
                )
                self.update_instances.clear()

    return OrganisationResource


def timed(label: str, rows: int, func):
    started = time.perf_counter()
    value = func()
    seconds = time.perf_counter() - started
    rate = rows / seconds if seconds else float("inf")
    print(f"  {label:<58} {rows:>7,} rows {seconds:7.2f} s {rate:>9,.0f} rows/s", flush=True)
    return rate, value


def empty_ledger(connection, history):
    """No organisations and no history rows, as in a new database: plain DELETEs (a queryset
    delete would write a "-" history row per organisation first), then on PostgreSQL a VACUUM,
    so a run doesn't insert its keys next to the previous run's 20,000 dead copies of them in
    every unique index (which no real ledger has)."""
    from registry.models import Organisation

    quote = connection.ops.quote_name
    tables = [quote(history._meta.db_table), quote(Organisation._meta.db_table)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"VACUUM {table}")


def run_one(engine: str, rows: int, admin_url: str, repeat: int = 3) -> dict:
    if engine == "postgres":
        os.environ["DATABASE_URL"] = recreate_postgres(admin_url, PG_NAME)
    else:
        scratch = Path(tempfile.mkdtemp()) / "bench-excel.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import tablib
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import translation

    from registry.exports import ledger_csv, ledger_xlsx
    from registry.imports import ledger_import
    from registry.ledgers import GROUPS, LEDGERS, community_label
    from registry.models import Division, Organisation, User
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
    print(f"\n== {connection.vendor} ({rows:,} rows, {len(communities)} communities) ==")
    data = build_file(communities, rows)
    changed = build_file(communities, rows, venue="新时代文明实践站")
    figures: dict[str, float] = {}

    def ours(source, name, phases=None):
        def progress(phase, done, total):
            phases[phase] = time.perf_counter()

        result = ledger_import(
            source=source,
            filename=name,
            acting_user=user,
            ledger=GROUPS,
            progress=progress if phases is not None else None,
        )
        assert result.ok, [str(e) for e in result.errors[:5]]
        return result

    history = Organisation.history.model
    runs: dict[str, list[float]] = {"create": [], "unchanged": [], "update": []}
    for attempt in range(1, repeat + 1):
        empty_ledger(connection, history)
        for key, label, source, check in (
            ("create", f"import ({rows:,} new groups)", data, (rows, 0, 0, rows)),
            ("unchanged", "import the same file again (all unchanged)", data, (0, 0, rows, rows)),
            (
                "update",
                f"import with every venue changed ({rows:,} updates)",
                changed,
                (0, rows, 0, 2 * rows),
            ),
        ):
            phases: dict[str, float] = {}
            started = time.perf_counter()
            result = ours(source, f"{key}.xlsx", phases)
            ended = time.perf_counter()
            assert (result.created, result.updated, result.unchanged) == check[:3]
            assert history.objects.count() == check[3]
            runs[key].append(rows / (ended - started))
            steps, last = [], started
            for phase in ("read", "check", "write"):
                if phase in phases:
                    steps.append(f"{phase} {phases[phase] - last:.2f}")
                    last = phases[phase]
            steps.append(f"rest {ended - last:.2f}")
            print(
                f"  run {attempt}: {label:<50} {ended - started:6.2f} s "
                f"{rows / (ended - started):>7,.0f} rows/s   ({', '.join(steps)} s)",
                flush=True,
            )
    for key, label in (
        ("create", f"this project: import ({rows:,} new groups)"),
        ("unchanged", "this project: import the same file again (all unchanged)"),
        ("update", f"this project: import with every venue changed ({rows:,} updates)"),
    ):
        figures[f"ours_import_{key}"] = statistics.median(runs[key])
        spread = f"{min(runs[key]):,.0f}-{max(runs[key]):,.0f}"
        print(
            f"  {label:<58} median {figures[f'ours_import_{key}']:>9,.0f} rows/s (runs: {spread})"
        )
    figures["ours_dry_run"], result = timed(
        "this project: dry run of the same file (all unchanged)",
        rows,
        lambda: ledger_import(
            source=changed, filename="b", acting_user=user, ledger=GROUPS, dry_run=True
        ),
    )
    groups = LEDGERS[GROUPS]
    figures["ours_export_xlsx"], exported = timed(
        "this project: export .xlsx (streamed)",
        rows,
        lambda: b"".join(ledger_xlsx(groups, user)),
    )
    figures["ours_export_csv"], _csv = timed(
        "this project: export CSV (streamed)", rows, lambda: "".join(ledger_csv(groups, user))
    )
    figures["ours_reimport_export"], result = timed(
        "this project: re-import its own export (all unchanged)",
        rows,
        lambda: ours(exported, "export.xlsx"),
    )
    assert result.unchanged == rows

    # Start django-import-export from the same empty ledger.
    with transaction.atomic():
        Organisation.objects.all().delete()
        history.objects.all().delete()  # after: deleting writes "-" history rows
    Resource = import_export_resource()

    def theirs(source):
        dataset = tablib.Dataset().load(io.BytesIO(source), format="xlsx")
        outcome = Resource(user).import_data(dataset, dry_run=False, use_transactions=True)
        assert not outcome.has_errors() and not outcome.has_validation_errors(), (
            outcome.invalid_rows[:3] or [e.error for _i, es in outcome.row_errors()[:3] for e in es]
        )
        return outcome

    figures["iex_import_create"], _r = timed(
        f"django-import-export: import ({rows:,} new groups)", rows, lambda: theirs(data)
    )
    written = (Organisation.objects.count(), history.objects.count())
    assert written == (rows, rows), written  # every row created, each with its history row
    figures["iex_export_xlsx"], _x = timed(
        "django-import-export: export .xlsx",
        rows,
        lambda: Resource(user).export(Organisation.objects.all()).export("xlsx"),
    )
    figures["iex_export_csv"], _c = timed(
        "django-import-export: export CSV",
        rows,
        lambda: Resource(user).export(Organisation.objects.all()).export("csv"),
    )
    print("  ratios (this project / django-import-export):")
    for label, ours_key, theirs_key in (
        ("import, new rows", "ours_import_create", "iex_import_create"),
        ("export .xlsx", "ours_export_xlsx", "iex_export_xlsx"),
        ("export CSV", "ours_export_csv", "iex_export_csv"),
    ):
        ratio = figures[ours_key] / figures[theirs_key]
        print(f"    {label:<24} {ratio:5.1f} x")
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres"])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of this project's imports")
    parser.add_argument("--postgres-admin-url", default=PG_ADMIN)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        figures = run_one(args.engine, args.rows, args.postgres_admin_url, args.repeat)
        if args.json:
            print("JSON " + json.dumps(figures))
        return
    # One process per database: Django's settings are read once per process.
    print(f"machine: {os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    for engine in ("sqlite", "postgres"):
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--engine",
                engine,
                "--rows",
                str(args.rows),
                "--repeat",
                str(args.repeat),
                "--postgres-admin-url",
                args.postgres_admin_url,
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
