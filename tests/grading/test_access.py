"""Grading's endpoints and pages on the shared access tests (``tests/access.py``).

The sample: a registered organisation of 坪山社区 (its leader is the world's
``organisation_leader``) in 坪山区's open 2025 level-assessment campaign, with experts, a panel
and a score, a grade and a penalty; and 坪山社区's comprehensive evaluation of its activity
groups (the world's organisation). Campaigns, experts
and panels belong to the district: community staff and street officers of 坪山 don't see them.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from grading import services
from grading.models import (
    AssessmentApplication,
    AssessmentCampaign,
    Evaluation,
    EvaluationResult,
    Expert,
    ExpertPanel,
    ExpertScore,
    GradeAward,
    Sanction,
)
from registry.models import Division
from tests.access import INSIDE, OUTSIDE, XLSX, EndpointAccess, PageAccess, cell_texts
from tests.grading.conftest import make_org
from tests.places import PINGSHAN_COMMUNITY, PINGSHAN_DISTRICT
from tests.world import lead

pytestmark = pytest.mark.django_db

API = "/api/v1"

#: a district's campaigns: its officers, the city, and the leaders of its organisations
CAMPAIGN_INSIDE = [
    "district_officer",
    "city_officer",
    "superuser",
    "organisation_leader",
    "organisation_leader_out",  # leads another organisation of the same district
]
CAMPAIGN_OUTSIDE = [
    "community_staff",
    "street_officer",
    "community_staff_out",
    "street_officer_out",
    "district_officer_out",
]
#: a district's experts and panels: no organisation's leader
BUREAU_INSIDE = ["district_officer", "city_officer", "superuser"]
BUREAU_OUTSIDE = [*CAMPAIGN_OUTSIDE, "organisation_leader", "organisation_leader_out"]
#: scores and evaluations hang off places, not organisations
PLACES_INSIDE = [role for role in INSIDE if role != "organisation_leader"]
PLACES_OUTSIDE = [*OUTSIDE, "organisation_leader"]


def url(name, *args):
    return reverse(f"grading:{name}", args=args)


def registered(world, users):
    """A registered organisation of 坪山社区 (since 2020), led by the world's leader."""
    world.registered = make_org("坪山社区书画研究会")
    lead(users, world.registered)


def open_campaign(world, users):
    district = users["district_officer"]
    pingshan = Division.objects.get(code=PINGSHAN_DISTRICT)
    campaign = services.campaign_create(
        district=pingshan,
        year=2025,
        title="2025年坪山区社会组织等级评估",
        application_deadline=datetime.date(2025, 6, 1),
        acting_user=district,
    )
    world.campaign = services.campaign_open(campaign=campaign, acting_user=district)
    world.experts = [
        services.expert_create(district=pingshan, name=name, acting_user=district)
        for name in ("张评审", "李评审")
    ]


def scored_application(world, users):
    """The registered organisation's application, in scoring, with a panel and one score."""
    registered(world, users)
    open_campaign(world, users)
    district = users["district_officer"]
    application = services.application_create(
        campaign=world.campaign,
        organisation=world.registered,
        acting_user=district,
        today=datetime.date(2025, 5, 1),
    )
    services.campaign_start_scoring(campaign=world.campaign, acting_user=district)
    world.panel = services.panel_create(
        campaign=world.campaign, name="第一评审组", experts=world.experts, acting_user=district
    )
    world.assessment = services.application_assign_panel(
        application=application, panel=world.panel, acting_user=district
    )
    leaf = world.campaign.template.leaves().first()
    [world.score] = services.scores_record(
        application=world.assessment,
        expert=world.experts[0],
        scores=[(leaf, 5)],
        acting_user=district,
    )


