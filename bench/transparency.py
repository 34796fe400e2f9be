"""Benchmark: the audit-log browser over 10 million history rows, and the national open-data
extract (1.75 million organisations), on PostgreSQL. Prints the figures; asserts nothing.

    # the audit log: build a scratch database with 10 million history rows (Shenzhen divisions),
    # index them, time first pages, filtered pages and deep keyset pages
    .venv/bin/python bench/transparency.py audit \\
        --database-url postgres://registry:registry@127.0.0.1:5432/registry_history_bench
    # the extract: on the national dataset of bench/kpis.py (reused as it is when it exists,
    # else built with its generator, plus credit-list entries)
    .venv/bin/python bench/transparency.py extract \\
        --database-url postgres://registry:registry@127.0.0.1:5432/registry_bench_kpis

``audit`` drops and recreates its database unless ``--reuse`` (then it keeps the generated rows
and the index). History rows are generated in the database with ``INSERT ... SELECT`` (as the
services would leave them: organisations created, filed, registered, exited, designated; members
joining and changing phone; activities recorded; applications submitted and decided; annual
reports created and accepted), dated over three years and attributed to each community's staff.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import kpis  # noqa: E402  (bench/kpis.py: its generator and SQL helpers)


def setup(database_url: str, *, recreate: bool):
    if recreate:
        kpis.recreate_postgres(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def rss_mb() -> float:
    """Resident memory of this process now (MB)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def timed(label: str, function, repeat: int):
    """Median of ``repeat`` runs after one warm-up, printed with the number of queries."""
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
    print(f"  {label:<70} {median * 1000:8.1f} ms  ({queries} queries)", flush=True)
    return median


# --- audit ------------------------------------------------------------------------------------


