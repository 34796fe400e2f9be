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

With ``--baseline`` another version of the services (``git show <commit>:voting/services.py >
/tmp/services_before.py``) is measured in the same run, voter by voter in turn with the current
one, so that a loaded machine weighs on both alike.

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
CPU: list[float] = []  # CPU time of this process per measured request (the server's is not in it)
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
        started, cpu = time.perf_counter(), time.process_time()
        result = run()
        elapsed = (time.perf_counter() - started) * 1000
        CPU.append((time.process_time() - cpu) * 1000)
    return result, len(queries), elapsed, [q["sql"] for q in queries.captured_queries]


def summary(name, counts, times, cpu):
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"  {name:<24} queries {min(counts)}-{max(counts)} (mean {statistics.mean(counts):.2f}); "
        f"time median {statistics.median(times):.2f} ms, p95 {p95:.2f} ms; "
        f"this process's CPU median {statistics.median(cpu):.2f} ms"
    )


def load_baseline(path: str):
    """Another version of ``voting/services.py`` (say, from an earlier commit: ``git show
    <commit>:voting/services.py > /tmp/services_before.py``), loaded beside the current one so
    that both are measured in the same run, voter by voter in turn."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("voting_services_baseline", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plain_vote(pk: int):
    """The vote as the public endpoints read it before the stage came with it."""
    from selection.choices import CampaignStatus
    from voting.models import VoteStage

    return VoteStage.objects.exclude(stage__campaign__status=CampaignStatus.DRAFT).get(pk=pk)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("VOTE_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--ballots", type=int, default=1000, help="measured code voters")
    parser.add_argument("--background", type=int, default=10000, help="voters cast first")
    parser.add_argument("--phones", type=int, default=50, help="measured phone voters")
    parser.add_argument(
        "--baseline",
        help="a services.py to measure in turn with the current one (the vote read without "
        "its stage, as before)",
    )
    parser.add_argument("--show-sql", action="store_true", help="print one ballot's queries")
    args = parser.parse_args()

    ensure_database(args.database_url)
    django_setup(args.database_url)
    from voting import selectors, services
    from voting.verification import OUTBOX

    versions = [("current", services, public_vote)]
    if args.baseline:
        versions.append(("baseline", load_baseline(args.baseline), plain_vote))
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

    counts: dict[str, list] = {}
    times: dict[str, list] = {}
    cpu: dict[str, list] = {}
    sample_sql = []

    def record(name, n, ms):
        counts.setdefault(name, []).append(n)
        times.setdefault(name, []).append(ms)
        cpu.setdefault(name, []).append(CPU[-1])

    load_before = os.getloadavg()[0]
    for index, code in enumerate(codes[args.background :]):
        label, module, read = versions[index % len(versions)]
        token, n, ms, _sql = measured(
            lambda code=code, module=module, read=read: module.code_verify(
                vote=read(vote.pk), code=code, address=address
            )
        )
        record(f"verify (code) {label}", n, ms)
        choices = choices_for(categories, rng)
        _b, n, ms, sql = measured(
            lambda token=token, choices=choices, module=module, read=read: module.ballot_cast(
                vote=read(vote.pk), token=token, choices=choices
            )
        )
        record(f"ballot (code) {label}", n, ms)
        if label == "current":
            sample_sql = sql
    for i in range(args.phones):
        label, module, read = versions[i % len(versions)]
        phone = f"137{i:08d}"
        module.phone_challenge_send(vote=read(vote.pk), phone=phone, address=address)
        text = next(text for number, text in reversed(OUTBOX) if number == phone)
        otp = next(part for part in _digit_runs(text) if len(part) == 6)
        token, n, ms, _sql = measured(
            lambda phone=phone, otp=otp, module=module, read=read: module.phone_verify(
                vote=read(vote.pk), phone=phone, otp=otp, address=address
            )
        )
        record(f"verify (phone) {label}", n, ms)
        choices = choices_for(categories, rng)
        _b, n, ms, _sql = measured(
            lambda token=token, choices=choices, module=module, read=read: module.ballot_cast(
                vote=read(vote.pk), token=token, choices=choices
            )
        )
        record(f"ballot (phone) {label}", n, ms)
    print(
        f"measured: {args.ballots:,} code voters and {args.phones} phone voters on top of "
        f"{args.background:,}; load average {load_before:.2f} -> {os.getloadavg()[0]:.2f}"
    )
    for name in sorted(counts):
        summary(name, counts[name], times[name], cpu[name])
    for label, _module, _read in versions:
        per_voter = [
            a + b
            for a, b in zip(
                times[f"verify (code) {label}"], times[f"ballot (code) {label}"], strict=True
            )
        ]
        print(
            f"  verify + ballot ({label}) median {statistics.median(per_voter):.2f} ms per code "
            f"voter (one process: {1000 / statistics.median(per_voter):.0f} voters/s)"
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
