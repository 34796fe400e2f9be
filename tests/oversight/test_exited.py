"""An exited organisation keeps its roster, activities, reports, credit-list entries, dormancy
cases and history, all readable through the pages and the API; nothing more can be written."""

import pytest
from django.urls import reverse

from oversight.choices import CaseStatus
from oversight.services.scan import lifecycle_scan
from registry.choices import ApplicationAction, OrgStatus
from registry.services.lifecycle import application_decide
from tests.oversight.helpers import D, accepted_report, activity, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def exited(staff, street_officer, district_officer):
    organisation = registered(staff, street_officer, district_officer, entered=D(2022, 3, 1))
    activity(organisation, staff, D(2023, 5, 20), title="重阳节敬老活动")
    accepted_report(organisation, 2023, district_officer, district_officer, today=D(2024, 4, 1))
    lifecycle_scan(today=D(2025, 6, 1))  # 2024 report missing: listed; no activity: a suspect
    lifecycle_scan(today=D(2025, 7, 2))  # notice over: exit proposed
    case = organisation.dormancy_cases.get()
    application_decide(
        application=case.exit_application,
        action=ApplicationAction.APPROVE,
        acting_user=district_officer,
        reason="确认为僵尸型社会组织",
    )
    lifecycle_scan(today=D(2025, 7, 3))
    organisation.refresh_from_db()
    assert organisation.status == OrgStatus.EXITED
    return organisation


def test_the_oversight_file_of_an_exited_organisation_shows_everything(
    exited, street_officer, client_for
):
    response = client_for(street_officer).get(reverse("oversight:organisation", args=[exited.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "成员1" in text and "成员10" in text  # the roster
    assert "重阳节敬老活动" in text  # activities
    assert {report.year for report in response.context["reports"]} == {2023, 2024}
    assert [entry.report_year for entry in response.context["entries"]] == [2024]
    assert [case.status for case in response.context["cases"]] == [CaseStatus.EXITED]
    models = {entry.model for entry in response.context["timeline"]}
    assert {
        "organisation",
        "member",
        "activity",
        "application",
        "annualreport",
        "creditlistentry",
        "dormancycase",
    } <= models
    reasons = [entry.reason for entry in response.context["timeline"]]
    assert "确认为僵尸型社会组织" in reasons
    assert not response.context["can_record_unreachable"]


def test_an_exited_organisations_records_stay_readable_through_the_api(
    exited, district_officer, api_for
):
    api = api_for(district_officer)
    reports = api.get(reverse("annual-report-list"), {"organisation": exited.pk}).json()
    assert {row["year"] for row in reports["results"]} == {2023, 2024}
    accepted = next(row for row in reports["results"] if row["year"] == 2023)
    assert accepted["status"] == "accepted" and accepted["income"] == "1200.00"
    entries = api.get(reverse("credit-list-entry-list"), {"organisation": exited.pk}).json()
    assert [row["report_year"] for row in entries["results"]] == [2024]
    cases = api.get(reverse("dormancy-case-list"), {"organisation": exited.pk}).json()
    assert [row["status"] for row in cases["results"]] == ["exited"]
    detail = api.get(reverse("annual-report-detail", args=[accepted["id"]]))
    assert detail.status_code == 200


def test_nothing_more_is_written_for_an_exited_organisation(
    exited, district_officer, api_for, client_for
):
    overdue = exited.annual_reports.get(year=2024)
    api = api_for(district_officer)
    response = api.patch(
        reverse("annual-report-detail", args=[overdue.pk]), {"income": "1"}, format="json"
    )
    assert response.status_code == 409 and "exited" in response.json()["detail"]
    response = api.post(reverse("annual-report-submit", args=[overdue.pk]), {}, format="json")
    assert response.status_code == 409
    response = api.post(
        reverse("dormancy-case-leader-unreachable"),
        {"organisation": exited.pk, "note": "无法联系"},
        format="json",
    )
    assert response.status_code == 409
    page = client_for(district_officer).get(reverse("oversight:report-detail", args=[overdue.pk]))
    assert page.status_code == 200 and not page.context["can_edit"]
    # The scan leaves it alone: no new reports, listings or cases for an exited organisation.
    result = lifecycle_scan(today=D(2027, 6, 1))
    assert result.reports_created_overdue == 0 and result.suspects_flagged == 0
    assert exited.annual_reports.count() == 2
