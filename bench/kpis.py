"""Benchmark: the full KPI report (``reports.kpis.kpi_report``) at Shenzhen and national scale.

Loads the divisions (Shenzhen, or the national file with ``--national``) into a scratch
database, generates organisations with their history rows and everything the KPIs count
(applications, brand projects, annual reports, dormancy cases, grade awards, party
organisations, coverage and instructors) with ``INSERT ... SELECT`` in the database, then
times the full KPI set of the city, a district, a province (national) and one as-of query.
Prints the figures; asserts nothing.

    .venv/bin/python bench/kpis.py                                        # SQLite, Shenzhen
    .venv/bin/python bench/kpis.py \\
        --database-url postgres://registry:registry@127.0.0.1:5432/registry_bench_kpis
    .venv/bin/python bench/kpis.py --national --orgs 1750000 \\
        --database-url postgres://registry:registry@127.0.0.1:5432/registry_bench_kpis

With PostgreSQL the named database is dropped and recreated: point it at a scratch database
(``--reuse`` keeps it: the divisions, and the generated data if there is any). Generated rows
are written straight into the tables (with history rows for organisations and brand projects,
as the services would leave them); the benchmark measures reads.
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NATIONAL_FILE = ROOT.parent / "shared" / "data" / "divisions" / "china.csv.gz"
PAST = datetime.date(2025, 6, 30)


def recreate_postgres(url: str):
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def timed(label: str, function, repeat: int = 3):
    """Run ``function`` ``repeat`` times (after one warm-up); print and return the median."""
    from django.db import connection, reset_queries

    function()
    seconds, queries = [], 0
    for _ in range(repeat):
        reset_queries()
        started = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - started)
        queries = len(connection.queries)
    median = statistics.median(seconds)
    print(f"  {label:<64} {median * 1000:9.1f} ms  ({queries} queries)", flush=True)
    return median


# --- SQL that reads the same on both databases --------------------------------------------------


class Sql:
    """Vendor-specific bits of the generating SQL."""

    def __init__(self, vendor: str):
        self.vendor = vendor

    def series(self, n: int) -> str:
        if self.vendor == "postgresql":
            return f"generate_series(1::bigint, {int(n)}::bigint) AS s (x)"
        return (
            f"(WITH RECURSIVE r (x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r WHERE x < {int(n)})"
            " SELECT x FROM r) AS s"
        )

    def day(self, days: str, base: str = "2019-01-01") -> str:
        """The date ``days`` (an integer expression) after ``base``."""
        if self.vendor == "postgresql":
            return f"(DATE '{base}' + ({days})::int)"
        return f"date('{base}', printf('%+d days', {days}))"

    def plus(self, date_sql: str, days: str) -> str:
        if self.vendor == "postgresql":
            return f"(({date_sql}) + ({days})::int)"
        return f"date({date_sql}, printf('%+d days', {days}))"

    def stamp(self, date_sql: str) -> str:
        """10:00 in Shenzhen on that date (02:00 UTC), as a stored timestamp."""
        if self.vendor == "postgresql":
            return f"((({date_sql})::timestamp + INTERVAL '2 hours') AT TIME ZONE 'UTC')"
        return f"(({date_sql}) || ' 02:00:00')"

    def text(self, expression: str) -> str:
        if self.vendor == "postgresql":
            return f"(({expression})::text)"
        return f"CAST(({expression}) AS TEXT)"


def insert_select(model, columns: dict[str, str], source: str) -> int:
    """``INSERT INTO <model's table> (...) SELECT ... FROM source``: the given columns from
    their SQL expressions, every other NOT NULL column from its field's default."""
    from django.db import connection
    from django.db.models import AutoField, BigAutoField, CharField, FileField, TextField

    names, values, params = [], [], []
    for field in model._meta.concrete_fields:
        column = field.column
        if column in columns:
            names.append(column)
            values.append(columns[column].replace("%", "%%"))  # a literal %, not a parameter
            continue
        if isinstance(field, AutoField | BigAutoField) or field.null:
            continue
        if field.has_default():
            default = field.get_default()
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
        elif isinstance(field, CharField | TextField | FileField):
            default = ""
        else:
            raise ValueError(f"{model.__name__}.{field.name} needs a value")
        names.append(column)
        values.append("%s")
        params.append(field.get_db_prep_save(default, connection))
    quoted = ", ".join(connection.ops.quote_name(name) for name in names)
    query = (
        f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({quoted}) "
        f"SELECT {', '.join(values)} FROM {source.replace('%', '%%')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.rowcount


def history_of(model, source_alias: str, overrides: dict[str, str], when: str, kind: str):
    """Columns for history rows of ``model`` copied from rows aliased ``source_alias``."""
    history = model.history.model
    columns = {
        field.column: f"{source_alias}.{field.column}"
        for field in history._meta.concrete_fields
        if not field.name.startswith("history_")
    }
    columns.update(overrides)
    columns.update(history_date=when, history_type=f"'{kind}'", history_change_reason="''")
    if any(field.name == "history_recorded_at" for field in history._meta.concrete_fields):
        columns.update(history_recorded_at=when)  # recorded when it happened
    return history, columns


def generate(total: int, progress) -> dict:
    """Organisations spread evenly over the residential communities, with their history and
    everything else the KPIs read. About 45% activity groups, 30% filed, 15% registered, 10%
    exited; 3% hubs; 1% with a brand project; 1% dormancy suspects; ..."""
    from django.db import connection, transaction

    from grading.models import GradeAward
    from oversight.models import AnnualReport, DormancyCase
    from party_building.models import (
        InstructorAssignment,
        PartyCoverage,
        PartyInstructor,
        PartyOrganisation,
    )
    from registry.models import Application, BrandProject, Organisation, User

    sql = Sql(connection.vendor)
    user = User.objects.get(username="bench")
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_community")
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_community AS SELECT code, "
            "ROW_NUMBER() OVER (ORDER BY code) - 1 AS rn FROM registry_division "
            "WHERE level = 'community' AND is_residential"
        )
        cursor.execute("CREATE INDEX bench_community_rn ON bench_community (rn)")
        cursor.execute("SELECT COUNT(*) FROM bench_community")
        communities = cursor.fetchone()[0]

    # s: status draw, c: creation day, f/r/e: days to filing / registration / exit, h: hub draw
    drawn = (
        "(SELECT x, (x * 40503) % 100 AS sd, (x * 2654435761) % 2000 AS cd, "
        "(x * 97) % 200 AS fd, (x * 89) % 300 AS rd, (x * 31) % 500 AS ed, "
        f"(x * 13) % 100 AS hd FROM {sql.series(total)}) AS g "
        f"JOIN bench_community AS c ON c.rn = g.x % {communities}"
    )
    created = sql.day("g.cd")
    filed = sql.day("g.cd + 30 + g.fd")
    registered = sql.day("g.cd + 90 + g.fd + g.rd")
    exited = sql.day("g.cd + 100 + g.ed")
    is_filed = "g.sd >= 45 AND g.sd < 90"
    is_registered = "g.sd >= 75 AND g.sd < 90"
    is_exited = "g.sd >= 90"
    is_hub = "g.hd < 3 AND g.sd < 90"
    last_change = (
        f"CASE WHEN {is_registered} THEN {registered} WHEN {is_filed} THEN {filed} "
        f"ELSE {created} END"
    )
    hub_on = sql.plus(last_change, "10")
    with transaction.atomic():
        started = time.perf_counter()
        counts["organisations"] = insert_select(
            Organisation,
            {
                "name": "'组织' || " + sql.text("g.x"),
                "status": (
                    f"CASE WHEN {is_exited} THEN 'exited' WHEN {is_registered} THEN 'registered' "
                    f"WHEN {is_filed} THEN 'filed' ELSE 'activity_group' END"
                ),
                "community_id": "c.code",
                "org_type": "'association'",
                "field": "'culture_sports'",
                "filed_on": f"CASE WHEN {is_filed} THEN {filed} END",
                "registered_on": f"CASE WHEN {is_registered} THEN {registered} END",
                "legal_form": f"CASE WHEN {is_registered} THEN 'social_group' ELSE '' END",
                "exited_on": f"CASE WHEN {is_exited} THEN {exited} END",
                "exit_reason": f"CASE WHEN {is_exited} THEN 'dormant' ELSE '' END",
                "status_before_exit": f"CASE WHEN {is_exited} THEN 'activity_group' ELSE '' END",
                "is_hub": f"CASE WHEN {is_hub} THEN 1 = 1 ELSE 1 = 0 END",
                "hub_designated_on": f"CASE WHEN {is_hub} THEN {hub_on} END",
                "created_at": sql.stamp(created),
                "updated_at": sql.stamp(
                    f"CASE WHEN {is_hub} THEN {hub_on} WHEN {is_exited} THEN {exited} "
                    f"ELSE {last_change} END"
                ),
            },
            drawn,
        )
        progress(f"{counts['organisations']:,} organisations", started)

        # History: created as a group; filed; registered; exited; designated a hub.
        started = time.perf_counter()
        org = "registry_organisation AS o"
        as_group = {
            "status": "'activity_group'",
            "filed_on": "NULL",
            "registered_on": "NULL",
            "legal_form": "''",
            "exited_on": "NULL",
            "exit_reason": "''",
            "status_before_exit": "''",
            "is_hub": "1 = 0",
            "hub_designated_on": "NULL",
        }
        steps = [
            (as_group, "o.created_at", "+", ""),
            (
                {**as_group, "status": "'filed'", "filed_on": "o.filed_on"},
                sql.stamp("o.filed_on"),
                "~",
                "WHERE o.filed_on IS NOT NULL",
            ),
            (
                {
                    **as_group,
                    "status": "'registered'",
                    "filed_on": "o.filed_on",
                    "registered_on": "o.registered_on",
                    "legal_form": "o.legal_form",
                },
                sql.stamp("o.registered_on"),
                "~",
                "WHERE o.registered_on IS NOT NULL",
            ),
            (
                {
                    **as_group,
                    "status": "'exited'",
                    "exited_on": "o.exited_on",
                    "exit_reason": "o.exit_reason",
                    "status_before_exit": "o.status_before_exit",
                },
                sql.stamp("o.exited_on"),
                "~",
                "WHERE o.exited_on IS NOT NULL",
            ),
            ({}, sql.stamp("o.hub_designated_on"), "~", "WHERE o.is_hub"),
        ]
        counts["organisation history rows"] = 0
        for overrides, when, kind, where in steps:
            history, columns = history_of(Organisation, "o", overrides, when, kind)
            counts["organisation history rows"] += insert_select(history, columns, f"{org} {where}")
        progress(f"{counts['organisation history rows']:,} organisation history rows", started)

        started = time.perf_counter()
        street_of = "JOIN registry_division AS cd ON cd.code = o.community_id"
        district_of = f"{street_of} JOIN registry_division AS sd ON sd.code = cd.parent_id"
        application = {
            "status": "'approved'",
            "initiating_division_id": "o.community_id",
            "submitted_by_id": str(user.pk),
            "decided_by_id": str(user.pk),
            "organisation_id": "o.id",
        }
        counts["applications"] = insert_select(
            Application,
            {
                **application,
                "kind": "'filing'",
                "reviewing_division_id": "cd.parent_id",
                "submitted_at": sql.stamp(sql.plus("o.filed_on", "-3 - o.id % 40")),
                "decided_at": sql.stamp("o.filed_on"),
            },
            f"{org} {street_of} WHERE o.filed_on IS NOT NULL",
        )
        counts["applications"] += insert_select(
            Application,
            {
                **application,
                "kind": "'registration'",
                "reviewing_division_id": "sd.parent_id",
                "credit_code": "''",
                "submitted_at": sql.stamp(sql.plus("o.registered_on", "-5 - o.id % 50")),
                "decided_at": sql.stamp("o.registered_on"),
            },
            f"{org} {district_of} WHERE o.registered_on IS NOT NULL",
        )
        counts["brand projects"] = insert_select(
            BrandProject,
            {
                "organisation_id": "o.id",
                "name": "'品牌项目' || " + sql.text("o.id"),
                "year": "2024",
                "recognised_by": "'区民政局'",
            },
            f"{org} WHERE o.id % 100 = 7 AND o.status <> 'exited'",
        )
        history, columns = history_of(
            BrandProject, "b", {}, sql.stamp(sql.day("b.id % 900", "2023-01-01")), "+"
        )
        insert_select(history, columns, "registry_brandproject AS b")
        counts["annual reports"] = insert_select(
            AnnualReport,
            {
                "organisation_id": "o.id",
                "year": "2025",
                "status": "CASE WHEN o.id % 10 < 7 THEN 'accepted' ELSE 'submitted' END",
                "first_submitted_on": sql.day("o.id % 90", "2026-03-01"),
                "submitted_on": sql.day("o.id % 90", "2026-03-01"),
                "reviewed_on": (
                    f"CASE WHEN o.id % 10 < 7 THEN {sql.day('o.id % 90 + 5', '2026-03-01')} END"
                ),
            },
            f"{org} WHERE o.status IN ('filed', 'registered')",
        )
        counts["dormancy cases"] = insert_select(
            DormancyCase,
            {
                "organisation_id": "o.id",
                "signals": "',inactive,'",
                "status": "'open'",
                "flagged_on": sql.day("o.id % 100", "2026-06-01"),
                "notice_ends_on": sql.day("o.id % 100 + 30", "2026-06-01"),
                "flagged_by_id": str(user.pk),
            },
            f"{org} WHERE o.id % 100 = 11 AND o.status <> 'exited'",
        )
        awarded = sql.day("o.id % 1500", "2021-01-01")
        counts["grade awards"] = insert_select(
            GradeAward,
            {
                "organisation_id": "o.id",
                "level": "1 + (o.id / 5) % 5",
                "awarded_on": awarded,
                "valid_until": sql.plus(awarded, "1824"),
            },
            f"{org} WHERE o.registered_on IS NOT NULL AND o.id % 5 = 0",
        )
        counts["party organisations"] = insert_select(
            PartyOrganisation,
            {
                "name": "d.code || '党总支'",
                "kind": "'general_branch'",
                "guiding_division_id": "d.code",
                "founded_on": sql.day("0", "2020-01-01"),
            },
            "registry_division AS d WHERE d.level = 'street' AND d.is_residential "
            "AND length(d.code) = 9 AND CAST(substr(d.code, 9, 1) AS INTEGER) % 2 = 1",
        )
        counts["party coverage"] = insert_select(
            PartyCoverage,
            {
                "party_organisation_id": "p.id",
                "organisation_id": "o.id",
                "start_on": sql.day("o.id % 700", "2022-01-01"),
            },
            f"{org} {street_of} JOIN party_building_partyorganisation AS p "
            "ON p.guiding_division_id = cd.parent_id AND p.kind = 'general_branch' "
            "WHERE o.id % 4 = 0",
        )
        insert_select(
            PartyInstructor,
            {"name": "d.code || '指导员'", "division_id": "d.code"},
            "registry_division AS d WHERE d.level = 'street' AND d.is_residential",
        )
        counts["instructor assignments"] = insert_select(
            InstructorAssignment,
            {
                "instructor_id": "i.id",
                "organisation_id": "o.id",
                "start_on": sql.day("o.id % 700", "2022-01-01"),
            },
            f"{org} {street_of} JOIN party_building_partyinstructor AS i "
            "ON i.division_id = cd.parent_id WHERE o.id % 10 = 3",
        )
        progress("applications, brand projects, reports, cases, grades, party records", started)
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database")
    parser.add_argument("--national", action="store_true", help="load the national divisions")
    parser.add_argument("--orgs", type=int, help="organisations (20,000; 1,750,000 national)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="PostgreSQL: keep the scratch database (divisions, and the data if generated)",
    )
    args = parser.parse_args()
    total = args.orgs or (1_750_000 if args.national else 20_000)

    if args.database_url:
        if not args.reuse:
            recreate_postgres(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        scratch = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
    os.environ["DEBUG"] = "true"  # the query log counts queries
    os.environ.setdefault("SECRET_KEY", "bench")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries

    from registry.choices import DivisionLevel, Role
    from registry.models import Division, Organisation, User
    from registry.services.divisions import divisions_load
    from reports.kpis import kpi_report

    def progress(what, started):
        print(f"  {what} ({time.perf_counter() - started:.1f} s)", flush=True)

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if not (args.reuse and Division.objects.exists()):
        divisions_load(paths=[NATIONAL_FILE]) if args.national else divisions_load()
    reset_queries()
    print(
        f"database: {connection.vendor}; divisions: {Division.objects.count():,} "
        f"(ready in {time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    superuser, _ = User.objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    started = time.perf_counter()
    if args.reuse and Organisation.objects.exists():
        print(f"reusing {Organisation.objects.count():,} organisations")
    else:
        print(f"generating {total:,} organisations and what the KPIs count:", flush=True)
        counts = generate(total, progress)
        print(
            "generated "
            + ", ".join(f"{n:,} {what}" for what, n in counts.items())
            + f" in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    reset_queries()

    def biggest(level, within=None):
        nodes = Division.objects.filter(level=level)
        if within is not None:
            nodes = nodes.filter(path__startswith=within.path)
        return max(
            nodes.order_by("code")[:60],
            key=lambda node: Organisation.objects.filter(
                community__path__startswith=node.path
            ).count(),
        )

    shenzhen = Division.objects.get(code="4403")
    nodes = []
    if args.national:
        province = biggest(DivisionLevel.PROVINCE)
        nodes.append(province)
        nodes.append(shenzhen)
    else:
        nodes.append(shenzhen)
    district = Division.objects.get(code="440306")  # 宝安区, the largest district
    street = biggest(DivisionLevel.STREET, district)
    nodes += [district, street]
    city_officer, _ = User.objects.get_or_create(
        username="bench-city", defaults={"role": Role.CITY_OFFICER, "division": shenzhen}
    )
    sizes = {
        node.pk: Organisation.objects.filter(community__path__startswith=node.path).count()
        for node in nodes
    }
    print(f"kpi_report (every KPI of the node and of each child node), median of {args.repeat}:")
    for node in nodes:
        children = Division.objects.filter(parent=node).count()
        timed(
            f"{node.level} {node.code} {node.name} ({sizes[node.pk]:,} orgs, {children} children)",
            lambda node=node: kpi_report(scope=node, user=superuser),
            args.repeat,
        )
    timed(
        f"city {shenzhen.code} as a city officer (scoped)",
        lambda: kpi_report(scope=shenzhen, user=city_officer),
        args.repeat,
    )
    for node in nodes[:2]:
        timed(
            f"{node.level} {node.code} as of {PAST} (from the history)",
            lambda node=node: kpi_report(scope=node, user=superuser, as_of=PAST),
            args.repeat,
        )
    # Valid time and recorded time (issue 21), in one run: today's as-of report against the
    # same past day as recorded on a later one (every history row and dated record is then
    # also tested for its recorded time).
    recorded = PAST + datetime.timedelta(days=30)
    print(f"as of {PAST} as recorded on {recorded}, against today's report:")
    for node in nodes[:2]:
        today = timed(
            f"{node.level} {node.code} today",
            lambda node=node: kpi_report(scope=node, user=superuser),
            args.repeat,
        )
        both = timed(
            f"{node.level} {node.code} as of {PAST} as recorded on {recorded}",
            lambda node=node: kpi_report(
                scope=node, user=superuser, as_of=PAST, as_recorded_on=recorded
            ),
            args.repeat,
        )
        print(f"  ratio {both / today:.2f}x (goal: within 1.5x)", flush=True)


if __name__ == "__main__":
    main()
