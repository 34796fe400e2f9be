"""Builders for grading tests: registered organisations, campaigns and expert scores."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import translation

from grading import services
from registry.choices import LegalForm, OrgField, OrgStatus, OrgType
from registry.models import Division, Organisation
from tests.conftest import MALUAN_COMMUNITY, PINGSHAN_COMMUNITY, PINGSHAN_DISTRICT

_codes = itertools.count(1)

NOTICE_DAY = datetime.date(2025, 6, 20)
AWARD_DAY = datetime.date(2025, 6, 30)


def make_org(
    name="坪山社区书画协会",
    *,
    community=PINGSHAN_COMMUNITY,
    status=OrgStatus.REGISTERED,
    registered_on=datetime.date(2020, 1, 1),
    filed_on=datetime.date(2019, 1, 1),
):
    """An organisation in a known state, written directly (the lifecycle is not under test)."""
    number = next(_codes)
    return Organisation.objects.create(
        name=name,
        status=status,
        community=Division.objects.get(code=community),
        org_type=OrgType.ASSOCIATION,
        field=OrgField.CULTURE_SPORTS,
        filed_on=filed_on if status in (OrgStatus.FILED, OrgStatus.REGISTERED) else None,
        filing_number=f"TEST{number:06d}" if status != OrgStatus.ACTIVITY_GROUP else None,
        registered_on=registered_on if status == OrgStatus.REGISTERED else None,
        credit_code=f"5144031{number:010d}X" if status == OrgStatus.REGISTERED else None,
        legal_form=LegalForm.SOCIAL_GROUP if status == OrgStatus.REGISTERED else "",
    )


@pytest.fixture(autouse=True)
def english_messages():
    """Service messages come in the active language; the tests read English."""
    with translation.override("en"):
        yield


@pytest.fixture
def org(divisions):
    return make_org()


@pytest.fixture
def maluan_org(divisions):
    return make_org("马峦社区舞蹈协会", community=MALUAN_COMMUNITY)


@pytest.fixture
def pingshan(divisions):
    return Division.objects.get(code=PINGSHAN_DISTRICT)


@pytest.fixture
def campaign(district_officer, pingshan):
    """A 2025 campaign of 坪山区 (deadline 2025-06-01), open for applications."""
    created = services.campaign_create(
        district=pingshan,
        year=2025,
        title="2025年坪山区社会组织等级评估",
        application_deadline=datetime.date(2025, 6, 1),
        acting_user=district_officer,
    )
    return services.campaign_open(campaign=created, acting_user=district_officer)


@pytest.fixture
def experts(district_officer, pingshan):
    return [
        services.expert_create(district=pingshan, name=name, acting_user=district_officer)
        for name in ("张评审", "李评审", "王评审")
    ]


def points_for(campaign, total) -> list:
    """(indicator, points) pairs over every scored indicator adding up to ``total``."""
    remaining = Decimal(str(total))
    pairs = []
    for indicator in campaign.template.leaves():
        given = min(indicator.max_points, remaining)
        pairs.append((indicator, given))
        remaining -= given
    assert remaining == 0, "total above the template's maximum"
    return pairs


def score(application, expert, total, user):
    return services.scores_record(
        application=application,
        expert=expert,
        scores=points_for(application.campaign, total),
        acting_user=user,
    )


def scored_application(campaign, organisation, user, totals, experts, *, today=None):
    """Apply, assign a panel of ``len(totals)`` experts, score, compute (campaign -> scoring)."""
    application = services.application_create(
        campaign=campaign,
        organisation=organisation,
        acting_user=user,
        today=today or datetime.date(2025, 5, 1),
    )
    campaign.refresh_from_db()
    if campaign.status == "open":
        services.campaign_start_scoring(campaign=campaign, acting_user=user)
    panel = services.panel_create(
        campaign=campaign,
        name=f"评审组{application.pk}",
        experts=experts[: len(totals)],
        acting_user=user,
    )
    services.application_assign_panel(application=application, panel=panel, acting_user=user)
    application.refresh_from_db()
    for expert, total in zip(experts, totals, strict=False):
        score(application, expert, total, user)
    return services.application_compute(application=application, acting_user=user)
