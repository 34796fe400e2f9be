"""The open-data extract started from the web, as a job (the daily run is
``manage.py open_data_extract``)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from jobs.services import job_enqueue, job_task
from transparency.extract import generate_extract
from transparency.public import public_organisations


@job_task
def open_data_extract_job(job, progress):
    """Today's extract written again, its rows counted as the job's progress."""
    total = public_organisations().count()
    written = {"rows": 0}

    def advance(table, rows):
        written["rows"] += rows
        progress(table, min(written["rows"], total), total)

    extract = generate_extract(force=True, progress=advance)
    return {
        "summary": _("%(day)s: %(orgs)s organisations, %(entries)s credit-list entries")
        % {
            "day": extract.extract_date.isoformat(),
            "orgs": extract.organisations,
            "entries": extract.credit_list_entries,
        }
    }


class ExtractGenerateView(LoginRequiredMixin, View):
    """Queue today's extract now (administrators; once: a second click shows the same job)."""

    def post(self, request):
        if not request.user.is_superuser:
            raise PermissionDenied
        today = timezone.localdate()
        job, _created = job_enqueue(
            open_data_extract_job,
            user=request.user,
            title=_("Open-data extract for %(day)s") % {"day": today.isoformat()},
            dedupe_key="open-data-extract",
        )
        return redirect("jobs:detail", job.pk)
