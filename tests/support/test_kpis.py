"""The support KPIs replay Longgang's figures at a small scale (the Longgang report): 13 platforms
(a district headquarters, 11 street branches and a culture-and-sports branch), a
venture-philanthropy contest since 2016 of 119 projects totalling 10.15 million yuan, and a
community fund; by district (drill-down) and as of a past date."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from registry.choices import DivisionLevel, OrgStatus, Role
from registry.models import Division
from reports.choices import KpiKey
from reports.kpis import kpi_organisations, kpi_report, kpi_trend
from reports.kpis_support import SUPPORT_KEYS, funding_by_kind, platforms_by_tier
from support import services
from support.choices import DonorKind, FundingKind, PairingRating, PlatformKind
from tests.places import PINGSHAN_COMMUNITY
from tests.support.conftest import LONGGANG, D, make_member, make_org

pytestmark = pytest.mark.django_db

#: per year of the contest (2016-2020): projects; every project 85,000 yuan but one of 120,000
PROJECTS_PER_YEAR = {2016: 24, 2017: 24, 2018: 24, 2019: 24, 2020: 23}


@pytest.fixture
def city(make_user):
    return make_user(Role.CITY_OFFICER, "4403", username="city-kpi")


@pytest.fixture
def longgang(longgang_officer):
    """Longgang's platforms, one organisation per street, and the contest's 119 projects."""
    district = Division.objects.get(code=LONGGANG)
    streets = list(
        Division.objects.filter(parent=district, level=DivisionLevel.STREET).order_by("code")
    )
    assert len(streets) == 11  # Dapeng's three streets are their own district-level unit
    hq = services.platform_create(
        division=district,
        name="龙岗社会创新中心总部",
        kind=PlatformKind.INNOVATION_CENTRE,
        opened_on=D(2016, 1, 1),
        acting_user=longgang_officer,
    )
    services.platform_create(
        division=district,
        name="龙岗社会创新中心文化中心分部",
        kind=PlatformKind.INNOVATION_CENTRE,
        opened_on=D(2018, 1, 1),
        headquarters=hq,
        focus="文体类社会组织",
        acting_user=longgang_officer,
    )
    organisations = []
    for index, street in enumerate(streets):
        services.platform_create(
            division=street,
            name=f"{street.name}社会创新分部",
            kind=PlatformKind.INNOVATION_CENTRE,
            opened_on=D(2017 + index % 3, 6, 1),
            headquarters=hq,
            acting_user=longgang_officer,
        )
        community = street.children.order_by("code").first()
        organisations.append(
            make_org(community, OrgStatus.REGISTERED, name=f"{street.name}社工服务社")
        )
    programme = services.programme_create(
        division=district,
        name="龙岗区公益创投大赛",
        kind=FundingKind.VENTURE_PHILANTHROPY,
        funder="龙岗区财政",
        acting_user=longgang_officer,
    )
    number = 0
    for year, count in PROJECTS_PER_YEAR.items():
        contest = services.round_create(
            programme=programme,
            name=f"{year}年公益创投大赛",
            year=year,
            opens_on=D(year, 3, 1),
            acting_user=longgang_officer,
        )
        for _ in range(count):
            number += 1
            amount = "120000" if number == 119 else "85000"
            project = services.project_award(
                funding_round=contest,
                organisation=organisations[number % 11],
                title=f"社会治理项目{number}",
                amount_approved=amount,
                approved_on=D(year, 6, 30),
                acting_user=longgang_officer,
            )
            services.disbursement_record(
                project=project,
                amount="50000",
                paid_on=D(year, 7, 15),
                acting_user=longgang_officer,
            )
    return organisations


def values(report, key):
    return report.scope.values[key]


def child(report, code, key):
    return next(node for node in report.children if node.code == code).values[key]


def test_longgang_contest_totals_by_district_and_as_of(longgang, city):
    report = kpi_report(scope="4403", user=city)
    approved = values(report, KpiKey.FUNDING_APPROVED)
    assert approved.numerator == Decimal("10150000.00")  # 118 × 85,000 + 120,000
    assert values(report, KpiKey.PROJECTS_FUNDED).numerator == 119
    assert values(report, KpiKey.FUNDING_DISBURSED).numerator == Decimal("5950000.00")
    # by district: all of it is Longgang's, none another district's
    assert child(report, LONGGANG, KpiKey.FUNDING_APPROVED).numerator == Decimal("10150000.00")
    assert child(report, LONGGANG, KpiKey.PROJECTS_FUNDED).numerator == 119
    assert child(report, "440310", KpiKey.PROJECTS_FUNDED).numerator == 0
    # 13 platforms, and every one of Longgang's 11 streets has one
    assert child(report, LONGGANG, KpiKey.SUPPORT_PLATFORMS).numerator == 13
    coverage = child(report, LONGGANG, KpiKey.PLATFORM_STREET_COVERAGE)
    assert (coverage.numerator, coverage.denominator, coverage.value) == (11, 11, 1.0)
    assert platforms_by_tier(scope=LONGGANG, user=city) == {
        "district": 2,
        "street": 11,
        "community": 0,
    }
    # Longgang's own report drills into its streets
    district = kpi_report(scope=LONGGANG, user=city)
    assert sum(node.values[KpiKey.PROJECTS_FUNDED].numerator for node in district.children) == 119

    # As of the end of 2018: the 2016-2018 contests only (72 projects), and fewer platforms.
    past = kpi_report(scope="4403", user=city, as_of=D(2018, 12, 31))
    assert values(past, KpiKey.PROJECTS_FUNDED).numerator == 72
    assert values(past, KpiKey.FUNDING_APPROVED).numerator == Decimal("6120000.00")
    assert values(past, KpiKey.FUNDING_DISBURSED).numerator == Decimal("3600000.00")
    assert child(past, LONGGANG, KpiKey.SUPPORT_PLATFORMS).numerator == 2 + 8
    # A trend answers the same as the reports of its days.
    trend = dict(
        kpi_trend(
            key=KpiKey.FUNDING_APPROVED,
            scope="4403",
            user=city,
            dates=[D(2016, 12, 31), D(2018, 12, 31)],
        )
    )
    assert trend[D(2018, 12, 31)].numerator == Decimal("6120000.00")
    assert trend[D(2016, 12, 31)].numerator == Decimal("2040000.00")
    by_kind = {row.kind: row for row in funding_by_kind(scope="4403", user=city)}
    assert by_kind[FundingKind.VENTURE_PHILANTHROPY].projects == 119
    assert by_kind[FundingKind.VENTURE_PHILANTHROPY].approved == Decimal("10150000.00")
    assert by_kind[FundingKind.COMMUNITY_FUND].projects == 0
    # the organisations behind the money
    funded = kpi_organisations(key=KpiKey.FUNDING_APPROVED, scope=LONGGANG, user=city)
    assert set(funded) == set(longgang)


def test_a_district_officer_sees_only_its_district(longgang, district_user):
    report = kpi_report(scope="440310", user=district_user)
    assert values(report, KpiKey.PROJECTS_FUNDED).numerator == 0
    assert values(report, KpiKey.SUPPORT_PLATFORMS).numerator == 0


def test_incubation_training_and_pairing_kpis(platform, street_user, district_user, city):
    group = make_org(PINGSHAN_COMMUNITY, OrgStatus.ACTIVITY_GROUP)
    residency = services.residency_start(
        platform=platform, organisation=group, started_on=D(2022, 3, 1), acting_user=street_user
    )
    services.residency_graduate(
        residency=residency, graduated_on=D(2024, 3, 1), acting_user=street_user
    )
    filed = [make_org(PINGSHAN_COMMUNITY, OrgStatus.FILED) for _ in range(4)]
    mentor = make_org(PINGSHAN_COMMUNITY, OrgStatus.REGISTERED)
    today = timezone.localdate()
    pairing = services.pairing_create(
        mentor=mentor,
        mentee=filed[0],
        starts_on=today - datetime.timedelta(days=365),
        ends_on=today + datetime.timedelta(days=365),
        acting_user=street_user,
    )
    leader = make_member(filed[1])
    programme = services.training_programme_create(
        division=Division.objects.get(code="440310"),
        name="负责人培训",
        year=2024,
        acting_user=district_user,
    )
    session = services.training_session_create(
        programme=programme,
        title="第一期",
        held_on=D(2024, 4, 1),
        hours="3",
        acting_user=district_user,
    )
    services.attendance_record(session=session, member=leader, acting_user=district_user)

    at = kpi_report(scope="440310001", user=city, as_of=D(2024, 6, 30))
    assert values(at, KpiKey.ORGANISATIONS_INCUBATED).numerator == 1
    assert values(at, KpiKey.ORGANISATIONS_GRADUATED).numerator == 1
    assert values(at, KpiKey.LEADERS_TRAINED).numerator == 1
    before = kpi_report(scope="440310001", user=city, as_of=D(2023, 12, 31))
    assert values(before, KpiKey.ORGANISATIONS_GRADUATED).numerator == 0
    assert values(before, KpiKey.LEADERS_TRAINED).numerator == 0  # another year
    # Pairing: the organisations' status on the day comes from their history (made today).
    now = kpi_report(scope="440310001", user=city)
    paired = values(now, KpiKey.PAIRING_COVERAGE)
    assert (paired.numerator, paired.denominator) == (1, 4)
    assert set(kpi_organisations(key=KpiKey.PAIRING_COVERAGE, scope="440310001", user=city)) == {
        filed[0]
    }
    services.pairing_end(
        pairing=pairing,
        ended_on=today - datetime.timedelta(days=1),
        rating=PairingRating.GOOD,
        review="良好",
        acting_user=street_user,
    )
    now = kpi_report(scope="440310001", user=city)
    assert values(now, KpiKey.PAIRING_COVERAGE).numerator == 0
    assert set(SUPPORT_KEYS) <= set(now.scope.values)


def test_the_community_fund_counts_in_the_money_by_kind(street_user, city):
    fund = services.fund_create(
        division=Division.objects.get(code="440310001"),
        name="坪山社区基金",
        opened_on=D(2020, 1, 1),
        acting_user=street_user,
    )
    services.donation_record(
        fund=fund,
        donor_kind=DonorKind.ENTERPRISE,
        donor_name="某公司",
        amount="5100000",
        received_on=D(2020, 2, 1),
        acting_user=street_user,
    )
    programme = services.programme_create(
        division=fund.division,
        name="社区基金资助",
        kind=FundingKind.COMMUNITY_FUND,
        fund=fund,
        acting_user=street_user,
    )
    grants = services.round_create(
        programme=programme,
        name="2020",
        year=2020,
        opens_on=D(2020, 3, 1),
        acting_user=street_user,
    )
    recipient = make_org(PINGSHAN_COMMUNITY, OrgStatus.REGISTERED)
    for number in range(58):
        services.project_award(
            funding_round=grants,
            organisation=recipient,
            title=f"资助{number}",
            amount_approved="87931.03" if number else "87931.29",
            approved_on=D(2020, 4, 1),
            acting_user=street_user,
        )
    fund.refresh_from_db()
    assert fund.balance == Decimal("0.00")
    by_kind = {row.kind: row for row in funding_by_kind(scope="440310", user=city)}
    assert by_kind[FundingKind.COMMUNITY_FUND].projects == 58
    assert by_kind[FundingKind.COMMUNITY_FUND].approved == Decimal("5100000.00")


def test_as_recorded_on_counts_only_the_support_records_entered_by_then(longgang_officer, city):
    """A figure reported yesterday is reproduced today after a back-dated record arrives: as
    recorded on yesterday, the project entered today (approved weeks ago) does not count."""
    today = timezone.localdate()
    yesterday, as_of = today - datetime.timedelta(days=1), today - datetime.timedelta(days=2)
    opens_on = as_of - datetime.timedelta(days=60)
    district = Division.objects.get(code=LONGGANG)
    street = Division.objects.filter(parent=district, level=DivisionLevel.STREET).first()
    organisation = make_org(street.children.order_by("code").first(), OrgStatus.REGISTERED)
    programme = services.programme_create(
        division=district,
        name="龙岗区公益创投大赛",
        kind=FundingKind.VENTURE_PHILANTHROPY,
        funder="龙岗区财政",
        acting_user=longgang_officer,
    )
    contest = services.round_create(
        programme=programme,
        name="公益创投大赛",
        year=opens_on.year,
        opens_on=opens_on,
        acting_user=longgang_officer,
    )
    projects = []
    for title, amount in (("社区议事项目", "85000"), ("邻里互助项目", "120000")):
        project = services.project_award(
            funding_round=contest,
            organisation=organisation,
            title=title,
            amount_approved=amount,
            approved_on=as_of - datetime.timedelta(days=10),
            acting_user=longgang_officer,
        )
        services.disbursement_record(
            project=project,
            amount="50000",
            paid_on=as_of - datetime.timedelta(days=5),
            acting_user=longgang_officer,
        )
        projects.append(project)
    platform = services.platform_create(
        division=street,
        name="街道社会创新分部",
        kind=PlatformKind.INNOVATION_CENTRE,
        opened_on=opens_on,
        acting_user=longgang_officer,
    )
    # The first project, its payment and the platform were entered a week ago; the second
    # project and its payment only today (a late record of an earlier approval).
    week_ago = timezone.now() - datetime.timedelta(days=7)
    first = projects[0]
    first.history.update(history_date=week_ago)
    first.disbursements.get().history.update(history_date=week_ago)
    platform.history.update(history_date=week_ago)

    def figures(**recorded):
        report = kpi_report(scope=LONGGANG, user=city, as_of=as_of, **recorded)
        keys = [KpiKey.PROJECTS_FUNDED, KpiKey.FUNDING_APPROVED, KpiKey.FUNDING_DISBURSED]
        return [values(report, key).numerator for key in keys] + [
            values(report, KpiKey.SUPPORT_PLATFORMS).numerator
        ]

    assert figures(as_recorded_on=yesterday) == [1, Decimal("85000.00"), Decimal("50000.00"), 1]
    assert figures() == [2, Decimal("205000.00"), Decimal("100000.00"), 1]
    assert figures(as_recorded_on=today) == figures()
