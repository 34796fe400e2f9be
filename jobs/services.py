"""Starting, running and watching jobs.

A piece of long work is a function decorated with :func:`job_task`; it receives the
:class:`~jobs.models.Job` and a :class:`Progress` to report to, and returns what the result page
shows. :func:`job_enqueue` records the job and queues its task in one transaction; a worker
(``manage.py db_worker``, django-tasks' database backend) runs it::

    @job_task
    def ledger_export(job, progress):
        ...
        progress(_("Writing"), done, total)
        return {"summary": ..., "file": "ledger.xlsx"}

    job, created = job_enqueue(ledger_export, user=request.user, title=..., params={...})

What a job writes to the database it writes in its own transactions (a job that dies
mid-way leaves nothing half-written); files go to ``job.directory`` through
:func:`write_result_file` (written under a temporary name, renamed when complete). A job whose
worker died (killed, machine restarted) is reported failed by :func:`jobs_reap` and can be run
again with :func:`job_rerun`.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)

#: how often a running job's progress and sign of life are written, seconds
FLUSH_EVERY = 1.0
WORKER_DIED = gettext_lazy(
    "The worker running this job stopped before it finished (it was stopped or its machine "
    "restarted). Nothing it was writing was kept; run it again."
)
UNEXPECTED = gettext_lazy(
    "The job failed unexpectedly; nothing it was writing was kept. Run it again, and tell the "
    "administrator if it fails again."
)


class JobFailed(Exception):
    """Raised by a job function: the job fails with this message for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


# --- starting -----------------------------------------------------------------------------


def job_task(func: Callable[[Job, Progress], dict]):
    """Make ``func(job, progress) -> result`` a django-tasks task that runs a job by its id."""

    @functools.wraps(func)
    def run(job_id: str) -> str:
        return job_run(job_id, func)

    return task()(run)


@transaction.atomic
def job_enqueue(
    job_task,
    *,
    user,
    title: str,
    params: dict | None = None,
    dedupe_key: str = "",
    rerun_of: Job | None = None,
    files: dict[str, bytes] | None = None,
) -> tuple[Job, bool]:
    """Record a job for ``user`` and queue ``job_task`` for it, in one transaction.

    ``files``: name -> content, written to the job's directory before it is queued. With a
    ``dedupe_key``, a queued or running job of the same user with the same key is returned
    instead (``created`` False): the same work is not queued twice."""
    if dedupe_key:
        existing = (
            Job.objects.select_for_update()
            .filter(user=user, dedupe_key=dedupe_key, status__in=JobStatus.active())
            .first()
        )
        if existing is not None:
            jobs_reap(Job.objects.filter(pk=existing.pk))
            existing.refresh_from_db()
            if existing.is_active:
                return existing, False
    job = Job.objects.create(
        user=user,
        task_path=job_task.module_path,
        title=title[:300],
        params=params or {},
        language=translation.get_language() or settings.LANGUAGE_CODE,
        dedupe_key=dedupe_key,
        rerun_of=rerun_of,
    )
    if files:
        job.directory.mkdir(parents=True, mode=0o700, exist_ok=True)
        for name, content in files.items():
            (job.directory / Path(name).name).write_bytes(content)
    result = job_task.enqueue(str(job.id))
    job.task_result_id = str(result.id)
    job.save(update_fields=["task_result_id"])
    return job, True


def job_rerun(job: Job, *, user) -> Job:
    """A new job doing what the failed ``job`` did, with copies of its input files."""
    from django.utils.module_loading import import_string

    if job.user_id != user.pk:
        raise Job.DoesNotExist()
    files = {}
    if job.directory.is_dir():
        for path in job.directory.iterdir():
            if path.is_file() and path.name.startswith("input"):
                files[path.name] = path.read_bytes()
    new, _created = job_enqueue(
        import_string(job.task_path),
        user=user,
        title=job.title,
        params=job.params,
        dedupe_key=job.dedupe_key,
        rerun_of=job,
        files=files,
    )
    return new


# --- running ------------------------------------------------------------------------------


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_process_start(os.getpid()) or ''}"


def _process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), to tell a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


class Progress:
    """What a job reports: ``progress(phase, done, total)``. Written to the job's row at most
    every second, from a thread with its own database connection, so it shows while the job's
    own transaction is open and also tells that the worker is alive."""

    def __init__(self, job: Job):
        self.job = job
        self.state = (job.phase, job.done, job.total)
        self._lock = threading.Lock()
        self._written = None

    def __call__(self, phase, done: int = 0, total: int | None = None) -> None:
        with self._lock:
            self.state = (str(phase)[:200], int(done), total)

    def flush(self) -> None:
        with self._lock:
            phase, done, total = self.state
        Job.objects.filter(pk=self.job.pk, status=JobStatus.RUNNING).update(
            phase=phase, done=done, total=total, heartbeat_at=timezone.now()
        )
        self._written = (phase, done, total)


class _Heartbeat(threading.Thread):
    def __init__(self, progress: Progress):
        super().__init__(daemon=True, name=f"job-{progress.job.pk}")
        self.progress = progress
        self.stopping = threading.Event()

    def run(self):
        try:
            while not self.stopping.wait(FLUSH_EVERY):
                try:
                    self.progress.flush()
                except Exception:  # a locked SQLite file, a dropped connection: next time
                    logger.debug("job %s: progress not written", self.progress.job.pk)
        finally:
            connection.close()

    def stop(self):
        self.stopping.set()
        self.join(timeout=30)


