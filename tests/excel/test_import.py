"""Importing ledgers: keys, create / update / unchanged, dry runs, history, every ledger."""

import datetime
from decimal import Decimal

import pytest

from registry.choices import MemberRole, OrgField, OrgStatus, OrgType, PartyStatus, ServiceTarget
from registry.ledgers import LEDGERS, ledger_import_refusal
from registry.models import Activity, Member, Organisation
from tests.conftest import MALUAN_COMMUNITY, PINGSHAN_COMMUNITY
from tests.excel.conftest import (
    GROUP_HEADER,
    counts,
    messages,
    record_activity,
    run,
    workbook,
)
from tests.registry.factories import VALID_CREDIT_CODES, VALID_ID_NUMBER, make_group

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_groups_are_created_updated_or_left_unchanged_by_community_and_name(staff):
    kept = make_group(staff, members=0)
    data = workbook(
        [
            GROUP_HEADER + ["服务对象", "活动场所"],
            [
                "坪山街道/坪山社区",
                "坪山社区书画协会",
                "会员制（社团类）",
                "文体活动",
                "2023-03-01",
                None,
                "坪山社区党群服务中心二楼",
            ],  # as stored: unchanged
            [
                "坪山社区",
                "坪山社区舞蹈队",
                "服务类",
                "文体活动",
                "2024/3/1",
                "一老一小、困难群众",
                "文化广场",
            ],
            [
                PINGSHAN_COMMUNITY,
                "坪山社区象棋队",
                "Service",
                "culture_sports",
                "2024年5月1日",
                None,
                None,
            ],
        ]
    )
    before = counts()
    result = run(staff, data)
    assert result.ok, messages(result)
    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 2, 0, 1)
    assert result.written
    dance = Organisation.objects.get(name="坪山社区舞蹈队")
    assert dance.status == OrgStatus.ACTIVITY_GROUP
    assert dance.community_id == PINGSHAN_COMMUNITY
    assert dance.org_type == OrgType.SERVICE and dance.field == OrgField.CULTURE_SPORTS
    assert dance.service_targets == [ServiceTarget.ELDERLY_CHILDREN, ServiceTarget.HARDSHIP]
    assert dance.founded_on == datetime.date(2024, 3, 1)
    assert Organisation.objects.get(name="坪山社区象棋队").founded_on == datetime.date(2024, 5, 1)
    after = counts()
    assert after["organisations"] == before["organisations"] + 2
    assert after["organisation history"] == before["organisation history"] + 2
    kept.refresh_from_db()
    assert kept.history.count() == 1  # unchanged: no history row

    # Second file: the venue of one group changes, one column is left out entirely.
    data = workbook(
        [
            ["社区", "组织名称", "组织类型", "服务领域", "活动场所"],
            ["坪山街道/坪山社区", "坪山社区书画协会", "会员制（社团类）", "文体活动", "新会址"],
            ["坪山街道/坪山社区", "坪山社区舞蹈队", "服务类", "文体活动", "文化广场"],
        ]
    )
    result = run(staff, data, filename="第二批.xlsx")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    kept.refresh_from_db()
    assert kept.venue == "新会址"
    assert kept.founded_on == datetime.date(2023, 3, 1)  # column absent: left alone
    row = kept.history.order_by("-history_id").first()
    assert row.history_user == staff
    assert row.history_change_reason == "Imported from 第二批.xlsx"
    assert row.history_type == "~"
    assert result.changes == [
        {"row": 2, "action": "update", "label": "坪山社区书画协会", "fields": ["活动场所"]}
    ]


def test_a_dry_run_reports_and_writes_nothing(staff):
    make_group(staff, members=0)
    data = workbook(
        [
            ["社区", "组织名称", "组织类型", "服务领域", "活动场所"],
            ["坪山街道/坪山社区", "坪山社区书画协会", "会员制（社团类）", "文体活动", "新会址"],
            ["坪山街道/坪山社区", "坪山社区舞蹈队", "服务类", "文体活动", ""],
        ]
    )
    before = counts()
    result = run(staff, data, dry_run=True)
    assert result.ok and result.dry_run and not result.written
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert [(c["action"], c["label"]) for c in result.changes] == [
        ("update", "坪山社区书画协会"),
        ("create", "坪山社区舞蹈队"),
    ]
    assert "would be created" in result.summary()
    assert counts() == before
    assert Organisation.objects.get(name="坪山社区书画协会").venue == "坪山社区党群服务中心二楼"


