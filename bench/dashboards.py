"""Benchmark: response time of the KPI dashboard pages on the demo dataset.

Builds a scratch registry (migrate, the Shenzhen divisions, ``seed_demo --orgs N``, whose
history is dated at each organisation's real events), then times each page through Django's
test client as the city officer (in-process, the whole stack: middleware, scoping, the KPI
queries, the trends' as-of queries, the SVG charts, templates; for the export the workbook).

    .venv/bin/python bench/dashboards.py                                   # SQLite (temp file)
    .venv/bin/python bench/dashboards.py --database-url postgres://registry:registry@127.0.0.1:5432/bench_dash

With PostgreSQL the named database is dropped and recreated: point it at a scratch database.
Never the project's db.sqlite3. ``--keep`` leaves it, and ``--reuse`` times it again without
rebuilding it (to compare code changes on the same data); ``--only TEXT`` times only the pages
whose name contains TEXT (repeatable).
"""

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_latency import postgres_scratch  # noqa: E402

PAGES = [
    ("city dashboard", "/reports/4403/"),
    ("city dashboard, as of a year ago", "/reports/4403/?as_of={year_ago}"),
    ("district dashboard", "/reports/440310/"),
    ("street dashboard", "/reports/440310001/"),
    ("KPI page, 12 months", "/reports/4403/hub_coverage/"),
    ("KPI page, 36 months", "/reports/4403/hub_coverage/?months=36"),
    ("organisations behind density", "/reports/4403/density/organisations/"),
    ("export .xlsx", "/reports/4403/export.xlsx"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database")
    parser.add_argument("--orgs", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=5, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--reuse", action="store_true", help="time a kept PostgreSQL database without rebuilding"
    )
    parser.add_argument("--only", action="append", help="time only pages whose name has this")
    args = parser.parse_args()
    if args.reuse and not args.database_url:
        parser.error("--reuse needs --database-url")
    args.keep = args.keep or args.reuse

    if args.database_url:
        if not args.reuse:
            postgres_scratch(args.database_url, create=True)
        os.environ["DATABASE_URL"] = args.database_url
        engine = "PostgreSQL"
        if not args.keep:
            atexit.register(postgres_scratch, args.database_url, create=False)
    else:
        scratch = Path(tempfile.mkdtemp()) / "bench-dash.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
        engine = "SQLite"
        if not args.keep:
            atexit.register(shutil.rmtree, scratch.parent, ignore_errors=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "1"

    import django

    django.setup()
    from io import StringIO

    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from registry.models import User

    setup_test_environment()
    if args.reuse:
        print(f"{engine}: the kept database")
    else:
        call_command("migrate", verbosity=0)
        call_command("load_divisions", stdout=StringIO(), stderr=StringIO())
        started = time.monotonic()
        call_command("seed_demo", orgs=args.orgs, force=True, no_progress=True, stdout=StringIO())
        print(f"{engine}: seed_demo --orgs {args.orgs}: {time.monotonic() - started:.1f} s")

    client = Client()
    client.force_login(User.objects.get(username="city"))
    year_ago = timezone.localdate().replace(year=timezone.localdate().year - 1)
    print(f"{'page':36} {'median':>8} {'max':>8}")
    for name, url in PAGES:
        if args.only and not any(text in name for text in args.only):
            continue
        url = url.format(year_ago=year_ago.isoformat())
        assert client.get(url).status_code == 200, url  # warm up
        samples = []
        for _i in range(args.requests):
            started = time.perf_counter()
            response = client.get(url)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200
        print(f"{name:36} {statistics.median(samples):7.2f}s {max(samples):7.2f}s")


if __name__ == "__main__":
    main()
