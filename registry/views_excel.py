"""Web pages for the ledger files: templates, exports, and imports with a progress page.

An upload is kept in a private directory (never under MEDIA_ROOT, which DEBUG serves to
anyone) under a random token, readable only by the user who uploaded it; the import runs while
the page streams its progress, then the browser goes on to the result page, which lists every
problem and offers the file back with the problems marked. The upload is stored encrypted
(``core.encryption``, the key of the ID numbers), and everything older than a day is removed.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from core.encryption import decrypt_bytes, encrypt_bytes
from core.excel import RowError, SpreadsheetError, annotate
from core.excel.annotate import AnnotationUnavailable
from core.exceptions import OutOfJurisdiction
from core.scoping import VIEW
from registry.choices import DivisionLevel
from registry.exports import (
    export_filename,
    ledger_csv,
    ledger_queryset,
    ledger_template,
    ledger_xlsx,
)
from registry.imports import ImportResult, ledger_import_steps
from registry.jobs import annotated_copy_enqueue, ledger_export_enqueue, ledger_import_enqueue
from registry.ledgers import LEDGERS, community_label, ledger_import_refusal
from registry.models import Division

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
MAX_UPLOAD = 30 * 1024 * 1024
KEEP_SECONDS = 24 * 3600
PROGRESS_MARK = "<!--progress-->"
MAX_ERRORS_SHOWN = 1000
MAX_WITHIN_CHOICES = 1000
TOKEN = re.compile(r"[0-9a-f]{32}")


def _ledger_or_404(kind: str):
    ledger = LEDGERS.get(kind)
    if ledger is None:
        raise Http404()
    return ledger


def _attachment(response, filename: str):
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# --- import jobs ----------------------------------------------------------------------------


def _jobs_root() -> Path:
    root = getattr(settings, "EXCEL_IMPORT_DIR", None)
    if root:
        return Path(root)
    # beside the background jobs' files: a worker on another machine reads the upload there
    jobs_dir = getattr(settings, "JOB_FILES_DIR", None)
    if jobs_dir:
        return Path(jobs_dir) / "excel-imports"
    return Path(tempfile.gettempdir()) / "registry-excel-imports"


class ImportJob:
    """An uploaded file and, once imported, its result; only its uploader may see it."""

    def __init__(self, token: str):
        self.token = token
        self.path = _jobs_root() / token

    @classmethod
    def create(cls, *, user, data: bytes, filename: str) -> ImportJob:
        cls.remove_old()
        job = cls(uuid.uuid4().hex)
        job.path.mkdir(parents=True, mode=0o700)
        # Sealed with the field-encryption key (core.encryption): a ledger carries ID numbers.
        (job.path / "upload").write_bytes(encrypt_bytes(data))
        job.write("meta.json", {"user": user.pk, "filename": filename, "created": time.time()})
        return job

    @classmethod
    def get(cls, token: str, user) -> ImportJob:
        """The user's own job, else 404 (another user's job doesn't exist for them)."""
        if not TOKEN.fullmatch(token):
            raise Http404()
        job = cls(token)
        try:
            meta = job.read("meta.json")
        except (OSError, ValueError):
            raise Http404() from None
        if meta.get("user") != user.pk:
            raise Http404()
        job.meta = meta
        return job

    @classmethod
    def remove_old(cls):
        root = _jobs_root()
        if not root.exists():
            return
        cutoff = time.time() - KEEP_SECONDS
        for path in root.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    shutil.rmtree(path, ignore_errors=True)
            except OSError:
                continue

    def write(self, name: str, data: dict):
        (self.path / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    def read(self, name: str) -> dict:
        return json.loads((self.path / name).read_text(encoding="utf-8"))

    @property
    def upload(self) -> bytes:
        """The uploaded file as it was sent (decrypted)."""
        return decrypt_bytes((self.path / "upload").read_bytes())

    @property
    def filename(self) -> str:
        return self.read("meta.json")["filename"]

    def result(self) -> ImportResult | None:
        try:
            return ImportResult.from_dict(self.read("result.json"))
        except (OSError, ValueError):
            return None


# --- pages ----------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Ledger file (.xlsx or .csv)"))
    ledger = forms.ChoiceField(
        label=gettext_lazy("Ledger"),
        required=False,
        choices=[("", gettext_lazy("Tell from the file"))],
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Check only: report what would change, write nothing"),
        required=False,
        initial=True,
    )
    skip_invalid = forms.BooleanField(
        label=gettext_lazy("Import the good rows and skip rows with problems"),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ledger"].choices = [("", _("Tell from the file"))] + [
            (ledger.kind, ledger.title)
            for ledger in LEDGERS.values()
            if ledger_import_refusal(ledger, user) is None
        ]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = min(MAX_UPLOAD, settings.UPLOAD_MAX_BYTES)
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB; split it into several files.")
                % {"size": limit // (1024 * 1024)}
            )
        return upload


def _within_choices(user) -> list[tuple[str, str]]:
    divisions = (
        Division.objects.restrict(user, VIEW)
        .filter(level__in=[DivisionLevel.DISTRICT, DivisionLevel.STREET, DivisionLevel.COMMUNITY])
        .select_related("parent")
        .order_by("path")[:MAX_WITHIN_CHOICES]
    )
    choices = []
    for division in divisions:
        label = (
            community_label(division)
            if division.level == DivisionLevel.COMMUNITY
            else division.name
        )
        choices.append((division.code, f"{label} ({division.code})"))
    return choices


class ExcelHomeView(LoginRequiredMixin, TemplateView):
    """The ledgers: templates to download, exports, and the import form."""

    template_name = "registry/excel/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["ledgers"] = [
            {"ledger": ledger, "refusal": ledger_import_refusal(ledger, user)}
            for ledger in LEDGERS.values()
        ]
        context["form"] = kwargs.get("form") or ImportForm(user=user)
        context["can_import"] = len(context["form"].fields["ledger"].choices) > 1
        context["within_choices"] = _within_choices(user)
        return context


