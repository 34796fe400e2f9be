"""Bad files and bad rows: every problem reported at once with its row and column, and nothing
written (row counts and history counts unchanged)."""

import pytest
from django.utils import translation

from registry.choices import ApplicationAction, ApplicationKind, ExitReason
from registry.models import Organisation
from registry.services.lifecycle import application_decide, application_submit
from tests.conftest import MALUAN_COMMUNITY
from tests.excel.conftest import GROUP_HEADER, counts, messages, problems, run, workbook
from tests.registry.factories import (
    COMPANY_CREDIT_CODE,
    VALID_CREDIT_CODES,
    VALID_ID_NUMBER,
    make_filed,
    make_group,
    make_registered,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

GROUP_COLUMNS = GROUP_HEADER + ["社区代码", "服务对象", "法人发起单位数", "是否营利"]


def group_row(community="坪山街道/坪山社区", name="好小组", **cells):
    values = {
        "社区": community,
        "组织名称": name,
        "组织类型": "服务类",
        "服务领域": "文体活动",
        "成立日期": "2024-03-01",
        "社区代码": None,
        "服务对象": None,
        "法人发起单位数": 0,
        "是否营利": "否",
    }
    values.update(cells)
    return [values[column] for column in GROUP_COLUMNS]


def test_every_kind_of_bad_group_row_is_reported_and_nothing_is_written(staff, street_officer):
    make_filed(staff, street_officer, name="坪山社区老年协会", members=10)
    rows = [
        GROUP_COLUMNS,
        group_row(),  # 2: fine, but not written either
        group_row("不存在街道/不存在社区"),  # 3
        group_row("马峦街道/马峦社区", name="马峦小组"),  # 4: outside the jurisdiction
        group_row(name=""),  # 5
        group_row(name="类型错", 组织类型="协会类"),  # 6
        group_row(name="领域错", 服务领域="体育"),  # 7
        group_row(name="日期错", 成立日期="三月"),  # 8
        group_row(name="营利错", 是否营利="也许"),  # 9
        group_row(name="负数", 法人发起单位数=-1),  # 10
        group_row(name="不是数", 法人发起单位数="两个"),  # 11
        group_row(),  # 12: same key as row 2
        group_row(name="名" * 101),  # 13
        group_row(name="坪山社区老年协会"),  # 14: a filed organisation: status would change
        group_row(name="对象错", 服务对象="儿童"),  # 15
        group_row(None, name="街道代码", 社区代码="440310001"),  # 16
        group_row(name="两处错", 组织类型="协会类", 成立日期="2024-02-30"),  # 17
        group_row(None, name="无社区"),  # 18
    ]
    before = counts()
    with translation.override("en"):
        result = run(street_officer, workbook(rows))
    assert not result.written
    assert problems(result) == {
        (3, "社区"),
        (4, "社区"),
        (5, "组织名称"),
        (6, "组织类型"),
        (7, "服务领域"),
        (8, "成立日期"),
        (9, "是否营利"),
        (10, "法人发起单位数"),
        (11, "法人发起单位数"),
        (12, "组织名称"),
        (13, "组织名称"),
        (14, "组织名称"),
        (15, "服务对象"),
        (16, "社区代码"),
        (17, "组织类型"),
        (17, "成立日期"),
        (18, "社区"),
    }
    text = messages(result)
    for words in [
        "Row 3, 社区: no community called 「不存在街道/不存在社区」",
        "Row 4, 社区: 马峦街道/马峦社区居委会 is outside your jurisdiction",
        "Row 5, 组织名称: this cell must be filled in",
        "Row 6, 组织类型: '协会类' is not one of: 会员制（社团类）、服务类",
        "Row 8, 成立日期: '三月' is not a date",
        "Row 9, 是否营利: '也许' is not yes or no",
        "Row 12, 组织名称: duplicates row 2",
        "Row 14, 组织名称: 「坪山社区老年协会」 is in the ledger as a Filed organisation",
        "use the review workflow",
        "Row 16, 社区代码: 440310001 is the code of 坪山街道, a Street, not of a community",
        "Row 17, 成立日期: '2024-02-30' is not a real date",
    ]:
        assert words in text
    assert "at most 100 characters" in text or "100" in text  # the model's max_length message
    assert "greater than or equal to 0" in text  # the model's validator, row 10
    assert counts() == before
    assert not Organisation.objects.filter(name="好小组").exists()


def test_every_kind_of_bad_member_row(staff):
    group = make_group(staff, members=1)  # 成员1, phone 13800130000
    header = ["社区", "组织名称", "姓名", "性别", "联系电话", "身份证号码", "加入日期", "退出日期"]
    org = ["坪山街道/坪山社区", "坪山社区书画协会"]
    rows = [
        header,
        org + ["甲", "女", "13900000001", 440303199505050029, None, None],  # 2: number cell
        org + ["乙", "女", "13900000002", "4.40303E+17", None, None],  # 3: Excel's rendering
        org + ["丙", "女", "13900000003", "440303199505050028", None, None],  # 4: checksum
        org + ["丁", "女", "12345", None, None, None],  # 5
        org + ["戊", "女", "139****0005", None, None, None],  # 6: masked, new member
        org + ["成员1", None, "138****9999", None, None, None],  # 7: masked, doesn't match
        ["坪山街道/坪山社区", "没有这个组织", "己", None, None, None, None, None],  # 8
        org + ["庚", "女", None, None, "2024-05-01", "2024-01-01"],  # 9: left before joining
        org + ["辛", "未知", None, None, None, None],  # 10
        org + ["壬", None, None, 4.40303199505050e17, None, None],  # 11: float cell
    ]
    before = counts()
    with translation.override("en"):
        result = run(staff, workbook(rows, title="成员名册"))
    assert problems(result) == {
        (2, "身份证号码"),
        (3, "身份证号码"),
        (4, "身份证号码"),
        (5, "联系电话"),
        (6, "联系电话"),
        (7, "联系电话"),
        (8, "组织名称"),
        (9, "退出日期"),
        (10, "性别"),
        (11, "身份证号码"),
    }
    text = messages(result)
    assert text.count("the last digits of the 18-character number are lost") == 3
    assert "wrong check character" in text
    assert "a masked number can only keep the one on record" in text
    assert "doesn't match the one on record" in text
    assert "no organisation called 「没有这个组织」" in text
    assert "leaving date is before the joining date" in text
    assert counts() == before
    assert group.members.count() == 1


def test_numeric_id_cell_message_in_chinese(staff):
    make_group(staff, members=0)
    rows = [
        ["社区", "组织名称", "姓名", "身份证号码"],
        ["坪山街道/坪山社区", "坪山社区书画协会", "甲", VALID_ID_NUMBER],
        ["坪山街道/坪山社区", "坪山社区书画协会", "乙", " 4403 0319 9505 0500 29 "],
        ["坪山街道/坪山社区", "坪山社区书画协会", "丙", "x"],
        ["坪山街道/坪山社区", "坪山社区书画协会", "丁", 440303199505050029],
    ]
    before = counts()
    with translation.override("zh-hans"):
        result = run(staff, workbook(rows, title="成员名册"))
        text = [str(error) for error in result.errors]
        summary = result.summary()
    assert (
        "第 5 行「身份证号码」：该单元格被 Excel 存成了数字，18 位号码的后几位已经丢失，"
        "请把该列设为文本后重新填写" in text
    )
    assert any(line.startswith("第 4 行「身份证号码」：") for line in text)
    assert "没有导入任何数据" in summary
    assert counts() == before


def test_every_kind_of_bad_registered_row(district_officer, staff, street_officer):
    filed = make_filed(staff, street_officer, name="坪山社区老年协会", members=10)
    header = [
        "统一社会信用代码",
        "法人形式",
        "备案编号",
        "社区",
        "组织名称",
        "组织类型",
        "服务领域",
    ]
    tail = ["坪山街道/坪山社区"]
    rows = [
        header,
        [5.14403e17, "社会团体", None, *tail, "一", "服务类", "文体活动"],  # 2
        ["51440310MJL000011J", "社会团体", None, *tail, "二", "服务类", "文体活动"],  # 3
        [COMPANY_CREDIT_CODE, "社会团体", None, *tail, "三", "服务类", "文体活动"],  # 4
        [VALID_CREDIT_CODES["social_group"], "基金会", None, *tail, "四", "服务类", "文体活动"],
        [
            VALID_CREDIT_CODES["social_service"],
            "社会服务机构",
            None,
            *tail,
            "五",
            "服务类",
            "文体活动",
        ],
        [VALID_CREDIT_CODES["social_service"], "民非", None, *tail, "六", "服务类", "文体活动"],
        [
            VALID_CREDIT_CODES["foundation"],
            "基金会",
            filed.filing_number,
            *tail,
            "七",
            "服务类",
            "文体活动",
        ],  # 8: the filing number of a filed organisation
        [None, "社会团体", None, *tail, "九", "服务类", "文体活动"],  # 9
    ]
    before = counts()
    with translation.override("en"):
        result = run(district_officer, workbook(rows, title="登记类社区社会组织台账"))
    assert problems(result) == {
        (2, "统一社会信用代码"),
        (3, "统一社会信用代码"),
        (4, "统一社会信用代码"),
        (5, "统一社会信用代码"),
        (7, "统一社会信用代码"),
        (8, "备案编号"),
        (9, "统一社会信用代码"),
    }
    text = messages(result)
    assert "last digits" in text
    assert "wrong check character" in text
    assert "not issued by civil affairs" in text
    assert "is not a Foundation" in text
    assert "duplicates row 6" in text
    assert "belongs to a Filed organisation" in text and "review workflow" in text
    assert counts() == before


def test_bad_activity_rows(staff):
    make_group(staff, members=0)
    header = ["社区", "组织名称", "活动日期", "活动名称", "参与人数", "志愿服务时长（小时）"]
    org = ["坪山街道/坪山社区", "坪山社区书画协会"]
    rows = [
        header,
        org + ["2024-03-01", "书画展", -3, 1],  # 2
        org + ["2024-03-01", "讲座", 10, "1.25"],  # 3
        org + [None, "无日期", 1, 0],  # 4
        org + ["2024-03-02", "重复", 1, 0],  # 5
        org + ["2024-03-02", "重复", 2, 0],  # 6
    ]
    before = counts()
    with translation.override("en"):
        result = run(staff, workbook(rows, title="活动记录台账"))
    assert problems(result) == {
        (2, "参与人数"),
        (3, "志愿服务时长（小时）"),
        (4, "活动日期"),
        (6, "活动名称"),
    }
    assert counts() == before


# --- whole files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.7\x00\x01\x02\x03binary\x00\x00\x00\x07", "not a spreadsheet"),
        (b"", "The file is empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xls"),
        (workbook([]), "is empty"),
        (workbook([GROUP_HEADER]), "no data rows"),
    ],
)
def test_files_that_cant_be_imported(staff, data, words):
    before = counts()
    with translation.override("en"):
        result = run(staff, data)
    assert not result.written and len(result.errors) == 1
    assert words in str(result.errors[0])
    assert counts() == before


