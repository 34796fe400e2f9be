"""The KPI endpoints: same numbers as ``kpi_report``, scoped, with 400/404 as documented."""

import datetime
from decimal import Decimal

import pytest

from reports.exports import kpi_report_dict
from reports.kpis import KPIS, kpi_report
from reports.models import KpiTarget
from tests.conftest import MALUAN_STREET, PINGSHAN_STREET
from tests.reports.conftest import PAST

pytestmark = pytest.mark.django_db

URL = "/api/v1/kpis/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def drill(key):
    return f"{URL}{key}/organisations/"


def names(response):
    return {row["name"] for row in response.json()["results"]}


def test_the_api_answers_what_kpi_report_computes(scenario, people, api_for, at_now):
    user = people["district"]
    response = api_for(user).get(URL, {"scope": "440310", "as_of": PAST.isoformat()})
    assert response.status_code == 200
    body = response.json()
    assert body == kpi_report_dict(kpi_report(scope="440310", user=user, as_of=PAST))
    assert body["scope"]["kpis"]["hub_coverage"] == {
        "numerator": 2,
        "denominator": 6,
        "value": 0.3333,
        "target": 0.85,
        "met": False,
    }
    assert body["scope"]["kpis"]["filing_review_days"]["numerator"] == 7.0
    assert body["as_of"] == "2025-06-30" and body["report_year"] == 2024
    assert [child["code"] for child in body["children"]][:2] == [PINGSHAN_STREET, MALUAN_STREET]


def test_the_scope_defaults_to_the_callers_node(scenario, people, api_for, at_now):
    body = api_for(people["ps_officer"]).get(URL).json()
    assert body["scope"]["code"] == PINGSHAN_STREET
    assert body["scope"]["kpis"]["density"]["numerator"] == 4


def test_a_superuser_without_a_node_must_name_one(make_user, api_for):
    admin = make_user(username="kpi-root", is_superuser=True, is_staff=True)
    response = api_for(admin).get(URL)
    assert response.status_code == 400 and "scope" in response.json()
    assert api_for(admin).get(URL, {"scope": "4403"}).status_code == 200


@pytest.mark.parametrize("scope", ["999999", "44039999"])
def test_unknown_nodes_are_404(people, api_for, scope):
    # nodes out of scope, at every level: test_access.py
    response = api_for(people["ps_officer"]).get(URL, {"scope": scope}, **EN)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_a_street_officer_counts_only_their_street(scenario, people, api_for, at_now):
    mine = api_for(people["ps_officer"]).get(URL, {"scope": PINGSHAN_STREET}).json()
    # the same numbers as the city sees for that street: nothing of other streets leaks in
    city = api_for(people["city"]).get(URL, {"scope": PINGSHAN_STREET}).json()
    assert mine == city
    assert mine["scope"]["kpis"]["party_work_coverage"]["denominator"] == 4


@pytest.mark.parametrize(
    "as_of", ["2999-01-01", "2025-13-01", "yesterday", "1900-01-01", "2025-06-30T10:00"]
)
def test_a_future_or_malformed_date_is_400(people, api_for, as_of):
    response = api_for(people["city"]).get(URL, {"as_of": as_of}, **EN)
    assert response.status_code == 400
    assert list(response.json()) == ["as_of"]


def test_a_future_date_is_explained(people, api_for):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    response = api_for(people["city"]).get(URL, {"as_of": tomorrow.isoformat()}, **EN)
    assert "future" in response.json()["as_of"][0]


def test_anonymous_is_401(api_for):
    assert api_for().get(URL, {"scope": "4403"}).status_code == 401


def test_definitions_list_every_kpi_with_its_target(people, api_for):
    body = api_for(people["city"]).get(URL + "definitions/", **EN).json()
    assert [item["key"] for item in body] == [definition.key for definition in KPIS]
    hub = body[0]
    assert hub["key"] == "hub_coverage" and hub["unit"] == "ratio"
    assert (hub["target"], hub["target_due"]) == (0.85, "2025-12-31")
    density = next(item for item in body if item["key"] == "density")
    assert density["target"] == 10.0 and density["unit"] == "per_community"
    KpiTarget.objects.create(
        key="hub_coverage", value=Decimal("0.9"), due_on=datetime.date(2026, 12, 31)
    )
    hub = api_for(people["city"]).get(URL + "definitions/").json()[0]
    assert (hub["target"], hub["target_due"]) == (0.9, "2026-12-31")