def graded(world, users, *, awarded_on=None):
    """A 4A grade of the registered organisation, awarded a year ago (in force today)."""
    today = timezone.localdate()
    awarded_on = awarded_on or today.replace(year=today.year - 1, day=1)
    registered(world, users)
    world.award = services.grade_award_record(
        organisation=world.registered,
        level=4,
        awarded_on=awarded_on,
        acting_user=users["district_officer"],
        reason="录入历史等级",
    )


def expiring_soon(world, users):
    """A 4A grade whose five years end in about two months."""
    today = timezone.localdate()
    awarded_on = today.replace(year=today.year - 5, day=1) + datetime.timedelta(60)
    graded(world, users, awarded_on=awarded_on)


def penalised(world, users):
    registered(world, users)
    world.sanction = services.sanction_create(
        organisation=world.registered,
        kind="penalty",
        title="警告处分",
        decided_on=datetime.date(2025, 1, 1),
        acting_user=users["community_staff"],
    )


def evaluated(world, users):
    """坪山社区's comprehensive evaluation of its activity groups (the world's two)."""
    world.evaluation = services.evaluation_create(
        division=Division.objects.get(code=PINGSHAN_COMMUNITY),
        title="坪山社区2024年综合评价",
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2024, 12, 31),
        acting_user=users["community_staff"],
    )
    world.result = world.evaluation.results.get(organisation=world.organisation)


# --- API --------------------------------------------------------------------------------------


class TestCampaignEndpoint(EndpointAccess):
    model = AssessmentCampaign
    list_url = f"{API}/assessment-campaigns/"
    inside = CAMPAIGN_INSIDE
    outside = CAMPAIGN_OUTSIDE

    def setup_world(self, world, users):
        registered(world, users)
        open_campaign(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.campaign.pk}/"

    def object_id(self, world):
        return world.campaign.pk

    def filters(self, world):
        return [{"year": 2025, "status": "open"}, {"within": PINGSHAN_DISTRICT}]

    def actions(self, world):
        detail = self.detail_url(world)
        return [
            ("get", f"{detail}eligibility/", None),
            ("patch", detail, {"title": "越权"}),
            *(
                ("post", f"{detail}{step}/", {})
                for step in ("open", "start-scoring", "start-notice", "finalise")
            ),
        ]

    def create_body(self, world):
        body = {
            "district": PINGSHAN_DISTRICT,
            "year": 2026,
            "title": "越权",
            "application_deadline": "2026-06-01",
        }
        return body, "district"

    def refused(self, world):
        # The city bureau watches; a leader follows the campaign: neither takes its steps.
        start = f"{self.detail_url(world)}start-scoring/"
        return [
            ("city_officer", "post", start, {}, 403),
            ("organisation_leader", "post", start, {}, 403),
        ]


class TestAssessmentApplicationEndpoint(EndpointAccess):
    model = AssessmentApplication
    list_url = f"{API}/assessment-applications/"

    def setup_world(self, world, users):
        scored_application(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.assessment.pk}/"

    def object_id(self, world):
        return world.assessment.pk

    def filters(self, world):
        return [
            {"campaign": world.campaign.pk},
            {"organisation": world.registered.pk, "status": world.assessment.status},
            {"within": PINGSHAN_COMMUNITY, "q": "书画研究会"},
        ]

    def actions(self, world):
        detail = self.detail_url(world)
        return [
            ("post", f"{detail}compute/", {}),
            ("post", f"{detail}refuse/", {"reason": "越权"}),
            ("post", f"{detail}appeal/", {"reason": "越权"}),
            ("post", f"{detail}dismiss-appeal/", {"reason": "越权"}),
            ("post", f"{detail}re-review/", {}),
            ("post", f"{detail}assign-panel/", {"panel": world.panel.pk}),
            (
                "post",
                f"{detail}scores/",
                {
                    "expert": world.experts[1].pk,
                    "scores": [{"indicator": world.score.indicator_id, "points": "3"}],
                },
            ),
        ]

    def create_body(self, world):
        return {"campaign": world.campaign.pk, "organisation": world.registered.pk}, "organisation"

    def refused(self, world):
        # the organisation's street sees the application and may not act on it
        return [("street_officer", "post", f"{self.detail_url(world)}compute/", {}, 403)]


