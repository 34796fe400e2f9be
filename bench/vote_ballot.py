"""Benchmark: what one ballot costs in the service layer, in queries and in time (issue 18).

The HTTP load test (``bench/vote_load.py``) measures the whole stack; this one runs in process,
on PostgreSQL, the code path of the public API's two requests per voter, so that the queries of
each can be counted (``CaptureQueriesContext``) and timed without gunicorn and locust:

- ``verify``: the vote read as the public endpoint reads it, then ``services.code_verify``;
- ``ballot``: the vote read again (a new request), then ``services.ballot_cast`` with 1-3 entries
  in each of Zhuhai's 4 categories (10, 10, 10, 4 shortlisted entries).

``--background`` voters are cast first (not measured) so that the tables are not empty: a lookup
that scans grows with them. A few phone voters (one-time code by the console SMS backend) are
measured too. At the end: ballots == voters voted.

    .venv/bin/python bench/vote_ballot.py \
        --database-url postgres://registry:registry@127.0.0.1:5432/registry_h_b_vote_bench

The scratch database is created and migrated on first use; each run adds a new campaign.
Prints the figures; asserts nothing.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://registry:registry@127.0.0.1:5432/registry_h_b_vote_bench"
CATEGORIES = [("政府治理类", 10), ("基层治理类", 10), ("社会协同治理类", 10), ("珠澳合作治理类", 4)]


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not found:
            connection.execute(f'CREATE DATABASE "{name}"')


def django_setup(url: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        SECRET_KEY="vote-ballot-" + "x" * 50,
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="ERROR",
        # one process plays every voter from one address
        VOTING_ADDRESS_LIMIT="100000000",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from registry.models import Division

    if not Division.objects.filter(code="440310").exists():
        call_command("load_divisions", verbosity=0)


def setup(codes: int):
    """A campaign with Zhuhai's shortlist, its vote open now (codes or phones), ``codes`` codes."""
    from django.utils import timezone

    from registry.choices import OrgField, OrgStatus, OrgType, Role
    from registry.models import Division, Organisation, User
    from selection import services as selection
    from selection.choices import StageKind
    from voting import services
    from voting.choices import VoterRule

    district = Division.objects.get(code="440310")
    officer, _ = User.objects.get_or_create(
        username="vote-bench-officer",
        defaults={"role": Role.DISTRICT_OFFICER, "division": district},
    )
    run = f"{int(time.time()) % 100000:05d}"
    campaign = selection.campaign_create(
        organiser=district,
        title=f"投票基准{run}",
        year=2020,
        min_pictures=0,
        categories=[{"name": name} for name, _n in CATEGORIES],
        stages=[{"kind": StageKind.COLLECTION}, {"kind": StageKind.PUBLIC_VOTE}],
        acting_user=officer,
    )
    campaign = selection.campaign_open(campaign=campaign, acting_user=officer)
    community = Division.objects.get(code="440310001001")
    for category, (name, count) in zip(
        campaign.categories.order_by("position", "pk"), CATEGORIES, strict=True
    ):
        for i in range(count):
            organisation = Organisation.objects.create(
                name=f"基准{run}{name}{i}",
                status=OrgStatus.ACTIVITY_GROUP,
                community=community,
                org_type=OrgType.SERVICE,
                field=OrgField.COMMUNITY_AFFAIRS,
            )
            entry = selection.entry_create(
                campaign=campaign,
                category=category,
                organisation=organisation,
                title=f"{name}项目{i + 1}",
                text="项目介绍" * 50,
                contact_name="联系人",
                phone="13800138000",
                acting_user=officer,
            )
            selection.entry_submit(entry=entry, acting_user=officer)
    collection, stage = campaign.stages.order_by("position")
    selection.stage_close(stage=collection, acting_user=officer)
    selection.stage_open(stage=stage, acting_user=officer)
    now = timezone.now()
    vote = services.vote_create(
        stage=stage,
        title=f"投票基准{run}",
        opens_at=now - datetime.timedelta(minutes=5),
        closes_at=now + datetime.timedelta(days=1),
        voter_rule=VoterRule.EITHER,
        acting_user=officer,
    )
    _batch, issued = services.codes_issue(vote=vote, count=codes, acting_user=officer)
    from voting.selectors import ballot_entries

    categories = [
        (str(c.category_id), [e.entry_id for e in c.entries]) for c in ballot_entries(vote)
    ]
    return vote, issued, categories


def public_vote(pk: int):
    """The vote as the public endpoints read it at the start of each request."""
    from voting.api.views import PublicVoteViewSet

    return PublicVoteViewSet.queryset.get(pk=pk)


