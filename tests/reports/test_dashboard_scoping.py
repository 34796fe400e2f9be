"""Jurisdiction on the dashboards: the numbers a street officer sees count only their street,
their lists and export hold only their street (404 for a node outside the jurisdiction, for every
role and level: ``test_access.py`` on the shared access tests)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.kpis import kpi_report
from tests.conftest import (
    PINGSHAN_COMMUNITY,
    PINGSHAN_DISTRICT,
    PINGSHAN_STREET,
)
from tests.reports.test_dashboard import kpi_rows, parse

pytestmark = pytest.mark.django_db


def pages(code: str) -> list[str]:
    """Every dashboard page of a node, and its export."""
    organisations = reverse("reports:organisations", args=[code, "density"])
    return [
        reverse("reports:dashboard", args=[code]),
        reverse("reports:kpi", args=[code, "hub_coverage"]),
        organisations,
        organisations + "?part=denominator",
        reverse("reports:organisations", args=[code, "exits"]),
        reverse("reports:export", args=[code]),
    ]


def test_an_unknown_node_is_404_on_every_page(at_now, scenario, people, client_for):
    # Who sees which node: the shared access tests in ``test_access.py``.
    client = client_for(people["city"])
    for url in pages("999999"):
        assert client.get(url).status_code == 404, url


def test_an_organisation_leader_and_a_stranger_see_no_dashboard(
    at_now, scenario, make_user, client_for, client
):
    leader = make_user("organisation_leader", organisation=scenario["A"], username="leader-a")
    nobody = make_user(username="nobody")
    for user in (leader, nobody):
        assert client_for(user).get(reverse("reports:home")).status_code == 404
        for url in pages(PINGSHAN_COMMUNITY):
            assert client_for(user).get(url).status_code == 404, url
    for url in pages(PINGSHAN_COMMUNITY):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_street_officer_counts_only_their_street(at_now, scenario, people, client_for):
    officer, district = people["ps_officer"], people["district"]
    client = client_for(officer)
    own = kpi_rows(client.get(reverse("reports:dashboard", args=[PINGSHAN_STREET])))
    # live organisations in the street's communities: A, D, G, H (not Maluan's C and E)
    assert own["density"][2] == "4"
    whole = kpi_report(scope=PINGSHAN_DISTRICT, user=district).scope.values["density"]
    assert whole.numerator == 6
    # the street's figures are the district's row of that street, seen from above
    seen_from_above = {
        child.code: child for child in kpi_report(scope=PINGSHAN_DISTRICT, user=district).children
    }[PINGSHAN_STREET]
    assert own["density"][3] == str(seen_from_above.values["density"].denominator)
    assert own["filings_approved"][2] == str(seen_from_above.values["filings_approved"].numerator)

    # the lists behind the numbers: only the street's organisations
    for key, part in [("density", "numerator"), ("density", "denominator"), ("exits", "numerator")]:
        url = reverse("reports:organisations", args=[PINGSHAN_STREET, key])
        html = client.get(url, {"part": part}).content.decode()
        for letter in "CEF":  # Maluan's
            assert scenario[letter].name not in html, (key, part, letter)
    listed = client.get(reverse("reports:organisations", args=[PINGSHAN_STREET, "density"]))
    for letter in "ADGH":
        assert scenario[letter].name in listed.content.decode()

    # the export: the street and its communities, nothing else
    export = client.get(reverse("reports:export", args=[PINGSHAN_STREET]))
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    codes = [sheet.cell(row=r, column=1).value for r in range(3, sheet.max_row + 1)]
    assert codes[0] == PINGSHAN_STREET
    assert codes[1:] and all(code.startswith(PINGSHAN_STREET) for code in codes[1:])
    # no link on the page leads out of the street
    links = parse(client.get(reverse("reports:dashboard", args=[PINGSHAN_STREET]))).links
    # (the menu's "/reports/" leads to the user's own node, which is the street)
    report_links = [link for link in links if link.startswith("/reports/") and link != "/reports/"]
    assert report_links
    assert all(link.startswith(f"/reports/{PINGSHAN_STREET}") for link in report_links)


def test_community_staff_see_their_community(at_now, scenario, people, client_for):
    client = client_for(people["pc_staff"])
    response = client.get(reverse("reports:home"))
    assert response["Location"] == reverse("reports:dashboard", args=[PINGSHAN_COMMUNITY])
    rows = kpi_rows(client.get(response["Location"]))
    assert rows["density"][2:4] == ["4", "1"]
