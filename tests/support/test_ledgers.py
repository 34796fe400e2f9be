"""The support ledgers in Excel: an export imports back unchanged; a file with problems is
refused as a whole, every problem by row and column, nothing stored."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from registry.choices import OrgStatus
from support.ledgers import LEDGERS, import_ledger, ledger_xlsx
from support.models import CommunityFund, Donation, FundedProject, SupportPlatform
from tests.places import PINGSHAN_COMMUNITY
from tests.support.conftest import make_org
from tests.support.sample import add_support

pytestmark = pytest.mark.django_db


def workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts():
    return [
        (m.objects.count(), m.history.count())
        for m in (FundedProject, Donation, SupportPlatform, CommunityFund)
    ]


@pytest.fixture
def setting(world, users):
    return add_support(world, users)


@pytest.mark.parametrize("kind", ["platforms", "projects", "donations", "attendances"])
def test_an_export_imports_back_unchanged(setting, users, kind):
    user = users["district_officer"] if kind != "donations" else users["street_officer"]
    data = ledger_xlsx(LEDGERS[kind], user)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.max_row == 2  # the header and the world's one record
    before = counts()
    result = import_ledger(LEDGERS[kind], data, user, filename="ledger.xlsx")
    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert counts() == before


def test_projects_import_creates_with_custody_checked(setting, users):
    filed = make_org(PINGSHAN_COMMUNITY, OrgStatus.FILED, name="坪山社区新组织甲")
    header = [c.zh for c in LEDGERS["projects"].importable]
    good = [
        "坪山区公益创投",
        "2024年度",
        PINGSHAN_COMMUNITY,
        filed.name,
        "坪山社工服务社",
        "邻里互助",
        "30000",
        "2024-06-01",
        None,
        None,
    ]
    data = workbook([header, good])
    result = import_ledger(LEDGERS["projects"], data, users["district_officer"])
    assert result.ok, [str(e) for e in result.errors]
    project = FundedProject.objects.get(title="邻里互助")
    assert project.custodian.name == "坪山社工服务社"
    assert project.amount_approved == Decimal("30000.00")


def test_a_file_with_problems_is_refused_whole_with_every_problem(setting, users):
    filed = make_org(PINGSHAN_COMMUNITY, OrgStatus.FILED, name="坪山社区新组织乙")
    header = [c.zh for c in LEDGERS["projects"].importable]
    rows = [
        header,
        # row 2: fine on its own
        [
            "坪山区公益创投",
            "2024年度",
            PINGSHAN_COMMUNITY,
            "坪山社工服务社",
            "",
            "好项目",
            "1000",
            "2024-06-01",
        ],
        # row 3: a negative amount
        [
            "坪山区公益创投",
            "2024年度",
            PINGSHAN_COMMUNITY,
            "坪山社工服务社",
            "",
            "负数项目",
            "-500",
            "2024-06-01",
        ],
        # row 4: a filed organisation without custodian
        [
            "坪山区公益创投",
            "2024年度",
            PINGSHAN_COMMUNITY,
            filed.name,
            "",
            "无代管",
            "1000",
            "2024-06-01",
        ],
        # row 5: an unknown organisation and a date that isn't one
        [
            "坪山区公益创投",
            "2024年度",
            PINGSHAN_COMMUNITY,
            "不存在的组织",
            "",
            "x",
            "1000",
            "2024-13-45",
        ],
    ]
    before = counts()
    result = import_ledger(LEDGERS["projects"], workbook(rows), users["district_officer"])
    assert not result.ok
    texts = [str(error) for error in result.errors]
    assert any(t.startswith("Row 3, 批准金额（元）") and "negative" in t for t in texts), texts
    assert any(t.startswith("Row 4, 代管组织") and "not a legal person" in t for t in texts), texts
    assert any(t.startswith("Row 5, 批准日期") for t in texts), texts
    assert counts() == before  # row 2 was fine, but nothing at all is stored


def test_a_missing_column_and_a_non_spreadsheet_are_explained(setting, users):
    result = import_ledger(
        LEDGERS["donations"], workbook([["基金名称", "捐赠日期"]]), users["street_officer"]
    )
    assert any("required column is missing" in str(e) for e in result.errors)
    result = import_ledger(LEDGERS["donations"], b"\x00\x01garbage", users["street_officer"])
    assert not result.ok and result.errors[0].row == 0


def test_a_donation_import_raises_the_balance(setting, users):
    header = [c.zh for c in LEDGERS["donations"].importable]
    rows = [
        header,
        ["坪山街道社区基金", "2024-03-01", "个人", "李先生", "资金", "2000"],
        ["坪山街道社区基金", "2024-03-02", "匿名", "", "资金", "500.50"],
    ]
    result = import_ledger(LEDGERS["donations"], workbook(rows), users["street_officer"])
    assert result.ok, [str(e) for e in result.errors]
    assert CommunityFund.objects.get().balance == Decimal("32500.50")


def test_an_outside_officer_imports_nothing_of_ours(setting, users):
    data = ledger_xlsx(LEDGERS["projects"], users["district_officer"])
    result = import_ledger(LEDGERS["projects"], data, users["district_officer_out"])
    assert not result.ok
    assert "Row 2" in str(result.errors[0])
