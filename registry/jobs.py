"""Ledger work that runs as a job (``jobs``): imports of large files, annotated copies of them,
and large exports. The web pages (``registry/views_excel.py``) queue these above
``JOB_IMPORT_BYTES`` / ``JOB_EXPORT_ROWS`` and answer smaller files at once.

An import keeps the upload and its result where the import pages keep them (``ImportJob``), so
the result page, the annotated copy and "import for real" work the same whichever way it ran.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.urls import reverse
from django.utils.translation import gettext as _

from core.access_log import collecting
from core.excel import SpreadsheetError, annotate
from core.exceptions import OutOfJurisdiction
from jobs.services import JobFailed, job_enqueue, job_task, write_result_file
from registry.exports import export_filename, ledger_export
from registry.imports import ledger_import
from registry.ledgers import LEDGERS
from registry.models import User


def _phase(name: str) -> str:
    labels = {
        "read": _("Reading the file"),
        "check": _("Checking the rows"),
        "write": _("Writing"),
    }
    return labels.get(name, name)


def _import_files(job):
    from registry.views_excel import ImportJob

    files = ImportJob(job.params["token"])
    upload = files.path / "upload"
    if not upload.is_file():
        raise JobFailed(
            _("The uploaded file is no longer there (uploads are kept for a day); upload it again.")
        )
    return files, upload


@job_task
def ledger_import_job(job, progress):
    """Import (or check) the upload of an import page as its uploader."""
    files, _upload = _import_files(job)
    options = job.params["options"]
    result = ledger_import(
        source=files.upload,
        filename=files.filename,
        acting_user=User.objects.get(pk=job.user_id),
        ledger=options.get("ledger"),
        dry_run=options.get("dry_run", False),
        skip_invalid=options.get("skip_invalid", False),
        progress=lambda phase, done, total: progress(_phase(phase), done, total),
    )
    files.write("result.json", result.as_dict())
    return {
        "summary": result.summary(),
        "ok": result.ok,
        "links": [
            {
                "label": _("See the result"),
                "url": reverse("excel:import-result", args=[job.params["token"]]),
            }
        ],
    }


def ledger_import_enqueue(*, user, files, options: dict):
    """Queue the import of an upload (``ImportJob``); the same file with the same options
    already queued or running for this user is that job (``created`` False)."""
    digest = hashlib.sha256(files.upload).hexdigest()
    key = f"ledger-import:{digest}:{options.get('ledger')}:{options.get('dry_run')}"
    title = (_("Check %(file)s") if options.get("dry_run") else _("Import %(file)s")) % {
        "file": files.filename
    }
    return job_enqueue(
        ledger_import_job,
        user=user,
        title=title,
        params={"token": files.token, "options": options},
        dedupe_key=key,
    )


@job_task
def annotated_copy_job(job, progress):
    """The upload with a column saying what is wrong on each row."""
    files, _upload = _import_files(job)
    result = files.result()
    if result is None or not result.errors:
        raise JobFailed(_("This import found no problems to mark."))
    progress(_("Marking the problems"), 0, None)
    try:
        data, extension = annotate(
            files.upload,
            sheet=result.sheet,
            header_row=result.header_row or 1,
            errors=result.errors,
            heading=_("Problems found"),
        )
    except SpreadsheetError as error:
        raise JobFailed(error.message) from None
    stem = Path(files.filename).stem or "ledger"
    name = write_result_file(job, f"annotated{extension}", [data])
    return {
        "summary": _("%(count)s problems marked.") % {"count": len(result.errors)},
        "file": name,
        "download_name": f"{stem}-{_('problems')}{extension}",
    }


def annotated_copy_enqueue(*, user, files):
    return job_enqueue(
        annotated_copy_job,
        user=user,
        title=_("Problems marked in %(file)s") % {"file": files.filename},
        params={"token": files.token},
        dedupe_key=f"annotated:{files.token}",
    )


@job_task
def ledger_export_job(job, progress):
    """A ledger as the user sees it, written to a file of the job."""
    kind, file_format, within = job.params["kind"], job.params["format"], job.params["within"]
    user = User.objects.get(pk=job.user_id)
    name = f"export.{file_format}"
    job.directory.mkdir(parents=True, mode=0o700, exist_ok=True)
    partial = job.directory / f".{name}.part"
    try:
        # Outside a request: the job's own access-log row, if it writes full ID numbers.
        with collecting(user=user, view_name="jobs:ledger-export", path=f"{kind}.{file_format}"):
            rows = ledger_export(
                partial,
                kind=kind,
                user=user,
                file_format=file_format,
                within=within,
                progress=lambda phase, done, total: progress(_phase(phase), done, total),
            )
    except OutOfJurisdiction:
        partial.unlink(missing_ok=True)
        raise JobFailed(_("That division is outside your jurisdiction.")) from None
    partial.replace(job.directory / name)
    return {
        "summary": _("%(rows)s rows exported.") % {"rows": f"{max(rows, 0):,}"},
        "file": name,
        "download_name": export_filename(LEDGERS[kind], file_format, within),
    }


def ledger_export_enqueue(*, user, kind: str, file_format: str, within: str | None):
    ledger = LEDGERS[kind]
    return job_enqueue(
        ledger_export_job,
        user=user,
        title=_("Export of %(ledger)s") % {"ledger": ledger.title},
        params={"kind": kind, "format": file_format, "within": within},
        dedupe_key=f"ledger-export:{kind}:{file_format}:{within or ''}",
    )