def generate_history(orgs: int, progress) -> dict:
    """About 50 history rows per organisation (10 members who join, two thirds of whom change
    their phone later; 30 activities; the organisation's own rows; annual reports). Each step
    commits on its own and is skipped when its rows are there (an interrupted run resumes)."""
    from django.db import connection, transaction

    from oversight.models import AnnualReport
    from registry.models import Activity, Member, Organisation, User

    sql = kpis.Sql(connection.vendor)
    counts = {}
    users = "JOIN registry_user AS u ON u.username = 'staff-' || o.community_id"
    stamp_member = " + (mm.id % 36000) * INTERVAL '1 second'"
    member_rows = (
        "registry_member AS mm JOIN registry_organisation AS o ON o.id = mm.organisation_id "
        + users
    )

    def organisations():
        counts.update(kpis.generate(orgs, progress))

    def staff():
        # one staff account per community: the history of its organisations is theirs
        kpis.insert_select(
            User,
            {
                "username": "'staff-' || d.code",
                "password": "'!'",
                "role": "'community_staff'",
                "division_id": "d.code",
                "is_active": "1 = 1",
            },
            "registry_division AS d WHERE d.level = 'community'",
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE registry_historicalorganisation AS h SET history_user_id = u.id "
                "FROM registry_user AS u WHERE u.username = 'staff-' || h.community_id"
            )

    def members():
        counts["members"] = kpis.insert_select(
            Member,
            {
                "organisation_id": "o.id",
                "name": "'成员' || " + sql.text("o.id * 10 + m.x"),
                "phone": "'139' || lpad(" + sql.text("(o.id * 10 + m.x) % 100000000") + ", 8, '0')",
                "role": "CASE WHEN m.x = 1 THEN 'leader' ELSE 'member' END",
                "joined_on": sql.day("(o.id + m.x) % 1000", "2023-01-01"),
            },
            "registry_organisation AS o CROSS JOIN generate_series(1, 10) AS m (x)",
        )
        history, columns = kpis.history_of(
            Member, "mm", {"history_user_id": "u.id"}, sql.stamp("mm.joined_on") + stamp_member, "+"
        )
        counts["member history rows"] = kpis.insert_select(history, columns, member_rows)
        history, columns = kpis.history_of(
            Member,
            "mm",
            {"history_user_id": "u.id", "phone": "'138' || substr(mm.phone, 4)"},
            sql.stamp(sql.plus("mm.joined_on", "200 + mm.id % 300")) + stamp_member,
            "~",
        )
        counts["member history rows"] += kpis.insert_select(
            history, columns, member_rows + " WHERE mm.id % 3 <> 0"
        )

    def activities():
        counts["activities"] = kpis.insert_select(
            Activity,
            {
                "organisation_id": "o.id",
                "held_on": sql.day("(o.id * 7 + a.x * 53) % 1150", "2023-01-01"),
                "title": "'活动' || " + sql.text("a.x"),
                "series": "'culture'",
                "participants": "10 + a.x",
            },
            "registry_organisation AS o CROSS JOIN generate_series(1, 30) AS a (x)",
        )
        history, columns = kpis.history_of(
            Activity,
            "ac",
            {"history_user_id": "u.id"},
            sql.stamp("ac.held_on") + " + (ac.id % 36000) * INTERVAL '1 second'",
            "+",
        )
        counts["activity history rows"] = kpis.insert_select(
            history,
            columns,
            "registry_activity AS ac JOIN registry_organisation AS o ON o.id = ac.organisation_id "
            + users,
        )

    def reports():
        counts["annual report history rows"] = 0
        for kind in ("+", "~"):
            history, columns = kpis.history_of(
                AnnualReport,
                "r",
                {"history_user_id": "u.id"},
                sql.stamp(sql.plus("r.first_submitted_on", "0" if kind == "+" else "5")),
                kind,
            )
            counts["annual report history rows"] += kpis.insert_select(
                history,
                columns,
                f"{AnnualReport._meta.db_table} AS r JOIN registry_organisation AS o "
                "ON o.id = r.organisation_id " + users,
            )

    def edits():
        history, columns = kpis.history_of(
            Organisation,
            "o",
            {"history_user_id": "u.id", "venue": "'社区党群服务中心'"},
            sql.stamp(sql.day("o.id % 1100", "2023-02-01")),
            "~",
        )
        counts["organisation edits"] = kpis.insert_select(
            history, columns, f"registry_organisation AS o {users}"
        )

    steps = [
        ("organisations (bench/kpis.py)", organisations, Organisation.objects),
        ("staff accounts", staff, User.objects.filter(username__startswith="staff-")),
        ("members and their history", members, Member.history),
        ("activities and their history", activities, Activity.history),
        ("annual report history", reports, AnnualReport.history),
        ("organisation edits", edits, Organisation.history.filter(venue="社区党群服务中心")),
    ]
    for label, step, done in steps:
        if done.exists():
            continue
        started = time.perf_counter()
        with transaction.atomic():
            step()
        progress(label, started)
    return counts


def history_total() -> int:
    from transparency.audit import tracked_models

    return sum(t.history._default_manager.count() for t in tracked_models().values())


