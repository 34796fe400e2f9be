"""The KPI dashboards as pages: each KPI against its target, drill-down to the child nodes and
to the organisations behind a number, trends as inline SVG, the as-of form and the export.

The data is the hand-built history of ``tests/reports/conftest.py`` (``scenario``), seen on
2026-11-23 (``at_now``); 2025-06-30 (``PAST``) is before a hub was revoked and two
organisations exited.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports import views
from reports.kpis import KPIS, kpi_report
from tests.conftest import MALUAN_STREET, PINGSHAN_COMMUNITY, PINGSHAN_DISTRICT, PINGSHAN_STREET
from tests.reports.conftest import PAST, TODAY

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


class _Tables(HTMLParser):
    """The text of every cell of every table row with an id, and every link, of a page."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self.links: list[str] = []
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "tr" and attrs.get("id"):
            self._row = attrs["id"]
            self.rows[self._row] = []
        elif tag in ("td", "th") and self._row:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row and self._cell is not None:
            self.rows[self._row].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(response) -> _Tables:
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser


def kpi_rows(response) -> dict[str, list[str]]:
    """``key -> [label, value, numerator, denominator, target, mark]`` of a dashboard."""
    return {
        row_id.removeprefix("kpi-"): cells
        for row_id, cells in parse(response).rows.items()
        if row_id.startswith("kpi-")
    }


def dashboard(code, **query):
    url = reverse("reports:dashboard", args=[code])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# --- landing and drill-down ------------------------------------------------------------------