def test_missing_required_columns_are_all_named(staff):
    with translation.override("en"):
        result = run(staff, workbook([["组织名称", "备注"], ["舞蹈队", "x"]]), ledger="groups")
    assert {(e.row, e.column) for e in result.errors} == {
        (1, "Type"),
        (1, "Field"),
        (1, "Community"),
    }
    assert all("required column is missing" in e.message for e in result.errors)
    assert "备注" in result.notices[0]
    with translation.override("zh-hans"):
        result = run(staff, workbook([["组织名称"], ["舞蹈队"]]), ledger="groups")
        assert any(str(e).startswith("第 1 行「组织类型」：") for e in result.errors)


def test_a_file_that_matches_no_ledger(staff):
    with translation.override("en"):
        result = run(staff, workbook([["甲", "乙"], [1, 2]], title="Sheet1"))
    assert "Can't tell which ledger" in messages(result)


def test_a_community_name_shared_by_two_streets_is_ambiguous(make_user):
    baoan = make_user("district_officer", "440306")
    rows = [GROUP_HEADER, ["径贝社区", "径贝舞蹈队", "服务类", "文体活动", None]]
    before = counts()
    with translation.override("en"):
        result = run(baoan, workbook(rows))
    assert problems(result) == {(2, "社区")}
    text = messages(result)
    assert "「径贝社区」 is ambiguous: 2 communities have this name" in text
    assert "street/community" in text and "12-digit community code" in text
    assert counts() == before
    # street/community settles it
    rows[1][0] = "西乡街道/径贝社区"
    with translation.override("en"):
        result = run(baoan, workbook(rows))
    assert result.ok, messages(result)