def job_run(job_id: str, func: Callable[[Job, Progress], dict]) -> str:
    """Run one job (the worker calls this through the job's task): claim it, run ``func``,
    record the result or the failure. Returns the final status."""
    jobs_reap()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return "missing"
        if job.status != JobStatus.QUEUED:
            return job.status  # reported failed meanwhile (reaped), or run already
        now = timezone.now()
        job.status = JobStatus.RUNNING
        job.started_at = job.heartbeat_at = now
        job.worker = _this_process()
        job.save(update_fields=["status", "started_at", "heartbeat_at", "worker"])
    progress = Progress(job)
    # A worker runs outside any transaction: progress goes out from a thread. Inside one (a
    # test calling this directly) nobody else could see it: it is written at the end only.
    heartbeat = None if connection.in_atomic_block else _Heartbeat(progress)
    if heartbeat:
        heartbeat.start()
    status, result, error = JobStatus.FAILED, {}, ""
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            try:
                result = func(job, progress) or {}
                status = JobStatus.SUCCEEDED
            except JobFailed as failure:
                error = failure.message
            except Exception:
                logger.exception("job %s (%s) failed", job.pk, job.task_path)
                error = str(UNEXPECTED)
    finally:
        if heartbeat:
            heartbeat.stop()
    phase, done, total = progress.state
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=status,
        result=result,
        error=error,
        phase=phase,
        done=done,
        total=total,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    return status


# --- files --------------------------------------------------------------------------------


def input_path(job: Job, name: str = "input") -> Path:
    """An input file of the job; :class:`JobFailed` if it is no longer there."""
    path = job.directory / name
    if not path.is_file():
        raise JobFailed(
            _(
                "The file this job was given is no longer there (files are kept for %(days)s "
                "days); start it again with the file."
            )
            % {"days": settings.JOB_KEEP_DAYS}
        )
    return path


def write_result_file(job: Job, name: str, chunks) -> str:
    """Write ``chunks`` (bytes or str pieces) to the job's result file ``name``: under a
    temporary name first, so a job that dies leaves no partial file. Returns the name."""
    name = Path(name).name
    job.directory.mkdir(parents=True, mode=0o700, exist_ok=True)
    partial = job.directory / f".{name}.part"
    with open(partial, "wb") as out:
        for chunk in chunks:
            out.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
    os.replace(partial, job.directory / name)
    return name


# --- watching -----------------------------------------------------------------------------


def _alive(worker: str) -> bool | None:
    """Whether the worker process named ``host:pid:start`` runs; None if it is not on this
    machine (then only its sign of life tells)."""
    host, _sep, rest = worker.partition(":")
    pid, _sep, start = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    found = _process_start(int(pid))
    if found is None:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return not start
    return found == start or not start


def jobs_reap(queryset=None) -> int:
    """Report failed every running job whose worker has died: its process is gone (a worker on
    this machine), or it has shown no sign of life for ``JOB_HEARTBEAT_TIMEOUT`` seconds.
    Returns how many."""
    from django_tasks_db.models import DBTaskResult

    queryset = Job.objects.all() if queryset is None else queryset
    stale = timezone.now() - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    dead = []
    for job in queryset.filter(status=JobStatus.RUNNING).only("pk", "worker", "heartbeat_at"):
        alive = _alive(job.worker)
        if alive is False or (alive is None and (job.heartbeat_at or stale) <= stale):
            dead.append(job.pk)
    if not dead:
        return 0
    with transaction.atomic():
        jobs = list(Job.objects.select_for_update().filter(pk__in=dead, status=JobStatus.RUNNING))
        for job in jobs:
            job.status = JobStatus.FAILED
            with translation.override(job.language or settings.LANGUAGE_CODE):
                job.error = str(WORKER_DIED)
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
        task_ids = [job.task_result_id for job in jobs if job.task_result_id]
        if task_ids:
            # the queue's own record would say "running" for ever
            DBTaskResult.objects.filter(id__in=task_ids, status="RUNNING").update(
                status="FAILED", finished_at=timezone.now()
            )
    return len(jobs)


def jobs_prune(*, days: int | None = None) -> int:
    """Delete finished jobs older than ``days`` (``JOB_KEEP_DAYS``) and their files."""
    days = settings.JOB_KEEP_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    old = Job.objects.filter(Q(finished_at__lt=cutoff) | Q(finished_at=None, created_at__lt=cutoff))
    old = old.exclude(status__in=JobStatus.active())
    count = 0
    for job in old.iterator():
        shutil.rmtree(job.directory, ignore_errors=True)
        job.delete()
        count += 1
    return count


def job_for_user(job_id, user) -> Job:
    """The user's own job (Job.DoesNotExist for anyone else's, or a malformed id)."""
    import uuid

    try:
        key = uuid.UUID(str(job_id))
    except ValueError:
        raise Job.DoesNotExist() from None
    job = Job.objects.get(pk=key, user=user)
    if job.status == JobStatus.RUNNING and jobs_reap(Job.objects.filter(pk=job.pk)):
        job.refresh_from_db()
    return job
