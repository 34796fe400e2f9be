import pytest
from django.utils import translation
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker


@pytest.fixture(autouse=True)
def in_english():
    """Jobs started outside a request take the active language (Chinese by default)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def job_files(settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path / "jobs"
    return settings.JOB_FILES_DIR


@pytest.fixture
def run_worker(monkeypatch):
    """Run every queued task, as `manage.py db_worker --batch` does, in this process (inside
    the test's transaction, which the worker's connection check would take for a broken
    connection and close)."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        ).run()

    return run
