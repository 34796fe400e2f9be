"""A user's jobs: the list, one job's progress then its result, its file, running it again.

Only the user who started a job sees it: anyone else's job id is 404, as is a malformed one.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from jobs.models import Job
from jobs.services import job_for_user, job_rerun, jobs_reap


class OwnJobMixin(LoginRequiredMixin):
    def get_job(self) -> Job:
        try:
            return job_for_user(self.kwargs["job_id"], self.request.user)
        except Job.DoesNotExist:
            raise Http404() from None


class JobListView(LoginRequiredMixin, ListView):
    template_name = "jobs/job_list.html"
    context_object_name = "jobs"
    paginate_by = 50

    def get_queryset(self):
        mine = Job.objects.filter(user=self.request.user)
        jobs_reap(mine)
        return mine.order_by("-created_at")


class JobDetailView(OwnJobMixin, TemplateView):
    """Progress while the job runs (the page refreshes itself), then the result."""

    template_name = "jobs/job_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        job = self.get_job()
        context["job"] = job
        context["has_file"] = job.result_path() is not None
        return context


class JobStatusView(OwnJobMixin, View):
    """The job as JSON, for scripts and the page's own refresh."""

    def get(self, request, job_id):
        job = self.get_job()
        return JsonResponse(
            {
                "id": str(job.id),
                "title": job.title,
                "status": job.status,
                "phase": job.phase,
                "done": job.done,
                "total": job.total,
                "error": job.error,
                "result": job.result,
                "created_at": job.created_at.isoformat(),
                "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            }
        )


class JobDownloadView(OwnJobMixin, View):
    def get(self, request, job_id):
        job = self.get_job()
        path = job.result_path()
        if path is None:
            raise Http404()
        response = FileResponse(open(path, "rb"))
        download = (job.result or {}).get("download_name") or path.name
        response["Content-Disposition"] = content_disposition_header(True, download)
        return response


class JobRerunView(OwnJobMixin, View):
    def post(self, request, job_id):
        job = self.get_job()
        if job.is_active:
            messages.info(request, _("This job is still running."))
            return redirect("jobs:detail", job.pk)
        new = job_rerun(job, user=request.user)
        messages.success(request, _("The job was queued again."))
        return redirect("jobs:detail", new.pk)