class TestExpertScoreEndpoint(EndpointAccess):
    model = ExpertScore
    list_url = f"{API}/assessment-scores/"
    inside = PLACES_INSIDE
    outside = PLACES_OUTSIDE
    within_filter = False

    def setup_world(self, world, users):
        scored_application(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.score.pk}/"

    def object_id(self, world):
        return world.score.pk

    def filters(self, world):
        return [
            {"application": world.assessment.pk},
            {"expert": world.experts[0].pk, "round": "initial"},
        ]

    def refused(self, world):
        # scores are never changed or deleted
        return [("district_officer", "delete", self.detail_url(world), None, 405)]


class TestExpertEndpoint(EndpointAccess):
    model = Expert
    list_url = f"{API}/assessment-experts/"
    inside = BUREAU_INSIDE
    outside = BUREAU_OUTSIDE

    def setup_world(self, world, users):
        open_campaign(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.experts[0].pk}/"

    def object_id(self, world):
        return world.experts[0].pk

    def filters(self, world):
        return [{"q": "张评审"}, {"within": PINGSHAN_DISTRICT}]

    def create_body(self, world):
        return {"district": PINGSHAN_DISTRICT, "name": "越权专家"}, "district"


class TestExpertPanelEndpoint(EndpointAccess):
    model = ExpertPanel
    list_url = f"{API}/assessment-panels/"
    inside = BUREAU_INSIDE
    outside = BUREAU_OUTSIDE
    referrers = CAMPAIGN_OUTSIDE  # leaders see the campaign (not its experts)
    within_filter = False

    def setup_world(self, world, users):
        scored_application(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.panel.pk}/"

    def object_id(self, world):
        return world.panel.pk

    def filters(self, world):
        return [{"campaign": world.campaign.pk}]

    def actions(self, world):
        return [("patch", self.detail_url(world), {"name": "越权"})]

    def create_body(self, world):
        body = {
            "campaign": world.campaign.pk,
            "name": "越权评审组",
            "experts": [expert.pk for expert in world.experts],
        }
        return body, "campaign"


class TestGradeAwardEndpoint(EndpointAccess):
    model = GradeAward
    list_url = f"{API}/grade-awards/"

    def setup_world(self, world, users):
        graded(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.award.pk}/"

    def object_id(self, world):
        return world.award.pk

    def filters(self, world):
        return [
            {"organisation": world.registered.pk},
            {"within": PINGSHAN_COMMUNITY, "level_min": "3"},
            {"q": "书画研究会"},
        ]

    def actions(self, world):
        body = {"on": "2025-01-01", "reason": "越权"}
        return [("post", f"{self.detail_url(world)}revoke/", body)]

    def create_body(self, world):
        body = {
            "organisation": world.registered.pk,
            "level": 3,
            "awarded_on": "2024-01-01",
            "reason": "越权",
        }
        return body, "organisation"


class TestExpiringGradeEndpoint(EndpointAccess):
    """``/grade-awards/expiring/``: grades ending within six months."""

    model = GradeAward
    list_url = f"{API}/grade-awards/expiring/"

    def setup_world(self, world, users):
        expiring_soon(world, users)

    def detail_url(self, world):
        return f"{API}/grade-awards/{world.award.pk}/"

    def object_id(self, world):
        return world.award.pk

    def filters(self, world):
        return [{"organisation": world.registered.pk}, {"within": PINGSHAN_COMMUNITY}]


