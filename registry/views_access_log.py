"""The access log for personal data (``core.models.PersonalDataAccess``), browsed and exported
by district and city officers for their jurisdiction (docs/security.md, "The access log")."""

from __future__ import annotations

import datetime

from django import forms
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView
from openpyxl import Workbook

from core.excel import table_sheet, workbook_bytes
from core.exceptions import NotPermitted
from core.models import PersonalDataAccess
from core.views import ScopedQuerysetMixin
from registry.choices import Role

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: the roles that audit who saw personal data (besides superusers)
AUDITOR_ROLES = (Role.DISTRICT_OFFICER, Role.CITY_OFFICER)

#: the most rows one export writes
EXPORT_LIMIT = 50_000


class AccessLogFilterForm(forms.Form):
    user = forms.CharField(label=gettext_lazy("User name"), required=False, max_length=150)
    date_from = forms.DateField(label=gettext_lazy("From (date)"), required=False)
    date_to = forms.DateField(label=gettext_lazy("To (date)"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AccessLogView(ScopedQuerysetMixin, ListView):
    """Who saw full ID numbers in the user's jurisdiction: filter by user name and dates;
    ``?format=xlsx`` exports what the filter shows."""

    model = PersonalDataAccess
    template_name = "registry/access_log.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and not (user.is_superuser or user.role in AUDITOR_ROLES):
            raise NotPermitted(_("Only district and city officers read the access log."))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset().select_related("user")
        self.form = AccessLogFilterForm(self.request.GET or None)
        if self.form.is_bound and not self.form.is_valid():
            return queryset.none()
        data = self.form.cleaned_data if self.form.is_bound else {}
        if data.get("user"):
            queryset = queryset.filter(username__icontains=data["user"])
        if data.get("date_from"):
            queryset = queryset.filter(at__gte=_day_start(data["date_from"]))
        if data.get("date_to"):
            end = data["date_to"] + datetime.timedelta(days=1)
            queryset = queryset.filter(at__lt=_day_start(end))
        return queryset

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            return self.export(self.get_queryset())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(form=self.form, **kwargs)

    def export(self, queryset) -> HttpResponse:
        book = Workbook()
        columns = [
            (_("When"), 18),
            (_("User name"), 16),
            (_("Page or endpoint"), 30),
            (_("Address"), 40),
            (_("Records"), 40),
            (_("Number of records"), 10),
            (_("Jurisdiction path"), 24),
        ]
        rows = (
            [
                timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
                entry.username,
                entry.view_name,
                entry.path,
                entry.records_label(),
                entry.record_count,
                entry.scope_path,
            ]
            for entry in queryset[:EXPORT_LIMIT]
        )
        table_sheet(book, _("Personal data access log"), columns, rows, first=True)
        response = HttpResponse(workbook_bytes(book), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="access-log.xlsx"'
        return response