def test_a_saved_target_changes_target_and_met(scenario, people, api_for, at_now):
    KpiTarget.objects.create(key="hub_coverage", value=Decimal("0.01"))
    KpiTarget.objects.create(key="density_urban", value=Decimal("4"))
    kpis = api_for(people["city"]).get(URL, {"scope": "4403"}).json()["scope"]["kpis"]
    assert (kpis["hub_coverage"]["target"], kpis["hub_coverage"]["met"]) == (0.01, True)
    street = api_for(people["city"]).get(URL, {"scope": "440310001003"}).json()["scope"]["kpis"]
    assert (street["density"]["target"], street["density"]["met"]) == (4.0, True)


def test_drill_down_lists_the_organisations_behind_a_number(scenario, people, api_for, at_now):
    client = api_for(people["district"])
    past = client.get(drill("hub_coverage"), {"scope": "440310", "as_of": PAST.isoformat()})
    assert past.status_code == 200
    assert names(past) == {scenario[x].name for x in "ACF"}
    today = client.get(drill("hub_coverage"), {"scope": "440310"})
    assert names(today) == {scenario["A"].name}
    exits = client.get(drill("exits"), {"scope": "440310"})
    assert names(exits) == {scenario["F"].name}
    due = client.get(drill("annual_reports"), {"scope": "440310", "part": "denominator"})
    assert names(due) == {scenario["A"].name, scenario["C"].name}
    # the counts in the report are the drill-down's counts
    report = kpi_report(scope="440310", user=people["district"])
    for key in ("density", "party_work_coverage", "filings_approved", "graded_3a_plus"):
        response = client.get(drill(key), {"scope": "440310"})
        assert response.json()["count"] == report.scope.values[key].numerator, key


def test_drill_down_is_scoped(scenario, people, api_for, at_now):
    client = api_for(people["ps_officer"])
    mine = client.get(drill("hub_coverage"), {"scope": PINGSHAN_STREET, "as_of": PAST.isoformat()})
    assert names(mine) == {scenario["A"].name}  # not 马峦's hubs
    assert client.get(drill("hub_coverage"), {"scope": "440310"}).status_code == 404
    assert client.get(drill("density"), {"scope": MALUAN_STREET}).status_code == 404
    density = client.get(drill("density"), {"scope": PINGSHAN_STREET})
    assert names(density) == {scenario[x].name for x in "ADGH"}


def test_drill_down_errors(scenario, people, api_for, at_now):
    client = api_for(people["city"])
    assert client.get(drill("no_such_kpi"), {"scope": "4403"}).status_code == 404
    counted = client.get(drill("exits"), {"scope": "4403", "part": "denominator"}, **EN)
    assert counted.status_code == 400 and list(counted.json()) == ["part"]
    assert client.get(drill("exits"), {"scope": "4403", "part": "all"}).status_code == 400
    assert client.get(drill("exits"), {"scope": "4403", "page": "9"}).status_code == 400
    assert client.get(drill("exits"), {"scope": "4403", "as_of": "2999-01-01"}).status_code == 400
    paged = client.get(drill("density"), {"scope": "4403", "page_size": "2"}).json()
    assert paged["count"] == 6 and len(paged["results"]) == 2 and paged["next"]


def test_community_staff_see_their_community_only(scenario, people, api_for, at_now):
    client = api_for(people["pc_staff"])
    body = client.get(URL).json()
    assert body["scope"]["code"] == "440310001003" and body["children"] == []
    assert body["scope"]["kpis"]["density"]["numerator"] == 4
    assert client.get(URL, {"scope": PINGSHAN_STREET}).status_code == 404
    assert client.get(URL, {"scope": "440310002003"}).status_code == 404


def test_an_organisation_leader_gets_no_kpis(scenario, make_user, api_for):
    leader = make_user("organisation_leader", organisation=scenario["A"], username="kpi-leader")
    client = api_for(leader)
    assert client.get(URL, {"scope": "440310001003"}).status_code == 404
    assert client.get(drill("density"), {"scope": "440310001003"}).status_code == 404


def test_another_district_cannot_drill_into_ours(scenario, people, api_for, at_now):
    client = api_for(people["other_district"])
    assert client.get(URL, {"scope": "440310"}).status_code == 404
    assert client.get(drill("exits"), {"scope": "440310"}).status_code == 404
    mine = client.get(drill("density"), {"scope": "440303"}).json()
    assert mine["count"] == 0  # 罗湖区 has none of the scenario's organisations


def test_targets_are_edited_in_the_admin(make_user, client_for):
    admin = make_user(username="kpi-admin", is_superuser=True, is_staff=True)
    client = client_for(admin)
    assert client.get("/admin/reports/kpitarget/").status_code == 200
    response = client.post(
        "/admin/reports/kpitarget/add/",
        {"key": "hub_coverage", "value": "0.9", "due_on": "2026-12-31", "note": "区工作要点"},
    )
    assert response.status_code == 302
    assert KpiTarget.resolved()["hub_coverage"] == (Decimal("0.9000"), datetime.date(2026, 12, 31))
