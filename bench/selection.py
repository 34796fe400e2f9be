"""Benchmark: ranking and results of a selection campaign at scale, and the case book.

Builds a city call with 4 categories, ``--entries`` submitted entries (10,000 by default) spread
over every residential community of Shenzhen, 200 experts and 5 score sheets per entry on three
weighted criteria, then times what the pages, the API and the services compute:

- the ranking of every category at the review stage (``selectors.stage_ranking``);
- the results by the formula for every category, with each entry's breakdown
  (``selectors.compute_results``), now and recomputed as of a past moment from the history;
- the top 5 of every category (cuts), the public notice and the final results (the services);
- the case book of the 20 awarded cases (5,000 characters and 3 pictures each) as a PDF.

Timings are wall-clock and, beside them, the CPU time of this process (the database server's
work is not in it): on a machine shared with other work the second says what the code costs.

A smaller campaign (``--small``, 1,000 entries) is built in the same run, so that the query
counts can be compared: they do not depend on the number of entries.

    .venv/bin/python bench/selection.py                                     # SQLite (temp)
    .venv/bin/python bench/selection.py --database-url postgres://u:p@host/scratch

With PostgreSQL the named database is dropped and recreated: point it at a scratch database.
Entries are bulk-inserted with their history rows, assignments and sheets without (they are
append-only; this measures reads);
everything after the scoring goes through the services. Prints the figures; asserts nothing.
"""

import argparse
import datetime
import io
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5000


def recreate_postgres(url: str):
    import psycopg
    from psycopg import sql

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def timed(label: str, function, repeat: int = 3):
    """Run ``function`` ``repeat`` times; print and return (result, median seconds, queries)."""
    from django.db import connection, reset_queries

    seconds, cpu, queries, result = [], [], 0, None
    for _ in range(repeat):
        reset_queries()
        started, started_cpu = time.perf_counter(), time.process_time()
        result = function()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        queries = len(connection.queries)
    median = statistics.median(seconds)
    print(
        f"  {label:<58} {median * 1000:9.1f} ms wall {statistics.median(cpu) * 1000:8.1f} ms "
        f"CPU here ({queries} queries)"
    )
    return result, median, queries


