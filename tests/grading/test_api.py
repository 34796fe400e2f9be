"""The grading API: the level-assessment flow end to end, bad input refused with nothing stored,
scoping of every resource, and the organisation resource's grade field and filters."""

import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from grading import services
from grading.models import AssessmentApplication, ExpertScore, GradeAward
from tests.grading.conftest import AWARD_DAY, NOTICE_DAY, make_org, points_for

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def futian_officer(make_user):
    return make_user("district_officer", "440304", username="district-futian")


def _on(day):
    """Run the request as if today were ``day`` (the services' and views' "today")."""
    return mock.patch("django.utils.timezone.localdate", return_value=day)


def _sheet(campaign, total):
    return [
        {"indicator": indicator.pk, "points": str(points)}
        for indicator, points in points_for(campaign, total)
    ]


def test_the_level_assessment_flow_through_the_api(
    api_for, district_officer, org, experts, make_user
):
    api = api_for(district_officer)
    created = api.post(
        f"{API}/assessment-campaigns/",
        {
            "district": "440310",
            "year": 2025,
            "title": "2025年坪山区社会组织等级评估",
            "application_deadline": "2025-06-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    campaign_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert created.json()["bands"][0] == {"level": 5, "lower_bound": "950.00", "inclusive": True}
    assert (
        api.post(f"{API}/assessment-campaigns/{campaign_id}/open/", {}, format="json").status_code
        == 200
    )

    eligibility = api.get(f"{API}/assessment-campaigns/{campaign_id}/eligibility/").json()
    assert [(row["organisation"], row["eligible"]) for row in eligibility] == [(org.pk, True)]

    with _on(datetime.date(2025, 5, 1)):
        applied = api.post(
            f"{API}/assessment-applications/",
            {"campaign": campaign_id, "organisation": org.pk},
            format="json",
        )
    assert applied.status_code == 201, applied.json()
    application_id = applied.json()["id"]
    api.post(f"{API}/assessment-campaigns/{campaign_id}/start-scoring/", {}, format="json")
    panel = api.post(
        f"{API}/assessment-panels/",
        {"campaign": campaign_id, "name": "第一组", "experts": [e.pk for e in experts[:2]]},
        format="json",
    )
    assert panel.status_code == 201, panel.json()
    assigned = api.post(
        f"{API}/assessment-applications/{application_id}/assign-panel/",
        {"panel": panel.json()["id"]},
        format="json",
    )
    assert assigned.status_code == 200, assigned.json()
    campaign = services.AssessmentCampaign.objects.get(pk=campaign_id)
    for expert, total in zip(experts, (880, 920), strict=False):
        scored = api.post(
            f"{API}/assessment-applications/{application_id}/scores/",
            {"expert": expert.pk, "scores": _sheet(campaign, total)},
            format="json",
        )
        assert scored.status_code == 201, scored.json()
    computed = api.post(
        f"{API}/assessment-applications/{application_id}/compute/", {}, format="json"
    )
    assert computed.status_code == 200, computed.json()
    assert (computed.json()["score"], computed.json()["level"], computed.json()["grade"]) == (
        "900.00",
        3,
        "3A",
    )
    with _on(NOTICE_DAY):
        noticed = api.post(
            f"{API}/assessment-campaigns/{campaign_id}/start-notice/", {}, format="json"
        )
    assert noticed.json()["notice_ends_on"] == "2025-06-26"
    leader = api_for(make_user("organisation_leader", organisation=org))
    # The leader sees its own application and appeals it during the notice.
    with _on(NOTICE_DAY):
        no_reason = leader.post(
            f"{API}/assessment-applications/{application_id}/appeal/", {}, format="json"
        )
        appealed = leader.post(
            f"{API}/assessment-applications/{application_id}/appeal/",
            {"reason": "加分项未计入"},
            format="json",
        )
    assert no_reason.status_code == 400
    assert appealed.status_code == 200, appealed.json()
    dismissed = api.post(
        f"{API}/assessment-applications/{application_id}/dismiss-appeal/",
        {"reason": "加分项材料不符合要求"},
        format="json",
    )
    assert dismissed.json()["status"] == "noticed" and dismissed.json()["grade"] == "3A"
    with _on(AWARD_DAY):
        final = api.post(f"{API}/assessment-campaigns/{campaign_id}/finalise/", {}, format="json")
    assert final.status_code == 200, final.json()
    awards = api.get(f"{API}/grade-awards/", {"organisation": org.pk}).json()["results"]
    assert [(a["level"], a["awarded_on"], a["valid_until"]) for a in awards] == [
        (3, "2025-06-30", "2030-06-29")
    ]
    scores = api.get(f"{API}/assessment-scores/", {"application": application_id}).json()
    assert len(scores["results"]) == 2 * len(points_for(campaign, 0))


def test_an_ineligible_application_is_a_400_with_the_reason(api_for, district_officer, campaign):
    young = make_org("新协会", registered_on=datetime.date(2024, 1, 1))
    with _on(datetime.date(2025, 5, 1)):
        answer = api_for(district_officer).post(
            f"{API}/assessment-applications/",
            {"campaign": campaign.pk, "organisation": young.pk},
            format="json",
        )
    assert answer.status_code == 400
    assert "two full years" in answer.json()["organisation"][0]
    assert not AssessmentApplication.objects.exists()


@pytest.fixture
def scoring_application(campaign, org, district_officer, experts):
    application = services.application_create(
        campaign=campaign,
        organisation=org,
        acting_user=district_officer,
        today=datetime.date(2025, 5, 1),
    )
    services.campaign_start_scoring(campaign=campaign, acting_user=district_officer)
    panel = services.panel_create(
        campaign=campaign, name="组", experts=experts[:2], acting_user=district_officer
    )
    return services.application_assign_panel(
        application=application, panel=panel, acting_user=district_officer
    )


@pytest.mark.parametrize("points", ["20.01", "-0.01", "1e3", "abc", None])
def test_bad_scores_are_a_400_and_nothing_is_stored(
    api_for, district_officer, scoring_application, experts, points
):
    leaf = scoring_application.campaign.template.leaves().first()  # max 20
    answer = api_for(district_officer).post(
        f"{API}/assessment-applications/{scoring_application.pk}/scores/",
        {
            "expert": experts[0].pk,
            "scores": [
                {"indicator": leaf.pk + 1, "points": "1"},
                {"indicator": leaf.pk, "points": points},
            ],
        },
        format="json",
    )
    assert answer.status_code == 400, answer.json()
    assert not ExpertScore.objects.exists()


def test_a_second_score_for_the_same_indicator_is_a_400(
    api_for, district_officer, scoring_application, experts
):
    leaf = scoring_application.campaign.template.leaves().first()
    api = api_for(district_officer)
    url = f"{API}/assessment-applications/{scoring_application.pk}/scores/"
    body = {"expert": experts[0].pk, "scores": [{"indicator": leaf.pk, "points": "10"}]}
    assert api.post(url, body, format="json").status_code == 201
    body["scores"][0]["points"] = "11"
    second = api.post(url, body, format="json")
    assert second.status_code == 400
    assert "already scored" in second.json()["scores"][0]
    assert ExpertScore.objects.get().points == 10


def test_grades_expiring_and_filters(api_for, district_officer, futian_officer, org, divisions):
    services.grade_award_record(
        organisation=org,
        level=4,
        awarded_on=datetime.date(2021, 3, 1),
        acting_user=district_officer,
        reason="录入",
    )
    other = make_org("二级协会")
    services.grade_award_record(
        organisation=other,
        level=2,
        awarded_on=datetime.date(2024, 3, 1),
        acting_user=district_officer,
        reason="录入",
    )
    api = api_for(district_officer)
    with _on(datetime.date(2025, 10, 1)):
        expiring = api.get(f"{API}/grade-awards/expiring/").json()["results"]
        current = api.get(f"{API}/grade-awards/", {"current": "true", "level_min": "3"}).json()
    assert [row["organisation"] for row in expiring] == [org.pk]  # valid until 2026-02-28
    assert [row["organisation"] for row in current["results"]] == [org.pk]
    with _on(datetime.date(2025, 8, 1)):
        assert api.get(f"{API}/grade-awards/expiring/").json()["results"] == []
    assert api.get(f"{API}/grade-awards/", {"level_min": "9"}).status_code == 400
    assert api.get(f"{API}/grade-awards/", {"current": "maybe"}).status_code == 400
    futian = api_for(futian_officer)
    assert futian.get(f"{API}/grade-awards/").json()["results"] == []
    assert futian.get(f"{API}/grade-awards/expiring/").json()["results"] == []
    award = GradeAward.objects.get(organisation=org)
    assert futian.get(f"{API}/grade-awards/{award.pk}/").status_code == 404


def test_sanctions_api(api_for, district_officer, other_street_officer, staff, org):
    api = api_for(staff)
    created = api.post(
        f"{API}/sanctions/",
        {"organisation": org.pk, "kind": "penalty", "title": "警告", "decided_on": "2025-01-01"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["is_open"] is True
    closed = api.post(
        f"{API}/sanctions/{created.json()['id']}/close/",
        {"on": "2025-02-01", "reason": "已整改"},
        format="json",
    )
    assert closed.status_code == 200 and closed.json()["closed_on"] == "2025-02-01"
    again = api.post(
        f"{API}/sanctions/{created.json()['id']}/close/",
        {"on": "2025-02-01", "reason": "x"},
        format="json",
    )
    assert again.status_code == 409
    outside = api_for(other_street_officer)
    assert outside.get(f"{API}/sanctions/").json()["results"] == []
    assert outside.get(f"{API}/sanctions/{created.json()['id']}/").status_code == 404


def test_evaluations_api_and_scoping(api_for, street_officer, other_street_officer, divisions):
    filed = make_org("备案协会", status="filed")
    api = api_for(street_officer)
    created = api.post(
        f"{API}/evaluations/",
        {
            "division": street_officer.division_id,
            "title": "综合评价",
            "period_start": "2024-01-01",
            "period_end": "2024-12-31",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    evaluation_id = created.json()["id"]
    results = api.get(f"{API}/evaluation-results/", {"evaluation": evaluation_id}).json()
    [result] = results["results"]
    assert result["organisation"] == filed.pk
    assert len(result["values"]) == 10
    missing_note = api.post(
        f"{API}/evaluation-results/{result['id']}/values/",
        {"values": [{"dimension": "activities", "value": "99"}]},
        format="json",
    )
    assert missing_note.status_code == 400
    body = {
        "values": [
            {"dimension": d, "value": "80"}
            for d in ("structure", "members", "meetings_rules", "capacity", "purchased_services")
        ]
    }
    assert (
        api.post(
            f"{API}/evaluation-results/{result['id']}/values/", body, format="json"
        ).status_code
        == 200
    )
    published = api.post(f"{API}/evaluations/{evaluation_id}/publish/", {}, format="json")
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "published"
    outside = api_for(other_street_officer)
    assert outside.get(f"{API}/evaluations/").json()["results"] == []
    assert outside.get(f"{API}/evaluations/{evaluation_id}/").status_code == 404
    assert outside.get(f"{API}/evaluation-results/{result['id']}/").status_code == 404
    assert (
        outside.post(f"{API}/evaluations/{evaluation_id}/publish/", {}, format="json").status_code
        == 404
    )


def test_organisation_api_shows_the_current_grade_and_filters_3a_plus(
    api_for, district_officer, org, divisions
):
    low = make_org("一级协会")
    none = make_org("无等级协会")
    services.grade_award_record(
        organisation=org,
        level=3,
        awarded_on=datetime.date(2024, 1, 1),
        acting_user=district_officer,
        reason="录入",
    )
    services.grade_award_record(
        organisation=low,
        level=1,
        awarded_on=datetime.date(2024, 1, 1),
        acting_user=district_officer,
        reason="录入",
    )
    api = api_for(district_officer)
    rows = {row["id"]: row for row in api.get(f"{API}/organisations/").json()["results"]}
    assert rows[org.pk]["current_grade"] == 3
    assert rows[org.pk]["current_grade_valid_until"] == "2028-12-31"
    assert rows[low.pk]["current_grade"] == 1
    assert rows[none.pk]["current_grade"] is None
    detail = api.get(f"{API}/organisations/{org.pk}/").json()
    assert detail["current_grade"] == 3
    plus = api.get(f"{API}/organisations/", {"grade_3a_plus": "true"}).json()["results"]
    assert [row["id"] for row in plus] == [org.pk]
    not_plus = api.get(f"{API}/organisations/", {"grade_3a_plus": "false"}).json()["results"]
    assert {row["id"] for row in not_plus} == {low.pk, none.pk}
    at_least_1 = api.get(f"{API}/organisations/", {"grade_min": "1"}).json()["results"]
    assert {row["id"] for row in at_least_1} == {org.pk, low.pk}
    assert api.get(f"{API}/organisations/", {"grade_min": "6"}).status_code == 400


def test_organisation_list_reads_grades_in_one_query(api_for, district_officer, divisions):
    api = api_for(district_officer)
    for i in range(2):
        services.grade_award_record(
            organisation=make_org(f"协会{i}"),
            level=3,
            awarded_on=datetime.date(2024, 1, 1),
            acting_user=district_officer,
            reason="录入",
        )
    with CaptureQueriesContext(connection) as few:
        api.get(f"{API}/organisations/")
    for i in range(2, 8):
        services.grade_award_record(
            organisation=make_org(f"协会{i}"),
            level=4,
            awarded_on=datetime.date(2024, 1, 1),
            acting_user=district_officer,
            reason="录入",
        )
    with CaptureQueriesContext(connection) as many:
        answer = api.get(f"{API}/organisations/")
    assert len(answer.json()["results"]) == 8
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_schema_documents_the_grading_endpoints(api_for, district_officer):
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    paths = schema["paths"]
    for path in (
        "/api/v1/assessment-campaigns/",
        "/api/v1/assessment-campaigns/{id}/finalise/",
        "/api/v1/assessment-applications/{id}/scores/",
        "/api/v1/grade-awards/expiring/",
        "/api/v1/evaluation-results/{id}/values/",
    ):
        assert path in paths, path
    scores = paths["/api/v1/assessment-applications/{id}/scores/"]["post"]["responses"]
    assert {"201", "400", "403", "404", "409"} <= set(scores)
    organisation = schema["components"]["schemas"]["Organisation"]["properties"]
    assert organisation["current_grade"]["type"] == "integer"
    assert organisation["current_grade"]["nullable"] is True


def test_a_leader_sees_the_open_campaigns_of_its_district_and_its_own_application(
    api_for, district_officer, make_user, org, campaign, maluan_org, pingshan
):
    draft = services.campaign_create(
        district=pingshan,
        year=2026,
        title="草稿评估",
        application_deadline=datetime.date(2026, 6, 1),
        acting_user=district_officer,
    )
    leader = api_for(make_user("organisation_leader", organisation=org))
    seen = [row["id"] for row in leader.get(f"{API}/assessment-campaigns/").json()["results"]]
    assert seen == [campaign.pk]
    assert leader.get(f"{API}/assessment-campaigns/{draft.pk}/").status_code == 404
    with _on(datetime.date(2025, 5, 1)):
        mine = leader.post(
            f"{API}/assessment-applications/",
            {"campaign": campaign.pk, "organisation": org.pk},
            format="json",
        )
        other = leader.post(
            f"{API}/assessment-applications/",
            {"campaign": campaign.pk, "organisation": maluan_org.pk},
            format="json",
        )
    assert mine.status_code == 201
    assert other.status_code == 400  # another organisation "does not exist" for this leader
    services.application_create(
        campaign=campaign,
        organisation=maluan_org,
        acting_user=district_officer,
        today=datetime.date(2025, 5, 1),
    )
    listed = leader.get(f"{API}/assessment-applications/").json()["results"]
    assert [row["organisation"] for row in listed] == [org.pk]
    # Experts, panels, scores and the campaign steps are the bureau's.
    assert leader.get(f"{API}/assessment-experts/").json()["results"] == []
    assert (
        leader.post(
            f"{API}/assessment-campaigns/{campaign.pk}/start-scoring/", {}, format="json"
        ).status_code
        == 403
    )