def bench_audit(args):
    setup(args.database_url, recreate=not args.reuse)
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from registry.models import Division, User
    from registry.services.divisions import divisions_load
    from transparency import audit
    from transparency.audit import AuditQuery
    from transparency.models import AuditEvent

    def progress(what, started):
        print(f"  {what} ({time.perf_counter() - started:.1f} s)", flush=True)

    call_command("migrate", verbosity=0)
    if not Division.objects.exists():
        divisions_load()
    User.objects.get_or_create(username="bench", defaults={"is_superuser": True})
    started = time.perf_counter()
    print(f"generating {args.orgs:,} organisations and their history (what is missing):")
    counts = generate_history(args.orgs, progress)
    if counts:
        print(
            "generated " + ", ".join(f"{n:,} {what}" for what, n in counts.items()),
            f"in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total = history_total()
    print(f"history rows in all tables: {total:,}", flush=True)

    started = time.perf_counter()
    added = audit.audit_index_catch_up()
    build = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE transparency_auditevent")
        cursor.execute(
            "SELECT pg_total_relation_size('transparency_auditevent'), "
            "pg_relation_size('transparency_auditevent'), "
            "pg_indexes_size('transparency_auditevent')"
        )
        total_size, table_size, index_size = cursor.fetchone()
        cursor.execute(
            "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "WHERE c.relname LIKE '%%historical%%' AND c.relkind = 'r'"
        )
        history_size = float(cursor.fetchone()[0])
    events = AuditEvent.objects.count()
    print(
        f"audit index: {events:,} rows ({added:,} added in {build:.0f} s); "
        f"{table_size / 1e9:.2f} GB table + {index_size / 1e9:.2f} GB indexes "
        f"= {total_size / 1e9:.2f} GB; the history tables: {history_size / 1e9:.2f} GB",
        flush=True,
    )

    city = Division.objects.get(code="4403")
    busiest_street = (
        AuditEvent.objects.exclude(node2="")
        .values("node2")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["node2"]
    )
    street = Division.objects.get(code=busiest_street)
    district = street.parent
    community = Division.objects.filter(parent=street).order_by("code").first()
    officers = {}
    for role, node in (
        ("city_officer", city),
        ("district_officer", district),
        ("street_officer", street),
        ("community_staff", community),
    ):
        officers[role], _created = User.objects.get_or_create(
            username=f"bench-{role}", defaults={"role": role, "division": node}
        )
    staff = User.objects.get(username=f"staff-{community.code}")
    month_start = datetime.date(2025, 3, 1)
    month = AuditQuery(since=month_start, until=datetime.date(2025, 3, 31), division=street)
    counts = {
        "city": AuditEvent.objects.restrict(officers["city_officer"]).count(),
        "street": AuditEvent.objects.restrict(officers["street_officer"]).count(),
        "community": AuditEvent.objects.restrict(officers["community_staff"]).count(),
    }
    print(
        f"events visible: city {counts['city']:,}, street {street.code} {counts['street']:,}, "
        f"community {community.code} {counts['community']:,}",
        flush=True,
    )

    def deep_cursor(user, query, fraction):
        """A cursor standing in the middle (``fraction``) of the user's log."""
        events = audit.audit_events(user, query)
        n = events.count()
        event = events[int(n * fraction)]
        return audit.encode_cursor(event, query.fingerprint(user)), int(n * fraction)

    print(f"audit_page (50 rows, with their diffs), median of {args.repeat}:", flush=True)
    plain = AuditQuery()
    for role in ("city_officer", "district_officer", "street_officer", "community_staff"):
        user = officers[role]
        timed(f"{role}: first page", lambda user=user: audit.audit_page(user, plain), args.repeat)
    user = officers["city_officer"]
    timed(
        f"city officer: one street ({street.code}), one month (2025-03)",
        lambda: audit.audit_page(user, month),
        args.repeat,
    )
    timed(
        f"city officer: changes by one person ({staff.username})",
        lambda: audit.audit_page(user, AuditQuery(person=staff)),
        args.repeat,
    )
    timed(
        "city officer: one kind (registry.organisation), changes only",
        lambda: audit.audit_page(user, AuditQuery(kinds=("registry.organisation",), change="~")),
        args.repeat,
    )
    for role, query, label in (
        ("city_officer", plain, "city officer"),
        ("street_officer", plain, "street officer"),
        ("city_officer", month, "city officer, street + month"),
    ):
        user = officers[role]
        for fraction in (0.5, 0.99):
            cursor, position = deep_cursor(user, query, fraction)
            timed(
                f"{label}: keyset page at row {position:,}",
                lambda user=user, query=query, cursor=cursor: audit.audit_page(
                    user, query, cursor=cursor
                ),
                args.repeat,
            )
    user = officers["city_officer"]
    n = audit.audit_events(user, plain).count()

    def offset_page():
        list(audit.audit_events(user, plain)[n // 2 : n // 2 + 50])

    timed(f"for comparison: OFFSET {n // 2:,} LIMIT 50 on the index", offset_page, 1)
    started = time.perf_counter()
    written = sum(1 for _ in audit.iter_audit_rows(officers["street_officer"], month))
    print(
        f"  street officer: the month's {written:,} changes described for export in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )


# --- extract ----------------------------------------------------------------------------------


def add_credit_entries(progress):
    """Credit-list entries for 2% of the registered organisations (a quarter of them removed
    since, a tenth moved on to the serious-dishonesty list)."""
    from django.db import connection, transaction

    from oversight.models import CreditListEntry

    sql = kpis.Sql(connection.vendor)
    started = time.perf_counter()
    removed = sql.day("o.id % 400 + 60", "2024-07-01")
    with transaction.atomic():
        n = kpis.insert_select(
            CreditListEntry,
            {
                "organisation_id": "o.id",
                "kind": "CASE WHEN o.id % 500 < 2 THEN 'serious' ELSE 'abnormal' END",
                "listed_on": sql.day("o.id % 400", "2024-07-01"),
                "reason": "'report_missing'",
                "report_year": "2023",
                "removed_on": f"CASE WHEN o.id % 4 = 0 THEN {removed} END",
                "removal_reason": "CASE WHEN o.id % 4 = 0 THEN 'report_accepted' ELSE '' END",
            },
            "registry_organisation AS o WHERE o.status = 'registered' AND o.id % 50 = 3",
        )
        history, columns = kpis.history_of(CreditListEntry, "e", {}, sql.stamp("e.listed_on"), "+")
        kpis.insert_select(history, columns, f"{CreditListEntry._meta.db_table} AS e")
    progress(f"{n:,} credit-list entries", started)


def bench_extract(args):
    import psycopg

    base, _, name = args.database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    setup(args.database_url, recreate=not exists)
    from django.core.management import call_command
    from django.db import connection

    from oversight.models import CreditListEntry
    from registry.models import Division, Organisation, User
    from registry.services.divisions import divisions_load
    from transparency import extract
    from transparency.public import public_organisations

    def progress(what, started):
        print(f"  {what} ({time.perf_counter() - started:.1f} s)", flush=True)

    # Only this app's tables are added to a reused database; its data is read, never changed.
    call_command("migrate", "transparency", verbosity=0)
    if not exists:
        call_command("migrate", verbosity=0)
        divisions_load(paths=[kpis.NATIONAL_FILE])
        User.objects.get_or_create(username="bench", defaults={"is_superuser": True})
        print(f"generating {args.orgs:,} organisations (bench/kpis.py):", flush=True)
        kpis.generate(args.orgs, progress)
        add_credit_entries(progress)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"database {name}: {Division.objects.count():,} divisions, "
        f"{Organisation.objects.count():,} organisations "
        f"({public_organisations().count():,} public), "
        f"{CreditListEntry.objects.count():,} credit-list entries",
        flush=True,
    )
    samples = []
    written = {"rows": 0}

    def sample(_table, rows):
        written["rows"] += rows
        if written["rows"] % 100_000 < rows:
            samples.append((written["rows"], rss_mb()))

    before = rss_mb()
    started = time.perf_counter()
    made = extract.generate_extract(datetime.date(2026, 6, 30), force=True, progress=sample)
    seconds = time.perf_counter() - started
    print(
        f"extract of {made.extract_date}: {made.organisations:,} organisations, "
        f"{made.credit_list_entries:,} credit-list entries, {made.size_bytes / 1e6:.1f} MB zip, "
        f"in {seconds:.1f} s ({made.organisations / seconds:,.0f} organisations/s)",
        flush=True,
    )
    print(f"resident memory: {before:.0f} MB before; while writing (rows: MB):", flush=True)
    print("  " + ", ".join(f"{rows // 1000:,}k: {mb:.0f}" for rows, mb in samples), flush=True)
    print(f"  peak during the run: {max(mb for _rows, mb in samples):.0f} MB", flush=True)
    path = extract.extract_path(made)
    import zipfile

    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            print(
                f"  {info.filename:<28} {info.file_size / 1e6:9.1f} MB "
                f"-> {info.compress_size / 1e6:7.1f} MB",
                flush=True,
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["audit", "extract"])
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL (scratch)")
    parser.add_argument("--orgs", type=int, help="audit: 200,000; extract: 1,750,000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="audit: keep the database")
    args = parser.parse_args()
    if args.what == "audit":
        args.orgs = args.orgs or 200_000
        bench_audit(args)
    else:
        args.orgs = args.orgs or 1_750_000
        bench_extract(args)


if __name__ == "__main__":
    main()
