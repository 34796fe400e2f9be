"""Demo data for grading, on top of the seeded registry (``manage.py seed_demo`` calls it).

In 坪山区: last year's finished level assessment (scores by three experts, public notice, final
grades, some 3A and above), a grade recorded from before the system that expires within six
months, this year's campaign open for applications, and a published comprehensive evaluation
of 坪山街道's filed organisations. Everything goes through ``grading.services`` as the demo
officers, so the history reads as if people had done it. Idempotent: nothing is added once 坪山区
has a campaign.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from grading import services
from grading.choices import Dimension
from grading.models import AssessmentCampaign, Expert
from grading.rules import add_months
from grading.selectors import eligibility_list
from registry.models import Division, Organisation, User

DISTRICT = "440310"  # 坪山区
STREET = "440310001"  # 坪山街道
DISTRICT_LOGIN = "district-pingshan"
STREET_LOGIN = "street-pingshan"
REASON = "演示数据"
#: the mean expert total of each graded organisation: 5A, 3A, 4A, 2A, 4A, 1A, no grade
TOTALS = [962, 872, 931, 846, 905, 760, 690]
#: how far each of the three experts lands from the mean
SPREAD = [Decimal(-8), Decimal(0), Decimal(8)]
EXPERTS = [("陈立新", "深圳大学"), ("黄慧敏", "坪山区社会组织总会"), ("刘志强", "会计师事务所")]


def _sheet(campaign: AssessmentCampaign, total: Decimal) -> list:
    """Points over the campaign's indicators adding up to ``total`` (capped at the maximum)."""
    remaining = total
    pairs = []
    for indicator in campaign.template.leaves():
        given = max(Decimal(0), min(indicator.max_points, remaining))
        pairs.append((indicator, given))
        remaining -= given
    return pairs


def _eligible(campaign: AssessmentCampaign, day: datetime.date, limit: int) -> list[Organisation]:
    rows = eligibility_list(campaign, Organisation.objects.all(), today=day)
    return [row.organisation for row in rows if row.eligible][:limit]


def _finished_campaign(
    officer: User, district: Division, today: datetime.date
) -> tuple[AssessmentCampaign, set[int]]:
    """Applications closed five months ago, results final six weeks ago."""
    deadline = today - datetime.timedelta(days=150)
    apply_on = deadline - datetime.timedelta(days=20)
    year = deadline.year
    campaign = services.campaign_create(
        district=district,
        year=year,
        title=f"{year}年坪山区社会组织等级评估",
        application_deadline=deadline,
        acting_user=officer,
        reason=REASON,
    )
    campaign = services.campaign_open(campaign=campaign, acting_user=officer, reason=REASON)
    organisations = _eligible(campaign, apply_on, len(TOTALS))
    applications = [
        services.application_create(
            campaign=campaign,
            organisation=organisation,
            acting_user=officer,
            today=apply_on,
            reason=REASON,
        )
        for organisation in organisations
    ]
    services.campaign_start_scoring(campaign=campaign, acting_user=officer, reason=REASON)
    experts = list(Expert.objects.filter(district=district).order_by("pk")[:3])
    panel = services.panel_create(
        campaign=campaign, name="第一评审组", experts=experts, acting_user=officer, reason=REASON
    )
    for application, mean in zip(applications, TOTALS, strict=False):
        services.application_assign_panel(
            application=application, panel=panel, acting_user=officer, reason=REASON
        )
        application.refresh_from_db()
        for expert, offset in zip(experts, SPREAD, strict=True):
            services.scores_record(
                application=application,
                expert=expert,
                scores=_sheet(campaign, Decimal(mean) + offset),
                acting_user=officer,
                note=REASON,
            )
        services.application_compute(application=application, acting_user=officer, reason=REASON)
    services.campaign_start_notice(
        campaign=campaign,
        acting_user=officer,
        today=today - datetime.timedelta(days=60),
        reason=REASON,
    )
    services.campaign_finalise(
        campaign=campaign,
        acting_user=officer,
        today=today - datetime.timedelta(days=45),
        reason=REASON,
    )
    return campaign, {o.pk for o in organisations}


