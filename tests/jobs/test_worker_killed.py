"""A real worker process killed (SIGKILL) in the middle of a job's write: the job is reported
failed, nothing it wrote is kept, and it runs again to completion. On a scratch database of the
engine under test (a SQLite file, or a PostgreSQL database beside the test database), since the
worker is another process."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from tests.deploy.helpers import PRODUCTION, ROOT, clean_environment, run_python

SCHEMA = """
import django; django.setup()
from django.apps import apps
from django.db import connection
with connection.schema_editor() as editor:
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            editor.create_model(model)
"""

ENQUEUE = """
import sys, django; django.setup()
from django.utils import translation
from registry.models import User
from jobs.services import job_enqueue
translation.activate("en")
from tests.jobs.sample_jobs import groups_slowly
user, _ = User.objects.get_or_create(username="clerk")
params = {"count": 50, "marker": sys.argv[1]}
job, _ = job_enqueue(groups_slowly, user=user, title="Slow", params=params)
print(job.pk)
"""

STATE = """
import json, sys, django; django.setup()
from django.contrib.auth.models import Group
from django_tasks_db.models import DBTaskResult
from jobs.models import Job
from jobs.services import jobs_reap
reaped = jobs_reap()
print(json.dumps({
    "reaped": reaped,
    "groups": Group.objects.count(),
    "jobs": {
        str(j.pk): [j.status, j.error, j.rerun_of_id and str(j.rerun_of_id)]
        for j in Job.objects.all()
    },
    "tasks": sorted(DBTaskResult.objects.values_list("status", flat=True)),
}))
"""

RERUN = """
import sys, django; django.setup()
from jobs.models import Job
from jobs.services import job_rerun
job = Job.objects.get(pk=sys.argv[1])
print(job_rerun(job, user=job.user).pk)
"""


@pytest.fixture
def scratch_env(tmp_path):
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
        drop = None
    else:
        import psycopg
        from psycopg import sql

        name = f"{settings_dict['NAME']}_killed"[:63]
        admin = dict(
            host=settings_dict["HOST"] or "127.0.0.1",
            port=settings_dict["PORT"] or 5432,
            user=settings_dict["USER"],
            password=settings_dict["PASSWORD"],
            dbname="postgres",
            autocommit=True,
        )
        with psycopg.connect(**admin) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = (
            f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD']}@"
            f"{admin['host']}:{admin['port']}/{name}"
        )

        def drop():
            with psycopg.connect(**admin) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )

    env = clean_environment(
        SECRET_KEY=PRODUCTION["SECRET_KEY"],
        DATABASE_URL=url,
        JOB_FILES_DIR=str(tmp_path / "jobs"),
        LOG_LEVEL="ERROR",
    )
    done = run_python(SCHEMA, env, timeout=300)
    assert done.returncode == 0, done.stderr
    yield env
    if drop:
        drop()


def _py(code, env, *args):
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _worker(env, *extra):
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
            *extra,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_killed_worker_leaves_a_failed_job_and_nothing_written(scratch_env, tmp_path):
    marker = tmp_path / "job.marker"
    job_id = _py(ENQUEUE, scratch_env, str(marker))
    worker = _worker(scratch_env)
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert worker.poll() is None, worker.stderr.read()
            assert time.monotonic() < deadline, "the worker never started the job"
            time.sleep(0.1)
        time.sleep(1.5)  # progress written from the job's own thread while it writes
        during = json.loads(_py(STATE, scratch_env))
        assert during["jobs"][job_id][0] == "running" and during["reaped"] == 0
        os.kill(worker.pid, signal.SIGKILL)  # mid-transaction
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    after = json.loads(_py(STATE, scratch_env))
    assert after["reaped"] == 1
    status, error, _rerun_of = after["jobs"][job_id]
    assert status == "failed" and "stopped before it finished" in error
    assert after["groups"] == 0  # the 50 rows of the open transaction are gone
    assert after["tasks"] == ["FAILED"]

    new_id = _py(RERUN, scratch_env, job_id)
    marker.with_suffix(".go").write_text("go")
    batch = _worker(scratch_env, "--batch")
    assert batch.wait(timeout=120) == 0, batch.stderr.read()
    final = json.loads(_py(STATE, scratch_env))
    assert final["jobs"][new_id] == ["succeeded", "", job_id]
    assert final["jobs"][job_id][0] == "failed"
    assert final["groups"] == 50
