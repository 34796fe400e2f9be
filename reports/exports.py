"""The KPI report as JSON-ready data and as an Excel workbook: the same numbers as
``reports.kpis.kpi_report``, which is their only source."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from core.excel import workbook_bytes
from reports.choices import KpiUnit
from reports.kpis import (
    KpiDefinition,
    KpiDifference,
    KpiReport,
    KpiValue,
    LateRecord,
    NodeKpis,
    kpi_definitions,
)

#: Excel number formats per unit (value and target columns)
NUMBER_FORMATS = {
    KpiUnit.RATIO: "0.0%",
    KpiUnit.PER_COMMUNITY: "0.00",
    KpiUnit.DAYS: "0.0",
    KpiUnit.COUNT: "0",
    KpiUnit.YUAN: "#,##0.00",
}
#: the language of the workbook's headers: the clerks' language
WORKBOOK_LANGUAGE = "zh-hans"


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


def kpi_value_dict(value: KpiValue) -> dict:
    return {
        "numerator": _number(value.numerator),
        "denominator": value.denominator,
        "value": value.value,
        "target": value.target,
        "met": value.met,
    }


def node_dict(node: NodeKpis) -> dict:
    return {
        "code": node.code,
        "name": node.name,
        "level": node.level,
        "is_residential": node.is_residential,
        "kpis": {key: kpi_value_dict(value) for key, value in node.values.items()},
    }


def kpi_report_dict(report: KpiReport) -> dict:
    """The report as JSON-ready data with stable English keys (the API's and the command's)."""
    return {
        "as_of": report.as_of.isoformat(),
        "as_recorded_on": report.as_recorded_on.isoformat() if report.as_recorded_on else None,
        "report_year": report.report_year,
        "period_start": report.period_start.isoformat() if report.period_start else None,
        "scope": node_dict(report.scope),
        "children": [node_dict(child) for child in report.children],
    }


def definition_dict(definition: KpiDefinition) -> dict:
    return {
        "key": definition.key,
        "label": str(definition.label),
        "description": str(definition.description),
        "unit": str(definition.unit),
        "target": _number(definition.target),
        "target_due": definition.target_due.isoformat() if definition.target_due else None,
        "higher_is_better": definition.higher_is_better,
    }


def kpi_report_xlsx(report: KpiReport, definitions: list[KpiDefinition] | None = None) -> bytes:
    """The report as an .xlsx workbook a clerk can open: one row per node (the scope first,
    then its child nodes), for each KPI its numerator, denominator, value, target and whether
    it is met; Chinese headers, frozen; shares formatted as percentages. A second sheet
    explains each KPI."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    definitions = {d.key: d for d in (definitions or kpi_definitions())}
    keys = list(report.scope.values)
    with translation.override(WORKBOOK_LANGUAGE):
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = _("KPIs")[:31]
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="DDEBF7")
        centred = Alignment(horizontal="center", vertical="center", wrap_text=True)

        fixed = [_("Division code"), _("Division"), _("Level"), _("Residential")]
        parts = [_("Numerator"), _("Denominator"), _("Value"), _("Target"), _("Met")]
        for column, title in enumerate(fixed, start=1):
            sheet.merge_cells(start_row=1, start_column=column, end_row=2, end_column=column)
            cell = sheet.cell(row=1, column=column, value=title)
            cell.font, cell.fill, cell.alignment = bold, fill, centred
        for index, key in enumerate(keys):
            first = len(fixed) + 1 + index * len(parts)
            sheet.merge_cells(
                start_row=1, start_column=first, end_row=1, end_column=first + len(parts) - 1
            )
            cell = sheet.cell(row=1, column=first, value=str(definitions[key].label))
            cell.font, cell.fill, cell.alignment = bold, fill, centred
            for offset, part in enumerate(parts):
                cell = sheet.cell(row=2, column=first + offset, value=part)
                cell.font, cell.fill, cell.alignment = bold, fill, centred
                sheet.column_dimensions[get_column_letter(first + offset)].width = 11

        yes, no = _("Yes"), _("No")
        for row_number, node in enumerate([report.scope, *report.children], start=3):
            residential = yes if node.is_residential else no
            cells = [node.code, node.name, _level_label(node.level), residential]
            for key in keys:
                value = node.values[key]
                met = None if value.met is None else (yes if value.met else no)
                numbers = [_number(value.numerator), value.denominator, value.value, value.target]
                cells += [*numbers, met]
            for column, content in enumerate(cells, start=1):
                sheet.cell(row=row_number, column=column, value=content)
            for index, key in enumerate(keys):
                first = len(fixed) + 1 + index * len(parts)
                number_format = NUMBER_FORMATS.get(definitions[key].unit, "General")
                for offset in (2, 3):  # value and target
                    sheet.cell(row=row_number, column=first + offset).number_format = number_format
                if definitions[key].unit == KpiUnit.DAYS:
                    sheet.cell(row=row_number, column=first).number_format = "0.0"
        for column, width in zip("ABCD", (14, 24, 8, 8), strict=True):
            sheet.column_dimensions[column].width = width
        sheet.freeze_panes = sheet.cell(row=3, column=len(fixed) + 1)

        notes = workbook.create_sheet(_("Definitions")[:31])
        recorded = report.as_recorded_on or _("everything recorded so far")
        notes.append([_("As of"), report.as_of, _("As recorded on"), recorded])
        notes.cell(row=1, column=2).number_format = "yyyy-mm-dd"
        notes.cell(row=1, column=4).number_format = "yyyy-mm-dd"
        notes.append([_("Annual report year"), report.report_year])
        notes.append([])
        headers = [_("KPI"), _("Key"), _("Definition"), _("Target"), _("To be reached by")]
        notes.append(headers)
        for cell in notes[4]:
            cell.font, cell.fill = bold, fill
        for key in keys:
            definition = definitions[key]
            notes.append(
                [
                    str(definition.label),
                    definition.key,
                    str(definition.description),
                    _number(definition.target),
                    definition.target_due,
                ]
            )
            row = notes.max_row
            notes.cell(row=row, column=4).number_format = NUMBER_FORMATS.get(
                definition.unit, "General"
            )
            notes.cell(row=row, column=5).number_format = "yyyy-mm-dd"
        for column, width in zip("ABCDE", (28, 34, 90, 10, 14), strict=True):
            notes.column_dimensions[column].width = width
        notes.freeze_panes = "A5"

    return workbook_bytes(workbook)  # division names and labels as text, never formulas


def _level_label(level: str) -> str:
    from registry.choices import DivisionLevel

    try:
        return str(DivisionLevel(level).label)
    except ValueError:
        return level


def late_record_dict(record: LateRecord) -> dict:
    return {
        "kind": record.kind,
        "object_id": record.object_id,
        "label": record.label,
        "organisation_id": record.organisation_id,
        "effective_on": record.effective_on.isoformat(),
        "recorded_at": record.recorded_at.isoformat(),
        "recorded_by": record.recorded_by,
        "change": str(record.change),
        "reason": record.reason,
    }


def kpi_difference_dict(difference: KpiDifference) -> dict:
    """The difference between two recorded days as JSON-ready data (the API's, the command's)."""
    return {
        "as_of": difference.as_of.isoformat(),
        "as_recorded_on": difference.recorded_on.isoformat(),
        "compared_with": (
            difference.compared_with.isoformat() if difference.compared_with else None
        ),
        "changed": [
            {"key": key, "before": kpi_value_dict(before), "after": kpi_value_dict(after)}
            for key, before, after in difference.changed
        ],
        "late_records": [late_record_dict(record) for record in difference.late],
    }
