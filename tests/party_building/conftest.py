"""A hand-built party-coverage scenario in 坪山区 whose every figure has a known answer.

坪山街道 440310001 (residential, 5 communities)
  坪山社区 001003  A 书画协会   group   own independent branch (guided by the community), 3 formal
                  B 舞蹈队     group   joint branch J1 (guided by the community), 3 formal
                  C 读书会     group   instructor (current)
                  D 象棋队     group   none; 2 formal + 1 probationary
  六联社区 001001  F 志愿服务队 filed   general branch G (guided by the street)
  六和社区 001002  H 合唱团     group   instructor assignment that ended 10 days ago → none
  和平社区 001004  —                   joint branch J2 guided by the community, covering nothing
  新和社区 001005  E 太极拳队   EXITED  was covered by G (so the community has no live coverage)
马峦街道 440310002 (residential, 4 communities)
  马峦社区 002003  I 邻里互助会 registered  own independent branch guided by the district, 4 formal
                  K 环保志愿队 group   none; 3 formal (on the follow-up list)
  坪环社区 002001  L 篮球队     group   joint branch J3 guided by the street (a joint branch, not a
                                     general one)
  —                                  general branch X of 马峦街道, dissolved yesterday
坪山综合保税区 440310401 (NOT residential), its virtual community 440310401498
                  M 服务站     group   general branch G2 guided by that street

Live organisations in the district: A B C D F H I K L M = 10 (E has exited).
"""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone

from party_building import services
from party_building.choices import PartyOrganisationKind as Kind
from registry.choices import ApplicationAction, ApplicationKind, ExitReason, Role
from registry.models import Division
from registry.services.lifecycle import application_decide, application_submit
from registry.services.organisations import member_add
from tests.registry.factories import make_filed, make_group, make_registered

PINGSHAN_COMMUNITY = "440310001003"
LIULIAN = "440310001001"
LIUHE = "440310001002"
HEPING = "440310001004"
XINHE = "440310001005"
MALUAN_COMMUNITY = "440310002003"
PINGHUAN = "440310002001"
BONDED_STREET = "440310401"
BONDED_COMMUNITY = "440310401498"


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def add_party_members(organisation, user, *, formal=0, probationary=0):
    for i in range(formal):
        member_add(
            organisation=organisation,
            acting_user=user,
            name=f"党员{i + 1}",
            party_status="formal",
        )
    for i in range(probationary):
        member_add(
            organisation=organisation,
            acting_user=user,
            name=f"预备党员{i + 1}",
            party_status="probationary",
        )


def division(code):
    return Division.objects.get(code=code)


@pytest.fixture
def community_staff(make_user):
    """Community staff for any community code (one account per code)."""
    made = {}

    def make(code):
        if code not in made:
            made[code] = make_user(Role.COMMUNITY_STAFF, code, username=f"staff-{code}")
        return made[code]

    return make


