"""Load test of the public vote: Zhuhai 2020's 38,985 ballots cast over HTTP against gunicorn +
PostgreSQL, each after its own verification step, then the results at that size
(docs/performance.md, issue 18).

    .venv/bin/python bench/vote_load.py [--database-url postgres://.../registry_vote_bench]
        [--ballots 38985] [--users 16] [--workers 4]

The scratch database is created and migrated on first use. Each run sets up a new campaign of
34 shortlisted entries in Zhuhai's 4 categories (10, 10, 10, 4), a vote open now that takes
voting codes, and issues one code per ballot. gunicorn starts with config/gunicorn.py (DEBUG
off, production settings, plain HTTP on the loopback); locust (as a library) drives it: each
simulated voter POSTs ``verify`` (the code → a token) and then ``ballot`` (1-3 entries in every
category). At the end: errors, ballots == voters voted, no identity with two ballots, the
elapsed time, and the results: the selector (in process) and the public results endpoint,
median of 20 calls each, after closing.
"""

# locust first: it patches the standard library for gevent
import locust  # noqa: I001
from locust import FastHttpUser, constant, task
from locust.env import Environment

import argparse
import os
import random
import socket
import statistics
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from zhuhai_vote import django_setup, ensure_database, open_vote

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://registry:registry@127.0.0.1:5432/registry_vote_bench"

