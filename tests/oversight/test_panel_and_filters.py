"""The pieces other pages plug in: the organisation panel snippet and the credit-list filters for
OrganisationFilterSet."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from oversight.selectors import organisations_on_credit_list
from oversight.services.scan import lifecycle_scan
from registry.filters import OrganisationFilterSet
from registry.models import Organisation
from tests.oversight.helpers import D, registered

pytestmark = pytest.mark.django_db


CombinedFilterSet = OrganisationFilterSet  # registry/filters.py mixes the list filters in


def test_the_mixin_adds_both_list_filters_to_the_organisation_filterset(
    two_streets, district_officer
):
    request = RequestFactory().get("/")
    request.user = district_officer
    queryset = Organisation.objects.restrict(district_officer)
    assert {"on_abnormal_list", "on_serious_list", "within", "status"} <= set(
        CombinedFilterSet.base_filters
    )
    listed = CombinedFilterSet({"on_abnormal_list": "true"}, queryset=queryset, request=request)
    assert set(listed.qs) == {two_streets.here, two_streets.there}
    filtered = CombinedFilterSet(
        {"on_abnormal_list": "true", "within": "440310001"}, queryset=queryset, request=request
    )
    assert list(filtered.qs) == [two_streets.here]
    assert not CombinedFilterSet({"on_serious_list": "true"}, queryset=queryset, request=request).qs
    assert set(organisations_on_credit_list(queryset)) == {two_streets.here, two_streets.there}


def test_the_panel_shows_the_lists_with_dates_and_reasons_and_the_reports(
    staff, street_officer, district_officer
):
    organisation = registered(staff, street_officer, district_officer, entered=D(2023, 3, 1))
    lifecycle_scan(today=D(2025, 6, 1))
    lifecycle_scan(today=D(2027, 6, 1))
    html = render_to_string("oversight/_org_panel.html", {"organisation": organisation})
    assert "Listed on 2025-06-01: Annual report not submitted (annual report for 2024)" in html
    assert "Removed on 2027-06-01: Moved to the serious-dishonesty list" in html
    assert (
        "Listed on 2027-06-01: On the abnormal-activity list for too long "
        "(annual report for 2024)" in html
    )
    assert f"/oversight/organisations/{organisation.pk}/" in html
    for year in ("2024", "2025", "2026"):
        assert f">{year}</a>" in html
    assert "Dormancy suspect since 2025-06-01" in html
