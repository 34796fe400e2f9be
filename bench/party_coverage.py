"""Benchmark: party-coverage figures, follow-up list and uncovered lists on a generated ledger.

Loads the divisions (Shenzhen, or the national file with ``--national``) into a scratch
database, generates organisations in every residential community with party members, party
organisations, coverage and instructor assignments, then times the reads the pages, the API
and the KPI reports make. Prints the figures; asserts nothing.

    .venv/bin/python bench/party_coverage.py                                   # SQLite (temp)
    .venv/bin/python bench/party_coverage.py --database-url postgres://u:p@host/scratch
    .venv/bin/python bench/party_coverage.py --database-url ... --national --per-community 3

With PostgreSQL the named database is dropped and recreated: point it at a scratch database
(``--reuse`` keeps it as it is: the divisions, and the generated ledger if there is one).
The ledger rows are bulk-inserted without history rows (this measures reads, not writes).
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NATIONAL_FILE = ROOT.parent / "shared" / "data" / "divisions" / "china.csv.gz"
BATCH = 5000


def recreate_postgres(url: str):
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def timed(label: str, function, repeat: int = 3):
    """Run ``function`` ``repeat`` times; print and return the median seconds."""
    from django.db import connection, reset_queries

    seconds, queries = [], 0
    for _ in range(repeat):
        reset_queries()
        started = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - started)
        queries = len(connection.queries)
    median = statistics.median(seconds)
    print(f"  {label:<58} {median * 1000:9.1f} ms  ({queries} queries)")
    return result


def generate(per_community: int, seed: int):
    """Organisations, party members, party organisations, coverage and instructors, written
    community chunk by community chunk so memory stays flat at national scale."""
    from django.db import reset_queries, transaction
    from django.utils import timezone

    from party_building.choices import PartyOrganisationKind as Kind
    from party_building.models import (
        InstructorAssignment,
        PartyCoverage,
        PartyInstructor,
        PartyOrganisation,
    )
    from registry.choices import DivisionLevel, OrgField, OrgStatus, OrgType, PartyStatus
    from registry.models import Division, Member, Organisation

    rng = random.Random(seed)
    today = timezone.localdate()
    since = today.replace(year=today.year - 1)
    communities = list(
        Division.objects.filter(level=DivisionLevel.COMMUNITY, is_residential=True)
        .values_list("code", "parent_id")
        .order_by("code")
    )
    streets = sorted({street for _code, street in communities})
    statuses = [OrgStatus.ACTIVITY_GROUP] * 6 + [OrgStatus.FILED] * 3 + [OrgStatus.REGISTERED]
    totals = dict(organisations=0, members=0, coverage=0, assignments=0)

    with transaction.atomic():
        # A general branch in half the streets; one instructor per street.
        PartyOrganisation.objects.bulk_create(
            [
                PartyOrganisation(
                    name=f"{street}党总支",
                    kind=Kind.GENERAL_BRANCH,
                    guiding_division_id=street,
                    founded_on=since,
                )
                for street in streets[::2]
            ],
            batch_size=BATCH,
        )
        instructors = PartyInstructor.objects.bulk_create(
            [PartyInstructor(name=f"{street}指导员", division_id=street) for street in streets],
            batch_size=BATCH,
        )
    instructor_of = {instructor.division_id: instructor.pk for instructor in instructors}

    chunk_size = max(1, BATCH // max(per_community, 1))
    for start in range(0, len(communities), chunk_size):
        chunk = communities[start : start + chunk_size]
        with transaction.atomic():
            joint = {
                branch.guiding_division_id: branch.pk
                for branch in PartyOrganisation.objects.bulk_create(
                    [
                        PartyOrganisation(
                            name=f"{code}联合党支部",
                            kind=Kind.JOINT_BRANCH,
                            guiding_division_id=code,
                            founded_on=since,
                        )
                        for code, _street in chunk
                    ]
                )
            }
            organisations = Organisation.objects.bulk_create(
                [
                    Organisation(
                        name=f"{code}组织{i}",
                        community_id=code,
                        status=rng.choice(statuses),
                        org_type=OrgType.ASSOCIATION,
                        field=OrgField.CULTURE_SPORTS,
                    )
                    for code, _street in chunk
                    for i in range(per_community)
                ]
            )
            members, own, coverage, assignments = [], [], [], []
            street_of = dict(chunk)
            for organisation in organisations:
                pk, community = organisation.pk, organisation.community_id
                draw = rng.random()
                formal = 3 if draw < 0.15 else 1 if draw < 0.4 else 0
                members += [
                    Member(organisation_id=pk, name="党员", party_status=PartyStatus.FORMAL)
                    for _ in range(formal)
                ]
                members.append(Member(organisation_id=pk, name="成员"))
                # 10% have their own branch, 25% are in their community's joint branch.
                draw = rng.random()
                if draw < 0.10:
                    own.append(
                        PartyOrganisation(
                            name=f"{pk}党支部",
                            kind=Kind.INDEPENDENT_BRANCH,
                            guiding_division_id=community,
                            founded_on=since,
                        )
                    )
                    own[-1].covered_id = pk
                elif draw < 0.35:
                    coverage.append(
                        PartyCoverage(
                            party_organisation_id=joint[community],
                            organisation_id=pk,
                            start_on=since,
                        )
                    )
                if rng.random() < 0.15:
                    assignments.append(
                        InstructorAssignment(
                            instructor_id=instructor_of[street_of[community]],
                            organisation_id=pk,
                            start_on=since,
                        )
                    )
            Member.objects.bulk_create(members, batch_size=BATCH)
            PartyOrganisation.objects.bulk_create(own, batch_size=BATCH)
            coverage += [
                PartyCoverage(
                    party_organisation_id=branch.pk,
                    organisation_id=branch.covered_id,
                    start_on=since,
                )
                for branch in own
            ]
            PartyCoverage.objects.bulk_create(coverage, batch_size=BATCH)
            InstructorAssignment.objects.bulk_create(assignments, batch_size=BATCH)
        reset_queries()  # the DEBUG query log would otherwise keep every INSERT
        totals["organisations"] += len(organisations)
        totals["members"] += len(members)
        totals["coverage"] += len(coverage)
        totals["assignments"] += len(assignments)
        done = start + len(chunk)
        if done % (chunk_size * 50) < chunk_size or done == len(communities):
            print(f"  {done:,} of {len(communities):,} communities", flush=True)
    return totals


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database")
    parser.add_argument("--per-community", type=int, default=20, help="organisations each")
    parser.add_argument("--national", action="store_true", help="load the national divisions")
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="PostgreSQL: keep the scratch database (divisions, and the ledger if generated)",
    )
    args = parser.parse_args()

    if args.database_url:
        if not args.reuse:
            recreate_postgres(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        scratch = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
    # DEBUG on so the query log counts queries; the bulk loads reset it as they go.
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("SECRET_KEY", "bench")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries

    from party_building.models import InstructorAssignment, PartyCoverage
    from party_building.selectors import (
        annotate_coverage,
        coverage_figures,
        follow_up_organisations,
        uncovered,
    )
    from registry.choices import DivisionLevel, Role
    from registry.models import Division, Member, Organisation, User
    from registry.services.divisions import divisions_load

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if not (args.reuse and Division.objects.exists()):
        divisions_load(paths=[NATIONAL_FILE]) if args.national else divisions_load()
    reset_queries()
    print(
        f"database: {connection.vendor}; divisions: {Division.objects.count():,} "
        f"(loaded in {time.perf_counter() - started:.0f} s)"
    )
    started = time.perf_counter()
    if args.reuse and Organisation.objects.exists():
        totals = {
            "organisations": Organisation.objects.count(),
            "members": Member.objects.count(),
            "coverage": PartyCoverage.objects.count(),
            "assignments": InstructorAssignment.objects.count(),
        }
    else:
        totals = generate(args.per_community, args.seed)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"generated {totals['organisations']:,} organisations, {totals['members']:,} roster "
        f"rows, {totals['coverage']:,} coverage rows, {totals['assignments']:,} instructor "
        f"assignments in {time.perf_counter() - started:.0f} s"
    )

    def pick(level):
        # The node with the most organisations below it at this level.
        nodes = Division.objects.filter(level=level, is_residential=True)
        return max(
            nodes[:400],
            key=lambda node: Organisation.objects.filter(
                community__path__startswith=node.path
            ).count(),
        )

    top = Division.objects.filter(parent__isnull=True).order_by("path").first().level
    nodes = [pick(top)]
    for level in (DivisionLevel.CITY, DivisionLevel.DISTRICT, DivisionLevel.STREET):
        if DivisionLevel.rank(level) > DivisionLevel.rank(top):
            nodes.append(pick(level))
    nodes.append(pick(DivisionLevel.COMMUNITY))
    officer, _ = User.objects.get_or_create(username="bench", defaults={"is_superuser": True})
    city = Division.objects.filter(level=DivisionLevel.CITY).order_by("path").first()
    city_officer, _ = User.objects.get_or_create(
        username="bench-city", defaults={"role": Role.CITY_OFFICER, "division": city}
    )

    def measure():
        print("coverage_figures (node + every child node, 4 figures):")
        for node in nodes:
            below, children = sizes[node.pk]
            timed(
                f"{node.level} {node.code} ({below:,} orgs, {children} children)",
                lambda node=node: coverage_figures(node, user=officer),
            )
        timed(
            f"as a city officer, city {city.code} (scoped)",
            lambda: coverage_figures(city, user=city_officer),
        )
        print("lists (first page of 50):")
        district = next((n for n in nodes if n.level == DivisionLevel.DISTRICT), nodes[0])
        timed(
            f"follow-up list, count + page ({district.code})",
            lambda: (
                follow_up_organisations(user=officer)
                .filter(community__path__startswith=district.path)
                .count(),
                list(
                    follow_up_organisations(user=officer).filter(
                        community__path__startswith=district.path
                    )[:50]
                ),
            ),
        )
        for figure in ("organisation_coverage", "communities_with_branch"):
            timed(
                f"uncovered {figure}, count + page ({district.code})",
                lambda figure=figure: (
                    uncovered(district, figure, user=officer).count(),
                    list(uncovered(district, figure, user=officer)[:50]),
                ),
            )
        timed(
            "annotate_coverage on 50 organisations",
            lambda: list(annotate_coverage(Organisation.objects.order_by("pk"))[:50]),
        )

    sizes = {
        node.pk: (
            Organisation.objects.filter(community__path__startswith=node.path).count(),
            Division.objects.filter(parent=node).count(),
        )
        for node in nodes
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW jit")
            jit = cursor.fetchone()[0]
        print(f"-- server settings (jit = {jit}) --")
        measure()
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        print("-- jit = off for this session --")
    measure()


if __name__ == "__main__":
    main()