def test_a_name_shared_with_a_community_outside_the_jurisdiction_is_not_ambiguous(
    street_officer,
):
    # 和平社区 exists in 坪山街道 and in other districts; the street officer means theirs.
    rows = [GROUP_HEADER, ["和平社区", "和平舞蹈队", "服务类", "文体活动", None]]
    result = run(street_officer, workbook(rows))
    assert result.ok, messages(result)
    assert Organisation.objects.get(name="和平舞蹈队").community_id == "440310001004"


def test_rows_outside_the_jurisdiction_write_nothing(staff, other_street_officer):
    rows = [
        GROUP_HEADER,
        ["坪山街道/坪山社区", "本社区小组", "服务类", "文体活动", None],
        [MALUAN_COMMUNITY, "马峦小组", "服务类", "文体活动", None],
    ]
    before = counts()
    with translation.override("en"):
        result = run(staff, workbook(rows))
        other = run(other_street_officer, workbook(rows))
    assert problems(result) == {(3, "社区")}
    assert problems(other) == {(2, "社区")}
    assert "outside your jurisdiction" in messages(other)
    assert counts() == before


def test_roles_that_may_not_import(city_officer, staff, make_user, street_officer):
    group = make_group(staff, members=0)
    leader = make_user("organisation_leader", organisation=group)
    rows = [GROUP_HEADER, ["坪山街道/坪山社区", "新小组", "服务类", "文体活动", None]]
    before = counts()
    with translation.override("en"):
        city = run(city_officer, workbook(rows))
        led = run(leader, workbook(rows))
        filed = run(staff, workbook(rows), ledger="filed")
        registered = run(street_officer, workbook(rows), ledger="registered")
    assert "can view the ledgers but not change them" in messages(city)
    assert "kept by community staff" in messages(led)
    assert "Street officers import" in messages(filed)
    assert "District officers import" in messages(registered)
    assert counts() == before


