"""Benchmark: REST API latency (p50, p95) of lists and details at 20,000 organisations.

Builds a scratch registry (migrate, the Shenzhen divisions, ``seed_demo --orgs N``), then times
requests through Django's test client with token authentication, in-process (no network; the
whole Django stack: middleware, authentication, scoping, filters, serialisation, JSON).

    .venv/bin/python bench/api_latency.py                                   # SQLite (temp file)
    .venv/bin/python bench/api_latency.py --database-url postgres://registry:registry@127.0.0.1:5432/bench_api

With PostgreSQL the named database is dropped and recreated: point it at a scratch database.
Never the project's db.sqlite3.
"""

import argparse
import atexit
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def postgres_scratch(url: str, *, create: bool):
    """Drop the database ``url`` names and, with ``create``, make it afresh."""
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    database = sql.Identifier(name)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(database))
        if create:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(database))


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples), cuts[18], max(samples)  # p50, p95, max


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database")
    parser.add_argument("--orgs", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per case")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    if args.database_url:
        postgres_scratch(args.database_url, create=True)
        os.environ["DATABASE_URL"] = args.database_url
        engine = "PostgreSQL"
    else:
        scratch = Path(tempfile.mkdtemp()) / "bench-api.sqlite3"
        atexit.register(lambda: args.keep or shutil.rmtree(scratch.parent, ignore_errors=True))
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
        engine = "SQLite"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["LOG_LEVEL"] = "ERROR"
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from knox.models import AuthToken

    from registry.models import Activity, Application, Member, Organisation, User

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    call_command("load_divisions", verbosity=0)
    call_command("seed_demo", orgs=args.orgs, force=True, no_progress=True, verbosity=0)
    print(
        f"{engine}: built {Organisation.objects.count()} organisations, "
        f"{Member.objects.count()} members, {Activity.objects.count()} activities, "
        f"{Application.objects.count()} applications in {time.monotonic() - started:.0f} s"
    )

    rng = random.Random(args.seed)

    def client(username):
        _instance, token = AuthToken.objects.create(user=User.objects.get(username=username))
        return Client(HTTP_AUTHORIZATION=f"Token {token}")

    clients = {"superuser": client("admin"), "street": client("street-pingshan")}
    visible = {
        "superuser": list(Organisation.objects.values_list("pk", flat=True)),
        "street": list(
            Organisation.objects.restrict(User.objects.get(username="street-pingshan")).values_list(
                "pk", flat=True
            )
        ),
    }

    def timed(who, url_of, *, n=args.requests):
        api = clients[who]
        samples, queries = [], None
        api.get(url_of(0))  # warm up
        for i in range(n):
            url = url_of(i)
            if queries is None:
                with CaptureQueriesContext(connection) as captured:
                    response = api.get(url)
                queries = len(captured.captured_queries)
            else:
                begin = time.perf_counter()
                response = api.get(url)
                samples.append((time.perf_counter() - begin) * 1000)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return samples, queries

    def deep_walk(who, url, pages):
        """Follow ``next`` from the first page; time every page (the deep ones included)."""
        api = clients[who]
        samples = []
        for _ in range(pages):
            begin = time.perf_counter()
            response = api.get(url)
            samples.append((time.perf_counter() - begin) * 1000)
            url = response.json()["next"]
            if not url:
                break
        return samples, None

    cases = [
        ("organisations, first page", "superuser", lambda i: "/api/v1/organisations/"),
        (
            "organisations, by name",
            "superuser",
            lambda i: "/api/v1/organisations/?ordering=name",
        ),
        (
            "organisations, by founding date",
            "superuser",
            lambda i: "/api/v1/organisations/?ordering=-founded_on",
        ),
        (
            "organisations, filed in a district",
            "superuser",
            lambda i: "/api/v1/organisations/?status=filed&within=440307",
        ),
        ("organisations, name search", "superuser", lambda i: "/api/v1/organisations/?q=协会"),
        ("organisations, street officer", "street", lambda i: "/api/v1/organisations/"),
        (
            "organisation detail",
            "superuser",
            lambda i: f"/api/v1/organisations/{rng.choice(visible['superuser'])}/",
        ),
        (
            "organisation detail, street officer",
            "street",
            lambda i: f"/api/v1/organisations/{rng.choice(visible['street'])}/",
        ),
        (
            "organisation history",
            "superuser",
            lambda i: f"/api/v1/organisations/{rng.choice(visible['superuser'])}/history/",
        ),
        ("members, first page", "superuser", lambda i: "/api/v1/members/"),
        ("activities, first page", "superuser", lambda i: "/api/v1/activities/"),
        ("applications, first page", "superuser", lambda i: "/api/v1/applications/"),
        (
            "applications, open in a street",
            "street",
            lambda i: "/api/v1/applications/?status=submitted",
        ),
    ]
    print(f"\n{engine}, page size 50, {args.requests} requests per case (times in ms)")
    print(f"{'case':44} {'p50':>7} {'p95':>7} {'max':>7} {'queries':>8}")
    for label, who, url_of in cases:
        samples, queries = timed(who, url_of)
        p50, p95, worst = percentiles(samples)
        print(f"{label:44} {p50:7.1f} {p95:7.1f} {worst:7.1f} {queries:>8}")
    for label, who, url, pages in [
        ("organisations, pages 1-400 via next", "superuser", "/api/v1/organisations/", 400),
        ("members, pages 1-400 via next", "superuser", "/api/v1/members/", 400),
    ]:
        samples, _ = deep_walk(who, url, pages)
        p50, p95, worst = percentiles(samples)
        tail = percentiles(samples[-50:])
        print(
            f"{label:44} {p50:7.1f} {p95:7.1f} {worst:7.1f} {'':>8}"
            f"  (last 50 pages: p50 {tail[0]:.1f}, p95 {tail[1]:.1f})"
        )
    if args.database_url and not args.keep:
        connection.close()
        postgres_scratch(args.database_url, create=False)


if __name__ == "__main__":
    main()
