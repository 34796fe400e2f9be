"""The KPI dashboards: a node's KPIs against their targets, its child nodes, trends over time,
the organisations behind any number, an as-of date and an Excel export.

Thin views over ``reports.kpis``: every number on a page comes from ``kpi_report``,
``kpi_trend`` or ``kpi_organisations`` (which scope to the user and raise ``OutOfJurisdiction``
outside it), and the export is ``reports.exports.kpi_report_xlsx`` of the same report. Charts
are inline SVG drawn by ``reports.charts``. A node outside the user's jurisdiction is 404 on
every page; an unusable as-of date is a message on the page (400), never a 500.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView, TemplateView

from registry.models import Division
from registry.nodes import default_node, node_in_scope, visible_nodes
from reports import charts
from reports.choices import DrillPart, KpiUnit
from reports.exports import kpi_report_xlsx
from reports.jobs import kpi_export_enqueue, runs_as_job
from reports.kpis import (
    KpiDefinition,
    KpiReport,
    KpiValue,
    kpi_definitions,
    kpi_organisations,
    kpi_report,
    kpi_trend,
)

#: month-ends a trend shows by default, and the choices offered
TREND_MONTHS = 12
TREND_CHOICES = (12, 24, 36)
#: width of the charts on a KPI's own page (the dashboard shows two side by side)
WIDE = 960
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AsOfForm(forms.Form):
    """The as-of date of a page (a GET form): empty means today."""

    as_of = forms.DateField(
        label=gettext_lazy("As of"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("The KPIs as they stood at the end of that day."),
    )
    as_recorded_on = forms.DateField(
        label=gettext_lazy("As recorded on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy(
            "Empty: everything recorded so far. A day: the figures as the system showed them "
            "that day, before any record entered later."
        ),
    )

    def __init__(self, data, *, today: dt.date):
        super().__init__(data)
        self.fields["as_of"].widget.attrs["max"] = today.isoformat()
        self.fields["as_recorded_on"].widget.attrs["max"] = today.isoformat()


def month_ends(as_of: dt.date, count: int) -> list[dt.date]:
    """The last ``count`` points of a trend: the ends of the ``count - 1`` months before the
    month of ``as_of``, then ``as_of`` itself (so the last point is the page's number)."""
    days = []
    year, month = as_of.year, as_of.month
    for _step in range(count - 1):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        days.append(dt.date(year, month, calendar.monthrange(year, month)[1]))
    return [*reversed(days), as_of]


def crumbs(user, node: Division) -> list[Division]:
    """The node's ancestors the user may see, from the top."""
    visible = visible_nodes(user).in_bulk(node.ancestor_codes)
    return [visible[code] for code in node.ancestor_codes if code in visible]


@dataclass
class Row:
    """One KPI of one node, ready to show."""

    definition: KpiDefinition
    value: KpiValue

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def shown(self) -> str:
        return charts.format_value(self.value.value, self.definition.unit)

    @property
    def target_shown(self) -> str:
        if self.value.target is None:
            return ""
        return charts.format_value(self.value.target, self.definition.unit)

    @property
    def sign(self) -> str:
        return charts.met_sign(self.value.met)

    @property
    def met_word(self) -> str:
        return charts.met_word(self.value.met)

    @property
    def has_denominator(self) -> bool:
        return self.value.denominator is not None

    @property
    def is_days(self) -> bool:
        return self.definition.unit == KpiUnit.DAYS


class AsOfMixin(LoginRequiredMixin):
    """Reads ``?as_of=`` for the page; an unusable one is shown as a form error (400)."""

    invalid_template = "reports/invalid_as_of.html"

    @cached_property
    def today(self) -> dt.date:
        return timezone.localdate()

    @cached_property
    def as_of_form(self) -> AsOfForm:
        return AsOfForm(self.request.GET or None, today=self.today)

    @cached_property
    def as_of(self) -> dt.date | None:
        """The requested day (None for today); raises ``ValidationError`` when unusable."""
        form = self.as_of_form
        if form.is_bound and not form.is_valid():
            raise ValidationError(next(iter(form.errors.values())))
        as_of = form.cleaned_data.get("as_of") if form.is_bound else None
        return None if as_of == self.today else as_of

    @cached_property
    def as_recorded_on(self) -> dt.date | None:
        """The requested recorded day (None: everything recorded so far)."""
        form = self.as_of_form
        if form.is_bound and not form.is_valid():
            raise ValidationError(next(iter(form.errors.values())))
        recorded = form.cleaned_data.get("as_recorded_on") if form.is_bound else None
        return None if recorded == self.today else recorded

    def as_of_query(self, **extra) -> str:
        """The query string that keeps the page's day (and ``extra``) on a link."""
        params = {}
        if self.as_of:
            params["as_of"] = self.as_of.isoformat()
        if self.as_recorded_on:
            params["as_recorded_on"] = self.as_recorded_on.isoformat()
        params.update({k: v for k, v in extra.items() if v is not None})
        return f"?{urlencode(params)}" if params else ""

    def invalid(self, error: ValidationError, **context) -> TemplateResponse:
        """The page's as-of form with what is wrong with the date, and nothing else (400)."""
        form = self.as_of_form
        if form.is_valid():  # a well-formed date the KPIs refuse (one in the future)
            messages = (
                error.message_dict.get("as_of", [])
                if hasattr(error, "error_dict")
                else error.messages
            )
            for message in messages:
                form.add_error("as_of", message)
            if hasattr(error, "error_dict"):
                for message in error.message_dict.get("as_recorded_on", []):
                    form.add_error("as_recorded_on", message)
        return TemplateResponse(
            self.request,
            self.invalid_template,
            {"form": form, "view": self, "today": self.today, **context},
            status=400,
        )


class HomeView(LoginRequiredMixin, View):
    """``/reports/``: the dashboard of the user's own node."""

    def get(self, request, *args, **kwargs):
        node = default_node(request.user)
        if node is None:
            raise Http404(_("Your account has no division to report on."))
        return redirect("reports:dashboard", code=node.code)


@dataclass
class Figures:
    """What a dashboard computes: the report, its trend and bar charts, and when."""

    report: KpiReport
    trends: list
    bars: list
    computed_at: dt.datetime | None = None


def cached_figures(view: AsOfMixin, name: str, compute):
    """``compute()`` (a ``Figures``), or the copy of it computed for the same page less than
    ``REPORTS_CACHE_SECONDS`` ago, in the cache every worker shares (settings ``CACHES``).

    A dashboard computes every KPI of its node and of each child, and a trend of each over the
    months (0.4 s for a street, 0.9 s for the city at 20,000 organisations): under a city's load
    that was the dearest page by far (bench/load.py). The figures change only when records do,
    and a page says when they were computed and offers ``?fresh=1`` to compute them again.
    A copy is the user's own (the user, their division and role are in the key, as are the
    node, the days and the language): nobody is shown figures counted in another's jurisdiction.
    """
    seconds = settings.REPORTS_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    user = view.request.user
    parts = (
        name,
        user.pk,
        user.division_id,
        user.role,
        view.node.code,
        (view.as_of or view.today).isoformat(),
        view.as_recorded_on.isoformat() if view.as_recorded_on else "",
        get_language(),
    )
    key = "figures:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    store = caches["reports"]
    if not view.request.GET.get("fresh"):
        found = store.get(key)
        if found is not None:
            return found
    figures = compute()
    figures.computed_at = timezone.now()
    store.set(key, figures, seconds)
    return figures


class DashboardView(AsOfMixin, TemplateView):
    """Every KPI of a node against its target, its child nodes, trends and bar charts."""

    template_name = "reports/dashboard.html"

    def get(self, request, *args, **kwargs):
        self.node = node_in_scope(kwargs["code"], user=request.user)
        try:
            self.figures = cached_figures(self, "dashboard", self.compute)
        except ValidationError as error:
            return self.invalid(error, node=self.node)
        self.report = self.figures.report
        return super().get(request, *args, **kwargs)

    def charted(self, report: KpiReport) -> tuple[list[Row], list[Row], list[Row]]:
        """The rows of every KPI, those charted (a target and a value), and those charted
        below (some child has a value: communities have no streets)."""
        rows = [Row(d, report.scope.values[d.key]) for d in kpi_definitions()]
        charted = [
            row for row in rows if row.value.target is not None and row.value.value is not None
        ]
        charted_below = [
            row
            for row in charted
            if any(child.values[row.key].value is not None for child in report.children)
        ]
        return rows, charted, charted_below

    def compute(self) -> Figures:
        report = kpi_report(
            scope=self.node,
            user=self.request.user,
            as_of=self.as_of,
            as_recorded_on=self.as_recorded_on,
        )
        _rows, charted, charted_below = self.charted(report)
        return Figures(
            report=report,
            trends=[trend_chart(self, row, TREND_MONTHS) for row in charted],
            bars=[children_chart(self, report, row) for row in charted_below],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.report
        rows, charted, charted_below = self.charted(report)
        context.update(
            node=self.node,
            crumbs=crumbs(self.request.user, self.node),
            report=report,
            form=self.as_of_form,
            rows=rows,
            charted=charted,
            charted_below=charted_below,
            children=child_rows(report, charted_below, self),
            trends=self.figures.trends,
            bars=self.figures.bars,
            computed_at=self.figures.computed_at,
            cache_minutes=max(1, round(settings.REPORTS_CACHE_SECONDS / 60)),
            fresh_url=self.as_of_query(fresh=1),
            query=self.as_of_query(),
            export_url=reverse("reports:export", args=[self.node.code]) + self.as_of_query(),
        )
        return context


def child_rows(report: KpiReport, charted: list[Row], view: AsOfMixin) -> list[dict]:
    """The child nodes with the charted KPIs' values, each linking to its own dashboard."""
    return [
        {
            "node": child,
            "url": reverse("reports:dashboard", args=[child.code]) + view.as_of_query(),
            "cells": [Row(row.definition, child.values[row.key]) for row in charted],
        }
        for child in report.children
    ]


@dataclass
class Chart:
    """A chart with its caption, and the numbers it draws for a table under it."""

    caption: str
    svg: str
    rows: list[Row]
    days: list[dt.date] | None = None

    @property
    def table(self):
        return list(zip(self.days or [], self.rows, strict=False))


def trend_chart(view: AsOfMixin, row: Row, months: int, width: int = 640) -> Chart:
    """The line chart of one KPI of the view's node over the last ``months`` month-ends."""
    definition = row.definition
    as_of = view.as_of or view.today
    points = kpi_trend(
        key=row.key, scope=view.node, user=view.request.user, dates=month_ends(as_of, months)
    )
    target = points[-1][1].target if points else None
    svg = charts.line_chart(
        [charts.Point(day, value.value, value.met) for day, value in points],
        chart_id=f"trend-{row.key}",
        title=_("%(kpi)s of %(node)s, month by month")
        % {"kpi": definition.label, "node": view.node.name},
        description=_(
            "%(kpi)s at the end of each of the last %(months)s months up to %(date)s, "
            "against the target (dashed line). %(definition)s"
        )
        % {
            "kpi": definition.label,
            "months": months,
            "date": as_of.isoformat(),
            "definition": definition.description,
        },
        unit=definition.unit,
        target=target,
        x_label=_("Month end"),
        y_label=str(unit_label(definition.unit)),
        width=width,
    )
    return Chart(
        caption=str(definition.label),
        svg=svg,
        rows=[Row(definition, value) for _day, value in points],
        days=[day for day, _value in points],
    )


def children_chart(view: AsOfMixin, report: KpiReport, row: Row, width: int = 640) -> Chart:
    """The bar chart of one KPI over the node's children, each bar linking to the child."""
    definition = row.definition
    bars = [
        charts.Bar(
            label=child.name,
            value=child.values[row.key].value,
            met=child.values[row.key].met,
            href=reverse("reports:kpi", args=[child.code, row.key]) + view.as_of_query(),
            target=child.values[row.key].target,
        )
        for child in report.children
    ]
    svg = charts.bar_chart(
        bars,
        chart_id=f"children-{row.key}",
        title=_("%(kpi)s of the units below %(node)s")
        % {"kpi": definition.label, "node": view.node.name},
        description=_("%(kpi)s of each unit below %(node)s on %(date)s, against its target.")
        % {"kpi": definition.label, "node": view.node.name, "date": report.as_of.isoformat()},
        unit=definition.unit,
        x_label=str(unit_label(definition.unit)),
        width=width,
    )
    return Chart(caption=str(definition.label), svg=svg, rows=[])


def unit_label(unit: str):
    return {
        KpiUnit.RATIO: gettext_lazy("Share"),
        KpiUnit.COUNT: gettext_lazy("Count"),
        KpiUnit.PER_COMMUNITY: gettext_lazy("Organisations per community"),
        KpiUnit.DAYS: gettext_lazy("Days"),
        KpiUnit.YUAN: gettext_lazy("Yuan"),
    }.get(unit, "")


def definition_for(key: str) -> KpiDefinition:
    for definition in kpi_definitions():
        if definition.key == key:
            return definition
    raise Http404()


class KpiView(AsOfMixin, TemplateView):
    """One KPI of a node: its definition, trend, and the child nodes' values."""

    template_name = "reports/kpi.html"

    def get(self, request, *args, **kwargs):
        self.node = node_in_scope(kwargs["code"], user=request.user)
        self.definition = definition_for(kwargs["key"])
        try:
            self.report = kpi_report(
                scope=self.node,
                user=request.user,
                as_of=self.as_of,
                as_recorded_on=self.as_recorded_on,
            )
        except ValidationError as error:
            return self.invalid(error, node=self.node)
        return super().get(request, *args, **kwargs)

    @cached_property
    def months(self) -> int:
        try:
            months = int(self.request.GET.get("months", TREND_MONTHS))
        except ValueError:
            return TREND_MONTHS
        return months if months in TREND_CHOICES else TREND_MONTHS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, definition = self.report, self.definition
        row = Row(definition, report.scope.values[definition.key])
        children = [
            {
                "node": child,
                "row": Row(definition, child.values[definition.key]),
                "url": reverse("reports:kpi", args=[child.code, definition.key])
                + self.as_of_query(),
                "dashboard_url": reverse("reports:dashboard", args=[child.code])
                + self.as_of_query(),
                "organisations_url": reverse(
                    "reports:organisations", args=[child.code, definition.key]
                )
                + self.as_of_query(),
                "denominator_url": reverse(
                    "reports:organisations", args=[child.code, definition.key]
                )
                + self.as_of_query(part=DrillPart.DENOMINATOR),
            }
            for child in report.children
        ]
        context.update(
            node=self.node,
            crumbs=crumbs(self.request.user, self.node),
            report=report,
            definition=definition,
            form=self.as_of_form,
            row=row,
            trend=trend_chart(self, row, self.months, width=WIDE),
            months=self.months,
            month_choices=[
                (m, self.as_of_query(months=m if m != TREND_MONTHS else None))
                for m in TREND_CHOICES
            ],
            bars=(
                children_chart(self, report, row, width=WIDE)
                if any(child["row"].value.value is not None for child in children)
                else None
            ),
            keep=[("months", self.months)] if self.months != TREND_MONTHS else [],
            children=children,
            query=self.as_of_query(),
            denominator_query=self.as_of_query(part=DrillPart.DENOMINATOR),
        )
        return context


class OrganisationsView(AsOfMixin, ListView):
    """The organisations behind one number of a node (``?part=numerator|denominator``)."""

    template_name = "reports/organisations.html"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        self.node = node_in_scope(kwargs["code"], user=request.user)
        self.definition = definition_for(kwargs["key"])
        self.part = request.GET.get("part") or DrillPart.NUMERATOR
        if self.part not in DrillPart.values:
            raise Http404()
        try:
            return super().get(request, *args, **kwargs)
        except ValidationError as error:
            if hasattr(error, "error_dict") and "part" in error.error_dict:
                raise Http404() from None  # a count has no denominator: no such page
            return self.invalid(error, node=self.node)

    def get_queryset(self):
        return kpi_organisations(
            key=self.definition.key,
            scope=self.node,
            user=self.request.user,
            as_of=self.as_of,
            part=self.part,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            node=self.node,
            crumbs=crumbs(self.request.user, self.node),
            definition=self.definition,
            part=self.part,
            part_label=DrillPart(self.part).label,
            as_of_day=self.as_of or self.today,
            form=self.as_of_form,
            keep=[("part", self.part)] if self.part != DrillPart.NUMERATOR else [],
            query=self.as_of_query(),
            other_part_query=(
                self.as_of_query(part=DrillPart.DENOMINATOR)
                if self.part == DrillPart.NUMERATOR
                else self.as_of_query()
            ),
        )
        return context


class ExportView(AsOfMixin, View):
    """The node's KPI report as an ``.xlsx`` file: the numbers of its dashboard."""

    def get(self, request, *args, **kwargs):
        self.node = node_in_scope(kwargs["code"], user=request.user)
        if runs_as_job(self.node):
            try:
                as_of = self.as_of
            except ValidationError as error:
                return self.invalid(error, node=self.node)
            job, _created = kpi_export_enqueue(
                user=request.user,
                node=self.node,
                as_of=as_of,
                as_recorded_on=self.as_recorded_on,
            )
            return redirect("jobs:detail", job.pk)
        try:
            report = kpi_report(
                scope=self.node,
                user=request.user,
                as_of=self.as_of,
                as_recorded_on=self.as_recorded_on,
            )
        except ValidationError as error:
            return self.invalid(error, node=self.node)
        response = HttpResponse(kpi_report_xlsx(report), content_type=XLSX)
        filename = f"kpis-{self.node.code}-{report.as_of.isoformat()}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
