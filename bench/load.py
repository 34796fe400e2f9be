"""Load test: gunicorn + PostgreSQL holding 20,000 organisations, a mix of work by role at a
stepped request rate, with the health endpoint as the floor of the stack (docs/performance.md).

    .venv/bin/python bench/load.py [--database-url postgres://.../registry_load]
        [--steps 10,25,50,75] [--step-seconds 40] [--workers 4]

The database is built once (see docs/performance.md: migrate, load_divisions,
``seed_demo --orgs 20000`` with DEMO_MODE on) and reused; the script adds its own logins
(``load-*``, password ``load-2025``) on first use. It starts gunicorn with config/gunicorn.py
(DEBUG off, production settings; plain HTTP on the loopback, as behind the TLS proxy) and one
task worker, drives them with locust (as a library, one process) and stops them.

Mix, by role (weights per request): community staff — ledger list with filters, organisation
page, its history, member edits, activity records, filing submissions, a ledger import every few
seconds that runs as a job; street officers — ledger lists, filing decisions, the street's KPI
dashboard; city officers — district KPI dashboards. Every role also calls /health/ (its p50
under the same load is the floor each operation is compared with).

For each step it prints requests/s, errors, p50/p95/p99 by operation and each operation's p50
over the floor's; then the highest rate the mixed load sustains (saturation: users without
pauses) and the floor's highest rate (health alone), and the ratio. Writes are checked at the
end: rows in the database against successful responses (lost writes).
"""

# locust first: it patches the standard library for gevent
import locust  # noqa: I001
from locust import HttpUser, between, constant, constant_throughput, task  # noqa: F401
from locust.env import Environment

import argparse
import io
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "load-2025"
DEFAULT_URL = "postgres://registry:registry@127.0.0.1:5432/registry_load"
RUN = f"{int(time.time()) % 100000:05d}"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# filled by setup(): what each role works on
POOLS: dict = {}
COUNTERS = defaultdict(int)
WRITES: dict[str, list] = defaultdict(list)
#: session cookies by login: a user logs in once per run, not once per step (a password check
#: costs a PBKDF2 hash, which would otherwise be most of a step's work)
SESSIONS: dict[str, dict] = {}


# The key the database was seeded with (seed_demo under DEMO_MODE uses the development key
# unless SECRET_KEY is set): the members' ID numbers are sealed with keys derived from it
# (core.encryption), so the pages that show them need the same one. LOAD_SECRET_KEY overrides.
SECRET_KEY = os.environ.get("LOAD_SECRET_KEY", "insecure-development-key-do-not-use-in-production")


