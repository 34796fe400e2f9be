"""A job: long work a user started from the web, run by a task worker, seen by that user alone.

The job is what the user sees (what, progress, result or failure); the task queue's own record
(django-tasks' ``DBTaskResult``) is how a worker gets it. A job's files (an upload, a result)
live in ``JOB_FILES_DIR/<id>/``, never under MEDIA_ROOT.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")

    @classmethod
    def active(cls) -> tuple[str, str]:
        return (cls.QUEUED, cls.RUNNING)


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jobs",
        verbose_name=_("user"),
    )
    #: the django-tasks task that runs it (module path), also what "run again" enqueues
    task_path = models.CharField(_("task"), max_length=200)
    title = models.CharField(_("title"), max_length=300)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    #: the language the user started it in: messages and files are written in it
    language = models.CharField(_("language"), max_length=16, blank=True)
    #: an active job with the same key is the same work: it is not queued twice
    dedupe_key = models.CharField(_("duplicate key"), max_length=200, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    phase = models.CharField(_("phase"), max_length=200, blank=True)
    done = models.BigIntegerField(_("done"), default=0)
    total = models.BigIntegerField(_("total"), null=True, blank=True)
    #: what the result page shows: ``summary``, ``links`` [{label, url}], ``file`` (a name)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_result_id = models.CharField(_("task result"), max_length=64, blank=True)
    #: host, process id and process start of the worker running it (to tell it has died)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    rerun_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reruns"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [models.Index(fields=["user", "-created_at"], name="jobs_user_created")]

    def __str__(self):
        return self.title

    @property
    def directory(self) -> Path:
        return Path(settings.JOB_FILES_DIR) / str(self.id)

    @property
    def is_active(self) -> bool:
        return self.status in JobStatus.active()

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return max(0, min(100, round(100 * self.done / self.total)))

    def result_path(self) -> Path | None:
        name = (self.result or {}).get("file")
        if not name:
            return None
        path = self.directory / Path(name).name
        return path if path.is_file() else None
