"""Benchmark: the nightly lifecycle scan on a generated ledger of N organisations (PostgreSQL).

Builds a scratch database (dropped and recreated), loads the Shenzhen divisions, writes N
organisations over the residential communities with activities, rosters and annual reports in
bulk with COPY (setup data needs no history rows), then runs ``manage.py lifecycle_scan`` as a
child process four times and prints each run's wall time, peak memory (the child's max RSS) and
summary:

1. on 2025-06-01, the day after the 2024 reports' deadline (reports entered as overdue, listings,
   suspects flagged);
2. the same day again (idempotent: nothing to change);
3. on 2025-07-02, the day after the suspects' notice period (exit proposals);
4. that day again.

    .venv/bin/python bench/lifecycle_scan.py --organisations 20000
    .venv/bin/python bench/lifecycle_scan.py --organisations 1000000 \
        --database-url postgres://registry:registry@127.0.0.1:5432/registry_bench_scan

The shape of the data (fixed seed): 50% activity groups, 35% filed, 12% registered, 3% exited;
entered in the ledger between 2020 and mid-2024; 85% of organisations have 1-3 activities in the
twelve months to May 2025, 5% only older ones, 10% none; filed and registered ones have two people
on the roster, a 2023 report (80%, accepted) and a 2024 report (75%, submitted by the deadline).
"""

import argparse
import datetime
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://registry:registry@127.0.0.1:5432/registry_bench_scan"
SCANS = [("2025-06-01", "deadline passed"), ("2025-06-01", "same day again")]
SCANS += [("2025-07-02", "notice period over"), ("2025-07-02", "same day again")]


def recreate_postgres(url: str):
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def copy_rows(model, rows, fixed: dict):
    """COPY ``rows`` (dicts) into ``model``'s table; columns not in a row take ``fixed`` or the
    field's default."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {}
    for f in fields:
        # get_default() is "" for text columns without a default, like Django's own saves.
        value = fixed.get(f.attname, f.get_default())
        defaults[f.attname] = value
    columns = ", ".join(f'"{f.column}"' for f in fields)
    prepare = {f.attname: f for f in fields if f.__class__.__name__ == "ChoiceSetField"}
    count = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                values = []
                for f in fields:
                    value = row.get(f.attname, defaults[f.attname])
                    if f.attname in prepare:
                        value = prepare[f.attname].get_prep_value(value)
                    values.append(value)
                copy.write_row(values)
                count += 1
    return count


def generate(n: int, seed: int = 20250601):
    """Write the ledger; return what was written, by table."""
    from django.db import connection
    from django.utils import timezone

    from oversight.models import AnnualReport
    from registry.choices import DivisionLevel, OrgStatus
    from registry.models import Activity, Division, Member, Organisation

    rng = random.Random(seed)
    communities = list(
        Division.objects.filter(level=DivisionLevel.COMMUNITY, is_residential=True)
        .order_by("code")
        .values_list("code", flat=True)
    )
    start = datetime.date(2020, 1, 1)
    span = (datetime.date(2024, 6, 30) - start).days
    now = timezone.now()
    kinds = []  # per organisation: (status, entered) — one tuple each, fine at a million

    def organisations():
        for i in range(n):
            draw = rng.random()
            status = (
                OrgStatus.ACTIVITY_GROUP
                if draw < 0.50
                else OrgStatus.FILED
                if draw < 0.85
                else OrgStatus.REGISTERED
                if draw < 0.97
                else OrgStatus.EXITED
            )
            entered = start + datetime.timedelta(days=rng.randrange(span))
            kinds.append((status, entered))
            row = {
                "name": f"测试社会组织{i:07d}",
                "status": status,
                "community_id": communities[i % len(communities)],
                "org_type": "association",
                "field": "culture_sports",
                "created_at": timezone.make_aware(
                    datetime.datetime.combine(entered, datetime.time(9))
                ),
                "updated_at": now,
            }
            if status != OrgStatus.ACTIVITY_GROUP:
                row["filed_on"] = entered
                row["filing_number"] = f"B{i:09d}"
            if status == OrgStatus.REGISTERED:
                row["registered_on"] = entered
                row["credit_code"] = f"5{i:017d}"
                row["legal_form"] = "social_group"
            if status == OrgStatus.EXITED:
                row["status_before_exit"] = OrgStatus.FILED
                row["exit_reason"] = "voluntary"
                row["exited_on"] = datetime.date(2024, 12, 1)
            yield row

    written = {"organisations": copy_rows(Organisation, organisations(), {})}
    with connection.cursor() as cursor:
        cursor.execute('SELECT min(id) FROM "registry_organisation"')
        first_id = cursor.fetchone()[0]

    recent_start, recent_span = datetime.date(2024, 6, 15), 350  # to 2025-05-31
    old_start, old_span = datetime.date(2023, 1, 1), 500  # to mid-May 2024

    def activities():
        for offset in range(len(kinds)):
            draw = rng.random()
            if draw < 0.85:  # active: something in the last twelve months
                first, days = recent_start, recent_span
            elif draw < 0.90:  # went quiet a year or more ago
                first, days = old_start, old_span
            else:  # never recorded anything
                continue
            for _ in range(rng.randint(1, 3)):
                yield {
                    "organisation_id": first_id + offset,
                    "held_on": first + datetime.timedelta(days=rng.randrange(days)),
                    "volunteer_hours": 2,
                    "participants": 10,
                }

    written["activities"] = copy_rows(Activity, activities(), {"title": "社区活动"})
    reporting = (OrgStatus.FILED, OrgStatus.REGISTERED)

    def members():
        for offset, (status, _entered) in enumerate(kinds):
            if status in reporting:
                for role in ("leader", "member"):
                    yield {"organisation_id": first_id + offset, "role": role, "name": "张三"}

    written["members"] = copy_rows(Member, members(), {})

    def reports():
        for offset, (status, entered) in enumerate(kinds):
            if status not in reporting:
                continue
            if entered.year < 2023 and rng.random() < 0.8:
                yield {
                    "organisation_id": first_id + offset,
                    "year": 2023,
                    "status": "accepted",
                    "income": 1000,
                    "spending": 800,
                    "first_submitted_on": datetime.date(2024, 4, 15),
                    "submitted_on": datetime.date(2024, 4, 15),
                    "reviewed_on": datetime.date(2024, 5, 10),
                }
            if entered.year < 2024 and rng.random() < 0.75:
                yield {
                    "organisation_id": first_id + offset,
                    "year": 2024,
                    "status": "submitted",
                    "income": 1200,
                    "spending": 900,
                    "first_submitted_on": datetime.date(2025, 5, 20),
                    "submitted_on": datetime.date(2025, 5, 20),
                }

    written["annual reports"] = copy_rows(
        AnnualReport, reports(), {"created_at": now, "updated_at": now}
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return written


#: the child: the command, then its own peak memory. VmHWM is per address space, so it is the
#: scan's peak alone (ru_maxrss of a forked child would include the parent's image before exec).
CHILD = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.core.management import call_command
call_command("lifecycle_scan", "--today", sys.argv[1], "--no-progress")
peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print("PEAK_KB", peak.split()[1])
"""