def django_setup(url: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        SECRET_KEY=SECRET_KEY,
        DJANGO_SETTINGS_MODULE="config.settings",
        LOG_LEVEL="ERROR",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def setup(communities: int) -> None:
    """Logins for the load (community staff of ``communities`` communities of 坪山区 and
    龙岗区, their street officers, a city officer) and the rows they will work on."""
    from django.db.models import Q

    from registry.choices import ApplicationKind, ApplicationStatus, DivisionLevel, OrgStatus
    from registry.models import Application, Division, Member, Organisation, User

    def login(username, role, division):
        user, created = User.objects.get_or_create(
            username=username, defaults={"role": role, "division": division}
        )
        if created or not user.check_password(PASSWORD):
            user.set_password(PASSWORD)
            user.save()
        return username

    chosen = list(
        Division.objects.filter(level=DivisionLevel.COMMUNITY, is_residential=True)
        .filter(Q(code__startswith="440310") | Q(code__startswith="440307"))
        .select_related("parent")
        .order_by("code")[:communities]
    )
    staff, streets = [], {}
    for community in chosen:
        orgs = list(
            Organisation.objects.filter(community=community)
            .exclude(status=OrgStatus.EXITED)
            .values_list("pk", flat=True)
        )
        if not orgs:
            continue
        groups = list(
            Organisation.objects.filter(community=community, status=OrgStatus.ACTIVITY_GROUP)
            .exclude(applications__status=ApplicationStatus.SUBMITTED)
            .values_list("pk", flat=True)
        )
        members = list(
            Member.objects.filter(organisation_id__in=orgs, left_on=None).values_list(
                "pk", "organisation_id"
            )
        )
        random.shuffle(members)
        staff.append(
            {
                "username": login(f"load-community-{community.code}", "community_staff", community),
                "code": community.code,
                "label": community.name,
                "orgs": orgs,
                "groups": groups,
                "members": members,
            }
        )
        street = community.parent
        streets[street.code] = street
    officers = []
    for code, street in sorted(streets.items()):
        submitted = list(
            Application.objects.filter(
                kind=ApplicationKind.FILING,
                status=ApplicationStatus.SUBMITTED,
                organisation__community__parent=street,
            ).values_list("pk", flat=True)
        )
        officers.append(
            {
                "username": login(f"load-street-{code}", "street_officer", street),
                "code": code,
                "applications": submitted,
            }
        )
    districts = [d for d in Division.objects.filter(code__in=["440310", "440307"])]
    POOLS["staff"] = staff
    POOLS["officers"] = officers
    POOLS["city"] = login("load-city", "city_officer", Division.objects.get(code="4403"))
    POOLS["districts"] = [d.code for d in districts]
    decisions = sum(len(o["applications"]) for o in officers)
    print(
        f"setup: {len(staff)} communities, {sum(len(s['orgs']) for s in staff)} organisations, "
        f"{sum(len(s['members']) for s in staff)} members to edit, "
        f"{sum(len(s['groups']) for s in staff)} groups that may apply, "
        f"{len(officers)} streets with {decisions} filings to decide"
    )


def ledger_workbook(label: str, count: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "社区活动小组台账"
    sheet.append(["社区", "组织名称", "组织类型", "服务领域", "成立日期"])
    for n in range(count):
        sheet.append(
            [label, f"压测导入{RUN}-{COUNTERS['import-batch']}-{n}", "服务类", "文体活动", None]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class Role(HttpUser):
    abstract = True
    wait_time = constant(0)

    def log_in(self, username):
        if username in SESSIONS:
            self.client.cookies.update(SESSIONS[username])
            return
        page = self.client.get("/accounts/login/", name="login")
        token = CSRF.search(page.text).group(1)
        response = self.client.post(
            "/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            name="login",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"{username} could not log in: {response.status_code}")
        SESSIONS[username] = dict(self.client.cookies)

    def post_form(self, path, fields, name):
        """GET the form (for its CSRF token), POST it; success is a redirect."""
        page = self.client.get(path, name=name + " (form)")
        found = CSRF.search(page.text)
        if not found:
            return None
        with self.client.post(
            path,
            {**fields, "csrfmiddlewaretoken": found.group(1)},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code in (302, 303):
                response.success()
                return response
            if response.status_code in (200, 400, 409):
                # refused by the rules (a form error or a lost race): no write, not an error
                response.success()
                COUNTERS[name + " refused"] += 1
                return None
            response.failure(f"{response.status_code}")
            return None

    @task(2)
    def health(self):
        self.client.get("/health/", name="health")


class CommunityStaff(Role):
    weight = 6

    def on_start(self):
        self.me = random.choice(POOLS["staff"])
        self.log_in(self.me["username"])

    @task(10)
    def ledger_list(self):
        status = random.choice(["", "activity_group", "filed", "registered"])
        self.client.get(
            f"/organisations/?status={status}&sort=-registered_on", name="ledger list (filters)"
        )

    @task(6)
    def organisation(self):
        self.client.get(f"/organisations/{random.choice(self.me['orgs'])}/", name="organisation")

    @task(3)
    def history(self):
        self.client.get(
            f"/api/v1/organisations/{random.choice(self.me['orgs'])}/history/",
            name="organisation history (API)",
        )

    @task(2)
    def member_edit(self):
        if not self.me["members"]:
            return
        member, organisation = self.me["members"].pop()
        path = f"/organisations/{organisation}/members/{member}/edit/"
        page = self.client.get(path, name="member edit (form)")
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text))
        for name, value in re.findall(
            r'<select[^>]*name="([^"]+)".*?<option value="([^"]*)"[^>]*selected', page.text, re.S
        ):
            fields[name] = value
        if "csrfmiddlewaretoken" not in fields:
            return
        COUNTERS["phone"] += 1
        phone = f"139{RUN[-4:]}{COUNTERS['phone'] % 10000:04d}"
        fields.update(phone=phone, reason="压测：更新联系电话")
        with self.client.post(
            path, fields, name="member edit", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 302:
                response.success()
                WRITES["member edit"].append((member, phone))
            else:
                response.failure(f"{response.status_code}")

    @task(2)
    def activity(self):
        COUNTERS["activity"] += 1
        title = f"压测活动{RUN}-{COUNTERS['activity']}"
        organisation = random.choice(self.me["orgs"])
        done = self.post_form(
            f"/organisations/{organisation}/activities/new/",
            {
                "held_on": time.strftime("%Y-%m-%d"),
                "title": title,
                "series": "culture",
                "participants": "12",
                "volunteer_hours": "6",
                "description": "",
            },
            "activity record",
        )
        if done is not None:
            WRITES["activity record"].append(title)

    @task(1)
    def filing(self):
        if not self.me["groups"]:
            return
        organisation = self.me["groups"].pop()
        done = self.post_form(
            f"/organisations/{organisation}/apply/filing/",
            {"note": "压测：申请备案"},
            "filing submission",
        )
        if done is not None:
            WRITES["filing submission"].append(organisation)

    @task(1)
    def ledger_import(self):
        # one import in flight per user at most, a small file each time: runs as a job
        if time.monotonic() < getattr(self, "next_import", 0):
            return
        self.next_import = time.monotonic() + 20
        COUNTERS["import-batch"] += 1
        data = ledger_workbook(self.me["label"], 20)
        page = self.client.get("/excel/", name="import (form)")
        token = CSRF.search(page.text).group(1)
        with self.client.post(
            "/excel/import/",
            data={"csrfmiddlewaretoken": token, "ledger": "groups"},
            files={"file": ("ledger.xlsx", data)},
            name="import (queued as a job)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302 and "/jobs/" in response.headers.get("Location", ""):
                response.success()
                WRITES["import"].append(response.headers["Location"])
            else:
                response.failure(f"{response.status_code}")


class StreetOfficer(Role):
    weight = 3

    def on_start(self):
        self.me = random.choice(POOLS["officers"])
        self.log_in(self.me["username"])

    @task(8)
    def ledger_list(self):
        status = random.choice(["filed", "activity_group", ""])
        self.client.get(f"/organisations/?status={status}", name="ledger list (filters)")

    @task(2)
    def decide(self):
        if not self.me["applications"]:
            return
        application = self.me["applications"].pop()
        done = self.post_form(
            f"/applications/{application}/decide/",
            {"action": "return", "reason": "压测：请补充活动场所证明"},
            "filing decision",
        )
        if done is not None:
            WRITES["filing decision"].append(application)

    @task(2)
    def kpis(self):
        self.client.get(f"/reports/{self.me['code']}/", name="KPI dashboard")


class CityOfficer(Role):
    weight = 1

    def on_start(self):
        self.log_in(POOLS["city"])

    @task(4)
    def kpis(self):
        self.client.get(f"/reports/{random.choice(POOLS['districts'])}/", name="KPI dashboard")

    @task(4)
    def ledger_list(self):
        self.client.get("/organisations/?status=registered", name="ledger list (filters)")


class HealthOnly(HttpUser):
    wait_time = constant(0)

    @task
    def health(self):
        self.client.get("/health/", name="health")


# --- the run ------------------------------------------------------------------------------


def start_server(url: str, workers: int, port: int):
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET_KEY,
        "DEBUG": "false",
        "DEMO_MODE": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        # plain HTTP on the loopback, as behind the TLS proxy: TLS is nginx's cost
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_ACCESS_LOG": "/dev/null",
        "JOB_IMPORT_BYTES": "0",  # every upload runs as a job
        "LOG_LEVEL": "ERROR",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "config/gunicorn.py"], cwd=ROOT, env=env
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "-v", "0", "--interval", "0.5"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(base + "/health/", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    return base, server, worker


#: every failed request of the run, ramp-ups included (a step's statistics are reset after its
#: ramp-up, so an error while users log in and start would otherwise go uncounted)
FAILURES: dict[str, int] = defaultdict(int)


@locust.events.request.add_listener
def _count_failure(request_type, name, response_time, response_length, exception=None, **_kw):
    if exception is not None:
        FAILURES[name] += 1


def run_step(base, user_classes, users, seconds, rate=None):
    """Run ``users`` locust users for ``seconds``; with ``rate`` (requests/s over all users)
    each user paces itself, else they go as fast as they can. Returns the stats and the
    measured rate."""
    for cls in user_classes:
        cls.host = base
        cls.wait_time = constant_throughput(rate / users) if rate else constant(0)
    env = Environment(user_classes=user_classes, events=locust.events)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=max(users, 1))
    time.sleep(min(5, seconds / 4))  # ramp up, logged in
    env.stats.reset_all()
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    stats = {
        name: (
            entry.num_requests,
            entry.num_failures,
            entry.get_response_time_percentile(0.5),
            entry.get_response_time_percentile(0.95),
            entry.get_response_time_percentile(0.99),
        )
        for (name, _method), entry in env.stats.entries.items()
    }
    total = env.stats.total
    measured = total.num_requests / elapsed
    errors = total.num_failures
    runner.quit()
    return stats, measured, errors


def report(label, stats, measured, errors):
    floor = stats.get("health", (0, 0, 0, 0, 0))[2] or 1
    print(f"\n{label}: {measured:.1f} requests/s, {errors} errors")
    print(
        f"  {'operation':32} {'n':>6} {'err':>4} {'p50':>6} {'p95':>6} {'p99':>6} {'p50/floor':>9}"
    )
    for name, (n, failed, p50, p95, p99) in sorted(stats.items(), key=lambda item: -item[1][0]):
        print(
            f"  {name:32} {n:6d} {failed:4d} {p50:6.0f} {p95:6.0f} {p99:6.0f} {p50 / floor:8.1f}x"
        )


def check_writes(base) -> int:
    """Rows in the database against successful responses; returns the lost writes."""
    from django.db import close_old_connections

    from jobs.models import Job, JobStatus
    from registry.models import Activity, Application, Member

    close_old_connections()
    lost = 0
    titles = WRITES["activity record"]
    found = Activity.objects.filter(title__in=titles).count()
    print(f"activity records: {len(titles)} saved, {found} in the database")
    lost += max(len(titles) - found, 0)
    edits = dict(WRITES["member edit"])
    kept = sum(
        1
        for pk, phone in Member.objects.filter(pk__in=edits).values_list("pk", "phone")
        if edits[pk] == phone
    )
    print(f"member edits: {len(edits)} saved, {kept} with the value written")
    lost += len(edits) - kept
    filed = WRITES["filing submission"]
    found = (
        Application.objects.filter(organisation_id__in=filed, status="submitted")
        .values("organisation_id")
        .distinct()
        .count()
    )
    print(f"filing submissions: {len(filed)} saved, {found} submitted in the database")
    lost += max(len(filed) - found, 0)
    decided = WRITES["filing decision"]
    found = Application.objects.filter(pk__in=decided, status="returned").count()
    print(f"filing decisions: {len(decided)} saved, {found} returned in the database")
    lost += max(len(decided) - found, 0)
    deadline = time.monotonic() + 300
    ids = [location.rstrip("/").rsplit("/", 1)[1] for location in WRITES["import"]]
    while Job.objects.filter(pk__in=ids, status__in=JobStatus.active()).exists():
        if time.monotonic() > deadline:
            break
        time.sleep(2)
    jobs = list(Job.objects.filter(pk__in=ids))
    good = [job for job in jobs if job.status == JobStatus.SUCCEEDED and job.result.get("ok")]
    from registry.models import Organisation

    created = Organisation.objects.filter(name__startswith=f"压测导入{RUN}-").count()
    print(
        f"imports (jobs): {len(ids)} queued, {len(good)} succeeded, "
        f"{created} organisations created (20 per file: {20 * len(good)} expected; more when "
        "an upload was still in flight as a step ended, its job queued but its answer unread)"
    )
    lost += max(20 * len(good) - created, 0) + (len(ids) - len(good))
    return lost


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--steps", default="10,25,50,75")
    parser.add_argument("--step-seconds", type=int, default=40)
    parser.add_argument("--saturation-users", type=int, default=24)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--communities", type=int, default=60)
    args = parser.parse_args()

    django_setup(args.database_url)
    from registry.models import Organisation

    print(
        f"database: {Organisation.objects.count():,} organisations; gunicorn {args.workers} workers"
    )
    setup(args.communities)
    port = free_port()
    base, server, worker = start_server(args.database_url, args.workers, port)
    roles = [CommunityStaff, StreetOfficer, CityOfficer]
    total_errors = 0
    try:
        for rate in [int(r) for r in args.steps.split(",")]:
            stats, measured, errors = run_step(
                base, roles, users=max(rate // 2, 4), seconds=args.step_seconds, rate=rate
            )
            report(f"step {rate} requests/s (target)", stats, measured, errors)
            total_errors += errors
        stats, mixed_max, errors = run_step(
            base, roles, users=args.saturation_users, seconds=args.step_seconds
        )
        report("saturation, mixed load", stats, mixed_max, errors)
        total_errors += errors
        stats, floor_max, errors = run_step(
            base, [HealthOnly], users=args.saturation_users, seconds=args.step_seconds // 2
        )
        report("saturation, health alone (the floor)", stats, floor_max, errors)
        total_errors += errors
        lost = check_writes(base)
        everywhere = sum(FAILURES.values())
        print(
            f"\nhighest mixed rate {mixed_max:.1f} requests/s = "
            f"{100 * mixed_max / floor_max:.0f}% of the floor's {floor_max:.1f}; "
            f"errors {total_errors} in the measured steps, {everywhere} in the whole run "
            f"(ramp-ups included{': ' + dict(FAILURES).__repr__() if everywhere else ''}); "
            f"lost writes {lost}"
        )
    finally:
        for process in (server, worker):
            process.send_signal(signal.SIGTERM)
        for process in (server, worker):
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()