@pytest.fixture
def superuser(make_user):
    return make_user(username="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def scenario(staff, street_officer, other_street_officer, district_officer, community_staff):
    s = SimpleNamespace()
    liulian, liuhe, xinhe = community_staff(LIULIAN), community_staff(LIUHE), community_staff(XINHE)
    maluan, pinghuan = community_staff(MALUAN_COMMUNITY), community_staff(PINGHUAN)
    s.staff, s.street, s.other_street, s.district = (
        staff,
        street_officer,
        other_street_officer,
        district_officer,
    )

    # 坪山社区
    s.A = make_group(staff, name="坪山社区书画协会", members=1, founders=1)
    s.B = make_group(staff, name="坪山社区舞蹈队", members=1, founders=1)
    s.C = make_group(staff, name="坪山社区读书会", members=1, founders=1)
    s.D = make_group(staff, name="坪山社区象棋队", members=1, founders=1)
    add_party_members(s.A, staff, formal=3)
    add_party_members(s.B, staff, formal=3)
    add_party_members(s.D, staff, formal=2, probationary=1)
    s.A_branch = services.party_organisation_create(
        acting_user=staff,
        name="坪山社区书画协会党支部",
        kind=Kind.INDEPENDENT_BRANCH,
        guiding_division=division(PINGSHAN_COMMUNITY),
        founded_on=days_ago(30),
        secretary="张书记",
        member_count=3,
        covered_organisations=[s.A],
    )
    s.J1 = services.party_organisation_create(
        acting_user=staff,
        name="坪山社区社会组织联合党支部",
        kind=Kind.JOINT_BRANCH,
        guiding_division=division(PINGSHAN_COMMUNITY),
        founded_on=days_ago(30),
        member_count=5,
        covered_organisations=[s.B],
    )
    s.instructor = services.instructor_create(
        acting_user=street_officer, name="李指导员", division=division("440310001")
    )
    s.C_assignment = services.assignment_create(
        instructor=s.instructor, organisation=s.C, acting_user=street_officer, start_on=days_ago(20)
    )

    # 六联社区, 六和社区, 和平社区, 新和社区
    s.F = make_filed(liulian, street_officer, name="六联社区志愿服务队")
    s.H = make_group(liuhe, name="六和社区合唱团", members=1, founders=1)
    services.assignment_create(
        instructor=s.instructor,
        organisation=s.H,
        acting_user=street_officer,
        start_on=days_ago(100),
        end_on=days_ago(10),
    )
    s.E = make_group(xinhe, name="新和社区太极拳队", members=1, founders=1)
    s.G = services.party_organisation_create(
        acting_user=street_officer,
        name="坪山街道社会组织党总支",
        kind=Kind.GENERAL_BRANCH,
        guiding_division=division("440310001"),
        founded_on=days_ago(40),
        member_count=20,
        covered_organisations=[s.F, s.E],
    )
    s.J2 = services.party_organisation_create(
        acting_user=street_officer,
        name="和平社区社会组织联合党支部",
        kind=Kind.JOINT_BRANCH,
        guiding_division=division(HEPING),
        founded_on=days_ago(5),
        member_count=0,
    )
    exit_application = application_submit(
        organisation=s.E,
        kind=ApplicationKind.EXIT,
        acting_user=xinhe,
        exit_reason=ExitReason.VOLUNTARY,
    )
    application_decide(
        application=exit_application,
        action=ApplicationAction.APPROVE,
        acting_user=xinhe,
        reason="自行解散",
    )

    # 马峦街道
    s.I = make_registered(maluan, other_street_officer, district_officer, name="马峦社区邻里互助会")
    add_party_members(s.I, district_officer, formal=4)
    s.I_branch = services.party_organisation_create(
        acting_user=district_officer,
        name="马峦社区邻里互助会党支部",
        kind=Kind.INDEPENDENT_BRANCH,
        guiding_division=division("440310"),
        founded_on=days_ago(15),
        member_count=4,
        covered_organisations=[s.I],
    )
    s.K = make_group(maluan, name="马峦社区环保志愿队", members=1, founders=1)
    add_party_members(s.K, maluan, formal=3)
    s.L = make_group(pinghuan, name="坪环社区篮球队", members=1, founders=1)
    s.J3 = services.party_organisation_create(
        acting_user=other_street_officer,
        name="马峦街道社会组织联合党支部",
        kind=Kind.JOINT_BRANCH,
        guiding_division=division("440310002"),
        founded_on=days_ago(25),
        member_count=7,
        covered_organisations=[s.L],
    )
    s.X = services.party_organisation_create(
        acting_user=other_street_officer,
        name="马峦街道社会组织党总支",
        kind=Kind.GENERAL_BRANCH,
        guiding_division=division("440310002"),
        founded_on=days_ago(60),
        member_count=9,
    )
    services.party_organisation_update(
        party_organisation=s.X,
        acting_user=other_street_officer,
        reason="合并到街道党工委",
        dissolved_on=days_ago(1),
    )

    # 坪山综合保税区 (not residential)
    s.M = make_group(
        district_officer,
        community_code=BONDED_COMMUNITY,
        name="保税区职工服务站",
        members=1,
        founders=1,
    )
    s.G2 = services.party_organisation_create(
        acting_user=district_officer,
        name="保税区社会组织党总支",
        kind=Kind.GENERAL_BRANCH,
        guiding_division=division(BONDED_STREET),
        founded_on=days_ago(10),
        member_count=6,
        covered_organisations=[s.M],
    )
    for organisation in (s.A, s.B, s.C, s.D, s.E, s.F, s.H, s.I, s.K, s.L, s.M):
        organisation.refresh_from_db()
    return s
