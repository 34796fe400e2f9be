"""Benchmark: load the national division file (665,275 units) into an empty database.

Prints wall time and peak memory for the first load and for an idempotent second load.

    .venv/bin/python bench/load_national_divisions.py                       # SQLite (temp file)
    .venv/bin/python bench/load_national_divisions.py --database-url postgres://...  # PostgreSQL

With PostgreSQL the named database is dropped and recreated: point it at a scratch database.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT.parent / "shared" / "data" / "divisions" / "china.csv.gz"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def recreate_postgres(url: str):
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database")
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args()

    if args.database_url:
        recreate_postgres(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        scratch = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from registry.models import Division
    from registry.services.divisions import divisions_load

    call_command("migrate", verbosity=0)
    engine = connection.vendor
    baseline = current_rss_mb()
    print(f"database: {engine}; file: {args.file.name}; RSS before loading {baseline:.0f} MiB")

    started = time.perf_counter()
    first = divisions_load(paths=[args.file])
    first_seconds = time.perf_counter() - started
    first_peak = peak_rss_mb()
    print(
        f"first load:  {first.rows:,} rows, {first.created:,} created in {first_seconds:.1f} s "
        f"({first.rows / first_seconds:,.0f} rows/s); peak RSS {first_peak:.0f} MiB "
        f"(+{first_peak - baseline:.0f} MiB over the baseline)"
    )

    started = time.perf_counter()
    second = divisions_load(paths=[args.file])
    second_seconds = time.perf_counter() - started
    print(
        f"second load: {second.created} created, {second.updated} updated, "
        f"{second.unchanged:,} unchanged in {second_seconds:.1f} s; "
        f"peak RSS {peak_rss_mb():.0f} MiB"
    )
    print(
        f"divisions in the database: {Division.objects.count():,}; "
        f"history rows: {Division.history.count():,}"
    )


if __name__ == "__main__":
    main()
