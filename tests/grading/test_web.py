"""The grading pages and file, and the registry pages grading feeds: scoping of every page,
the .xlsx export, and the grade on the public register, the organisation page and the ledger
export."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from grading import services
from grading.choices import Dimension
from grading.models import ExpertScore
from tests.grading.conftest import AWARD_DAY, NOTICE_DAY, make_org, scored_application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(client_for):
    """Logged-in clients that ask for the English pages (the assertions read English)."""

    def make(user):
        client = client_for(user)
        client.cookies["django_language"] = "en"
        return client

    return make


@pytest.fixture
def finished(campaign, org, district_officer, experts):
    """The campaign with one scored, noticed and final application (900 points, 3A)."""
    application = scored_application(campaign, org, district_officer, [880, 920], experts)
    services.campaign_start_notice(
        campaign=campaign, acting_user=district_officer, today=NOTICE_DAY
    )
    services.campaign_finalise(campaign=campaign, acting_user=district_officer, today=AWARD_DAY)
    application.refresh_from_db()
    return application


def _pages(campaign, application):
    return [
        reverse("grading:campaign-detail", args=[campaign.pk]),
        reverse("grading:campaign-eligibility", args=[campaign.pk]),
        reverse("grading:campaign-export", args=[campaign.pk]),
        reverse("grading:application-detail", args=[application.pk]),
    ]


def test_the_district_sees_every_page(client_for, district_officer, finished):
    client = client_for(district_officer)
    campaign = finished.campaign
    for url in [
        reverse("grading:campaign-list"),
        reverse("grading:grade-list"),
        reverse("grading:grade-expiring"),
        reverse("grading:expert-list"),
        reverse("grading:sanction-list"),
        reverse("grading:evaluation-list"),
        reverse("grading:campaign-create"),
        reverse("grading:expert-create"),
        reverse("grading:grade-create"),
        reverse("grading:sanction-create"),
        *_pages(campaign, finished),
    ]:
        assert client.get(url).status_code == 200, url
    detail = client.get(reverse("grading:campaign-detail", args=[campaign.pk])).content.decode()
    assert finished.organisation.name in detail and "900.00" in detail and "3A" in detail
    assert client.get(reverse("grading:home")).status_code == 302


def test_the_results_export_is_a_real_xlsx(client_for, district_officer, finished):
    response = client_for(district_officer).get(
        reverse("grading:campaign-export", args=[finished.campaign.pk])
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["评估结果", "专家评分"]
    sheet = workbook["评估结果"]
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[:2] == ["排名", "机构名称"] and "评估等级" in header and "最终得分" in header
    row = [cell.value for cell in sheet[2]]
    assert row[0] == 1 and row[1] == finished.organisation.name
    assert row[header.index("最终得分")] == 900
    assert row[header.index("评估等级")] == "3A"
    assert row[header.index("申请日期")].date() == datetime.date(2025, 5, 1)
    experts = workbook["专家评分"]
    totals = sorted(row[4] for row in experts.iter_rows(min_row=2, values_only=True))
    assert totals == [880, 920]


def test_the_score_sheet_page_refuses_bad_points_and_stores_nothing(
    client_for, district_officer, campaign, org, experts
):
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
    services.application_assign_panel(
        application=application, panel=panel, acting_user=district_officer
    )
    leaves = list(campaign.template.leaves())
    url = reverse("grading:application-scores", args=[application.pk])
    client = client_for(district_officer)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"expert": experts[0].pk, f"points_{leaves[0].pk}": "25", f"points_{leaves[1].pk}": "5"},
    )
    assert response.status_code == 200
    assert "above its maximum" in response.content.decode()
    assert not ExpertScore.objects.exists()
    response = client.post(url, {"expert": experts[0].pk, f"points_{leaves[0].pk}": "15"})
    assert response.status_code == 302
    assert ExpertScore.objects.get().points == Decimal(15)


def test_the_eligibility_page_explains_why_not(client_for, district_officer, campaign, org):
    young = make_org("年轻协会", registered_on=datetime.date(2024, 3, 1))
    html = (
        client_for(district_officer)
        .get(reverse("grading:campaign-eligibility", args=[campaign.pk]))
        .content.decode()
    )
    assert org.name in html and young.name in html
    assert "not two full years" in html


def test_the_expiring_page_lists_grades_ending_within_six_months(
    client_for, district_officer, org, divisions
):
    services.grade_award_record(
        organisation=org,
        level=4,
        awarded_on=datetime.date(2021, 1, 10),
        acting_user=district_officer,
        reason="录入",
    )
    later = make_org("新等级协会")
    services.grade_award_record(
        organisation=later,
        level=5,
        awarded_on=datetime.date(2024, 1, 10),
        acting_user=district_officer,
        reason="录入",
    )
    from unittest import mock

    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2025, 9, 1)):
        html = client_for(district_officer).get(reverse("grading:grade-expiring")).content.decode()
    assert org.name in html and later.name not in html


def test_public_register_shows_the_current_grade(client, finished, divisions):
    html = client.get(reverse("public-register")).content.decode()
    assert '<span class="badge grade-badge">3A</span>' in html


def test_organisation_page_shows_grade_and_published_evaluations(
    client_for, district_officer, street_officer, finished
):
    organisation = finished.organisation
    html = (
        client_for(district_officer)
        .get(reverse("organisation-detail", args=[organisation.pk]))
        .content.decode()
    )
    assert 'id="grading"' in html and "3A" in html and "2030-06-29" in html
    filed = make_org("备案协会", status="filed")
    evaluation = services.evaluation_create(
        division=street_officer.division,
        title="2024年综合评价",
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2024, 12, 31),
        acting_user=street_officer,
    )
    result = evaluation.results.get()
    page = reverse("organisation-detail", args=[filed.pk])
    assert "2024年综合评价" not in client_for(street_officer).get(page).content.decode()
    services.evaluation_values_set(
        result=result,
        values=[{"dimension": d, "value": 75} for d in Dimension if d not in Dimension.PREFILLED],
        acting_user=street_officer,
    )
    services.evaluation_publish(evaluation=evaluation, acting_user=street_officer)
    html = client_for(street_officer).get(page).content.decode()
    assert "2024年综合评价" in html


def test_evaluation_pages_and_scoping(client_for, street_officer, other_street_officer, divisions):
    make_org("备案协会", status="filed")
    evaluation = services.evaluation_create(
        division=street_officer.division,
        title="坪山街道备案组织评价",
        period_start=datetime.date(2024, 1, 1),
        period_end=datetime.date(2024, 12, 31),
        acting_user=street_officer,
    )
    result = evaluation.results.get()
    client = client_for(street_officer)
    detail = reverse("grading:evaluation-detail", args=[evaluation.pk])
    result_url = reverse("grading:evaluation-result", args=[result.pk])
    assert client.get(detail).status_code == 200
    assert client.get(result_url).status_code == 200
    assert client.get(reverse("grading:evaluation-create")).status_code == 200
    # An adjustment without a note is refused on the form, nothing stored.
    response = client.post(result_url, {"value_activities": "99", "value_structure": "80"})
    assert response.status_code == 200 and "say why" in response.content.decode()
    assert result.values.get(dimension="structure").value is None
    other = client_for(other_street_officer)
    assert other.get(detail).status_code == 404
    assert other.get(result_url).status_code == 404
    assert (
        other.post(reverse("grading:evaluation-step", args=[evaluation.pk, "publish"])).status_code
        == 404
    )
    assert (
        "坪山街道备案组织评价" not in other.get(reverse("grading:evaluation-list")).content.decode()
    )
    assert "坪山街道备案组织评价" in client.get(reverse("grading:evaluation-list")).content.decode()


def test_sanction_pages(client_for, staff, other_street_officer, org):
    client = client_for(staff)
    response = client.post(
        reverse("grading:sanction-create"),
        {"organisation": org.pk, "kind": "penalty", "title": "警告", "decided_on": "2025-01-01"},
    )
    assert response.status_code == 302
    sanction = org.sanctions.get()
    assert client.get(reverse("grading:sanction-close", args=[sanction.pk])).status_code == 200
    assert (
        client_for(other_street_officer)
        .get(reverse("grading:sanction-close", args=[sanction.pk]))
        .status_code
        == 404
    )
    assert (
        "警告"
        not in client_for(other_street_officer)
        .get(reverse("grading:sanction-list"))
        .content.decode()
    )


def test_the_registered_ledger_export_has_a_grade_column(client_for, district_officer, finished):
    response = client_for(district_officer).get(reverse("excel:export", args=["registered"]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    assert header[-1] == "评估等级"
    rows = {
        row[header.index("组织名称")]: row[-1]
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert rows[finished.organisation.name] == "3A"
    csv = b"".join(
        client_for(district_officer)
        .get(reverse("excel:export", args=["registered"]), {"format": "csv"})
        .streaming_content
    ).decode("utf-8")
    assert csv.splitlines()[0].endswith("评估等级")
    assert csv.splitlines()[1].endswith("3A")


def test_the_ledger_filter_finds_3a_and_above(client_for, district_officer, finished, divisions):
    make_org("无等级协会")
    response = client_for(district_officer).get(
        reverse("organisation-list"), {"grade_3a_plus": "true"}
    )
    html = response.content.decode()
    assert finished.organisation.name in html and "无等级协会" not in html


def test_score_history_records_who_and_why(client_for, district_officer, campaign, org, experts):
    application = scored_application(campaign, org, district_officer, [880, 920], experts)
    score = ExpertScore.objects.filter(application=application).first()
    record = score.history.get()
    assert record.history_user == district_officer
    assert experts[0].name in record.history_change_reason or experts[1].name in (
        record.history_change_reason
    )
    html = (
        client_for(district_officer)
        .get(reverse("grading:application-detail", args=[application.pk]))
        .content.decode()
    )
    assert "900.00" in html and "880.00" in html and "920.00" in html


def test_the_whole_flow_through_the_pages(
    client_for, district_officer, make_user, org, experts, pingshan
):
    from django.utils import timezone

    from grading.models import AssessmentApplication, AssessmentCampaign

    today = timezone.localdate()
    client = client_for(district_officer)
    response = client.post(
        reverse("grading:campaign-create"),
        {
            "district": "440310",
            "year": today.year,
            "title": "页面评估",
            "application_deadline": (today + datetime.timedelta(days=30)).isoformat(),
            "notice_days": 7,
            "aggregation": "mean",
            "trim_count": 1,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = AssessmentCampaign.objects.get(title="页面评估")

    def step(name):
        return client.post(reverse("grading:campaign-step", args=[campaign.pk, name]), follow=True)

    step("open")
    response = client.post(
        reverse("grading:campaign-apply", args=[campaign.pk]), {"organisation": org.pk}
    )
    assert response.status_code == 302
    application = AssessmentApplication.objects.get(campaign=campaign)
    step("start-scoring")
    client.post(
        reverse("grading:panel-create", args=[campaign.pk]),
        {"name": "评审组", "kind": "initial", "experts": [experts[0].pk, experts[1].pk]},
    )
    panel = campaign.panels.get()
    client.post(reverse("grading:application-panel", args=[application.pk]), {"panel": panel.pk})
    leaves = list(campaign.template.leaves())
    for expert, total in ((experts[0], 880), (experts[1], 920)):
        from tests.grading.conftest import points_for

        data = {"expert": expert.pk}
        data.update({f"points_{i.pk}": str(p) for i, p in points_for(campaign, total)})
        assert (
            client.post(
                reverse("grading:application-scores", args=[application.pk]), data
            ).status_code
            == 302
        )
    assert ExpertScore.objects.filter(application=application).count() == 2 * len(leaves)
    client.post(reverse("grading:application-step", args=[application.pk, "compute"]))
    application.refresh_from_db()
    assert (application.score, application.level) == (Decimal("900.00"), 3)
    step("start-notice")
    leader = client_for(make_user("organisation_leader", organisation=org))
    page = leader.get(reverse("grading:application-detail", args=[application.pk])).content.decode()
    assert "appeal" in page
    leader.post(
        reverse("grading:application-step", args=[application.pk, "appeal"]), {"reason": "分数偏低"}
    )
    application.refresh_from_db()
    assert application.status == "appealed"
    # Dismissing needs a reason; without one nothing changes.
    client.post(reverse("grading:application-step", args=[application.pk, "dismiss-appeal"]))
    application.refresh_from_db()
    assert application.status == "appealed"
    client.post(
        reverse("grading:application-step", args=[application.pk, "dismiss-appeal"]),
        {"reason": "评分无误"},
    )
    application.refresh_from_db()
    assert application.status == "noticed" and application.level == 3
    # Still on notice: finalising is refused with a message, nothing changes.
    response = step("finalise")
    assert "The public notice runs until" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == "notice"


def test_a_form_whose_step_no_longer_applies_is_409_with_the_reason_on_it(
    client_for, district_officer, campaign, org
):
    """The campaign stopped taking applications while the form was open: the form comes back
    with the reason at the top, as a conflict (409), and nothing is stored."""
    url = reverse("grading:campaign-apply", args=[campaign.pk])
    client = client_for(district_officer)
    assert client.get(url).status_code == 200
    services.campaign_start_scoring(campaign=campaign, acting_user=district_officer)
    response = client.post(url, {"organisation": org.pk, "reason": "申请评估"})
    assert response.status_code == 409
    assert "does not take applications" in response.content.decode()
    assert not campaign.applications.exists()