class TemplateDownloadView(LoginRequiredMixin, View):
    def get(self, request, kind):
        ledger = _ledger_or_404(kind)
        data = ledger_template(kind, request.user)
        response = HttpResponse(data, content_type=XLSX)
        return _attachment(response, f"{ledger.zh}-模板.xlsx")


class ExportView(LoginRequiredMixin, View):
    """A ledger as the user sees it, streamed (.xlsx or CSV). ``within`` narrows it to a
    division of the user's jurisdiction; a division outside it is 404."""

    def get(self, request, kind):
        ledger = _ledger_or_404(kind)
        within = request.GET.get("within") or None
        file_format = request.GET.get("format", "xlsx")
        if file_format not in ("xlsx", "csv"):
            raise Http404()
        try:
            rows = ledger_queryset(ledger, request.user, within=within).count()
        except OutOfJurisdiction:
            raise Http404() from None
        if rows > settings.JOB_EXPORT_ROWS:
            job, _created = ledger_export_enqueue(
                user=request.user, kind=kind, file_format=file_format, within=within
            )
            return redirect("jobs:detail", job.pk)
        try:
            if file_format == "csv":
                chunks = ledger_csv(ledger, request.user, within=within)
                response = StreamingHttpResponse(chunks, content_type=CSV)
            else:
                chunks = ledger_xlsx(ledger, request.user, within=within)
                response = StreamingHttpResponse(chunks, content_type=XLSX)
        except OutOfJurisdiction:
            raise Http404() from None
        return _attachment(response, export_filename(ledger, file_format, within))


class ImportView(LoginRequiredMixin, View):
    """Takes the upload and streams the progress page while the file is imported."""

    def get(self, request):
        return redirect("excel:home")

    def post(self, request):
        # The permission first, before the upload is looked at (let alone parsed): a role
        # that may import no ledger at all is refused here. Which ledger a file is, and so
        # whether this user may import it, is decided after the header row is read.
        refusals = [ledger_import_refusal(ledger, request.user) for ledger in LEDGERS.values()]
        if all(refusals):
            messages.error(request, refusals[0])
            home = ExcelHomeView(request=request, kwargs={})
            return render(request, home.template_name, home.get_context_data(), status=403)
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            home = ExcelHomeView(request=request, kwargs={})
            context = home.get_context_data(form=form)
            return render(request, home.template_name, context, status=400)
        upload = form.cleaned_data["file"]
        job = ImportJob.create(user=request.user, data=upload.read(), filename=upload.name)
        options = {
            "ledger": form.cleaned_data["ledger"] or None,
            "dry_run": form.cleaned_data["dry_run"],
            "skip_invalid": form.cleaned_data["skip_invalid"],
        }
        job.write("options.json", options)
        if upload.size > settings.JOB_IMPORT_BYTES:
            return _queued(
                request, *ledger_import_enqueue(user=request.user, files=job, options=options)
            )
        return _progress_response(request, job, **options)


def _queued(request, job, created: bool):
    """To the job's page; said so when the same work was queued already."""
    if not created:
        messages.info(request, _("This file is already being imported; here is that job."))
    return redirect("jobs:detail", job.pk)


class ImportCommitView(LoginRequiredMixin, View):
    """Import for real a file whose dry run was clean, without uploading it again."""

    def post(self, request, token):
        job = ImportJob.get(token, request.user)
        previous = job.result()
        if previous is None or not previous.dry_run:
            raise Http404()
        options = job.read("options.json")
        options["dry_run"] = False
        job.write("options.json", options)
        if (job.path / "upload").stat().st_size > settings.JOB_IMPORT_BYTES:
            return _queued(
                request, *ledger_import_enqueue(user=request.user, files=job, options=options)
            )
        return _progress_response(request, job, **options)


