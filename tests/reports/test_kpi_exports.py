"""The Excel export and the ``compute_kpis`` command give ``kpi_report``'s numbers."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from reports.exports import kpi_report_dict, kpi_report_xlsx
from reports.kpis import KPIS, kpi_report
from tests.reports.conftest import PAST

pytestmark = pytest.mark.django_db

FIXED_COLUMNS = 4
PARTS = 5


def rows_of(workbook_bytes):
    sheet = load_workbook(io.BytesIO(workbook_bytes)).worksheets[0]
    return sheet, [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]


def test_the_workbook_has_the_reports_numbers(scenario, people, at_now):
    report = kpi_report(scope="440310", user=people["district"], as_of=PAST)
    data = kpi_report_dict(report)
    sheet, rows = rows_of(kpi_report_xlsx(report))
    assert sheet.freeze_panes == "E3"
    assert len(rows) == 1 + len(report.children)
    for row, node in zip(rows, [data["scope"], *data["children"]], strict=True):
        assert row[:2] == [node["code"], node["name"]]
        for index, definition in enumerate(KPIS):
            first = FIXED_COLUMNS + index * PARTS
            value = node["kpis"][definition.key]
            met = row[first + 4]
            assert row[first : first + 4] == [
                value["numerator"],
                value["denominator"],
                value["value"],
                value["target"],
            ], definition.key
            assert (met is None) == (value["met"] is None)
    # the headers: KPI labels over numerator / denominator / value / target / met, in Chinese
    with translation.override("zh-hans"):
        assert sheet.cell(row=2, column=5).value == gettext("Numerator")
        assert sheet.cell(row=1, column=1).value == gettext("Division code")
        assert sheet.cell(row=1, column=5).value == str(KPIS[0].label)
    # shares are percentages, densities two decimals
    assert sheet.cell(row=3, column=FIXED_COLUMNS + 3).number_format == "0.0%"
    density = FIXED_COLUMNS + 2 * PARTS + 3
    assert sheet.cell(row=3, column=density).number_format == "0.00"
    notes = load_workbook(io.BytesIO(kpi_report_xlsx(report))).worksheets[1]
    assert [notes.cell(row=r, column=2).value for r in range(5, 5 + len(KPIS))] == [
        definition.key for definition in KPIS
    ]


def test_the_command_prints_the_reports_json(scenario, people, at_now):
    out = io.StringIO()
    call_command("compute_kpis", "--scope", "440310", "--as-of", PAST.isoformat(), stdout=out)
    printed = json.loads(out.getvalue())
    assert printed == kpi_report_dict(kpi_report(scope="440310", user=people["city"], as_of=PAST))
    assert printed["scope"]["kpis"]["hub_coverage"]["numerator"] == 2


def test_the_command_writes_a_workbook(scenario, people, at_now, tmp_path):
    target = tmp_path / "kpis.xlsx"
    call_command("compute_kpis", "--scope", "4403", "--format", "xlsx", "--out", str(target))
    _sheet, rows = rows_of(target.read_bytes())
    report = kpi_report(scope="4403", user=people["city"])
    assert rows[0][FIXED_COLUMNS : FIXED_COLUMNS + 3] == [
        report.scope.values["hub_coverage"].numerator,
        74,
        report.scope.values["hub_coverage"].value,
    ]
    assert len(rows) == 11


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--scope", "999999"], "No division"),
        (["--scope", "4403", "--as-of", "2025-02-30"], "YYYY-MM-DD"),
        (["--scope", "4403", "--as-of", "2999-01-01"], "future"),
        (["--scope", "4403", "--format", "xlsx"], "--out"),
    ],
)
def test_the_command_refuses_clearly(divisions, arguments, message):
    with translation.override("en"), pytest.raises(CommandError, match=message):
        call_command("compute_kpis", *arguments, stdout=io.StringIO())
