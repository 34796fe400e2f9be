"""Demo data for the support programmes, shaped like Longgang's (the Longgang report), on top of
the seeded registry (``manage.py seed_demo`` calls it after selection's demo):

- 13 support platforms: the district headquarters of the social innovation centre, a branch in
  each of the district's 11 streets and one at the cultural centre for culture and sports
  organisations, each run by a third-party organisation under a yearly contract;
- incubation of up to 154 organisations at their street's branch, by stage, with dated
  services, graduations and after-care;
- the venture-philanthropy contest since 2016: 119 projects, 10.15 million yuan in all, paid in
  two instalments, with progress reports and acceptance; filed organisations funded through a
  registered custodian;
- the social innovation fund: donations over 5.1 million yuan through the 13 platforms (money
  and goods, from enterprises, chambers of commerce, a foundation, individuals, anonymous
  givers) and 58 projects granted from it;
- a few projects of the other kinds (start-up support, activity grants, livelihood
  micro-projects, welfare-lottery funds);
- the "social governance manager" training of leaders, 44 community leaders, recommendations
  to sub-committees, and pairings of registered with filed organisations.

Logins ``district-longgang`` (龙岗区) and ``operator-longgang`` (the 龙岗街道 branch), password
as the other demo logins. Everything goes through ``support.services`` as those officers, so
the history reads as if people had done it. Idempotent: nothing is added once 龙岗区 has a
support platform.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from demo.dataset import DEMO_PASSWORD
from registry.choices import DivisionLevel, MemberRole, OrgStatus, Role
from registry.models import Division, Member, Organisation, User
from support import services
from support.choices import (
    DonationForm,
    DonorKind,
    FundingKind,
    PairingRating,
    PlatformKind,
    ProjectAction,
    ServiceCategory,
    Stage,
    SubCommittee,
)
from support.models import SupportPlatform

DISTRICT = "440307"  # 龙岗区
DISTRICT_LOGIN = "district-longgang"
OPERATOR_LOGIN = "operator-longgang"
OPERATOR_STREET = "440307016"  # 龙岗街道
REASON = "演示数据"
CONTEST_PROJECTS = 119
CONTEST_TOTAL = Decimal("10150000.00")
FUND_PROJECTS = 58
D = datetime.date


def _login(username: str, role: str, division: Division | None, display: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"role": role, "division": division, "first_name": display}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.full_clean()
        user.save()
    return user


def _amounts(count: int, total: Decimal, rng: random.Random, low: int, high: int) -> list:
    """``count`` whole-yuan amounts roughly between ``low`` and ``high`` (drawn, then scaled)
    adding up to ``total`` exactly (the last one takes the rounding)."""
    weights = [rng.randrange(low, high) for _ in range(count)]
    scale = total / sum(weights)
    amounts = [(Decimal(w) * scale).quantize(Decimal("1")) for w in weights[:-1]]
    amounts.append(total - sum(amounts))
    return amounts


def _platforms(officer, district, streets, today):
    hq = services.platform_create(
        division=district,
        name="龙岗社会创新中心总部",
        kind=PlatformKind.INNOVATION_CENTRE,
        opened_on=D(2016, 3, 1),
        operator_name="深圳市龙岗区社会创新促进服务中心",
        address="龙岗区龙城街道",
        acting_user=officer,
        reason=REASON,
    )
    culture = services.platform_create(
        division=district,
        name="龙岗社会创新中心文化中心分部",
        kind=PlatformKind.INNOVATION_CENTRE,
        opened_on=D(2017, 5, 1),
        headquarters=hq,
        focus="文体类社会组织",
        operator_name="深圳市龙岗区文体社会组织服务中心",
        acting_user=officer,
        reason=REASON,
    )
    branches = {}
    for index, street in enumerate(streets):
        branches[street.code] = services.platform_create(
            division=street,
            name=f"龙岗社会创新中心{street.name}分部",
            kind=PlatformKind.INNOVATION_CENTRE,
            opened_on=D(2016 + index % 3, 3 + index % 6, 1),
            headquarters=hq,
            operator_name=f"深圳市{street.name.removesuffix('街道')}社工服务中心",
            acting_user=officer,
            reason=REASON,
        )
    for platform, amount in [(hq, "800000"), (culture, "300000")] + [
        (branch, "360000") for branch in branches.values()
    ]:
        for year in range(platform.opened_on.year, today.year + 1):
            services.contract_record(
                platform=platform,
                starts_on=max(D(year, 1, 1), platform.opened_on),
                ends_on=D(year, 12, 31),
                amount=amount,
                contractor_name=platform.operator_name,
                number=f"LG-{year}-{platform.pk:03d}",
                services="平台运营、孵化培育、资源链接、项目指导",
                acting_user=officer,
                reason=REASON,
            )
    return hq, culture, branches


def _incubation(officer, branches, organisations, today, rng) -> tuple[int, int]:
    incubated = graduated = 0
    for organisation in organisations:
        branch = branches.get(organisation.community.parent_id)
        if branch is None or incubated >= 154:
            continue
        start = branch.opened_on + datetime.timedelta(days=rng.randrange(30, 1500))
        if start >= today:
            continue
        residency = services.residency_start(
            platform=branch,
            organisation=organisation,
            started_on=start,
            acting_user=officer,
            reason=REASON,
        )
        incubated += 1
        services.service_record(
            residency=residency,
            category=ServiceCategory.FILING_ADVICE,
            provided_on=start + datetime.timedelta(days=20),
            title="备案材料辅导",
            acting_user=officer,
            reason=REASON,
        )
        grown = start + datetime.timedelta(days=rng.randrange(300, 500))
        if grown < today:
            services.stage_record(
                residency=residency,
                stage=Stage.DEVELOPMENT,
                starts_on=grown,
                acting_user=officer,
                reason=REASON,
            )
            services.service_record(
                residency=residency,
                category=rng.choice(
                    [
                        ServiceCategory.GOVERNANCE,
                        ServiceCategory.PARTY_GUIDANCE,
                        ServiceCategory.FINANCIAL_CUSTODY,
                    ]
                ),
                provided_on=grown + datetime.timedelta(days=10),
                title="内部治理与财务规范辅导",
                acting_user=officer,
                reason=REASON,
            )
        out = grown + datetime.timedelta(days=rng.randrange(200, 500))
        if out < today - datetime.timedelta(days=60) and rng.random() < 0.6:
            services.residency_graduate(
                residency=residency, graduated_on=out, acting_user=officer, reason=REASON
            )
            services.service_record(
                residency=residency,
                category=ServiceCategory.AFTER_CARE,
                provided_on=out + datetime.timedelta(days=45),
                title="出壳后回访与资源链接",
                acting_user=officer,
                reason=REASON,
            )
            graduated += 1
    return incubated, graduated


def _award(officer, funding_round, organisation, custodians, title, amount, day, rng, today):
    custodian = None
    if organisation.status != OrgStatus.REGISTERED:
        custodian = next((c for c in custodians if c.pk != organisation.pk), None)
    project = services.project_award(
        funding_round=funding_round,
        organisation=organisation,
        custodian=custodian,
        title=title,
        amount_approved=amount,
        approved_on=day,
        starts_on=day + datetime.timedelta(days=10),
        ends_on=day + datetime.timedelta(days=360),
        budget_lines=[
            ("人员费用", (amount * Decimal("0.5")).quantize(Decimal("1"))),
            ("活动费用", (amount * Decimal("0.4")).quantize(Decimal("1"))),
        ],
        acting_user=officer,
        reason=REASON,
    )
    first = (amount / 2).quantize(Decimal("0.01"))
    services.disbursement_record(
        project=project,
        amount=first,
        paid_on=day + datetime.timedelta(days=15),
        acting_user=officer,
        reason=REASON,
    )
    halfway = day + datetime.timedelta(days=180)
    if halfway < today:
        services.progress_report_submit(
            project=project,
            period_end=halfway,
            beneficiaries=rng.randrange(80, 900),
            volunteer_hours=Decimal(rng.randrange(20, 400)),
            spent=(first * Decimal("0.8")).quantize(Decimal("0.01")),
            narrative="按计划开展服务，阶段目标基本达成。",
            acting_user=officer,
            reason=REASON,
        )
    end = day + datetime.timedelta(days=380)
    if end < today:
        services.disbursement_record(
            project=project,
            amount=amount - first,
            paid_on=end - datetime.timedelta(days=5),
            acting_user=officer,
            reason=REASON,
        )
        services.project_decide(
            project=project,
            action=ProjectAction.ACCEPT,
            on=end,
            note="结项评估合格",
            acting_user=officer,
            reason=REASON,
        )
    return project


def _contest(officer, district, organisations, custodians, rng, today) -> int:
    programme = services.programme_create(
        division=district,
        name="龙岗区公益创投大赛",
        kind=FundingKind.VENTURE_PHILANTHROPY,
        funder="龙岗区财政资金",
        description="每年举办，面向全市征集社会治理类公益项目。",
        acting_user=officer,
        reason=REASON,
    )
    amounts = _amounts(CONTEST_PROJECTS, CONTEST_TOTAL, rng, 50_000, 120_000)
    years = [2016 + i % 5 for i in range(CONTEST_PROJECTS)]
    rounds = {}
    for year in sorted(set(years)):
        rounds[year] = services.round_create(
            programme=programme,
            name=f"{year}年龙岗区公益创投大赛",
            year=year,
            opens_on=D(year, 3, 1),
            acting_user=officer,
            reason=REASON,
        )
    titles = [
        "“心灵巴士”公交司机心理服务",
        "网格员“爱的加油站”",
        "“鼓舞飞扬”喘息服务",
        "“一路阳光”帮教服务",
        "邻里调解工作室",
        "长者智慧助老课堂",
        "社区儿童成长驿站",
    ]
    for index, (amount, year) in enumerate(zip(amounts, years, strict=True)):
        organisation = organisations[index % len(organisations)]
        _award(
            officer,
            rounds[year],
            organisation,
            custodians,
            f"{titles[index % len(titles)]}（{index + 1}）",
            amount,
            D(year, 6, 30),
            rng,
            today,
        )
    return CONTEST_PROJECTS


def _fund(officer, district, platforms, organisations, custodians, rng, today) -> tuple:
    fund = services.fund_create(
        division=district,
        name="龙岗社会创新公益基金",
        opened_on=D(2017, 1, 1),
        manager_name="深圳市社会公益基金会",
        acting_user=officer,
        reason=REASON,
    )
    donors = [
        (DonorKind.ENTERPRISE, "龙岗某科技有限公司"),
        (DonorKind.ENTERPRISE, "深圳某实业有限公司"),
        (DonorKind.CHAMBER, "龙岗区商会"),
        (DonorKind.FOUNDATION, "深圳市某慈善基金会"),
        (DonorKind.INDIVIDUAL, "王先生"),
        (DonorKind.INDIVIDUAL, "陈女士"),
        (DonorKind.ANONYMOUS, ""),
    ]
    money = _amounts(120, Decimal("5130000.00"), rng, 5_000, 80_000)
    channels = list(platforms)
    for index, amount in enumerate(money):
        kind, name = donors[index % len(donors)]
        services.donation_record(
            fund=fund,
            donor_kind=kind,
            donor_name=name,
            amount=amount,
            received_on=D(2017, 2, 1) + datetime.timedelta(days=(index * 17) % 1400),
            channel=channels[index % len(channels)],
            reference=f"LGJJ{index + 1:05d}",
            acting_user=officer,
            reason=REASON,
        )
    services.donation_record(
        fund=fund,
        donor_kind=DonorKind.ENTERPRISE,
        donor_name="携程公益",
        amount="200000",
        form=DonationForm.IN_KIND,
        goods="社会组织活动物资一批",
        received_on=D(2019, 12, 10),
        channel=channels[0],
        acting_user=officer,
        reason=REASON,
    )
    programme = services.programme_create(
        division=district,
        name="龙岗社会创新公益基金资助",
        kind=FundingKind.COMMUNITY_FUND,
        fund=fund,
        acting_user=officer,
        reason=REASON,
    )
    grants = services.round_create(
        programme=programme,
        name="公益基金资助（滚动）",
        year=2018,
        opens_on=D(2018, 1, 1),
        acting_user=officer,
        reason=REASON,
    )
    amounts = _amounts(FUND_PROJECTS, Decimal("5100000.00"), rng, 60_000, 110_000)
    for index, amount in enumerate(amounts):
        organisation = organisations[(index * 7) % len(organisations)]
        day = D(2021, 1, 15) + datetime.timedelta(days=index * 9)
        _award(
            officer,
            grants,
            organisation,
            custodians,
            f"社会治理服务项目（基金{index + 1}）",
            amount,
            day,
            rng,
            today,
        )
    fund.refresh_from_db()
    return fund, FUND_PROJECTS


def _other_kinds(officer, district, streets, organisations, custodians, rng, today) -> int:
    count = 0
    for kind, name, owner, low, high in [
        (FundingKind.START_UP, "初创社区社会组织支持计划", district, 10_000, 30_000),
        (FundingKind.ACTIVITY_GRANT, "社区社会组织活动资助", district, 5_000, 20_000),
        (FundingKind.WELFARE_LOTTERY, "福利彩票公益金支持项目", district, 50_000, 150_000),
        (FundingKind.MICRO_PROJECT, "民生微实事", streets[0], 20_000, 100_000),
    ]:
        programme = services.programme_create(
            division=owner, name=name, kind=kind, acting_user=officer, reason=REASON
        )
        year = today.year - 1
        funding_round = services.round_create(
            programme=programme,
            name=f"{year}年度",
            year=year,
            opens_on=D(year, 3, 1),
            acting_user=officer,
            reason=REASON,
        )
        candidates = [o for o in organisations if o.community.path.startswith(owner.path)]
        for index in range(6):
            if not candidates:
                break
            _award(
                officer,
                funding_round,
                candidates[(index * 5) % len(candidates)],
                custodians,
                f"{name}项目{index + 1}",
                Decimal(rng.randrange(low, high, 1000)),
                D(year, 5, 1) + datetime.timedelta(days=index * 20),
                rng,
                today,
            )
            count += 1
    return count


def _trainings(officer, district, hq, organisations, rng, today) -> int:
    leaders = list(
        Member.objects.filter(
            organisation__in=organisations, role=MemberRole.LEADER, left_on__isnull=True
        ).select_related("organisation")[:120]
    )
    attended = 0
    # The last three years up to this one (this year's sessions held by today), so "leaders
    # trained from 1 January" counts this year's.
    for year in range(today.year - 2, today.year + 1):
        programme = services.training_programme_create(
            division=district,
            name=f"{year}年社会治理经理人培训",
            year=year,
            organiser="龙岗社会创新中心",
            acting_user=officer,
            reason=REASON,
        )
        for number, title in enumerate(["项目设计与管理", "财务规范与代管", "社区协商议事"]):
            held_on = D(year, 4 + number * 2, 15)
            if year == today.year:
                held_on = max(D(year, 1, 1), min(held_on, today))
            session = services.training_session_create(
                programme=programme,
                title=title,
                held_on=held_on,
                hours="3",
                platform=hq,
                acting_user=officer,
                reason=REASON,
            )
            for leader in rng.sample(leaders, min(len(leaders), 25)):
                services.attendance_record(
                    session=session, member=leader, acting_user=officer, reason=REASON
                )
                attended += 1
    return attended


def _recommendations(leaders: list, rng, today) -> int:
    count = 0
    committees = list(SubCommittee)
    for leader in leaders[:44]:
        staff = User.objects.filter(
            role=Role.COMMUNITY_STAFF, division=leader.organisation.community
        ).first()
        officer = staff or User.objects.get(username=DISTRICT_LOGIN)
        recommendation = services.recommendation_create(
            member=leader,
            committee=rng.choice(committees),
            recommended_on=today - datetime.timedelta(days=rng.randrange(30, 700)),
            acting_user=officer,
            reason=REASON,
        )
        if count % 3 == 0:
            services.recommendation_decide(
                recommendation=recommendation,
                action="admit",
                decided_on=recommendation.recommended_on + datetime.timedelta(days=20),
                acting_user=officer,
                reason=REASON,
            )
        count += 1
    return count


def _pairings(officer, organisations, today) -> int:
    registered = [o for o in organisations if o.status == OrgStatus.REGISTERED]
    filed = [o for o in organisations if o.status == OrgStatus.FILED]
    count = 0
    for index, mentee in enumerate(filed[:40]):
        if not registered:
            break
        mentor = registered[index % len(registered)]
        start = today - datetime.timedelta(days=200 + index * 20)
        pairing = services.pairing_create(
            mentor=mentor,
            mentee=mentee,
            starts_on=start,
            ends_on=start + datetime.timedelta(days=730),
            acting_user=officer,
            reason=REASON,
        )
        if index % 4 == 0 and start + datetime.timedelta(days=365) < today:
            services.pairing_end(
                pairing=pairing,
                ended_on=start + datetime.timedelta(days=365),
                rating=PairingRating.GOOD,
                review="以老带新，联合开展活动，备案组织服务能力明显提升。",
                acting_user=officer,
                reason=REASON,
            )
        count += 1
    return count


def seed_support(today: datetime.date | None = None, seed: int = 2020) -> str:
    """Create the support demo data (see the module docstring); returns a one-line summary."""
    today = today or timezone.localdate()
    district = Division.objects.filter(code=DISTRICT).first()
    if district is None:
        return "support demo: skipped (no 龙岗区)"
    if SupportPlatform.objects.filter(division__path__startswith=district.path).exists():
        return "support demo: already there"
    organisations = list(
        Organisation.objects.filter(
            community__path__startswith=district.path, status__in=OrgStatus.LIVE
        )
        .select_related("community")
        .order_by("pk")
    )
    if len(organisations) < 20:
        return "support demo: skipped (too few organisations in 龙岗区)"
    rng = random.Random(seed)
    officer = _login(DISTRICT_LOGIN, Role.DISTRICT_OFFICER, district, "龙岗区民政局 演示")
    streets = list(district.children.filter(level=DivisionLevel.STREET).order_by("code"))
    hq, culture, branches = _platforms(officer, district, streets, today)
    operator = _login(OPERATOR_LOGIN, Role.PLATFORM_OPERATOR, None, "龙岗街道分部运营方 演示")
    if OPERATOR_STREET in branches:
        services.operator_assign(
            platform=branches[OPERATOR_STREET], user=operator, acting_user=officer, reason=REASON
        )
    incubated, graduated = _incubation(officer, branches, organisations, today, rng)
    custodians = [o for o in organisations if o.status == OrgStatus.REGISTERED][:5]
    contest = _contest(officer, district, organisations, custodians, rng, today)
    platforms = [hq, culture, *branches.values()]
    fund, granted = _fund(officer, district, platforms, organisations, custodians, rng, today)
    others = _other_kinds(officer, district, streets, organisations, custodians, rng, today)
    attended = _trainings(officer, district, hq, organisations, rng, today)
    leaders = list(
        Member.objects.filter(
            organisation__in=organisations, role=MemberRole.LEADER, left_on__isnull=True
        ).select_related("organisation__community")
    )
    recommended = _recommendations(leaders, rng, today)
    paired = _pairings(officer, organisations, today)
    return (
        f"support demo: {len(platforms)} platforms in 龙岗区, {incubated} incubated "
        f"({graduated} graduated), contest {contest} projects ¥{CONTEST_TOTAL:,.2f}, fund "
        f"{granted} grants (balance ¥{fund.balance:,.2f}), {others} other projects, "
        f"{attended} attendances, {recommended} recommendations, {paired} pairings; logins "
        f"{DISTRICT_LOGIN}, {OPERATOR_LOGIN} (password {DEMO_PASSWORD})"
    )