class TestSanctionEndpoint(EndpointAccess):
    model = Sanction
    list_url = f"{API}/sanctions/"

    def setup_world(self, world, users):
        penalised(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.sanction.pk}/"

    def object_id(self, world):
        return world.sanction.pk

    def filters(self, world):
        return [
            {"organisation": world.registered.pk, "kind": "penalty", "open": "true"},
            {"within": PINGSHAN_COMMUNITY},
        ]

    def actions(self, world):
        body = {"on": "2025-02-01", "reason": "越权"}
        return [("post", f"{self.detail_url(world)}close/", body)]

    def create_body(self, world):
        body = {
            "organisation": world.registered.pk,
            "kind": "penalty",
            "title": "越权处分",
            "decided_on": "2025-01-01",
        }
        return body, "organisation"


class TestEvaluationEndpoint(EndpointAccess):
    model = Evaluation
    list_url = f"{API}/evaluations/"
    inside = PLACES_INSIDE
    outside = PLACES_OUTSIDE

    def setup_world(self, world, users):
        evaluated(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.evaluation.pk}/"

    def object_id(self, world):
        return world.evaluation.pk

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY, "status": world.evaluation.status}]

    def actions(self, world):
        return [("post", f"{self.detail_url(world)}publish/", {})]

    def create_body(self, world):
        body = {
            "division": PINGSHAN_COMMUNITY,
            "title": "越权评价",
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
        }
        return body, "division"


class TestEvaluationResultEndpoint(EndpointAccess):
    model = EvaluationResult
    list_url = f"{API}/evaluation-results/"
    inside = PLACES_INSIDE
    outside = PLACES_OUTSIDE
    within_filter = False

    def setup_world(self, world, users):
        evaluated(world, users)

    def detail_url(self, world):
        return f"{self.list_url}{world.result.pk}/"

    def object_id(self, world):
        return world.result.pk

    def filters(self, world):
        return [{"evaluation": world.evaluation.pk}, {"organisation": world.organisation.pk}]

    def actions(self, world):
        body = {"values": [{"dimension": "structure", "value": "80"}]}
        return [("post", f"{self.detail_url(world)}values/", body)]


# --- web pages and the results export --------------------------------------------------------


class TestCampaignPages(PageAccess):
    model = AssessmentCampaign
    list_url = url("campaign-list")
    inside = CAMPAIGN_INSIDE
    outside = CAMPAIGN_OUTSIDE
    writers = ["district_officer", "superuser"]
    referrers = ["community_staff", "street_officer", "district_officer_out"]

    def setup_world(self, world, users):
        registered(world, users)
        open_campaign(world, users)

    def label(self, world):
        return world.campaign.title

    def object_id(self, world):
        return world.campaign.pk

    def detail_url(self, world):
        return url("campaign-detail", world.campaign.pk)

    def pages(self, world):
        return [url("campaign-eligibility", world.campaign.pk)]

    def write_pages(self, world):
        return [url("campaign-apply", world.campaign.pk), url("panel-create", world.campaign.pk)]

    def actions(self, world):
        return [
            (url("campaign-step", world.campaign.pk, step), {})
            for step in ("open", "start-scoring", "start-notice", "finalise")
        ]

    def references(self, world):
        data = {
            "district": PINGSHAN_DISTRICT,
            "year": 2026,
            "title": "越权",
            "application_deadline": "2026-06-01",
            "notice_days": 7,
            "aggregation": "mean",
            "trim_count": 1,
        }
        return [(url("campaign-create"), data, "district")]


class TestCampaignExport(PageAccess):
    """The campaign's results, a real .xlsx: the applicant's row inside, 404 outside."""

    inside = CAMPAIGN_INSIDE
    outside = CAMPAIGN_OUTSIDE

    def setup_world(self, world, users):
        scored_application(world, users)

    def pages(self, world):
        return [url("campaign-export", world.campaign.pk)]

    def test_inside_sees_it(self, inside_role, world, users, client_for):
        super().test_inside_sees_it(inside_role, world, users, client_for)
        if inside_role != "organisation_leader_out":
            response = client_for(users[inside_role]).get(url("campaign-export", world.campaign.pk))
            assert response["Content-Type"].startswith(XLSX)
            assert world.registered.name in cell_texts(response.content)


