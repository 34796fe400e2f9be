"""The KPI workbook goes through ``core.excel``'s writer: a division name is text, never a
formula."""

import io
import zipfile

import pytest
from openpyxl import load_workbook

from registry.models import Division
from reports.exports import kpi_report_xlsx
from reports.kpis import kpi_report
from tests.conftest import PINGSHAN_STREET
from tests.reports.conftest import PAST

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("x")'


def test_a_division_name_that_looks_like_a_formula_is_written_as_text(people, at_now):
    street = Division.objects.get(code=PINGSHAN_STREET)
    street.name = FORMULA
    street.save()
    report = kpi_report(scope="440310", user=people["district"], as_of=PAST)
    data = kpi_report_xlsx(report)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=3)}
    assert cells[PINGSHAN_STREET].value == FORMULA
    assert cells[PINGSHAN_STREET].data_type == "s"