def test_a_blank_cell_keeps_the_field_and_clear_gives_the_default(staff):
    make_group(staff, members=0, legal_person_founders=2)
    header = ["社区", "组织名称", "组织类型", "服务领域", "活动场所", "法人发起单位数", "是否营利"]
    blank = ["坪山街道/坪山社区", "坪山社区书画协会", "会员制（社团类）", "文体活动", "", None, ""]
    result = run(staff, workbook([header, blank]))
    assert result.ok and result.unchanged == 1, messages(result)
    group = Organisation.objects.get(name="坪山社区书画协会")
    assert group.venue and group.legal_person_founders == 2
    cleared = ["坪山街道/坪山社区", "坪山社区书画协会", "会员制（社团类）", "文体活动"]
    result = run(staff, workbook([header, cleared + ["（清空）", "（清空）", "（清空）"]]))
    assert result.ok and result.updated == 1, messages(result)
    group.refresh_from_db()
    assert group.venue == "" and group.legal_person_founders == 0 and not group.is_for_profit


def test_english_headers_full_width_text_and_line_breaks(staff):
    data = workbook(
        [
            ["Community", "Name", "Type", "Field", "Founding date", "Business scope"],
            [
                "坪山街道/坪山社区",
                " 坪山社区\n太极拳队 ",
                "服务类",
                "文体活动",
                45352,
                "晨练\r\n  周末比赛  ",
            ],
            ["坪山街道/坪山社区", "ＡＢＣ舞蹈队", "服务类", "文体活动", None, None],
        ]
    )
    result = run(staff, data)
    assert result.ok, messages(result)
    taiji = Organisation.objects.get(name="坪山社区 太极拳队")
    assert taiji.founded_on == datetime.date(2024, 3, 1)
    assert taiji.business_scope == "晨练\n周末比赛"
    assert Organisation.objects.filter(name="ABC舞蹈队").exists()


def test_communities_by_code_street_and_name_or_district_street_and_name(street_officer):
    names = ["甲", "乙", "丙", "丁"]
    data = workbook(
        [GROUP_HEADER]
        + [
            [community, f"坪山{name}兴趣小组", "服务类", "文体活动", None]
            for community, name in zip(
                [
                    PINGSHAN_COMMUNITY,
                    "坪山街道/坪山社区",
                    "坪山区/坪山街道/坪山社区居委会",
                    "坪山社区",  # unique within the street officer's jurisdiction
                ],
                names,
                strict=True,
            )
        ]
    )
    result = run(street_officer, data)
    assert result.ok, messages(result)
    assert set(
        Organisation.objects.filter(name__endswith="兴趣小组").values_list(
            "community_id", flat=True
        )
    ) == {PINGSHAN_COMMUNITY}


def test_community_code_column_decides_and_must_agree(street_officer):
    data = workbook(
        [
            ["社区", "社区代码", "组织名称", "组织类型", "服务领域"],
            [None, PINGSHAN_COMMUNITY, "代码小组", "服务类", "文体活动"],
            ["坪山街道/坪山社区", PINGSHAN_COMMUNITY, "一致小组", "服务类", "文体活动"],
            ["马峦街道/马峦社区", PINGSHAN_COMMUNITY, "矛盾小组", "服务类", "文体活动"],
        ]
    )
    result = run(street_officer, data)
    assert [(e.row, e.column) for e in result.errors] == [(4, "社区")]
    assert "is 坪山街道/坪山社区居委会" in result.errors[0].message


def test_skip_invalid_imports_the_good_rows(staff):
    data = workbook(
        [
            GROUP_HEADER,
            ["坪山街道/坪山社区", "好小组", "服务类", "文体活动", None],
            ["坪山街道/坪山社区", "", "服务类", "文体活动", None],
        ]
    )
    result = run(staff, data, skip_invalid=True)
    assert result.written and result.created == 1 and result.skipped == 1
    assert [(e.row, e.column) for e in result.errors] == [(3, "组织名称")]
    assert Organisation.objects.filter(name="好小组").exists()
    assert "skipped" in result.summary()


