"""Benchmark: the city KPI report with the support programmes' KPIs against the same report
without them, at Shenzhen scale, measured in one run.

Builds the data of ``bench/kpis.py`` (20,000 organisations with their history and everything
the other KPIs count) in a scratch database, adds support records shaped like Longgang's and
scaled to the city (a platform per district and per street and at one community in ten,
incubations of 3% of the organisations, projects of 5% with disbursements and progress
reports, community funds with donations, trainings with attendance, pairings of 5% of the
filed organisations), then times ``kpi_report`` of the city with every KPI and with the
original ones only, alternating the two, live and as of a past date. Prints the medians and
their ratio; asserts nothing.

    .venv/bin/python bench/support_kpis.py                      # SQLite
    .venv/bin/python bench/support_kpis.py \\
        --database-url postgres://registry:registry@127.0.0.1:5432/registry_bench_support

With PostgreSQL the named database is dropped and recreated (``--reuse`` keeps it).
"""

import argparse
import datetime
import importlib.util
import os
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAST = datetime.date(2025, 6, 30)


def _bench_kpis():
    spec = importlib.util.spec_from_file_location("bench_kpis", ROOT / "bench" / "kpis.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate_support(progress) -> dict:
    """Support records over the generated organisations (written in bulk: the benchmark
    measures reads; the KPIs read the records' own dates)."""
    from django.db import transaction

    from registry.choices import DivisionLevel, MemberRole, OrgStatus
    from registry.models import Division, Member, Organisation
    from support.choices import FundingKind, PlatformKind, ResidencyKind, TrainingCapacity
    from support.models import (
        Attendance,
        CommunityFund,
        Disbursement,
        Donation,
        FundedProject,
        FundingProgramme,
        FundingRound,
        Pairing,
        ProgressReport,
        Residency,
        SupportPlatform,
        TrainingProgramme,
        TrainingSession,
    )

    started = time.perf_counter()
    day = datetime.date(2019, 1, 1)
    counts = {}
    with transaction.atomic():
        nodes = list(
            Division.objects.filter(level__in=[DivisionLevel.DISTRICT, DivisionLevel.STREET])
        ) + list(Division.objects.filter(level=DivisionLevel.COMMUNITY).order_by("code")[::10])
        platforms = SupportPlatform.objects.bulk_create(
            SupportPlatform(
                name=f"{node.name}社会组织服务中心",
                kind=PlatformKind.SERVICE_CENTRE,
                division=node,
                opened_on=day + datetime.timedelta(days=i % 1500),
            )
            for i, node in enumerate(nodes)
        )
        counts["platforms"] = len(platforms)
        by_street = {p.division_id: p for p in platforms if p.division.level == "street"}
        live = list(
            Organisation.objects.filter(status__in=OrgStatus.LIVE)
            .select_related("community")
            .order_by("pk")
            .values_list("pk", "community__parent_id", "status")
        )
        residencies = []
        for i, (pk, street, _status) in enumerate(live[::33]):
            platform = by_street.get(street)
            if platform is None:
                continue
            start = day + datetime.timedelta(days=i % 1800)
            graduated = start + datetime.timedelta(days=400) if i % 2 else None
            residencies.append(
                Residency(
                    platform=platform,
                    organisation_id=pk,
                    kind=ResidencyKind.INCUBATED,
                    started_on=start,
                    ended_on=graduated,
                    graduated_on=graduated,
                )
            )
        counts["incubations"] = len(Residency.objects.bulk_create(residencies))
        district = Division.objects.get(code="440307")
        programmes = FundingProgramme.objects.bulk_create(
            FundingProgramme(name=f"{kind.label}（基准）", kind=kind, division=district)
            for kind in FundingKind
        )
        rounds = FundingRound.objects.bulk_create(
            FundingRound(
                programme=programme, name=f"{year}", year=year, opens_on=datetime.date(year, 3, 1)
            )
            for programme in programmes
            for year in range(2019, 2026)
        )
        projects = FundedProject.objects.bulk_create(
            FundedProject(
                round=rounds[i % len(rounds)],
                organisation_id=pk,
                custodian_id=None,
                title=f"基准项目{i}",
                amount_approved=Decimal(50_000 + (i % 40) * 1_000),
                approved_on=datetime.date(rounds[i % len(rounds)].year, 6, 30),
            )
            for i, (pk, _street, _status) in enumerate(live[::20])
        )
        counts["projects"] = len(projects)
        counts["disbursements"] = len(
            Disbursement.objects.bulk_create(
                Disbursement(
                    project=project,
                    amount=project.amount_approved / 2,
                    paid_on=project.approved_on + datetime.timedelta(days=15 + 180 * half),
                    payee_id=project.organisation_id,
                )
                for project in projects
                for half in (0, 1)
            )
        )
        counts["progress reports"] = len(
            ProgressReport.objects.bulk_create(
                ProgressReport(
                    project=project,
                    period_end=project.approved_on + datetime.timedelta(days=120),
                    beneficiaries=100 + i % 300,
                    spent=project.amount_approved / 3,
                )
                for i, project in enumerate(projects)
            )
        )
        funds = CommunityFund.objects.bulk_create(
            CommunityFund(
                name=f"{street.name}社区基金", division=street, opened_on=day, balance=Decimal(0)
            )
            for street in Division.objects.filter(level=DivisionLevel.STREET)
        )
        counts["donations"] = len(
            Donation.objects.bulk_create(
                Donation(
                    fund=funds[i % len(funds)],
                    donor_kind="enterprise",
                    donor_name=f"企业{i}",
                    amount=Decimal(1_000 + i),
                    received_on=day + datetime.timedelta(days=i % 2000),
                )
                for i in range(2_000)
            )
        )
        training = TrainingProgramme.objects.create(
            name="负责人能力提升培训（基准）", division=district, year=2025
        )
        sessions = TrainingSession.objects.bulk_create(
            TrainingSession(
                programme=training,
                title=f"第{i}期",
                held_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=i * 3),
                hours=Decimal(3),
            )
            for i in range(100)
        )
        leaders = list(
            Member.objects.filter(role=MemberRole.LEADER)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not leaders:  # the base generator writes no rosters: give some organisations one
            Member.objects.bulk_create(
                Member(organisation_id=pk, name=f"负责人{i}", role=MemberRole.LEADER)
                for i, (pk, _street, _status) in enumerate(live[::7])
            )
            leaders = list(
                Member.objects.filter(role=MemberRole.LEADER).values_list("pk", flat=True)
            )
        counts["attendances"] = len(
            Attendance.objects.bulk_create(
                Attendance(
                    session=sessions[i % len(sessions)],
                    member_id=member,
                    capacity=TrainingCapacity.LEADER,
                )
                for i, member in enumerate(leaders[:3_000])
            )
        )
        filed = [pk for pk, _street, status in live if status == OrgStatus.FILED]
        registered = [pk for pk, _street, status in live if status == OrgStatus.REGISTERED]
        counts["pairings"] = len(
            Pairing.objects.bulk_create(
                Pairing(
                    mentor_id=registered[i % len(registered)],
                    mentee_id=pk,
                    starts_on=datetime.date(2024, 1, 1),
                    ends_on=datetime.date(2026, 12, 31),
                )
                for i, pk in enumerate(filed[::20])
            )
        )
    progress("support records", started)
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database")
    parser.add_argument("--orgs", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()
    base = _bench_kpis()

    if args.database_url:
        if not args.reuse:
            base.recreate_postgres(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        scratch = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("SECRET_KEY", "bench")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, reset_queries

    from registry.models import Division, Organisation, User
    from registry.services.divisions import divisions_load
    from reports.kpis import KPIS, kpi_report
    from reports.kpis_support import SUPPORT_KEYS
    from support.models import SupportPlatform

    def progress(what, started):
        print(f"  {what} ({time.perf_counter() - started:.1f} s)", flush=True)

    call_command("migrate", verbosity=0)
    if not (args.reuse and Division.objects.exists()):
        divisions_load()
    User.objects.get_or_create(username="bench", defaults={"is_superuser": True, "is_staff": True})
    superuser = User.objects.get(username="bench")
    if not (args.reuse and Organisation.objects.exists()):
        print(f"generating {args.orgs:,} organisations and what the KPIs count:", flush=True)
        base.generate(args.orgs, progress)
    if not (args.reuse and SupportPlatform.objects.exists()):
        counts = generate_support(progress)
        print("support records: " + ", ".join(f"{n:,} {what}" for what, n in counts.items()))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    reset_queries()

    every = [definition.key for definition in KPIS]
    without = [key for key in every if key not in SUPPORT_KEYS]
    city = Division.objects.get(code="4403")
    print(
        f"database: {connection.vendor}; {Organisation.objects.count():,} organisations; "
        f"kpi_report of {city.name} with its {city.children.count()} districts; "
        f"{len(without)} KPIs without, {len(every)} with the support KPIs; "
        f"median of {args.repeat}, alternating:"
    )
    for label, as_of in (("today", None), (f"as of {PAST}", PAST)):
        times = {"without": [], "with": []}
        for keys in (without, every):  # warm-up
            kpi_report(scope=city, user=superuser, as_of=as_of, keys=keys)
        for _ in range(args.repeat):
            for name, keys in (("without", without), ("with", every)):
                reset_queries()
                started = time.perf_counter()
                kpi_report(scope=city, user=superuser, as_of=as_of, keys=keys)
                times[name].append(time.perf_counter() - started)
                times[f"{name}_queries"] = len(connection.queries)
        plain = statistics.median(times["without"])
        full = statistics.median(times["with"])
        print(
            f"  {label:<18} without {plain * 1000:8.1f} ms ({times['without_queries']} queries)"
            f"   with {full * 1000:8.1f} ms ({times['with_queries']} queries)"
            f"   ratio {full / plain:.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
