"""What each tier's oversight summaries and filters hold in two streets of one district (every
page and endpoint's access matrix: ``test_access.py`` on the shared access tests)."""

import pytest
from django.urls import reverse

from oversight.models import AnnualReport
from tests.conftest import MALUAN_STREET, PINGSHAN_STREET

pytestmark = pytest.mark.django_db


# --- web pages ------------------------------------------------------------------------------


def test_overdue_summary_has_rows_only_for_the_users_areas(
    two_streets, street_officer, district_officer, client_for, api_for
):
    response = client_for(district_officer).get(
        reverse("oversight:overdue"), {"year": 2024, "level": "street"}
    )
    rows = {row.division.code: row for row in response.context["rows"]}
    assert set(rows) == {PINGSHAN_STREET, MALUAN_STREET}
    assert rows[PINGSHAN_STREET].due == 1 and rows[PINGSHAN_STREET].outstanding == 1
    response = client_for(street_officer).get(
        reverse("oversight:overdue"), {"year": 2024, "level": "district"}
    )
    # A street officer can't ask for districts: they get their street's communities.
    assert response.context["level"] == "community"
    assert all(row.division.code.startswith(PINGSHAN_STREET) for row in response.context["rows"])
    assert sum(row.due for row in response.context["rows"]) == 1
    api = api_for(street_officer)
    response = api.get(reverse("annual-report-overdue-summary"), {"year": 2024, "level": "street"})
    assert response.status_code == 200
    assert [row["code"] for row in response.json()] == [PINGSHAN_STREET]
    response = api.get(reverse("annual-report-overdue-summary"), {"level": "district"})
    assert response.status_code == 400 and "level" in response.json()


def test_creating_a_report_for_an_organisation_outside_is_refused(
    two_streets, other_street_officer, client_for
):
    AnnualReport.objects.filter(organisation=two_streets.here).delete()
    response = client_for(other_street_officer).post(
        reverse("oversight:report-create"),
        {"organisation": two_streets.here.pk, "year": 2024, "income": "1", "spending": "1"},
    )
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not AnnualReport.objects.filter(organisation=two_streets.here).exists()
    choices = response.context["form"].fields["organisation"].queryset
    assert two_streets.here not in choices and two_streets.there in choices


# --- API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("basename", ["annual-report", "credit-list-entry", "dormancy-case"])
def test_within_filter_narrows_to_a_subtree_and_matches_nothing_outside(
    two_streets, district_officer, street_officer, api_for, basename
):
    url = reverse(f"{basename}-list")
    response = api_for(district_officer).get(url, {"within": PINGSHAN_STREET})
    assert {row["organisation"] for row in response.json()["results"]} == {two_streets.here.pk}
    response = api_for(district_officer).get(url, {"within": MALUAN_STREET})
    assert {row["organisation"] for row in response.json()["results"]} == {two_streets.there.pk}
    # A code outside the jurisdiction matches nothing rather than revealing anything.
    response = api_for(street_officer).get(url, {"within": MALUAN_STREET})
    assert response.status_code == 200 and response.json()["results"] == []