def _expiring_grade(officer: User, district: Division, today: datetime.date, taken: set[int]):
    """A grade from before the system, awarded five years ago less three months: it expires
    within six months. It goes to the longest-registered organisation not graded above (the
    demo registry's registrations are all recent, so in the demo the grade may predate the
    registration date)."""
    awarded_on = add_months(today.replace(year=today.year - 5, day=min(today.day, 28)), 3)
    candidate = (
        Organisation.objects.filter(status="registered", community__path__startswith=district.path)
        .exclude(pk__in=taken)
        .order_by("registered_on", "pk")
        .first()
    )
    if candidate is None:
        return None
    services.grade_award_record(
        organisation=candidate,
        level=4,
        awarded_on=awarded_on,
        acting_user=officer,
        reason="历史评估结果录入（演示数据）",
    )
    return candidate


def _open_campaign(officer: User, district: Division, today: datetime.date, year: int) -> str:
    campaign = services.campaign_create(
        district=district,
        year=year,
        title=f"{year}年坪山区社会组织等级评估",
        application_deadline=today + datetime.timedelta(days=60),
        acting_user=officer,
        reason=REASON,
    )
    campaign = services.campaign_open(campaign=campaign, acting_user=officer, reason=REASON)
    applied = 0
    for organisation in _eligible(campaign, today, 2):
        services.application_create(
            campaign=campaign, organisation=organisation, acting_user=officer, reason=REASON
        )
        applied += 1
    return f"{campaign.title}: open, {applied} applications"


def _evaluation(officer: User, today: datetime.date) -> str:
    year = today.year - 1
    evaluation = services.evaluation_create(
        division=officer.division,
        title=f"{year}年坪山街道社区社会组织综合评价",
        period_start=datetime.date(year, 1, 1),
        period_end=datetime.date(year, 12, 31),
        acting_user=officer,
        reason=REASON,
    )
    manual = [d for d in Dimension if d not in Dimension.PREFILLED]
    for number, result in enumerate(evaluation.results.order_by("pk")):
        value = 60 + (number * 7) % 40
        services.evaluation_values_set(
            result=result,
            values=[{"dimension": d, "value": value} for d in manual],
            acting_user=officer,
            reason=REASON,
        )
    services.evaluation_publish(evaluation=evaluation, acting_user=officer, reason=REASON)
    return f"{evaluation.title}: {evaluation.results.count()} ranked and published"


@transaction.atomic
def seed_grading(today: datetime.date | None = None) -> str:
    """Create the grading demo data (see the module docstring); returns a one-line summary."""
    today = today or timezone.localdate()
    district = Division.objects.filter(code=DISTRICT).first()
    officer = User.objects.filter(username=DISTRICT_LOGIN).first()
    street_officer = User.objects.filter(username=STREET_LOGIN).first()
    if district is None or officer is None:
        return "grading demo: skipped (no 坪山区 or no district demo login)"
    if AssessmentCampaign.objects.filter(district=district).exists():
        return "grading demo: already there"
    if not Organisation.objects.filter(community__path__startswith=district.path).exists():
        return "grading demo: skipped (no organisations in 坪山区)"
    for name, affiliation in EXPERTS:
        services.expert_create(
            district=district,
            name=name,
            affiliation=affiliation,
            acting_user=officer,
            reason=REASON,
        )
    parts = []
    finished, graded = _finished_campaign(officer, district, today)
    parts.append(f"{finished.title}: {finished.awards.count()} grades awarded")
    expiring = _expiring_grade(officer, district, today, graded)
    if expiring is not None:
        parts.append(f"{expiring.name}: 4A expiring within six months")
    next_year = max(today.year, finished.year + 1)
    parts.append(_open_campaign(officer, district, today, next_year))
    if street_officer is not None:
        parts.append(_evaluation(street_officer, today))
    return "grading demo: " + "; ".join(parts)
