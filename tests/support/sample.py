"""The support programmes' objects in the shared world (``tests/world.py``): a platform of
坪山街道 where the world's organisation is incubated, a district contest project of it (with a
registered custodian), a street fund with a donation, a district training its leader attended, a
pairing of a filed organisation of 坪山社区 with a registered one, and a recommendation."""

from registry.choices import OrgStatus
from registry.models import Division
from support import services
from support.choices import (
    DonorKind,
    FundingKind,
    PlatformKind,
    ServiceCategory,
    SubCommittee,
)
from tests.places import PINGSHAN_COMMUNITY, PINGSHAN_DISTRICT, PINGSHAN_STREET
from tests.support.conftest import D, make_org


def add_support(world, users):
    if getattr(world, "platform", None) is not None:
        return world
    street, district = users["street_officer"], users["district_officer"]
    world.platform = services.platform_create(
        division=Division.objects.get(code=PINGSHAN_STREET),
        name="坪山街道孵化基地",
        kind=PlatformKind.INCUBATOR,
        opened_on=D(2020, 1, 1),
        acting_user=street,
    )
    world.residency = services.residency_start(
        platform=world.platform,
        organisation=world.organisation,
        started_on=D(2024, 1, 1),
        acting_user=street,
    )
    world.stage = world.residency.stage_periods.get()
    world.service = services.service_record(
        residency=world.residency,
        category=ServiceCategory.FILING_ADVICE,
        provided_on=D(2024, 2, 1),
        title="备案辅导",
        acting_user=street,
    )
    world.custodian = make_org(PINGSHAN_COMMUNITY, OrgStatus.REGISTERED, name="坪山社工服务社")
    world.programme = services.programme_create(
        division=Division.objects.get(code=PINGSHAN_DISTRICT),
        name="坪山区公益创投",
        kind=FundingKind.VENTURE_PHILANTHROPY,
        acting_user=district,
    )
    world.round = services.round_create(
        programme=world.programme,
        name="2024年度",
        year=2024,
        opens_on=D(2024, 3, 1),
        acting_user=district,
    )
    world.project = services.project_award(
        funding_round=world.round,
        organisation=world.organisation,
        custodian=world.custodian,
        title="翰墨进社区",
        amount_approved="50000",
        approved_on=D(2024, 6, 1),
        acting_user=district,
    )
    world.fund = services.fund_create(
        division=Division.objects.get(code=PINGSHAN_STREET),
        name="坪山街道社区基金",
        opened_on=D(2023, 1, 1),
        acting_user=street,
    )
    world.donation = services.donation_record(
        fund=world.fund,
        donor_kind=DonorKind.ENTERPRISE,
        donor_name="坪山某企业",
        amount="30000",
        received_on=D(2024, 1, 10),
        acting_user=street,
    )
    world.training = services.training_programme_create(
        division=Division.objects.get(code=PINGSHAN_DISTRICT),
        name="负责人能力提升培训",
        year=2024,
        acting_user=district,
    )
    world.session = services.training_session_create(
        programme=world.training,
        title="项目管理",
        held_on=D(2024, 4, 1),
        hours="3",
        platform=world.platform,
        acting_user=district,
    )
    world.attendance = services.attendance_record(
        session=world.session, member=world.member, acting_user=district
    )
    world.filed = make_org(PINGSHAN_COMMUNITY, OrgStatus.FILED, name="坪山社区新备案组织")
    world.pairing = services.pairing_create(
        mentor=world.custodian,
        mentee=world.filed,
        starts_on=D(2024, 1, 1),
        ends_on=D(2025, 12, 31),
        acting_user=street,
    )
    world.recommendation = services.recommendation_create(
        member=world.member,
        committee=SubCommittee.CULTURE,
        recommended_on=D(2024, 5, 1),
        acting_user=users["community_staff"],
    )
    return world