def choices_for(categories, rng):
    return {
        category: rng.sample(entries, rng.randint(1, min(3, len(entries))))
        for category, entries in categories
    }


def measured(run):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # the log keeps 9,000 queries: count from empty
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = run()
        elapsed = (time.perf_counter() - started) * 1000
    return result, len(queries), elapsed, [q["sql"] for q in queries.captured_queries]


def summary(name, counts, times):
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"  {name:<16} queries {min(counts)}-{max(counts)} (mean {statistics.mean(counts):.2f}); "
        f"time median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("VOTE_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--ballots", type=int, default=1000, help="measured code voters")
    parser.add_argument("--background", type=int, default=10000, help="voters cast first")
    parser.add_argument("--phones", type=int, default=50, help="measured phone voters")
    parser.add_argument("--show-sql", action="store_true", help="print one ballot's queries")
    args = parser.parse_args()

    ensure_database(args.database_url)
    django_setup(args.database_url)
    from voting import selectors, services
    from voting.verification import OUTBOX

    rng = random.Random(18)
    vote, codes, categories = setup(args.ballots + args.background)
    address = "10.1.2.3"
    started = time.monotonic()
    for code in codes[: args.background]:
        token = services.code_verify(vote=public_vote(vote.pk), code=code, address=address)
        services.ballot_cast(
            vote=public_vote(vote.pk), token=token, choices=choices_for(categories, rng)
        )
    if args.background:
        print(
            f"{args.background:,} background ballots in {time.monotonic() - started:.1f} s "
            f"({args.background / (time.monotonic() - started):.0f}/s in one process)"
        )

    counts = {"verify (code)": [], "ballot (code)": [], "verify (phone)": [], "ballot (phone)": []}
    times = {name: [] for name in counts}
    sample_sql = []
    load_before = os.getloadavg()[0]
    for code in codes[args.background :]:
        token, n, ms, _sql = measured(
            lambda code=code: services.code_verify(
                vote=public_vote(vote.pk), code=code, address=address
            )
        )
        counts["verify (code)"].append(n)
        times["verify (code)"].append(ms)
        choices = choices_for(categories, rng)
        _b, n, ms, sql = measured(
            lambda token=token, choices=choices: services.ballot_cast(
                vote=public_vote(vote.pk), token=token, choices=choices
            )
        )
        counts["ballot (code)"].append(n)
        times["ballot (code)"].append(ms)
        sample_sql = sql
    for i in range(args.phones):
        phone = f"137{i:08d}"
        services.phone_challenge_send(vote=public_vote(vote.pk), phone=phone, address=address)
        text = next(text for number, text in reversed(OUTBOX) if number == phone)
        otp = next(part for part in _digit_runs(text) if len(part) == 6)
        token, n, ms, _sql = measured(
            lambda phone=phone, otp=otp: services.phone_verify(
                vote=public_vote(vote.pk), phone=phone, otp=otp, address=address
            )
        )
        counts["verify (phone)"].append(n)
        times["verify (phone)"].append(ms)
        choices = choices_for(categories, rng)
        _b, n, ms, _sql = measured(
            lambda token=token, choices=choices: services.ballot_cast(
                vote=public_vote(vote.pk), token=token, choices=choices
            )
        )
        counts["ballot (phone)"].append(n)
        times["ballot (phone)"].append(ms)
    print(
        f"measured: {args.ballots:,} code voters and {args.phones} phone voters on top of "
        f"{args.background:,}; load average {load_before:.2f} -> {os.getloadavg()[0]:.2f}"
    )
    for name in counts:
        if counts[name]:
            summary(name, counts[name], times[name])
    per_voter = [a + b for a, b in zip(times["verify (code)"], times["ballot (code)"], strict=True)]
    print(
        f"  verify + ballot  median {statistics.median(per_voter):.2f} ms per code voter "
        f"(one process: {1000 / statistics.median(per_voter):.0f} voters/s)"
    )
    check = selectors.integrity_check(vote)
    print(
        f"integrity: {check['ballots']:,} ballots, {check['voters']:,} voters voted, "
        f"consistent={check['consistent']}"
    )
    if args.show_sql:
        print("one code ballot's queries:")
        for sql in sample_sql:
            print("   ", sql[:160])


def _digit_runs(text: str):
    run = ""
    for ch in text + " ":
        if ch.isdigit():
            run += ch
        elif run:
            yield run
            run = ""


if __name__ == "__main__":
    main()
