"""SQLite as a real embedded default: WAL, and a write that meets a running import waits for
it and succeeds instead of failing with "database is locked"."""

import subprocess
import sys

from tests.deploy.helpers import PRODUCTION, ROOT, clean_environment, run_python

# Stands in for an import: a write transaction that holds SQLite's write lock for a while.
HOLD_LOCK = """
import os, sys, time, django
django.setup()
from django.db import connection, transaction
with transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO ledger (who) VALUES ('import')")
    print("locked", flush=True)
    while not os.path.exists(sys.argv[2]):  # the other writer is about to write
        time.sleep(0.01)
    time.sleep(float(sys.argv[1]))
print("committed", flush=True)
"""

WRITE = """
import json, sys, time, django
django.setup()
from django.db import connection, transaction
open(sys.argv[1], "w").close()
started = time.monotonic()
with transaction.atomic():
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO ledger (who) VALUES ('clerk')")
waited = time.monotonic() - started
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    mode = cursor.fetchone()[0]
    cursor.execute("SELECT who FROM ledger ORDER BY id")
    rows = [r[0] for r in cursor.fetchall()]
print(json.dumps({"waited": waited, "mode": mode, "rows": rows}))
"""


def test_a_write_waits_for_a_running_import_and_succeeds(tmp_path):
    import json

    path = tmp_path / "db.sqlite3"
    env = clean_environment(SECRET_KEY=PRODUCTION["SECRET_KEY"], DATABASE_URL=f"sqlite:///{path}")
    setup = run_python(
        "import django; django.setup(); from django.db import connection; "
        "connection.cursor().execute("
        "'CREATE TABLE ledger (id INTEGER PRIMARY KEY, who TEXT NOT NULL)')",
        env,
    )
    assert setup.returncode == 0, setup.stderr
    hold = 3.0
    ready = tmp_path / "ready"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(hold), str(ready)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        done = subprocess.run(
            [sys.executable, "-c", WRITE, str(ready)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        out, err = holder.communicate(timeout=60)
    assert holder.returncode == 0, err
    assert done.returncode == 0, done.stderr  # not "database is locked"
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["mode"] == "wal"
    # it waited for the import's commit, then wrote after it
    assert found["waited"] >= hold - 0.5
    assert found["rows"] == ["import", "clerk"]


def test_the_busy_timeout_outlasts_the_longest_import():
    env = clean_environment(SECRET_KEY=PRODUCTION["SECRET_KEY"], DATABASE_URL="sqlite:///x.db")
    done = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "o = settings.DATABASES['default']['OPTIONS']; "
        "print(o['timeout'], o['transaction_mode'], 'journal_mode=WAL' in o['init_command'])",
        env,
    )
    assert done.returncode == 0, done.stderr
    timeout, mode, wal = done.stdout.split()
    assert int(timeout) >= 60 and mode == "IMMEDIATE" and wal == "True"