STATE = {"codes": [], "next": 0, "done": 0, "failed": 0, "ballot_errors": []}
LOCK = threading.Lock()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, workers: int, port: int):
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "vote-load-" + "x" * 50,
        "DEBUG": "false",
        "DEMO_MODE": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_ACCESS_LOG": "/dev/null",
        "LOG_LEVEL": "ERROR",
        # one machine plays 38,985 voters: the per-address limit would (rightly) stop it
        "VOTING_ADDRESS_LIMIT": "100000000",
    }
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "config/gunicorn.py"], cwd=ROOT, env=env
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(base + "/health/", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    return base, server


def cpu_seconds() -> dict[int, tuple[str, float]]:
    """``{pid: (kind, CPU seconds so far)}`` of the server's (gunicorn), the database's
    (postgres) and this process's (locust) processes, from /proc (Linux only; empty elsewhere):
    where a ballot's cost goes."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "gunicorn" in command:
            kind = "gunicorn"
        elif command.startswith("postgres"):
            kind = "postgres"
        elif int(entry.name) == os.getpid():
            kind = "locust"
        else:
            continue
        found[int(entry.name)] = kind, (int(fields[11]) + int(fields[12])) / tick
    return found


def machine_ticks() -> tuple[int, int]:
    """(busy, iowait) clock ticks of the whole machine so far (/proc/stat's first line)."""
    user, nice, system, idle, iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return user + nice + system + irq + softirq + steal, iowait


def cpu_spent(before, after) -> dict[str, float]:
    """CPU seconds by kind between two ``cpu_seconds()``: a process alive at both counts the
    difference, one started since counts whole (one that ended in between is not seen)."""
    spent = {"gunicorn": 0.0, "postgres": 0.0, "locust": 0.0}
    for pid, (kind, seconds) in after.items():
        earlier = before.get(pid)
        spent[kind] += seconds - (earlier[1] if earlier and earlier[0] == kind else 0.0)
    return spent


def make_voter(vote_id: int, categories):
    class Voter(FastHttpUser):
        wait_time = constant(0)

        @task
        def vote(self):
            with LOCK:
                index = STATE["next"]
                STATE["next"] += 1
            if index >= len(STATE["codes"]):
                time.sleep(0.5)  # all handed out: the run ends when the last answers are in
                return
            code = STATE["codes"][index]
            answer = self.client.post(
                f"/api/v1/voting/public/{vote_id}/verify/", json={"code": code}, name="verify"
            )
            if answer.status_code != 200:
                with LOCK:
                    STATE["failed"] += 1
                return
            choices = {
                category: random.sample(entries, random.randint(1, min(3, len(entries))))
                for category, entries in categories
            }
            answer = self.client.post(
                f"/api/v1/voting/public/{vote_id}/ballot/",
                json={"token": answer.json()["token"], "choices": choices},
                name="ballot",
            )
            with LOCK:
                if answer.status_code == 201:
                    STATE["done"] += 1
                else:
                    STATE["failed"] += 1
                    STATE["ballot_errors"].append(answer.text[:200])

    return Voter


def settle(most_seconds: int = 90) -> None:
    """Start every run from the same state: a real vote's codes are issued days before it opens,
    and by then PostgreSQL has vacuumed and analysed the tables (without it the first queries
    read a fresh visibility map and stale statistics, and an earlier run's dead rows are still
    there); then wait, up to ``most_seconds``, for the load average to fall below 1."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()
    waited = time.monotonic()
    while os.getloadavg()[0] >= 1 and time.monotonic() - waited < most_seconds:
        time.sleep(5)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("VOTE_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--ballots", type=int, default=38_985)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    ensure_database(args.database_url)
    django_setup(args.database_url, secret="vote-load")
    from voting.choices import VoterRule

    vote, codes, categories = open_vote(
        label="投票压测", voter_rule=VoterRule.CODE, codes=args.ballots
    )
    STATE["codes"] = codes
    settle()
    port = free_port()
    base, server = start_server(args.database_url, args.workers, port)
    try:
        Voter = make_voter(vote.pk, categories)
        Voter.host = base
        env = Environment(user_classes=[Voter], events=locust.events)
        runner = env.create_local_runner()
        load_before = os.getloadavg()
        cpu_before, machine_before = cpu_seconds(), machine_ticks()
        started = time.monotonic()
        runner.start(args.users, spawn_rate=args.users)
        last = 0
        while STATE["done"] + STATE["failed"] < len(codes):
            time.sleep(0.5)
            if STATE["done"] - last >= 5000 or STATE["done"] + STATE["failed"] >= len(codes):
                last = STATE["done"]
                print(
                    f"  {STATE['done']:,} ballots, {STATE['failed']} failed, "
                    f"{time.monotonic() - started:.0f} s, load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        elapsed = time.monotonic() - started
        load_after = os.getloadavg()
        cpu_after, machine_after = cpu_seconds(), machine_ticks()
        runner.quit()
        total = env.stats.total
        print(
            f"ballots cast: {STATE['done']:,} of {len(codes):,} in {elapsed:.1f} s "
            f"({STATE['done'] / elapsed:.0f} ballots/s, {total.num_requests / elapsed:.0f} req/s); "
            f"HTTP errors {total.num_failures}, refused {STATE['failed']}"
        )
        for name in ("verify", "ballot"):
            entry = env.stats.get(name, "POST")
            print(
                f"  {name}: {entry.num_requests:,} requests, p50 "
                f"{entry.get_response_time_percentile(0.5):.0f} ms, p95 "
                f"{entry.get_response_time_percentile(0.95):.0f} ms, p99 "
                f"{entry.get_response_time_percentile(0.99):.0f} ms"
            )
        print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)")
        tick = os.sysconf("SC_CLK_TCK")
        busy, iowait = ((machine_after[i] - machine_before[i]) / tick / elapsed for i in range(2))
        print(
            f"machine: {busy:.2f} of the {os.cpu_count()} cores busy, {iowait:.2f} waiting on "
            "the disk (/proc/stat, all processes)"
        )
        spent = cpu_spent(cpu_before, cpu_after)
        print(
            "CPU per ballot (verify + ballot): "
            + ", ".join(
                f"{name} {seconds * 1000 / max(STATE['done'], 1):.1f} ms"
                for name, seconds in spent.items()
            )
            + " (processes alive at the end only: low when gunicorn recycled its workers,"
            " every 5,000 requests)"
        )
        for error in STATE["ballot_errors"][:5]:
            print("  refused:", error)

        from django.db.models import Count

        from voting import selectors
        from voting.models import Ballot, VoteStage
        from voting.models import Voter as VoterRow

        check = selectors.integrity_check(vote)
        stored = Ballot.objects.filter(vote=vote).count()
        doubled = (
            VoterRow.objects.filter(vote=vote)
            .values("identity_hash")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .count()
        )
        print(
            f"integrity: {check['ballots']:,} ballots, {check['voters']:,} voters voted, "
            f"consistent={check['consistent']}, identities with two rows: {doubled}, "
            f"ballots beyond the successful answers: {stored - STATE['done']}"
        )
        # results at that size, after closing
        from django.utils import timezone

        VoteStage.objects.filter(pk=vote.pk).update(closes_at=timezone.now())
        vote.refresh_from_db()
        timings = []
        for _ in range(20):
            t0 = time.perf_counter()
            found = selectors.results(vote)
            timings.append((time.perf_counter() - t0) * 1000)
        top = found.categories[0].entries[0]
        print(
            f"results selector: median {statistics.median(timings):.1f} ms, max "
            f"{max(timings):.1f} ms ({top.title}: {top.votes:,} votes, {top.share}%)"
        )
        timings = []
        for _ in range(20):
            t0 = time.perf_counter()
            with urllib.request.urlopen(f"{base}/api/v1/voting/public/{vote.pk}/results/") as r:
                r.read()
            timings.append((time.perf_counter() - t0) * 1000)
        print(
            f"results endpoint: median {statistics.median(timings):.1f} ms, max "
            f"{max(timings):.1f} ms; load average now {os.getloadavg()[0]:.2f}"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
