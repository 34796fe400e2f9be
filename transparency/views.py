"""Web pages of transparency: thin views over ``transparency.public`` (what anyone may know),
``transparency.extract`` (the open-data files) and ``transparency.audit`` (the audit log).

The public pages answer anonymous users and read nothing but public columns (see
``transparency.public``). The audit pages need a login; every row they show comes through
``AuditEvent.objects.restrict`` or a restricted history table, so an object outside the user's
jurisdiction is a 404 and never a row.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from core.excel import SheetSpec, iter_xlsx
from transparency import audit, extract, public
from transparency.forms import AuditFilterForm, CreditListSearchForm
from transparency.models import OpenDataExtract

PAGE_SIZE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the audit log --------------------------------------------------------------------------------


def audit_export_header() -> list[str]:
    return [
        _("When"),
        _("Changed by"),
        _("Kind of object"),
        _("Object"),
        _("Organisation"),
        _("Change"),
        _("Field"),
        _("Before"),
        _("After"),
        _("Reason"),
    ]


class AuditLogView(LoginRequiredMixin, TemplateView):
    """Every recorded change in the user's jurisdiction, newest first, filtered and paged by
    keyset. Bad filters or a cursor of another search: the page with the errors, status 400."""

    template_name = "transparency/audit_log.html"

    def get(self, request, *args, **kwargs):
        form = AuditFilterForm(request.GET or None, user=request.user)
        context = {"form": form, "rows": [], "next_cursor": None, "errors": []}
        status = 200
        if request.GET and not form.is_valid():
            status = 400
        else:
            query = form.query() if form.is_bound else audit.AuditQuery()
            try:
                page = audit.audit_page(request.user, query, cursor=request.GET.get("cursor"))
            except audit.CursorError as error:
                context["errors"].append(str(error))
                status = 400
            else:
                context.update(rows=page.rows, next_cursor=page.next_cursor)
        context["is_first_page"] = not request.GET.get("cursor")
        return self.render_to_response(self.get_context_data(**context), status=status)


class AuditExportView(LoginRequiredMixin, View):
    """The audit log with the page's filters as a real .xlsx file, one line per changed field,
    streamed (memory stays flat however long the log)."""

    def get(self, request):
        form = AuditFilterForm(request.GET or None, user=request.user)
        if form.is_bound and not form.is_valid():
            return render(
                request,
                "transparency/audit_log.html",
                {"form": form, "rows": [], "errors": [], "is_first_page": True},
                status=400,
            )
        query = form.query() if form.is_bound else audit.AuditQuery()
        rows = audit.audit_rows_as_table(audit.iter_audit_rows(request.user, query))
        limited = (row for _n, row in zip(range(audit.EXPORT_MAX_ROWS), rows, strict=False))
        sheet = SheetSpec(
            title=_("Audit log"),
            header=audit_export_header(),
            rows=limited,
            widths=[17, 14, 16, 24, 24, 8, 16, 24, 24, 30],
        )
        response = StreamingHttpResponse(iter_xlsx([sheet]), content_type=XLSX)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.xlsx"'
        return response


class ObjectHistoryView(LoginRequiredMixin, TemplateView):
    """Every recorded change of one object (any app's), newest first; 404 outside the
    user's jurisdiction."""

    template_name = "transparency/object_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            tracked, rows = audit.object_history(
                self.request.user, self.kwargs["kind"], self.kwargs["object_id"]
            )
        except LookupError:
            raise Http404 from None
        context.update(
            tracked=tracked,
            rows=rows,
            title=rows[0].object_label if rows else "",
            organisation_id=next((r.organisation_id for r in rows if r.organisation_id), None),
        )
        return context


# --- public pages ---------------------------------------------------------------------------------


class PublicOrganisationView(TemplateView):
    """An organisation's public page: standing, dates, grade, annual reports, credit lists.
    Anyone may open it; organisations that were never filed or registered have none (404)."""

    template_name = "transparency/public_organisation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = public.public_organisation(self.kwargs["pk"])
        if page is None:
            raise Http404
        context["org"] = page
        return context


class PublicCreditListView(TemplateView):
    """The abnormal-activity and serious-dishonesty lists, searchable, per district, as they
    stood on any day (today by default)."""

    template_name = "transparency/public_credit_lists.html"

    def get(self, request, *args, **kwargs):
        form = CreditListSearchForm(
            request.GET or None,
            kinds=public.credit_list_kinds(),
            districts=public.credit_list_districts(),
        )
        status = 200
        criteria = {}
        if form.is_bound:
            if form.is_valid():
                criteria = form.cleaned_data
            else:
                status = 400
        entries = public.public_credit_list(
            q=criteria.get("q", ""),
            kind=criteria.get("kind", ""),
            district=criteria.get("district", ""),
            state=criteria.get("state", ""),
            on=criteria.get("on"),
        )
        if status == 400:
            entries = entries.none()
        page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = public.label_credit_rows(list(page.object_list), on=criteria.get("on"))
        context = self.get_context_data(
            form=form,
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            rows=page.object_list,
        )
        return self.render_to_response(context, status=status)


# --- open data ------------------------------------------------------------------------------------


class OpenDataView(TemplateView):
    """The open-data extracts: the latest, the history of past ones, and what they hold."""

    template_name = "transparency/open_data.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        extracts = OpenDataExtract.objects.filter(status="done").order_by("-extract_date")
        page = Paginator(extracts, 30).get_page(self.request.GET.get("page"))
        context.update(
            latest=extracts.first(),
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            extracts=page.object_list,
            files=extract.FILES,
        )
        return context


class DataDictionaryView(TemplateView):
    """Every field of every file of the extract: name, type, meaning."""

    template_name = "transparency/data_dictionary.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tables"] = extract.dictionary()
        return context


def _extract_for(value: str) -> OpenDataExtract:
    if value == "latest":
        found = OpenDataExtract.objects.filter(status="done").order_by("-extract_date").first()
    else:
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            raise Http404 from None
        found = OpenDataExtract.objects.filter(extract_date=day, status="done").first()
    if found is None:
        raise Http404
    return found


class ExtractDownloadView(View):
    """The zip file of one day's extract (``latest`` for the newest); 404 for a day without
    one, or a date that is not one."""

    def get(self, request, date):
        found = _extract_for(date)
        path = extract.extract_path(found)
        if not path.exists():
            raise Http404
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=found.file_name,
            content_type="application/zip",
        )
