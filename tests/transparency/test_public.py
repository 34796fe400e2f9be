"""The public organisation page and the public credit lists: anonymous, public columns only,
entries and removals on the right dates, and what bad input gets."""

import datetime

import pytest
from simple_history.utils import bulk_create_with_history

from grading.models import GradeAward, Sanction
from oversight.models import AnnualReport, CreditListEntry
from registry.choices import ExitReason, OrgStatus
from tests.registry.factories import make_filed, make_group, make_registered
from transparency import public

pytestmark = pytest.mark.django_db

D = datetime.date


def page_url(organisation):
    return f"/public/organisations/{organisation.pk}/"


@pytest.fixture
def registered(staff, street_officer, district_officer):
    organisation = make_registered(staff, street_officer, district_officer, name="坪山社区义工联")
    organisation.registered_on = D(2021, 4, 1)
    organisation.filed_on = D(2020, 9, 1)
    organisation._change_reason = "test: backdated"
    organisation.save()
    return organisation


def list_entry(organisation, user, **fields):
    entry = CreditListEntry(organisation=organisation, **fields)
    bulk_create_with_history([entry], CreditListEntry, default_user=user)
    return CreditListEntry.objects.get(organisation=organisation, listed_on=fields["listed_on"])


def test_anyone_opens_a_filed_organisations_page(client, staff, street_officer):
    organisation = make_filed(staff, street_officer)
    response = client.get(page_url(organisation))
    assert response.status_code == 200
    html = response.content.decode()
    assert organisation.name in html and organisation.filing_number in html
    assert "坪山社区" in html and "坪山街道" in html


def test_activity_groups_and_unknown_ids_have_no_page(client, api_client, staff):
    group = make_group(staff)
    assert client.get(page_url(group)).status_code == 404
    assert client.get("/public/organisations/99999999/").status_code == 404
    assert client.get("/public/organisations/99999999999999999999999/").status_code == 404
    huge = "/api/v1/public/organisations/99999999999999999999999/"
    assert api_client.get(huge).status_code == 404
    assert api_client.get(f"/api/v1/public/organisations/{group.pk}/").status_code == 404


def test_an_exited_organisation_says_when_and_why(client, staff, street_officer):
    organisation = make_filed(staff, street_officer)
    organisation.status_before_exit = organisation.status
    organisation.status = OrgStatus.EXITED
    organisation.exit_reason = ExitReason.VOLUNTARY
    organisation.exited_on = D(2025, 2, 1)
    organisation._change_reason = "test"
    organisation.save()
    page = public.public_organisation(organisation.pk)
    assert page.exited_on == D(2025, 2, 1)
    assert page.exit_reason_label in (
        "Voluntary dissolution",
        "自行解散",
        str(page.exit_reason_label),
    )
    assert client.get(page_url(organisation)).status_code == 200


def test_grade_awards_and_annual_report_record(registered, district_officer):
    GradeAward.objects.create(
        organisation=registered, level=4, awarded_on=D(2024, 1, 10), valid_until=D(2028, 12, 31)
    )
    Sanction.objects.create(
        organisation=registered, kind="reward", title="优秀社会组织", decided_on=D(2024, 3, 1)
    )
    Sanction.objects.create(
        organisation=registered, kind="penalty", title="警告", decided_on=D(2024, 4, 1)
    )
    AnnualReport.objects.create(
        organisation=registered, year=2022, status="accepted", first_submitted_on=D(2023, 5, 2)
    )
    AnnualReport.objects.create(
        organisation=registered, year=2023, status="accepted", first_submitted_on=D(2024, 7, 9)
    )
    page = public.public_organisation(registered.pk, today=D(2025, 8, 1))
    assert page.grade["level"] == 4 and page.grade["valid_until"] == D(2028, 12, 31)
    assert [a["title"] for a in page.awards] == ["优秀社会组织"]  # penalties are not awards
    record = {row["year"]: row["state"] for row in page.annual_reports}
    # owed from the year after filing (2020): 2021 on
    assert record == {2024: "missing", 2023: "late", 2022: "on_time", 2021: "missing"}
    # before the 2024 deadline, that report is not yet due
    early = public.public_organisation(registered.pk, today=D(2025, 3, 1))
    assert {row["year"]: row["state"] for row in early.annual_reports}[2024] == "not_due"


