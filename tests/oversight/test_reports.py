"""Annual reports: who makes, submits and reviews them; prefilled counts; and every kind of bad
input refused with a clear reason and nothing stored."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.exceptions import NotPermitted, TransitionNotAllowed
from oversight.choices import ReportStatus
from oversight.models import AnnualReport, OversightSettings
from oversight.services.annual_reports import (
    annual_report_accept,
    annual_report_create,
    annual_report_return,
    annual_report_submit,
    annual_report_update,
)
from registry.choices import ApplicationAction, ApplicationKind, ExitReason, Role
from registry.services.lifecycle import application_decide, application_submit
from tests.oversight.helpers import D, activity, filed, group, registered, report

pytestmark = pytest.mark.django_db


def history_count():
    return AnnualReport.history.count()


@pytest.fixture
def organisation(staff, street_officer):
    return filed(staff, street_officer, entered=D(2022, 3, 1))


@pytest.fixture
def leader(make_user, organisation):
    return make_user(Role.ORGANISATION_LEADER, organisation=organisation, username="leader")


# --- the workflow -----------------------------------------------------------------------------


def test_leader_makes_and_submits_the_owning_tier_accepts(
    organisation, leader, street_officer, staff
):
    activity(organisation, staff, D(2024, 4, 1), hours="2.5")
    activity(organisation, staff, D(2024, 9, 1), hours="4")
    activity(organisation, staff, D(2025, 1, 5))  # another year
    made = annual_report_create(
        organisation=organisation,
        year=2024,
        acting_user=leader,
        today=D(2025, 3, 1),
        income=Decimal("3000"),
        party_work="开展主题党日活动2次",
    )
    assert made.status == ReportStatus.DRAFT
    # Prefilled from the ledger: 2024's activities and hours, the roster at the year's end.
    assert made.activities_held == 2
    assert made.volunteer_hours == Decimal("6.5")
    assert made.members_count == 10
    with pytest.raises(ValidationError) as error:
        annual_report_submit(report=made, acting_user=leader, today=D(2025, 3, 2))
    assert set(error.value.message_dict) == {"spending"}  # what is missing, by name
    annual_report_update(report=made, acting_user=leader, spending=Decimal("2500"), reason="补充")
    submitted = annual_report_submit(report=made, acting_user=leader, today=D(2025, 3, 2))
    assert submitted.status == ReportStatus.SUBMITTED
    assert submitted.first_submitted_on == submitted.submitted_on == D(2025, 3, 2)
    assert submitted.submitted_by == leader
    with pytest.raises(NotPermitted):  # the leader doesn't review their own report
        annual_report_accept(report=made, acting_user=leader, today=D(2025, 3, 3))
    with pytest.raises(NotPermitted):  # nor does the community: the street owns a filed org
        annual_report_accept(report=made, acting_user=staff, today=D(2025, 3, 3))
    accepted = annual_report_accept(report=made, acting_user=street_officer, today=D(2025, 3, 5))
    assert accepted.status == ReportStatus.ACCEPTED
    assert (accepted.reviewed_on, accepted.reviewed_by) == (D(2025, 3, 5), street_officer)
    users = [row.history_user for row in accepted.history.order_by("history_id")]
    assert users == [leader, leader, leader, street_officer]


def test_return_needs_a_reason_and_the_report_is_resubmitted(organisation, street_officer):
    made = report(organisation, 2024, street_officer, today=D(2025, 3, 1))
    with pytest.raises(ValidationError) as error:
        annual_report_return(report=made, acting_user=street_officer, reason="  ")
    assert "reason" in error.value.message_dict
    returned = annual_report_return(
        report=made, acting_user=street_officer, reason="收支数据缺少说明", today=D(2025, 3, 4)
    )
    assert returned.status == ReportStatus.RETURNED
    assert returned.review_reason == "收支数据缺少说明"
    with pytest.raises(TransitionNotAllowed):
        annual_report_accept(report=returned, acting_user=street_officer)
    annual_report_update(report=returned, acting_user=street_officer, summary="补充收支说明")
    again = annual_report_submit(report=returned, acting_user=street_officer, today=D(2025, 3, 9))
    assert again.status == ReportStatus.SUBMITTED
    assert again.first_submitted_on == D(2025, 3, 1)  # on time stays on time
    assert again.submitted_on == D(2025, 3, 9)
    annual_report_accept(report=again, acting_user=street_officer)
    with pytest.raises(TransitionNotAllowed, match="can no longer be edited"):
        annual_report_update(report=again, acting_user=street_officer, summary="x")


def test_owning_tier_of_a_registered_organisation_is_the_district(
    staff, street_officer, district_officer
):
    organisation = registered(staff, street_officer, district_officer, entered=D(2022, 3, 1))
    made = report(organisation, 2024, district_officer, today=D(2025, 3, 1))
    with pytest.raises(NotPermitted):
        report(organisation, 2023, street_officer, today=D(2025, 3, 1))
    with pytest.raises(NotPermitted):
        annual_report_accept(report=made, acting_user=street_officer)
    assert annual_report_accept(report=made, acting_user=district_officer).status == "accepted"


# --- bad input --------------------------------------------------------------------------------


def test_a_year_that_has_not_ended_is_refused(organisation, street_officer):
    before = history_count()
    with pytest.raises(ValidationError) as error:
        annual_report_create(
            organisation=organisation, year=2025, acting_user=street_officer, today=D(2025, 12, 31)
        )
    assert "2025 has not ended" in error.value.message_dict["year"][0]
    assert not AnnualReport.objects.exists() and history_count() == before
    made = annual_report_create(
        organisation=organisation, year=2025, acting_user=street_officer, today=D(2026, 1, 1)
    )
    assert made.year == 2025


def test_a_second_report_for_the_same_year_is_refused(organisation, street_officer):
    report(organisation, 2024, street_officer, today=D(2025, 3, 1))
    before = history_count()
    with pytest.raises(ValidationError) as error:
        annual_report_create(
            organisation=organisation, year=2024, acting_user=street_officer, today=D(2025, 4, 1)
        )
    assert "already exists" in error.value.message_dict["year"][0]
    assert AnnualReport.objects.count() == 1 and history_count() == before


def test_a_year_before_filing_is_refused(organisation, street_officer):
    with pytest.raises(ValidationError) as error:
        annual_report_create(
            organisation=organisation, year=2021, acting_user=street_officer, today=D(2025, 3, 1)
        )
    assert "2022" in error.value.message_dict["year"][0]
    assert not AnnualReport.objects.exists()


def test_negative_amounts_and_counts_are_refused_every_one_named(organisation, street_officer):
    before = history_count()
    with pytest.raises(ValidationError) as error:
        annual_report_create(
            organisation=organisation,
            year=2024,
            acting_user=street_officer,
            today=D(2025, 3, 1),
            activities_held=-1,
            members_count=-3,
            volunteer_hours=Decimal("-2"),
            income=Decimal("-5"),
            spending=Decimal("-0.01"),
        )
    errors = error.value.message_dict
    assert set(errors) == {
        "activities_held",
        "members_count",
        "volunteer_hours",
        "income",
        "spending",
    }
    assert "cannot be negative" in errors["income"][0] and "-5" in errors["income"][0]
    assert not AnnualReport.objects.exists() and history_count() == before
    made = report(organisation, 2024, street_officer, today=D(2025, 3, 1), submit=False)
    with pytest.raises(ValidationError) as error:
        annual_report_update(
            report=made, acting_user=street_officer, spending=-1, members_count=2.5
        )
    assert set(error.value.message_dict) == {"spending", "members_count"}
    made.refresh_from_db()
    assert made.spending == Decimal("800.50") and made.members_count == 10


def test_a_report_for_an_exited_organisation_is_refused(organisation, street_officer, staff):
    application = application_submit(
        organisation=organisation,
        kind=ApplicationKind.EXIT,
        exit_reason=ExitReason.VOLUNTARY,
        acting_user=street_officer,
    )
    application_decide(
        application=application,
        action=ApplicationAction.APPROVE,
        acting_user=street_officer,
        reason="自行解散",
    )
    before = history_count()
    with pytest.raises(TransitionNotAllowed, match="has exited"):
        annual_report_create(
            organisation=organisation, year=2024, acting_user=street_officer, today=D(2025, 3, 1)
        )
    assert not AnnualReport.objects.exists() and history_count() == before


def test_activity_groups_do_not_report_by_default(staff):
    organisation = group(staff, entered=D(2022, 3, 1))
    with pytest.raises(TransitionNotAllowed, match="does not submit annual reports"):
        annual_report_create(
            organisation=organisation, year=2024, acting_user=staff, today=D(2025, 3, 1)
        )
    config = OversightSettings.current()
    config.activity_groups_report = True
    config.save()
    made = annual_report_create(
        organisation=organisation, year=2024, acting_user=staff, today=D(2025, 3, 1)
    )
    assert made.status == ReportStatus.DRAFT


# --- the API ----------------------------------------------------------------------------------


def last_year():
    return timezone.localdate().year - 1


def test_api_report_workflow(organisation, leader, street_officer, api_for):
    api = api_for(leader)
    response = api.post(
        reverse("annual-report-list"),
        {"organisation": organisation.pk, "year": last_year(), "income": "100.00"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["members_count"] == 10
    assert body["deadline"] == f"{last_year() + 1}-05-31"
    url = reverse("annual-report-detail", args=[body["id"]])
    response = api.post(reverse("annual-report-submit", args=[body["id"]]), {}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"spending"}
    response = api.patch(url, {"spending": "-3", "members_count": -1}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"spending", "members_count"}
    response = api.patch(url, {"spending": "30.5", "reason": "补充支出"}, format="json")
    assert response.status_code == 200 and response.json()["spending"] == "30.50"
    response = api.post(reverse("annual-report-submit", args=[body["id"]]), {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    response = api.post(reverse("annual-report-accept", args=[body["id"]]), {}, format="json")
    assert response.status_code == 403
    officer = api_for(street_officer)
    return_url = reverse("annual-report-return-for-correction", args=[body["id"]])
    assert officer.post(return_url, {}, format="json").status_code == 400
    response = officer.post(return_url, {"reason": "请补充项目情况"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "returned"
    assert (
        api.post(reverse("annual-report-submit", args=[body["id"]]), {}, format="json").json()[
            "status"
        ]
        == "submitted"
    )
    response = officer.post(
        reverse("annual-report-accept", args=[body["id"]]), {"reason": "同意"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    response = officer.post(reverse("annual-report-accept", args=[body["id"]]), {}, format="json")
    assert response.status_code == 409
    assert officer.delete(url).status_code == 405
    assert officer.put(url, {}, format="json").status_code == 405


def test_api_bad_input_is_a_400_naming_the_field_and_stores_nothing(
    organisation, street_officer, api_for
):
    api = api_for(street_officer)
    this_year = timezone.localdate().year
    response = api.post(
        reverse("annual-report-list"),
        {"organisation": organisation.pk, "year": this_year},
        format="json",
    )
    assert response.status_code == 400
    assert "has not ended" in response.json()["year"][0]
    response = api.post(
        reverse("annual-report-list"),
        {"organisation": organisation.pk, "year": last_year(), "income": "-1", "spending": "-2"},
        format="json",
    )
    assert response.status_code == 400 and set(response.json()) == {"income", "spending"}
    assert not AnnualReport.objects.exists()
    body = {"organisation": organisation.pk, "year": last_year()}
    assert api.post(reverse("annual-report-list"), body, format="json").status_code == 201
    response = api.post(reverse("annual-report-list"), body, format="json")
    assert response.status_code == 400 and "already exists" in response.json()["year"][0]
    assert AnnualReport.objects.count() == 1


def test_api_report_for_an_exited_organisation_is_a_409(organisation, street_officer, api_for):
    application = application_submit(
        organisation=organisation,
        kind=ApplicationKind.EXIT,
        exit_reason=ExitReason.MERGED,
        acting_user=street_officer,
    )
    application_decide(
        application=application, action=ApplicationAction.APPROVE, acting_user=street_officer
    )
    response = api_for(street_officer).post(
        reverse("annual-report-list"),
        {"organisation": organisation.pk, "year": last_year()},
        format="json",
    )
    assert response.status_code == 409 and "exited" in response.json()["detail"]
    assert not AnnualReport.objects.exists()


# --- the pages --------------------------------------------------------------------------------


def test_pages_start_submit_and_accept_a_report(organisation, street_officer, client_for, settings):
    client = client_for(street_officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the pages are Chinese by default
    response = client.get(reverse("oversight:report-create"), {"organisation": organisation.pk})
    assert response.status_code == 200
    response = client.post(
        reverse("oversight:report-create"),
        {"organisation": organisation.pk, "year": last_year(), "income": "-1", "spending": "5"},
    )
    assert response.status_code == 200
    assert "cannot be negative" in str(response.context["form"].errors["income"])
    assert not AnnualReport.objects.exists()
    response = client.post(
        reverse("oversight:report-create"),
        {"organisation": organisation.pk, "year": last_year(), "income": "10", "spending": "5"},
    )
    made = AnnualReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("oversight:report-detail", args=[made.pk])
    assert made.members_count == 10  # left blank: taken from the roster
    page = client.get(response["Location"])
    assert page.context["can_submit"] and not page.context["can_review"]
    client.post(reverse("oversight:report-action", args=[made.pk, "submit"]), {"reason": ""})
    made.refresh_from_db()
    assert made.status == ReportStatus.SUBMITTED
    page = client.get(reverse("oversight:report-detail", args=[made.pk]))
    assert page.context["can_review"]
    response = client.post(reverse("oversight:report-action", args=[made.pk, "return"]), {})
    made.refresh_from_db()
    assert made.status == ReportStatus.SUBMITTED  # a return needs a reason
    client.post(reverse("oversight:report-action", args=[made.pk, "accept"]), {"reason": "同意"})
    made.refresh_from_db()
    assert made.status == ReportStatus.ACCEPTED
    assert made.history.order_by("-history_id").first().history_change_reason == "同意"


def test_settings_are_one_row_with_defaults_and_a_checked_deadline():
    config = OversightSettings.current()
    assert config.pk == OversightSettings.SINGLETON_PK
    assert config.report_deadline(2024) == D(2025, 5, 31)
    assert config.dormancy_notice_days == 30 and config.dormancy_inactive_months == 12
    config.report_deadline_month, config.report_deadline_day = 2, 30
    with pytest.raises(ValidationError) as error:
        config.full_clean()
    assert "report_deadline_day" in error.value.message_dict
    config.report_deadline_day = 29
    config.full_clean()
    config.save()
    assert config.report_deadline(2023) == D(2024, 2, 29)
    assert config.report_deadline(2024) == D(2025, 2, 28)
    OversightSettings(dormancy_notice_days=10).save()  # a second save overwrites the one row
    assert OversightSettings.objects.count() == 1
    assert OversightSettings.current().dormancy_notice_days == 10
    assert OversightSettings.history.count() >= 2
    assert config.last_closed_year(D(2025, 2, 28)) == 2023
    assert config.last_closed_year(datetime.date(2025, 3, 1)) == 2024