def build(entries: int, experts: int, sheets_per_entry: int, seed: int, officer, title: str):
    """A city call with its entries scored (bulk-inserted); returns (campaign, review stage)."""
    from django.db import connection, reset_queries
    from django.utils import timezone
    from simple_history.utils import bulk_create_with_history

    from grading.models import Expert
    from registry.choices import DivisionLevel, OrgField, OrgStatus, OrgType
    from registry.models import Division, Organisation
    from selection import rules, services
    from selection.choices import Aggregation, EntryStatus, RevisionKind, StageKind
    from selection.models import Assignment, Entry, EntryRevision, ScoreSheet

    rng = random.Random(seed)
    city = Division.objects.get(code="4403")
    criteria = [
        {"code": "science", "name": "科学性", "max_points": "10", "weight": "30"},
        {"code": "innovation", "name": "创新性", "max_points": "10", "weight": "40"},
        {"code": "practice", "name": "实践性", "max_points": "10", "weight": "30"},
    ]
    campaign = services.campaign_create(
        organiser=city,
        title=title,
        year=2024,
        min_pictures=0,
        categories=[{"name": f"类别{i + 1}", "top_quota": 5} for i in range(4)],
        stages=[
            {"kind": StageKind.COLLECTION},
            {
                "kind": StageKind.EXPERT_REVIEW,
                "aggregation": Aggregation.TRIMMED_MEAN,
                "experts_per_entry": sheets_per_entry,
                "criteria": criteria,
            },
            {"kind": StageKind.PUBLICATION},
        ],
        acting_user=officer,
    )
    campaign = services.campaign_open(campaign=campaign, acting_user=officer)
    categories = list(campaign.categories.order_by("position"))
    communities = list(
        Division.objects.filter(level=DivisionLevel.COMMUNITY, is_residential=True).values_list(
            "code", flat=True
        )
    )
    prefix = f"B{campaign.pk}-"
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(
                name=f"{prefix}社会组织{i:05d}",
                status=OrgStatus.FILED,
                community_id=communities[i % len(communities)],
                org_type=OrgType.SERVICE,
                field=OrgField.COMMUNITY_AFFAIRS,
                filed_on=datetime.date(2020, 1, 1),
            )
            for i in range(entries)
        ],
        batch_size=BATCH,
    )
    now = timezone.now()
    rows = bulk_create_with_history(
        [
            Entry(
                campaign=campaign,
                category=categories[i % 4],
                organisation=org,
                division_id=org.community_id,
                title=f"{prefix}案例{i:05d}",
                text="社区治理创新案例正文。" * 20,
                contact_name="联系人",
                phone="13800138000",
                status=EntryStatus.SUBMITTED,
                submitted_at=now,
                revision_count=1,
                created_by=officer,
            )
            for i, org in enumerate(organisations)
        ],
        Entry,
        batch_size=BATCH,
        default_user=officer,
        default_change_reason="bench",
    )
    EntryRevision.objects.bulk_create(
        [
            EntryRevision(
                entry=e,
                number=1,
                kind=RevisionKind.SUBMISSION,
                title=e.title,
                text=e.text,
                characters=rules.count_characters(e.text),
                created_by=officer,
            )
            for e in rows
        ],
        batch_size=BATCH,
    )
    review = campaign.stages.get(kind=StageKind.EXPERT_REVIEW)
    collection = campaign.stages.get(kind=StageKind.COLLECTION)
    services.stage_close(stage=collection, acting_user=officer)
    services.stage_open(stage=review, acting_user=officer)
    pool = Expert.objects.bulk_create(
        [
            Expert(name=f"{prefix}专家{i:03d}", district_id="440310", phone=f"137{i:08d}")
            for i in range(experts)
        ]
    )
    services.panel_create(stage=review, name="评审组", experts=pool, acting_user=officer)
    assignments = []
    for i, entry in enumerate(rows):
        for k in range(sheets_per_entry):
            expert = pool[(i * sheets_per_entry + k) % len(pool)]
            assignments.append(
                Assignment(stage=review, entry=entry, expert=expert, assigned_by=officer)
            )
    assignments = Assignment.objects.bulk_create(assignments, batch_size=BATCH)
    rule = [
        rules.CriterionRule(c["code"], Decimal(c["max_points"]), Decimal(c["weight"]))
        for c in criteria
    ]
    sheets = []
    for assignment in assignments:
        points = {c["code"]: Decimal(rng.randint(40, 100)) / 10 for c in criteria}
        sheets.append(
            ScoreSheet(
                assignment=assignment,
                stage=review,
                entry_id=assignment.entry_id,
                expert_id=assignment.expert_id,
                points={k: str(v) for k, v in points.items()},
                total=rules.sheet_total(points, rule),
                submitted_at=now,
                entered_by=officer,
            )
        )
        if len(sheets) >= BATCH:
            ScoreSheet.objects.bulk_create(sheets)
            sheets = []
            reset_queries()
    ScoreSheet.objects.bulk_create(sheets)
    reset_queries()
    if connection.vendor == "postgresql":  # as autovacuum would after a day of scoring
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return campaign, review


