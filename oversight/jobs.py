"""The lifecycle scan started from the web, as a job (the nightly run is ``lifecycle_scan``)."""

from contextlib import contextmanager

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from jobs.services import job_enqueue, job_task
from oversight.services.scan import lifecycle_scan


@job_task
def lifecycle_scan_job(job, progress):
    """``lifecycle_scan`` for today, its steps and windows shown as the job's progress."""

    @contextmanager
    def step(description, total):
        done = 0
        progress(description, 0, total)

        def advance(n):
            nonlocal done
            done += n
            progress(description, min(done, total), total)

        yield advance

    result = lifecycle_scan(progress=step)
    lines = result.lines()
    return {"summary": lines[0], "lines": [line.strip() for line in lines[1:]]}


def may_run_scan(user) -> bool:
    """The scan changes records in every jurisdiction: administrators only."""
    return user.is_superuser


class LifecycleScanStartView(LoginRequiredMixin, View):
    """What the scan does, and a button that queues it (once: a second click while it is
    queued or running shows the same job)."""

    template_name = "oversight/scan_start.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_run_scan(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"today": timezone.localdate()})

    def post(self, request):
        today = timezone.localdate()
        job, _created = job_enqueue(
            lifecycle_scan_job,
            user=request.user,
            title=_("Lifecycle scan for %(day)s") % {"day": today.isoformat()},
            dedupe_key="lifecycle-scan",
        )
        return redirect("jobs:detail", job.pk)