class TestAssessmentApplicationPages(PageAccess):
    model = AssessmentApplication
    writers = ["district_officer", "superuser"]
    # who sees the campaign but not the organisation: apply for it and it "does not exist"
    referrers = ["organisation_leader_out"]
    outside = [*OUTSIDE]

    def setup_world(self, world, users):
        scored_application(world, users)

    def detail_url(self, world):
        return url("application-detail", world.assessment.pk)

    def write_pages(self, world):
        return [url("application-scores", world.assessment.pk)]

    def actions(self, world):
        pk = world.assessment.pk
        steps = ("compute", "refuse", "appeal", "dismiss-appeal", "re-review")
        return [(url("application-step", pk, step), {"reason": "越权"}) for step in steps] + [
            (url("application-panel", pk), {"panel": world.panel.pk})
        ]

    def references(self, world):
        return [
            (
                url("campaign-apply", world.campaign.pk),
                {"organisation": world.registered.pk},
                "organisation",
            )
        ]


class TestExpertPages(PageAccess):
    model = Expert
    list_url = url("expert-list")
    inside = BUREAU_INSIDE
    outside = BUREAU_OUTSIDE
    referrers = ["community_staff", "street_officer", "district_officer_out"]

    def setup_world(self, world, users):
        open_campaign(world, users)

    def label(self, world):
        return world.experts[0].name

    def object_id(self, world):
        return world.experts[0].pk

    def references(self, world):
        return [(url("expert-create"), {"district": PINGSHAN_DISTRICT, "name": "越权"}, "district")]


class TestGradePages(PageAccess):
    model = GradeAward
    list_url = url("grade-list")

    def setup_world(self, world, users):
        graded(world, users)

    def label(self, world):
        return world.registered.name

    def object_id(self, world):
        return world.award.pk

    def references(self, world):
        data = {
            "organisation": world.registered.pk,
            "level": 3,
            "awarded_on": "2024-01-01",
            "reason": "越权",
        }
        return [(url("grade-create"), data, "organisation")]


class TestExpiringGradePage(PageAccess):
    model = GradeAward
    list_url = url("grade-expiring")

    def setup_world(self, world, users):
        expiring_soon(world, users)

    def label(self, world):
        return world.registered.name

    def object_id(self, world):
        return world.award.pk


class TestSanctionPages(PageAccess):
    model = Sanction
    list_url = url("sanction-list")

    def setup_world(self, world, users):
        penalised(world, users)

    def label(self, world):
        return "警告处分"

    def object_id(self, world):
        return world.sanction.pk

    def write_pages(self, world):
        return [url("sanction-close", world.sanction.pk)]

    def references(self, world):
        data = {
            "organisation": world.registered.pk,
            "kind": "penalty",
            "title": "越权",
            "decided_on": "2025-01-01",
        }
        return [(url("sanction-create"), data, "organisation")]


class TestEvaluationPages(PageAccess):
    model = Evaluation
    list_url = url("evaluation-list")
    inside = PLACES_INSIDE
    outside = PLACES_OUTSIDE
    writers = ["community_staff"]

    def setup_world(self, world, users):
        evaluated(world, users)

    def label(self, world):
        return world.evaluation.title

    def object_id(self, world):
        return world.evaluation.pk

    def detail_url(self, world):
        return url("evaluation-detail", world.evaluation.pk)

    def write_pages(self, world):
        return [url("evaluation-result", world.result.pk)]

    def actions(self, world):
        return [(url("evaluation-step", world.evaluation.pk, "publish"), {})]

    def references(self, world):
        data = {
            "division": PINGSHAN_COMMUNITY,
            "title": "越权",
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
            "activity_target": 12,
        }
        return [(url("evaluation-create"), data, "division")]