def test_the_ledger_is_told_from_the_sheet_name_or_the_headers(staff):
    make_group(staff, members=1)
    by_headers = workbook(
        [
            ["社区", "组织名称", "姓名", "联系电话"],
            ["坪山街道/坪山社区", "坪山社区书画协会", "新成员", "13912345678"],
        ],
        title="Sheet1",
    )
    result = run(staff, by_headers, dry_run=True)
    assert result.ledger == "members" and result.created == 1, messages(result)
    by_title = workbook(
        [["社区", "组织名称"], ["坪山街道/坪山社区", "坪山社区书画协会"]],
        title="成员名册",
        extra_sheets=[("填写说明", [["说明"]])],
    )
    result = run(staff, by_title)
    assert result.ledger == "members"
    assert {e.column for e in result.errors} == {"Name"}  # its required column is missing


# --- filed and registered organisations ------------------------------------------------------


FILED_HEADER = ["备案编号", "备案日期", "社区", "组织名称", "组织类型", "服务领域"]


def test_the_street_imports_legacy_filed_organisations(street_officer, staff):
    data = workbook(
        [
            FILED_HEADER,
            [
                "坪山备字〔2019〕12号",
                "2019-06-01",
                "坪山街道/坪山社区",
                "坪山社区老年协会",
                "会员制（社团类）",
                "公益慈善",
            ],
        ],
        title="备案类社区社会组织台账",
    )
    result = run(street_officer, data)
    assert result.ok and result.created == 1, messages(result)
    org = Organisation.objects.get(name="坪山社区老年协会")
    assert org.status == OrgStatus.FILED
    assert org.filing_number == "坪山备字〔2019〕12号"
    assert org.filed_on == datetime.date(2019, 6, 1)
    # the same row again: unchanged; a new date: an update of the same record
    assert run(street_officer, data).unchanged == 1
    data = workbook(
        [
            FILED_HEADER,
            [
                "坪山备字〔2019〕12号",
                "2019-06-02",
                "坪山街道/坪山社区",
                "坪山社区老年协会",
                "会员制（社团类）",
                "公益慈善",
            ],
        ]
    )
    result = run(street_officer, data, ledger="filed")
    assert result.updated == 1
    org.refresh_from_db()
    assert org.filed_on == datetime.date(2019, 6, 2)
    # community staff don't keep this ledger
    refused = run(staff, data, ledger="filed")
    assert not refused.written and "Street officers import" in messages(refused)


def test_the_district_imports_registered_organisations_with_checked_credit_codes(
    district_officer, street_officer
):
    code = VALID_CREDIT_CODES["social_group"]
    data = workbook(
        [
            [
                "统一社会信用代码",
                "法人形式",
                "登记日期",
                "社区",
                "组织名称",
                "组织类型",
                "服务领域",
            ],
            [
                code.lower(),
                "社会团体",
                "2020-01-15",
                "坪山街道/坪山社区",
                "坪山社区慈善会",
                "会员制（社团类）",
                "公益慈善",
            ],
        ],
        title="登记类社区社会组织台账",
    )
    result = run(district_officer, data)
    assert result.ok and result.created == 1, messages(result)
    org = Organisation.objects.get(name="坪山社区慈善会")
    assert (org.status, org.credit_code, org.legal_form) == (
        OrgStatus.REGISTERED,
        code,
        "social_group",
    )
    assert run(district_officer, data).unchanged == 1
    assert ledger_import_refusal(LEDGERS["registered"], street_officer)


# --- members and activities ------------------------------------------------------------------


MEMBER_HEADER = [
    "社区",
    "组织名称",
    "姓名",
    "性别",
    "联系电话",
    "身份证号码",
    "政治面貌",
    "在组织中的角色",
    "是否发起人",
    "加入日期",
]