def test_credit_list_entries_and_removals_appear_on_their_dates(
    client, registered, district_officer
):
    entry = list_entry(
        registered,
        district_officer,
        kind="abnormal",
        listed_on=D(2024, 7, 1),
        reason="report_missing",
        report_year=2023,
    )
    entry.removed_on = D(2024, 9, 15)
    entry.removal_reason = "report_accepted"
    entry._change_reason = "test"
    entry.save()

    def shown(on, **criteria):
        rows = public.label_credit_rows(list(public.public_credit_list(on=on, **criteria)), on=on)
        return [(r["organisation_id"], r["listed_on"], r["removed_on"]) for r in rows]

    assert shown(D(2024, 6, 30)) == []
    assert shown(D(2024, 7, 1)) == [(registered.pk, D(2024, 7, 1), None)]
    assert shown(D(2024, 9, 14), state="listed") == [(registered.pk, D(2024, 7, 1), None)]
    assert shown(D(2024, 9, 14), state="removed") == []
    assert shown(D(2024, 9, 15), state="listed") == []
    assert shown(D(2024, 9, 15), state="removed") == [
        (registered.pk, D(2024, 7, 1), D(2024, 9, 15))
    ]
    # the page as of a day before the removal does not show it yet
    early = public.public_organisation(registered.pk, today=D(2024, 8, 1))
    assert early.on_abnormal_list and early.credit_list[0]["removed_on"] is None
    late = public.public_organisation(registered.pk, today=D(2024, 10, 1))
    assert not late.on_abnormal_list and late.credit_list[0]["removed_on"] == D(2024, 9, 15)
    # searchable by name, code and district, in the web page and the API
    response = client.get("/public/credit-lists/", {"q": "义工联", "on": "2024-08-01"})
    assert response.status_code == 200 and "坪山社区义工联" in response.content.decode()
    assert client.get("/public/credit-lists/", {"district": "440307"}).status_code == 200
    assert shown(D(2024, 8, 1), district="440307") == []
    assert shown(D(2024, 8, 1), q=registered.credit_code[:8]) != []


def test_the_credit_list_api_is_public_and_paged(api_client, registered, district_officer):
    list_entry(
        registered,
        district_officer,
        kind="serious",
        listed_on=D(2025, 1, 2),
        reason="moved_from_abnormal",
        report_year=2022,
    )
    response = api_client.get("/api/v1/public/credit-list-entries/", {"kind": "serious"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [row] = body["results"]
    assert row["organisation_id"] == registered.pk and row["kind"] == "serious"
    assert set(row) >= {"listed_on", "reason_label", "removed_on", "district_name"}


@pytest.mark.parametrize(
    "query, field",
    [
        ({"on": "2024-02-30"}, "on"),
        ({"on": "soon"}, "on"),
        ({"kind": "terrible"}, "kind"),
        ({"district": "999999"}, "district"),
        ({"state": "gone"}, "state"),
        ({"page": "0"}, "page"),
    ],
)
def test_bad_credit_list_searches_are_400(api_client, client, query, field):
    response = api_client.get("/api/v1/public/credit-list-entries/", query)
    assert response.status_code == 400, response.content
    assert field in response.json()
    if field != "page":
        assert client.get("/public/credit-lists/", query).status_code == 400


def test_the_api_page_matches_the_web_page(api_client, registered):
    response = api_client.get(f"/api/v1/public/organisations/{registered.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == registered.name and body["credit_code"] == registered.credit_code
    assert "members" not in body and "venue" not in body and "business_scope" not in body


def test_the_public_register_links_to_the_page(client, staff, street_officer):
    organisation = make_filed(staff, street_officer)
    response = client.get("/register/", {"q": organisation.name})
    assert page_url(organisation) in response.content.decode()