def test_status_changes_of_existing_organisations_are_refused(
    staff, street_officer, district_officer
):
    registered = make_registered(staff, street_officer, district_officer, name="坪山社区慈善会")
    exiting = make_filed(staff, street_officer, name="坪山社区旧协会")
    application = application_submit(
        organisation=exiting,
        kind=ApplicationKind.EXIT,
        acting_user=street_officer,
        exit_reason=ExitReason.VOLUNTARY,
    )
    application_decide(
        application=application, action=ApplicationAction.APPROVE, acting_user=street_officer
    )
    exiting.refresh_from_db()
    header = ["备案编号", "社区", "组织名称", "组织类型", "服务领域"]
    rows = [
        header,
        [
            registered.filing_number,
            "坪山街道/坪山社区",
            "坪山社区慈善会",
            "会员制（社团类）",
            "文体活动",
        ],
        [
            exiting.filing_number,
            "坪山街道/坪山社区",
            "坪山社区旧协会",
            "会员制（社团类）",
            "文体活动",
        ],
    ]
    before = counts()
    with translation.override("en"):
        result = run(street_officer, workbook(rows), ledger="filed")
        members = run(
            staff,
            workbook([["社区", "组织名称", "姓名"], ["坪山街道/坪山社区", "坪山社区旧协会", "甲"]]),
            ledger="members",
        )
    assert problems(result) == {(2, "备案编号"), (3, "备案编号")}
    text = messages(result)
    assert "is in the ledger as a Registered organisation" in text
    assert "has exited; it can no longer be changed" in text
    assert "has exited" in messages(members)
    assert counts() == before