def run_scan(day: str, env: dict) -> tuple[float, float, float, str]:
    """One ``lifecycle_scan`` in a child process: wall seconds, the child's CPU seconds, its
    peak RSS in MiB, its output."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, day],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"lifecycle_scan failed:\n{output}")
    lines = output.rstrip().splitlines()
    peak_kb = int(lines.pop().split()[1])
    return seconds, usage.ru_utime + usage.ru_stime, peak_kb / 1024, "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=20_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()

    recreate_postgres(args.database_url)
    env = dict(os.environ, DATABASE_URL=args.database_url, DEBUG="false", SECRET_KEY="bench")
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from registry.services.divisions import divisions_load

    call_command("migrate", verbosity=0)
    divisions_load()
    started = time.perf_counter()
    written = generate(args.organisations)
    print(
        f"database: {connection.vendor}; generated in {time.perf_counter() - started:.0f} s: "
        + ", ".join(f"{count:,} {name}" for name, count in written.items())
    )
    connection.close()
    for day, label in SCANS:
        seconds, cpu, peak, output = run_scan(day, env)
        print(
            f"\nscan {day} ({label}): {seconds:.1f} s wall, {cpu:.1f} s CPU in the scan "
            f"process, peak RSS {peak:.0f} MiB (load average {os.getloadavg()[0]:.1f})"
        )
        print(output.rstrip())
    with connection.cursor() as cursor:
        for table in (
            "registry_annualreport",
            "registry_historicalannualreport",
            "registry_creditlistentry",
            "registry_dormancycase",
            "registry_application",
        ):
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            print(f"{table}: {cursor.fetchone()[0]:,} rows")


if __name__ == "__main__":
    main()