def test_members_are_matched_by_organisation_and_name(staff):
    group = make_group(staff, members=2)
    data = workbook(
        [
            MEMBER_HEADER,
            [
                "坪山街道/坪山社区",
                "坪山社区书画协会",
                "成员1",
                "女",
                "13800130000",
                VALID_ID_NUMBER.lower(),
                "中共党员",
                "负责人",
                "是",
                "2023-03-01",
            ],
            [
                "坪山街道/坪山社区",
                "坪山社区书画协会",
                "成员2",
                None,
                "+86 138-0013-0001",
                None,
                "非党员",
                "成员",
                "是",
                None,
            ],
            [
                "坪山街道/坪山社区",
                "坪山社区书画协会",
                "王小明",
                "男",
                "13912345678",
                None,
                "群众",
                "志愿者",
                "否",
                "2024/1/5",
            ],
        ],
        title="成员名册",
    )
    result = run(staff, data)
    assert result.ok, messages(result)
    # 成员1 gets gender, ID, party and join date; 成员2's phone only differs in how it is
    # written (the model normalises it), so it is unchanged.
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    first = group.members.get(name="成员1")
    assert first.id_number == VALID_ID_NUMBER and first.party_status == PartyStatus.FORMAL
    new = group.members.get(name="王小明")
    assert (new.role, new.is_founder, new.joined_on) == (
        MemberRole.VOLUNTEER,
        False,
        datetime.date(2024, 1, 5),
    )
    assert new.history.get().history_user == staff


def test_namesakes_are_told_apart_by_phone(staff):
    group = make_group(staff, members=0)
    data = workbook(
        [
            ["社区", "组织名称", "姓名", "联系电话"],
            ["坪山街道/坪山社区", "坪山社区书画协会", "李娜", "13800000001"],
            ["坪山街道/坪山社区", "坪山社区书画协会", "李娜", "13800000002"],
        ],
        title="成员名册",
    )
    assert run(staff, data).created == 2
    assert run(staff, data).unchanged == 2
    no_phone = workbook(
        [
            ["社区", "组织名称", "姓名", "联系电话", "性别"],
            ["坪山街道/坪山社区", "坪山社区书画协会", "李娜", None, "女"],
        ],
        title="成员名册",
    )
    result = run(staff, no_phone)
    assert [(e.row, e.column) for e in result.errors] == [(2, "联系电话")]
    assert "2 people called" in result.errors[0].message
    assert group.members.count() == 2


def test_activities_are_matched_by_organisation_date_and_title(staff):
    group = make_group(staff, members=0)
    record_activity(group, staff)
    data = workbook(
        [
            [
                "社区",
                "组织名称",
                "活动日期",
                "活动名称",
                "活动系列",
                "参与人数",
                "志愿服务时长（小时）",
                "是否重大活动",
            ],
            [
                "坪山街道/坪山社区",
                "坪山社区书画协会",
                "2024-03-01",
                "邻里守望志愿服务",
                "邻里守望",
                30,
                12.5,
                "否",
            ],
            [
                "坪山街道/坪山社区",
                "坪山社区书画协会",
                "2024-04-01",
                "书画展",
                "文化铸魂",
                80,
                0,
                "是",
            ],
        ],
        title="活动记录台账",
    )
    result = run(staff, data)
    assert result.ok, messages(result)
    assert (result.created, result.updated) == (1, 1)
    assert group.activities.get(title="邻里守望志愿服务").participants == 30
    show = group.activities.get(title="书画展")
    assert show.is_major and show.series == "culture" and show.volunteer_hours == Decimal("0")
    assert Activity.history.filter(id=show.pk).get().history_change_reason.startswith("Imported")


def test_members_of_another_organisation_or_jurisdiction_are_not_found(staff, make_user):
    other_staff = make_user("community_staff", MALUAN_COMMUNITY)
    make_group(other_staff, name="马峦社区舞蹈队", members=0)
    data = workbook(
        [
            ["社区", "组织名称", "姓名"],
            ["马峦街道/马峦社区", "马峦社区舞蹈队", "张三"],
            ["坪山街道/坪山社区", "不存在的组织", "李四"],
        ],
        title="成员名册",
    )
    before = counts()
    result = run(staff, data)
    assert [(e.row, e.column) for e in result.errors] == [(2, "社区"), (3, "组织名称")]
    assert "outside your jurisdiction" in result.errors[0].message
    assert counts() == before
    assert not Member.objects.filter(name__in=["张三", "李四"]).exists()