def decide(campaign, kind, officer):
    """Every category's cut, breaking a tie at the boundary (if any) by entry order."""
    from django.core.exceptions import ValidationError

    from selection import rules, selectors, services
    from selection.choices import CutKind

    for category in campaign.categories.order_by("position"):
        try:
            services.cut_decide(category=category, kind=kind, acting_user=officer)
        except ValidationError as error:
            if "tie_break" not in getattr(error, "message_dict", {}):
                raise
            if kind == CutKind.SHORTLIST:
                stage = campaign.stages.get(shortlist=True)
                ranked = selectors.stage_ranking(stage)[category.pk]
            else:
                ranked = selectors.compute_results(campaign).by_category[category.pk]
            outcome = rules.cut(
                [(r.entry_id, r.total) for r in ranked],
                getattr(category, "shortlist_quota" if kind == CutKind.SHORTLIST else "top_quota"),
            )
            services.cut_decide(
                category=category,
                kind=kind,
                acting_user=officer,
                tie_break=outcome.tied[: outcome.seats],
                reason="bench: by entry order",
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL of a scratch database")
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=1_000, help="entries of the comparison call")
    parser.add_argument("--experts", type=int, default=200)
    parser.add_argument("--sheets", type=int, default=5, help="score sheets per entry")
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args()

    if args.database_url:
        recreate_postgres(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        scratch = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
    os.environ["DEBUG"] = "true"  # the query log counts queries
    os.environ.setdefault("SECRET_KEY", "bench")
    media = tempfile.mkdtemp()
    os.environ["MEDIA_ROOT"] = media
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from PIL import Image

    from registry.choices import Role
    from registry.models import Division, User
    from registry.services.divisions import divisions_load
    from selection import documents, selectors, services
    from selection.choices import CutKind
    from selection.models import Entry

    call_command("migrate", verbosity=0)
    divisions_load()
    officer = User.objects.create_user(
        username="bench-city", role=Role.CITY_OFFICER, division=Division.objects.get(code="4403")
    )
    print(f"database: {connection.vendor}")
    figures = {}
    for size in (args.small, args.entries):
        started = time.perf_counter()
        campaign, review = build(
            size, args.experts, args.sheets, args.seed, officer, f"基准测试案例征集{size}"
        )
        print(
            f"\n{size:,} entries, {args.experts} experts, {size * args.sheets:,} sheets "
            f"(built in {time.perf_counter() - started:.0f} s; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )
        _r, ranking_s, ranking_q = timed(
            "ranking of every category (review stage)",
            lambda campaign=campaign, review=review: selectors.stage_ranking(review),
        )
        services.stage_close(stage=review, acting_user=officer)
        services.formula_publish(campaign=campaign, weights={review.pk: 100}, acting_user=officer)
        moment = timezone.now()
        _r, results_s, results_q = timed(
            "results by the formula, every category, with breakdowns",
            lambda campaign=campaign: selectors.compute_results(campaign),
        )
        _r, as_of_s, as_of_q = timed(
            "the same, recomputed as of a past moment from the history",
            lambda campaign=campaign, moment=moment: selectors.compute_results(
                campaign, as_of=moment
            ),
        )
        timed(
            "top 5 of every category (cuts, services)",
            lambda campaign=campaign: decide(campaign, CutKind.TOP, officer),
            repeat=1,
        )
        today = timezone.localdate()
        _r, notice_s, _q = timed(
            "public notice (checks, results run recorded)",
            lambda campaign=campaign, today=today: services.campaign_start_notice(
                campaign=campaign, acting_user=officer, today=today
            ),
            repeat=1,
        )
        _r, final_s, _q = timed(
            "final results and certificates",
            lambda campaign=campaign, today=today: services.campaign_finalise(
                campaign=campaign,
                acting_user=officer,
                today=today + datetime.timedelta(days=30),
            ),
            repeat=1,
        )
        figures[size] = (ranking_s, ranking_q, results_s, results_q, as_of_s, as_of_q)

    # The case book of the larger call's 20 cases, each with 5,000 characters and 3 pictures.
    awarded = list(Entry.objects.filter(campaign=campaign, certificate__isnull=False))
    text = ("社区社会组织参与基层治理的做法与成效。" * 300)[:4950]
    for index, entry in enumerate(awarded):
        entry.text = "\n".join(text[i : i + 330] for i in range(0, len(text), 330))
        entry.save(update_fields=["text"])
        for number in range(3):
            buffer = io.BytesIO()
            Image.new("RGB", (1200, 800), ((index * 37) % 255, 90 + number * 40, 160)).save(
                buffer, format="JPEG", quality=85
            )
            picture = SimpleUploadedFile(f"案例{index + 1}图{number + 1}.jpg", buffer.getvalue())
            entry.pictures.model(
                entry=entry,
                name=picture.name,
                image_format="JPEG",
                size=len(picture),
                width=1200,
                height=800,
                position=number,
                uploaded_by=officer,
            ).file.save(f"bench-{entry.pk}-{number}.jpg", picture, save=True)
    load = os.getloadavg()[0]
    print(f"\ncase book: {len(awarded)} cases (load average {load:.1f} on {os.cpu_count()} CPUs)")
    pdf, book_s, _q = timed("case book PDF", lambda: documents.case_book_pdf(campaign), repeat=1)
    print(f"  {'size':<62} {len(pdf) / 1024 / 1024:9.1f} MB")
    certificate = campaign.entries.filter(certificate__isnull=False).first().certificate
    timed("one certificate PDF", lambda: documents.certificate_pdf(certificate), repeat=3)

    small, large = figures[args.small], figures[args.entries]
    print(
        f"\nqueries, {args.small:,} vs {args.entries:,} entries: ranking {small[1]} vs {large[1]}, "
        f"results {small[3]} vs {large[3]}, as of {small[5]} vs {large[5]}"
    )


if __name__ == "__main__":
    main()
