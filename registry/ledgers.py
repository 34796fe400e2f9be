"""The registry's ledger files (台账): the columns of each ledger and how a row is keyed.

Both the import (``registry.imports``) and the exports and templates (``registry.exports``)
read these definitions, so a file the registry writes imports back column for column. Each
column is a ``core.excel.Column``: its Chinese and English headers (part of the file format,
so spelled out here rather than taken from the translation catalogue), aliases, kind, choices
and width. The ledgers:

========================  =================================================================
ledger                    a row is the same record as an existing one when …
========================  =================================================================
activity groups           same community and name (among live organisations)
filed organisations       same filing number (备案编号)
registered organisations  same unified social credit code (统一社会信用代码)
members                   same organisation (community + name) and person name; when the
                          organisation has namesakes, the phone number tells them apart
activities                same organisation, date and title
========================  =================================================================

A ledger's export may add read-only columns a higher app computes (the registered
organisations' current assessment grade): ``Ledger.extra_columns`` name an organisation
annotation that the higher app registers with
``registry.extensions.register_organisation_annotation``; a column whose annotation nobody
registered is left out, and an import reports such a column as ignored and never writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.excel import (
    BOOLEAN,
    CHOICE,
    CHOICES,
    CODE,
    DATE,
    DECIMAL,
    INTEGER,
    LONG_NUMBER,
    LONG_TEXT,
    PHONE,
    TEXT,
    Column,
)
from core.scoping import CHANGE, jurisdiction_of
from registry.choices import (
    ActivitySeries,
    DivisionLevel,
    Gender,
    LegalForm,
    MemberRole,
    OrgField,
    OrgStatus,
    OrgType,
    PartyStatus,
    Role,
    ServiceTarget,
)
from registry.extensions import ORGANISATION_ANNOTATIONS, OrganisationAnnotation
from registry.models import Activity, Division, Member, Organisation, User

GROUPS, FILED, REGISTERED, MEMBERS, ACTIVITIES = (
    "groups",
    "filed",
    "registered",
    "members",
    "activities",
)
INSTRUCTIONS_SHEET = ("填写说明", "Instructions")
OPTIONS_SHEET = ("选项", "Options")
INSTRUCTION_SHEET_NAMES = INSTRUCTIONS_SHEET + OPTIONS_SHEET

# --- columns --------------------------------------------------------------------------------

COMMUNITY = Column(
    "community",
    "社区",
    "Community",
    TEXT,
    aliases=("所属社区", "社区名称", "街道/社区", "Street/community"),
    width=24,
    help=gettext_lazy(
        "Street/community (坪山街道/坪山社区), district/street/community, or the community name "
        "alone when no other community of your jurisdiction has that name."
    ),
)
COMMUNITY_CODE = Column(
    "community_code",
    "社区代码",
    "Community code",
    CODE,
    aliases=("社区编码", "社区统计代码", "统计用区划代码"),
    width=15,
    as_text=True,
    help=gettext_lazy("The 12-digit statistical code; when given it decides the community."),
)
ORG_NAME = Column(
    "name",
    "组织名称",
    "Name",
    TEXT,
    required=True,
    aliases=("名称", "社会组织名称", "社区社会组织名称", "活动小组名称", "Organisation name"),
    width=28,
)
ORGANISATION_COLUMNS = (
    COMMUNITY,
    COMMUNITY_CODE,
    ORG_NAME,
    Column(
        "org_type",
        "组织类型",
        "Type",
        CHOICE,
        required=True,
        choices=OrgType,
        aliases=("类型",),
        choice_aliases=(("社团类", OrgType.ASSOCIATION), ("会员制", OrgType.ASSOCIATION)),
        width=18,
    ),
    Column(
        "field",
        "服务领域",
        "Field",
        CHOICE,
        required=True,
        choices=OrgField,
        aliases=("领域", "类别", "服务类别"),
        width=12,
    ),
    Column(
        "service_targets",
        "服务对象",
        "Service targets",
        CHOICES,
        choices=ServiceTarget,
        width=18,
        help=gettext_lazy("Several are separated by 、 or a comma."),
    ),
    Column("business_scope", "业务范围", "Business scope", LONG_TEXT, width=30),
    Column("venue", "活动场所", "Venue", TEXT, aliases=("场所", "活动地点"), width=24),
    Column("founded_on", "成立日期", "Founding date", DATE, aliases=("成立时间",), width=12),
    Column(
        "legal_person_founders",
        "法人发起单位数",
        "Legal-person founders",
        INTEGER,
        aliases=("法人发起单位",),
        width=10,
    ),
    Column("is_for_profit", "是否营利", "Profit-making", BOOLEAN, aliases=("营利",), width=9),
    Column("charter_text", "简易章程", "Simple charter", LONG_TEXT, aliases=("章程",), width=30),
    Column(
        "activity_rules_text",
        "活动规则",
        "Activity rules",
        LONG_TEXT,
        aliases=("活动制度",),
        width=30,
    ),
    Column("service_norms_text", "服务规范", "Service norms", LONG_TEXT, width=30),
)
FILING_NUMBER = Column(
    "filing_number",
    "备案编号",
    "Filing number",
    TEXT,
    aliases=("备案号", "备案证号"),
    width=22,
    as_text=True,
)
FILED_ON = Column("filed_on", "备案日期", "Filed on", DATE, aliases=("备案时间",), width=12)
CREDIT_CODE = Column(
    "credit_code",
    "统一社会信用代码",
    "Unified social credit code",
    LONG_NUMBER,
    required=True,
    aliases=("信用代码", "社会信用代码", "Credit code"),
    width=22,
    as_text=True,
)
LEGAL_FORM = Column(
    "legal_form",
    "法人形式",
    "Legal form",
    CHOICE,
    required=True,
    choices=LegalForm,
    aliases=("登记类型", "组织形式"),
    choice_aliases=(
        ("民办非企业单位", LegalForm.SOCIAL_SERVICE),
        ("民非", LegalForm.SOCIAL_SERVICE),
    ),
    width=20,
)
REGISTERED_ON = Column(
    "registered_on",
    "登记日期",
    "Registered on",
    DATE,
    aliases=("登记时间", "成立登记日期"),
    width=12,
)
ORGANISATION_OF_ROW = Column(
    "organisation",
    "组织名称",
    "Organisation",
    TEXT,
    required=True,
    aliases=("所属组织", "社会组织名称", "Organisation name"),
    width=28,
)
MEMBER_COLUMNS = (
    COMMUNITY,
    COMMUNITY_CODE,
    ORGANISATION_OF_ROW,
    Column("name", "姓名", "Name", TEXT, required=True, aliases=("成员姓名",), width=12),
    Column("gender", "性别", "Gender", CHOICE, choices=Gender, width=6),
    Column(
        "phone",
        "联系电话",
        "Phone",
        PHONE,
        aliases=("电话", "手机", "手机号码", "联系方式"),
        width=15,
        as_text=True,
    ),
    Column(
        "id_number",
        "身份证号码",
        "ID number",
        LONG_NUMBER,
        aliases=("身份证号", "身份证", "公民身份号码"),
        width=21,
        as_text=True,
    ),
    Column(
        "party_status",
        "政治面貌",
        "Party membership",
        CHOICE,
        choices=PartyStatus,
        choice_aliases=(
            ("群众", PartyStatus.NONE),
            ("中共党员", PartyStatus.FORMAL),
            ("党员", PartyStatus.FORMAL),
            ("中共预备党员", PartyStatus.PROBATIONARY),
        ),
        width=12,
    ),
    Column(
        "role",
        "在组织中的角色",
        "Role in the organisation",
        CHOICE,
        choices=MemberRole,
        aliases=("角色", "职务"),
        width=12,
    ),
    Column("is_founder", "是否发起人", "Founder", BOOLEAN, aliases=("发起人",), width=9),
    Column("joined_on", "加入日期", "Joined on", DATE, aliases=("入会日期",), width=12),
    Column("left_on", "退出日期", "Left on", DATE, aliases=("离开日期",), width=12),
)
ACTIVITY_COLUMNS = (
    COMMUNITY,
    COMMUNITY_CODE,
    ORGANISATION_OF_ROW,
    Column(
        "held_on",
        "活动日期",
        "Date",
        DATE,
        required=True,
        aliases=("日期", "活动时间"),
        width=12,
    ),
    Column(
        "title",
        "活动名称",
        "Title",
        TEXT,
        required=True,
        aliases=("活动主题", "活动标题"),
        width=30,
    ),
    Column(
        "series",
        "活动系列",
        "Series",
        CHOICE,
        choices=ActivitySeries,
        aliases=("系列", "活动类别"),
        width=22,
    ),
    Column("participants", "参与人数", "Participants", INTEGER, aliases=("参加人数",), width=10),
    Column(
        "volunteer_hours",
        "志愿服务时长（小时）",
        "Volunteer hours",
        DECIMAL,
        aliases=("志愿服务时长", "志愿时长"),
        width=12,
    ),
    Column("is_major", "是否重大活动", "Major activity", BOOLEAN, aliases=("重大活动",), width=10),
    Column(
        "description",
        "活动描述",
        "Description",
        LONG_TEXT,
        aliases=("活动内容", "描述", "备注"),
        width=40,
    ),
)


@dataclass(frozen=True)
class ExtraColumn:
    """A read-only column an export adds after the ledger's own: the value of the organisation
    annotation ``annotation`` (registered by a higher app), under the Chinese header ``zh``."""

    annotation: str
    zh: str
    width: float = 10

    def registered(self) -> OrganisationAnnotation | None:
        return ORGANISATION_ANNOTATIONS.get(self.annotation)


@dataclass(frozen=True)
class Ledger:
    """One ledger file: its title (the sheet name), its columns and its key."""

    kind: str
    zh: str
    en: str
    model: type
    columns: tuple[Column, ...]
    key_help: Any
    #: the organisation status an organisation ledger holds
    status: str | None = None
    #: the division level whose officers may import it (None: anyone who may change the data)
    importing_level: str | None = None
    #: read-only columns its exports add (values a higher app computes)
    extra_columns: tuple[ExtraColumn, ...] = ()

    @property
    def title(self) -> str:
        return self.en if translation.get_language() == "en" else self.zh

    @property
    def column_map(self) -> dict[str, Column]:
        return {column.key: column for column in self.columns}

    def names(self) -> tuple[str, str]:
        return (self.zh, self.en)

    def exported_extras(self) -> list[tuple[ExtraColumn, OrganisationAnnotation]]:
        """The extra columns whose annotation is registered, with it."""
        found = [(column, column.registered()) for column in self.extra_columns]
        return [(column, annotation) for column, annotation in found if annotation is not None]


LEDGERS: dict[str, Ledger] = {
    ledger.kind: ledger
    for ledger in (
        Ledger(
            GROUPS,
            "社区活动小组台账",
            "Activity groups",
            Organisation,
            ORGANISATION_COLUMNS,
            gettext_lazy("community + name"),
            status=OrgStatus.ACTIVITY_GROUP,
        ),
        Ledger(
            FILED,
            "备案类社区社会组织台账",
            "Filed organisations",
            Organisation,
            (replace(FILING_NUMBER, required=True), FILED_ON) + ORGANISATION_COLUMNS,
            gettext_lazy("filing number"),
            status=OrgStatus.FILED,
            importing_level=DivisionLevel.STREET,
        ),
        Ledger(
            REGISTERED,
            "登记类社区社会组织台账",
            "Registered organisations",
            Organisation,
            (CREDIT_CODE, LEGAL_FORM, REGISTERED_ON, FILING_NUMBER, FILED_ON)
            + ORGANISATION_COLUMNS,
            gettext_lazy("unified social credit code"),
            status=OrgStatus.REGISTERED,
            importing_level=DivisionLevel.DISTRICT,
            # the assessment grade in force today (grading registers the annotation)
            extra_columns=(ExtraColumn("current_grade", "评估等级", width=10),),
        ),
        Ledger(
            MEMBERS,
            "成员名册",
            "Members",
            Member,
            MEMBER_COLUMNS,
            gettext_lazy("community + organisation + name (+ phone, to tell namesakes apart)"),
        ),
        Ledger(
            ACTIVITIES,
            "活动记录台账",
            "Activities",
            Activity,
            ACTIVITY_COLUMNS,
            gettext_lazy("community + organisation + date + title"),
        ),
    )
}


def community_label(community: Division) -> str:
    """How a ledger file names a community: street/community."""
    street = community.parent
    return f"{street.name}/{community.name}" if street is not None else community.name


# --- permission -----------------------------------------------------------------------------


def ledger_import_refusal(ledger: Ledger, user: User) -> str | None:
    """Why ``user`` may not import ``ledger`` at all, or None if they may (row by row, the
    jurisdiction decides what they may touch)."""
    jurisdiction = jurisdiction_of(user)
    if not jurisdiction.allows(CHANGE):
        return _("Your role can view the ledgers but not change them, so it cannot import.")
    if user.is_superuser:
        return None
    if ledger.importing_level is not None and user.tier_level != ledger.importing_level:
        return _(
            "Only %(tier)s officers import the %(ledger)s: the tier that owns those "
            "organisations keeps their ledger."
        ) % {"tier": DivisionLevel(ledger.importing_level).label, "ledger": ledger.title}
    if ledger.kind == GROUPS and user.role == Role.ORGANISATION_LEADER:
        return _(
            "The activity-group ledger is kept by community staff; an organisation leader "
            "imports the members and activities of their organisation."
        )
    return None


__all__ = [
    "ACTIVITIES",
    "FILED",
    "GROUPS",
    "INSTRUCTIONS_SHEET",
    "LEDGERS",
    "MEMBERS",
    "OPTIONS_SHEET",
    "REGISTERED",
    "ExtraColumn",
    "Ledger",
    "community_label",
    "ledger_import_refusal",
]
