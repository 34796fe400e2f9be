"""Sample data for the support tests: organisations in every status (made directly, with their
history, so that a test may have as many as it needs), and users of every tier."""

import datetime
import itertools

import pytest
from django.utils import translation
from stdnum.cn import uscc

from registry.choices import LegalForm, MemberRole, OrgField, OrgStatus, OrgType, Role
from registry.models import Division, Member, Organisation, User
from support import services
from support.choices import FundingKind, PlatformKind
from tests.places import PINGSHAN_DISTRICT, PINGSHAN_STREET

D = datetime.date
LONGGANG = "440307"
LONGGANG_STREET = "440307016"  # 龙岗街道
_serial = itertools.count(1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def credit_code(district: str = "440310") -> str:
    body = f"51{district}MJ{next(_serial):07d}"[:17]
    return body + uscc.calc_check_digit(body)


def make_org(community: str | Division, status=OrgStatus.FILED, name=None, **extra) -> Organisation:
    """An organisation of ``community`` in ``status`` (with a creation history row)."""
    if not isinstance(community, Division):
        community = Division.objects.get(code=community)
    number = next(_serial)
    fields = dict(
        name=name or f"测试社会组织{number}",
        community=community,
        status=status,
        org_type=OrgType.ASSOCIATION,
        field=OrgField.CHARITY,
        founded_on=D(2020, 1, 1),
    )
    if status in (OrgStatus.FILED, OrgStatus.REGISTERED):
        fields.update(filing_number=f"TEST-{number}", filed_on=D(2021, 1, 1))
    if status == OrgStatus.REGISTERED:
        fields.update(
            credit_code=credit_code(community.code[:6]),
            legal_form=LegalForm.SOCIAL_GROUP,
            registered_on=D(2022, 1, 1),
        )
    fields.update(extra)
    return Organisation.objects.create(**fields)


def make_member(organisation, name="张三", role=MemberRole.LEADER) -> Member:
    return Member.objects.create(organisation=organisation, name=name, role=role)


@pytest.fixture
def district_user(make_user):
    return make_user(Role.DISTRICT_OFFICER, PINGSHAN_DISTRICT, username="district-ps")


@pytest.fixture
def street_user(make_user):
    return make_user(Role.STREET_OFFICER, PINGSHAN_STREET, username="street-ps")


@pytest.fixture
def longgang_officer(make_user):
    return make_user(Role.DISTRICT_OFFICER, LONGGANG, username="district-lg")


@pytest.fixture
def platform(street_user):
    """坪山街道's incubation base."""
    return services.platform_create(
        division=Division.objects.get(code=PINGSHAN_STREET),
        name="坪山街道社区社会组织孵化基地",
        kind=PlatformKind.INCUBATOR,
        opened_on=D(2020, 1, 1),
        operator_name="深圳市某社工服务中心",
        acting_user=street_user,
    )


@pytest.fixture
def operator(platform, street_user):
    user = User.objects.create_user(username="operator-ps", role=Role.PLATFORM_OPERATOR)
    services.operator_assign(platform=platform, user=user, acting_user=street_user)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def programme(district_user):
    return services.programme_create(
        division=Division.objects.get(code=PINGSHAN_DISTRICT),
        name="坪山区公益创投大赛",
        kind=FundingKind.VENTURE_PHILANTHROPY,
        funder="坪山区民政局",
        acting_user=district_user,
    )


@pytest.fixture
def funding_round(programme, district_user):
    return services.round_create(
        programme=programme,
        name="2024年度",
        year=2024,
        opens_on=D(2024, 3, 1),
        acting_user=district_user,
    )