def test_reports_opens_on_the_users_own_node(at_now, people, make_user, client_for, client):
    for user, code in [
        (people["city"], "4403"),
        (people["district"], PINGSHAN_DISTRICT),
        (people["ps_officer"], PINGSHAN_STREET),
        (people["pc_staff"], PINGSHAN_COMMUNITY),
        (make_user(username="root", is_superuser=True, is_staff=True), "4403"),
    ]:
        response = client_for(user).get(reverse("reports:home"))
        assert response.status_code == 302
        assert response["Location"] == dashboard(code)
    response = client.get(reverse("reports:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.get(dashboard("4403")).status_code == 302  # anonymous: log in first


def test_the_dashboard_shows_each_kpi_against_its_target(at_now, scenario, people, client_for):
    response = client_for(people["district"]).get(dashboard(PINGSHAN_DISTRICT), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    rows = kpi_rows(response)
    assert list(rows) == [definition.key for definition in KPIS]
    report = kpi_report(scope=PINGSHAN_DISTRICT, user=people["district"])
    hub = report.scope.values["hub_coverage"]
    # 1 of the district's residential streets has a live hub now: 85% is not met
    assert (hub.numerator, hub.met) == (1, False)
    label, value, numerator, denominator, target, mark = rows["hub_coverage"]
    assert value == f"{hub.value * 100:.1f}%"
    assert (numerator, denominator) == ("1", str(hub.denominator))
    assert target.startswith("85.0%") and "2025-12-31" in target
    assert mark == "✗ not reached"  # a word and a sign, not colour alone
    assert rows["brand_coverage"][5] == "✓ reached"
    assert rows["exits"][5] == "no target"
    assert "as of 2026-11-23" in html

    # trends and bar charts: inline SVG, labelled, no script anywhere on the page
    assert html.count('role="img"') >= 4
    assert 'id="trend-hub_coverage"' in html and 'id="children-hub_coverage"' in html
    assert "<script" not in html.split("</header>", 1)[1]
    # the charted KPI's trend ends with the page's number
    trend = html[html.index('id="trend-hub_coverage"') :]
    trend = trend[: trend.index("</svg>")]
    assert trend.count('class="point"') == 12
    assert re.search(r"<title>2026-11-23: [\d.]+%✗</title>", trend)


def test_drill_down_from_the_district_to_a_community(at_now, scenario, people, client_for):
    client = client_for(people["district"])
    district = parse(client.get(dashboard(PINGSHAN_DISTRICT)))
    street_links = {
        link.split("?")[0] for link in district.links if re.fullmatch(r"/reports/\d{9}/", link)
    }
    assert dashboard(PINGSHAN_STREET) in street_links
    assert dashboard(MALUAN_STREET) in street_links
    assert len(street_links) == len(
        kpi_report(scope=PINGSHAN_DISTRICT, user=people["district"]).children
    )

    street = client.get(dashboard(PINGSHAN_STREET), **EN)
    html = street.content.decode()
    assert street.status_code == 200 and "Units below" in html
    assert f'href="{dashboard(PINGSHAN_COMMUNITY)}"' in html
    assert f'href="{dashboard(PINGSHAN_DISTRICT)}"' in html  # the way back up
    community = client.get(dashboard(PINGSHAN_COMMUNITY), **EN).content.decode()
    assert "Units below" not in community  # nothing below a community
    assert 'id="kpi-density"' in community


def test_a_kpi_page_has_its_trend_and_the_children_against_the_target(
    at_now, scenario, people, client_for
):
    client = client_for(people["district"])
    url = reverse("reports:kpi", args=[PINGSHAN_DISTRICT, "hub_coverage"])
    response = client.get(url, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="point"') == 12
    bars = html[html.index('id="children-hub_coverage"') :]
    assert f'href="{reverse("reports:kpi", args=[PINGSHAN_STREET, "hub_coverage"])}"' in bars
    # the numbers of the trend in a table too
    assert "The numbers" in html and "2026-11-23" in html
    assert client.get(url + "?months=24").content.decode().count('class="point"') == 24
    assert client.get(url + "?months=x").content.decode().count('class="point"') == 12
    assert client.get(url + "?months=7").content.decode().count('class="point"') == 12
    assert client.get(reverse("reports:kpi", args=[PINGSHAN_DISTRICT, "nope"])).status_code == 404


def test_the_organisations_behind_a_number(at_now, scenario, people, client_for, monkeypatch):
    client = client_for(people["district"])
    url = reverse("reports:organisations", args=[PINGSHAN_DISTRICT, "hub_coverage"])
    response = client.get(url, **EN)
    assert response.status_code == 200
    html = response.content.decode()
    hub = scenario["A"]
    assert f'href="{reverse("organisation-detail", args=[hub.pk])}"' in html
    assert scenario["C"].name not in html  # no longer a hub
    assert "1 organisation" in html

    denominator = client.get(url + "?part=denominator").content.decode()
    for letter in "ACDEGH":  # the live organisations of the residential streets
        assert scenario[letter].name in denominator
    assert scenario["B"].name not in denominator  # exited

    # as of 2025-06-30 the Maluan hub still counted
    past = client.get(url + f"?as_of={PAST}").content.decode()
    assert scenario["C"].name in past and scenario["F"].name in past

    # paginated, with links to every organisation
    monkeypatch.setattr(views.OrganisationsView, "paginate_by", 2)
    density = reverse("reports:organisations", args=[PINGSHAN_DISTRICT, "density"])
    first = client.get(density, **EN).content.decode()
    assert "Page 1 of 3" in first and first.count('<td><a href="/organisations/') == 2
    assert client.get(density + "?page=3").status_code == 200

    # a count has no denominator; an unknown KPI or part is no page
    exits = reverse("reports:organisations", args=[PINGSHAN_DISTRICT, "exits"])
    assert client.get(exits).status_code == 200
    assert client.get(exits + "?part=denominator").status_code == 404
    assert client.get(url + "?part=both").status_code == 404
    missing = reverse("reports:organisations", args=[PINGSHAN_DISTRICT, "nope"])
    assert client.get(missing).status_code == 404


# --- as of a past day ------------------------------------------------------------------------


def test_as_of_a_past_day_rebuilds_the_numbers(at_now, scenario, people, client_for):
    client = client_for(people["district"])
    now = kpi_rows(client.get(dashboard(PINGSHAN_DISTRICT)))
    response = client.get(dashboard(PINGSHAN_DISTRICT, as_of=PAST), **EN)
    assert response.status_code == 200
    html = response.content.decode()
    then = kpi_rows(response)
    assert "as of 2025-06-30" in html
    assert (now["hub_coverage"][2], then["hub_coverage"][2]) == ("1", "2")
    past = kpi_report(scope=PINGSHAN_DISTRICT, user=people["district"], as_of=PAST)
    assert then["density"][2] == str(past.scope.values["density"].numerator)
    # the form shows the day; every link keeps it; the trend ends on it
    assert f'value="{PAST}"' in html
    assert f'href="{dashboard(PINGSHAN_STREET)}?as_of={PAST}"' in html
    assert f'href="{reverse("reports:export", args=[PINGSHAN_DISTRICT])}?as_of={PAST}"' in html
    assert f"<title>{PAST}: " in html
    # today's date is no past date: links stay clean
    today = client.get(dashboard(PINGSHAN_DISTRICT, as_of=TODAY)).content.decode()
    assert not re.search(r'href="[^"]*as_of=', today)


@pytest.mark.parametrize(
    "as_of, message",
    [
        ("2025-02-30", "Enter a valid date."),
        ("yesterday", "Enter a valid date."),
        ("2027-01-01", "is in the future"),
    ],
)
def test_an_unusable_as_of_is_a_message_not_an_error(
    at_now, scenario, people, client_for, as_of, message
):
    client = client_for(people["district"])
    for url in [
        dashboard(PINGSHAN_DISTRICT),
        reverse("reports:kpi", args=[PINGSHAN_DISTRICT, "density"]),
        reverse("reports:organisations", args=[PINGSHAN_DISTRICT, "density"]),
        reverse("reports:export", args=[PINGSHAN_DISTRICT]),
    ]:
        response = client.get(url, {"as_of": as_of}, **EN)
        assert response.status_code == 400, url
        html = response.content.decode()
        assert message in html
        assert 'role="alert"' in html and 'name="as_of"' in html
        assert response["Content-Type"].startswith("text/html")


# --- the export ------------------------------------------------------------------------------


def test_the_export_is_a_real_workbook_of_the_page(at_now, scenario, people, client_for):
    client = client_for(people["district"])
    page = client.get(dashboard(PINGSHAN_DISTRICT)).content.decode()
    export_url = reverse("reports:export", args=[PINGSHAN_DISTRICT])
    assert f'href="{export_url}"' in page

    response = client.get(export_url)
    assert response.status_code == 200
    assert response["Content-Type"] == views.XLSX
    assert f'filename="kpis-{PINGSHAN_DISTRICT}-{TODAY}.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    codes = [sheet.cell(row=r, column=1).value for r in range(3, sheet.max_row + 1)]
    report = kpi_report(scope=PINGSHAN_DISTRICT, user=people["district"])
    assert codes == [PINGSHAN_DISTRICT, *(child.code for child in report.children)]

    past = client.get(export_url, {"as_of": PAST.isoformat()})
    assert f"kpis-{PINGSHAN_DISTRICT}-{PAST}.xlsx" in past["Content-Disposition"]
    notes = load_workbook(io.BytesIO(past.content)).worksheets[1]
    assert notes.cell(row=1, column=2).value.date() == PAST
