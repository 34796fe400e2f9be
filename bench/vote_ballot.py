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
import os
import random
import statistics
import time

from zhuhai_vote import django_setup, ensure_database, open_vote

CPU: list[float] = []  # CPU time of this process per measured request (the server's is not in it)
DEFAULT_URL = "postgres://registry:registry@127.0.0.1:5432/registry_h_b_vote_bench"


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
    # one process plays every voter from one address
    django_setup(args.database_url, secret="vote-ballot", VOTING_ADDRESS_LIMIT="100000000")
    from voting import selectors, services
    from voting.choices import VoterRule
    from voting.verification import OUTBOX

    versions = [("current", services, public_vote)]
    if args.baseline:
        versions.append(("baseline", load_baseline(args.baseline), plain_vote))
    rng = random.Random(18)
    vote, codes, categories = open_vote(
        label="投票基准", voter_rule=VoterRule.EITHER, codes=args.ballots + args.background
    )
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
