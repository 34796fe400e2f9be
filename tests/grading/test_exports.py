"""The campaign results workbook goes through ``core.excel``'s writer: text stays text."""

import io
import zipfile

import pytest
from openpyxl import load_workbook

from grading.exports import campaign_results_xlsx
from tests.grading.conftest import make_org, scored_application

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("x")'


def test_a_name_that_looks_like_a_formula_is_written_as_text(campaign, experts, district_officer):
    organisation = make_org(FORMULA)
    scored_application(campaign, organisation, district_officer, [900], experts)
    data = campaign_results_xlsx(campaign, district_officer)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert len(sheets) == 2
        for name in sheets:
            assert "<f>" not in archive.read(name).decode(), name
    workbook = load_workbook(io.BytesIO(data))
    results, scores = workbook["评估结果"], workbook["专家评分"]
    for cell in (results["B2"], scores["A2"]):
        assert cell.value == FORMULA
        assert cell.data_type == "s"
    assert results["J2"].value == 900  # numbers stay numbers