def _progress_response(request, job: ImportJob, *, ledger, dry_run, skip_invalid):
    language = translation.get_language()
    page = render_to_string(
        "registry/excel/import_progress.html",
        {"filename": job.filename, "dry_run": dry_run},
        request=request,
    )
    head, _mark, tail = page.partition(PROGRESS_MARK)
    user = request.user
    result_url = reverse("excel:import-result", args=[job.token])
    # The Content-Security-Policy runs no inline script without the response's nonce; it must
    # be drawn now, before the middleware writes the header (the body is streamed later).
    nonce = escape(str(request.csp_nonce))

    def stream():
        with translation.override(language):
            # Browsers start drawing a streamed page only after the first kilobyte or so.
            yield head + "<!--" + " " * 1024 + "-->"
            steps = ledger_import_steps(
                source=job.upload,
                filename=job.filename,
                acting_user=user,
                ledger=ledger,
                dry_run=dry_run,
                skip_invalid=skip_invalid,
            )
            labels = {
                "read": _("Reading the file"),
                "check": _("Checking the rows"),
                "write": _("Writing"),
            }
            shown = (None, -1)
            while True:
                try:
                    phase, done, total = next(steps)
                except StopIteration as stop:
                    result = stop.value
                    break
                except Exception:
                    logger.exception("import of %s failed", job.filename)
                    result = ImportResult(filename=job.filename, dry_run=dry_run)
                    result.errors.append(
                        RowError(0, "", _("The import failed unexpectedly; nothing was imported."))
                    )
                    break
                step = max((total or 0) // 50, 1)
                if phase != shown[0] or done - shown[1] >= step or done == total:
                    shown = (phase, done)
                    yield _tick(labels.get(phase, phase), done, total)
            job.write("result.json", result.as_dict())
            see = _("See the result")
            yield (
                f'<p class="excel-done">{escape(result.summary())} '
                f'<a href="{result_url}">{escape(see)}</a></p>'
                f'<script nonce="{nonce}">'
                f"window.location.replace({json.dumps(result_url)});</script>"
            )
            yield tail

    response = StreamingHttpResponse(stream(), content_type="text/html; charset=utf-8")
    response["X-Accel-Buffering"] = "no"  # nginx: pass each chunk on
    response["Cache-Control"] = "no-store"
    return response


def _tick(label: str, done: int, total: int | None) -> str:
    if total:
        return (
            f'<div class="excel-tick">{escape(label)} <progress max="{total}" value="{done}">'
            f"</progress> {done:,} / {total:,}</div>"
        )
    return f'<div class="excel-tick">{escape(label)} <progress></progress> {done:,}</div>'


class ImportResultView(LoginRequiredMixin, TemplateView):
    template_name = "registry/excel/import_result.html"

    def get_context_data(self, token, **kwargs):
        context = super().get_context_data(**kwargs)
        job = ImportJob.get(token, self.request.user)
        result = job.result()
        if result is None:
            raise Http404()
        context.update(
            job=job,
            result=result,
            errors=result.errors[:MAX_ERRORS_SHOWN],
            more_errors=max(len(result.errors) - MAX_ERRORS_SHOWN, 0),
            changes=result.changes[:500],
            can_commit=result.dry_run and result.ok and (result.created or result.updated),
        )
        return context


class ImportAnnotatedView(LoginRequiredMixin, View):
    """The uploaded file back, with a column saying what is wrong on each row."""

    def get(self, request, token):
        job = ImportJob.get(token, request.user)
        result = job.result()
        if result is None or not result.errors:
            raise Http404()
        if (job.path / "upload").stat().st_size > settings.JOB_IMPORT_BYTES:
            queued, _created = annotated_copy_enqueue(user=request.user, files=job)
            return redirect("jobs:detail", queued.pk)
        try:
            data, extension = annotate(
                job.upload,
                sheet=result.sheet,
                header_row=result.header_row or 1,
                errors=result.errors,
                heading=_("Problems found"),
            )
        except AnnotationUnavailable as error:
            # The copy cannot be made: say why, with a way back to the listed problems.
            return render(
                request,
                "registry/excel/annotated_unavailable.html",
                {"message": error.message, "token": token},
                status=422,
            )
        except SpreadsheetError:
            raise Http404() from None  # not a spreadsheet: nothing to mark
        stem = Path(job.filename).stem or "ledger"
        content_type = CSV if extension == ".csv" else XLSX
        suffix = _("problems")
        return _attachment(
            HttpResponse(data, content_type=content_type), f"{stem}-{suffix}{extension}"
        )
