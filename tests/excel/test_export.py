"""Exports: real .xlsx (frozen header, filter, widths, date cells), CSV with a BOM, scoped to
what the user may see, numbers masked for the city bureau, bounded queries; templates."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from core.exceptions import OutOfJurisdiction
from registry.exports import ledger_csv, ledger_export, ledger_rows, ledger_template, ledger_xlsx
from registry.ledgers import LEDGERS
from registry.services.organisations import member_update
from tests.conftest import MALUAN_COMMUNITY, PINGSHAN_COMMUNITY
from tests.excel.conftest import record_activity
from tests.registry.factories import VALID_ID_NUMBER, make_group

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def two_streets(staff, make_user):
    group = make_group(staff, members=2)
    member_update(
        member=group.members.get(name="成员1"), acting_user=staff, id_number=VALID_ID_NUMBER
    )
    record_activity(group, staff)
    maluan = make_user("community_staff", MALUAN_COMMUNITY)
    other = make_group(maluan, name="马峦社区舞蹈队", members=1)
    record_activity(other, maluan, title="广场舞比赛")
    return group, other


def sheet_of(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def test_xlsx_export_is_a_real_ledger_workbook(two_streets, street_officer):
    sheet = sheet_of(b"".join(ledger_xlsx(LEDGERS["groups"], street_officer)))
    assert sheet.title == "社区活动小组台账"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:N2"
    header = [cell.value for cell in sheet[1]]
    assert header[:5] == ["社区", "社区代码", "组织名称", "组织类型", "服务领域"]
    assert sheet.column_dimensions["C"].width == 28
    row = dict(zip(header, [cell for cell in sheet[2]], strict=True))
    assert row["社区"].value == "坪山街道/坪山社区居委会"
    assert row["社区代码"].value == PINGSHAN_COMMUNITY and row["社区代码"].data_type == "s"
    assert row["组织类型"].value == "会员制（社团类）"
    assert row["成立日期"].is_date and row["成立日期"].value == datetime.datetime(2023, 3, 1)
    assert row["是否营利"].value == "否"


def test_csv_export_opens_in_excel(two_streets, staff):
    text = "".join(ledger_csv(LEDGERS["activities"], staff))
    assert text.startswith("\ufeff社区,社区代码,组织名称,活动日期,活动名称")
    assert "2024-03-01,邻里守望志愿服务,邻里守望（志愿服务）,25,12.5,否" in text
    assert "广场舞比赛" not in text  # another community


def test_exports_hold_only_the_users_jurisdiction(
    two_streets, street_officer, other_street_officer
):
    names = [row[2] for row in ledger_rows(LEDGERS["groups"], street_officer)]
    assert names == ["坪山社区书画协会"]
    names = [row[2] for row in ledger_rows(LEDGERS["groups"], other_street_officer)]
    assert names == ["马峦社区舞蹈队"]
    members = [row[3] for row in ledger_rows(LEDGERS["members"], other_street_officer)]
    assert members == ["成员1"]  # the 马峦 group's one member, not 坪山's


def test_within_narrows_the_export_and_a_division_outside_is_not_found(
    two_streets, street_officer, city_officer
):
    rows = list(ledger_rows(LEDGERS["groups"], city_officer, within="440310002"))
    assert [row[2] for row in rows] == ["马峦社区舞蹈队"]
    with pytest.raises(OutOfJurisdiction):
        ledger_rows(LEDGERS["groups"], street_officer, within="440310002")
    with pytest.raises(OutOfJurisdiction):
        ledger_rows(LEDGERS["groups"], street_officer, within="nonsense")


def test_phone_and_id_numbers_are_masked_for_the_city(two_streets, city_officer, staff, make_user):
    group = two_streets[0]
    columns = [c.key for c in LEDGERS["members"].columns]
    phone, id_number = columns.index("phone"), columns.index("id_number")
    city = {
        row[3]: row for row in ledger_rows(LEDGERS["members"], city_officer) if row[2] == group.name
    }
    assert city["成员1"][phone] == "138****0000"
    assert city["成员1"][id_number] == "440303********0029"
    own = {row[3]: row for row in ledger_rows(LEDGERS["members"], staff)}
    assert own["成员1"][phone] == "13800130000"
    assert own["成员1"][id_number] == VALID_ID_NUMBER
    leader = make_user("organisation_leader", organisation=group)
    mine = {row[3]: row for row in ledger_rows(LEDGERS["members"], leader)}
    assert set(mine) == {"成员1", "成员2"} and mine["成员1"][phone] == "13800130000"


def test_export_queries_do_not_grow_with_rows(staff, django_assert_max_num_queries):
    for i in range(30):
        make_group(staff, name=f"坪山社区兴趣小组{i:02d}", members=1)
    for kind in ("groups", "members"):
        with django_assert_max_num_queries(2):  # the within look-up would be one more
            data = b"".join(ledger_xlsx(LEDGERS[kind], staff))
        assert sheet_of(data).max_row == 31


def test_ledger_export_to_a_file(two_streets, staff, tmp_path):
    with (tmp_path / "groups.csv").open("wb") as handle:
        assert ledger_export(handle, kind="groups", user=staff, file_format="csv") == 1
    with (tmp_path / "groups.xlsx").open("wb") as handle:
        assert ledger_export(handle, kind="groups", user=staff) == 1
    assert sheet_of((tmp_path / "groups.xlsx").read_bytes())["C2"].value == "坪山社区书画协会"


def test_template_has_dropdowns_text_columns_and_instructions(staff):
    book = load_workbook(io.BytesIO(ledger_template("members", staff)))
    assert book.sheetnames == ["成员名册", "选项", "填写说明"]
    assert book["选项"].sheet_state == "hidden"
    sheet = book["成员名册"]
    header = [cell.value for cell in sheet[1]]
    assert header[:4] == ["社区", "社区代码", "组织名称", "姓名"]
    assert sheet.freeze_panes == "A2"
    id_letter = "ABCDEFGHIJKL"[header.index("身份证号码")]
    assert sheet[f"{id_letter}2"].number_format == "@"
    validations = {
        str(dv.sqref).split(":")[0][:-1]: dv for dv in sheet.data_validations.dataValidation
    }
    gender = validations["ABCDEFGHIJKL"[header.index("性别")]]
    options = book["选项"]
    column = gender.formula1.split("!")[1].split(":")[0].replace("$", "")[0]
    values = [options[f"{column}{row}"].value for row in range(2, 4)]
    assert values == ["女", "男"]
    communities = validations["A"]
    column = communities.formula1.split("!")[1].split(":")[0].replace("$", "")[0]
    assert options[f"{column}2"].value == "坪山街道/坪山社区居委会"
    guide = [row[0].value for row in book["填写说明"].iter_rows()]
    assert any(text and "138****8000" in text for text in guide)  # the masking rule
