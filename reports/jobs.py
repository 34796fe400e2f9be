"""KPI exports of large nodes (a city, a province) as jobs: every KPI of the node and each child,
as of a day, is seconds of database work at that size (docs/performance.md)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.scoping import VIEW
from jobs.services import JobFailed, job_enqueue, job_task, write_result_file
from registry.models import Division, User
from reports.exports import kpi_report_xlsx
from reports.kpis import kpi_report


def runs_as_job(node: Division) -> bool:
    """Whether the node's KPI export runs as a job rather than in the request: nodes at the
    levels of ``JOB_KPI_EXPORT_LEVELS`` (a city and a province by default)."""
    return node.level in settings.JOB_KPI_EXPORT_LEVELS


@job_task
def kpi_export_job(job, progress):
    user = User.objects.get(pk=job.user_id)
    # the jurisdiction is checked again when the job runs: the user's node may have changed
    node = Division.objects.restrict(user, VIEW).filter(pk=job.params["code"]).first()
    if node is None:
        raise JobFailed(_("That division is outside your jurisdiction."))
    as_of = dt.date.fromisoformat(job.params["as_of"]) if job.params["as_of"] else None
    recorded = job.params.get("as_recorded_on")
    recorded = dt.date.fromisoformat(recorded) if recorded else None
    progress(_("Computing the KPIs"), 0, None)
    try:
        report = kpi_report(scope=node, user=user, as_of=as_of, as_recorded_on=recorded)
    except ValidationError as error:
        raise JobFailed(" ".join(error.messages)) from None
    progress(_("Writing"), 1, 1)
    name = write_result_file(job, "kpis.xlsx", [kpi_report_xlsx(report)])
    return {
        "summary": _("KPIs of %(node)s as of %(day)s.")
        % {"node": node.name, "day": report.as_of.isoformat()},
        "file": name,
        "download_name": f"kpis-{node.code}-{report.as_of.isoformat()}.xlsx",
    }


def kpi_export_enqueue(
    *, user, node: Division, as_of: dt.date | None, as_recorded_on: dt.date | None = None
):
    day = as_of.isoformat() if as_of else ""
    recorded = as_recorded_on.isoformat() if as_recorded_on else ""
    label = day + (f" / {recorded}" if recorded else "")
    return job_enqueue(
        kpi_export_job,
        user=user,
        title=_("KPI export of %(node)s") % {"node": node.name} + (f" ({label})" if label else ""),
        params={"code": node.code, "as_of": day, "as_recorded_on": recorded},
        dedupe_key=f"kpi-export:{node.code}:{day}:{recorded}",
    )
