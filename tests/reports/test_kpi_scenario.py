"""Every KPI of the hand-built scenario (see conftest) at the city, a district, a street and a
community, today and as of a past date after later changes."""

import datetime
from decimal import Decimal

import pytest

from party_building.selectors import coverage_figures
from reports.kpis import KPIS, _context, _report, kpi_report, kpi_trend
from tests.conftest import MALUAN_STREET, PINGSHAN_COMMUNITY, PINGSHAN_STREET
from tests.reports.conftest import PAST, TODAY, travel

pytestmark = pytest.mark.django_db

CITY, DISTRICT, STREET, COMMUNITY = "4403", "440310", PINGSHAN_STREET, PINGSHAN_COMMUNITY
LEVELS = (CITY, DISTRICT, STREET, COMMUNITY)

# Fixture facts: residential streets / communities. City: 74 / 783 (10 district-level units);
# 坪山区: 6 / 24 (its bonded zone is not residential); 坪山街道: 1 / 5; 坪山社区: 0 / 1.
NONE = (0, 0, None)


def ratio(numerator, denominator):
    return (numerator, denominator, round(numerator / denominator, 4) if denominator else None)


def count(n):
    return (n, None, float(n))


def days(median):
    return (None if median is None else Decimal(str(median)), None, median)


def per_level(city, district, street, community):
    return dict(zip(LEVELS, (city, district, street, community), strict=True))


# key -> {level code: (numerator, denominator, value)}
EXPECTED_PAST = {
    "hub_coverage": per_level(ratio(2, 74), ratio(2, 6), ratio(1, 1), NONE),
    "brand_coverage": per_level(ratio(1, 10), ratio(1, 1), NONE, NONE),
    "density": per_level(ratio(7, 783), ratio(7, 24), ratio(4, 5), ratio(4, 1)),
    "party_organisation_coverage": per_level(ratio(1, 7), ratio(1, 7), ratio(1, 4), ratio(1, 4)),
    "party_work_coverage": per_level(ratio(2, 7), ratio(2, 7), ratio(2, 4), ratio(2, 4)),
    "party_streets_with_general_branch": per_level(ratio(1, 74), ratio(1, 6), ratio(1, 1), NONE),
    "party_communities_with_branch": per_level(
        ratio(1, 783), ratio(1, 24), ratio(1, 5), ratio(1, 1)
    ),
    # report year 2024 (deadline 2025-05-31): A and C owe it, only A's was accepted in time
    "annual_reports": per_level(ratio(1, 2), ratio(1, 2), ratio(1, 1), ratio(1, 1)),
    "dormancy_suspects": per_level(count(1), count(1), count(1), count(1)),
    "exits": per_level(count(0), count(0), count(0), count(0)),
    "graded_3a_plus": per_level(count(1), count(1), count(0), count(0)),
    "grades_expiring": per_level(count(1), count(1), count(0), count(0)),
    "filings_approved": per_level(count(2), count(2), count(2), count(2)),
    "registrations_approved": per_level(count(1), count(1), count(1), count(1)),
    "filing_review_days": per_level(days(7.0), days(7.0), days(7.0), days(7.0)),
    "registration_review_days": per_level(days(8.0), days(8.0), days(8.0), days(8.0)),
}

EXPECTED_TODAY = {
    "hub_coverage": per_level(ratio(1, 74), ratio(1, 6), ratio(1, 1), NONE),
    "brand_coverage": per_level(ratio(1, 10), ratio(1, 1), NONE, NONE),
    "density": per_level(ratio(6, 783), ratio(6, 24), ratio(4, 5), ratio(4, 1)),
    "party_organisation_coverage": per_level(ratio(1, 6), ratio(1, 6), ratio(1, 4), ratio(1, 4)),
    "party_work_coverage": per_level(ratio(1, 6), ratio(1, 6), ratio(1, 4), ratio(1, 4)),
    "party_streets_with_general_branch": per_level(ratio(1, 74), ratio(1, 6), ratio(1, 1), NONE),
    "party_communities_with_branch": per_level(
        ratio(1, 783), ratio(1, 24), ratio(1, 5), ratio(1, 1)
    ),
    # report year 2025 (deadline 2026-05-31): A and C owe it, A's was accepted in time
    "annual_reports": per_level(ratio(1, 2), ratio(1, 2), ratio(1, 1), ratio(1, 1)),
    "dormancy_suspects": per_level(count(0), count(0), count(0), count(0)),
    "exits": per_level(count(1), count(1), count(0), count(0)),
    "graded_3a_plus": per_level(count(1), count(1), count(0), count(0)),
    "grades_expiring": per_level(count(0), count(0), count(0), count(0)),
    "filings_approved": per_level(count(1), count(1), count(1), count(1)),
    "registrations_approved": per_level(count(0), count(0), count(0), count(0)),
    "filing_review_days": per_level(days(3.0), days(3.0), days(3.0), days(3.0)),
    "registration_review_days": per_level(days(None), days(None), days(None), days(None)),
}


def yuan(amount):
    return (Decimal(amount), None, float(amount))


def _support(filed):
    """The support programmes' KPIs: the scenario has no support records, so every figure is
    nought; the pairing share's denominator is the live filed organisations."""
    zero, money = count(0), yuan("0.00")
    return {
        "support_platforms": per_level(zero, zero, zero, zero),
        "platform_street_coverage": per_level(ratio(0, 74), ratio(0, 6), ratio(0, 1), NONE),
        "organisations_incubated": per_level(zero, zero, zero, zero),
        "organisations_graduated": per_level(zero, zero, zero, zero),
        "funding_approved": per_level(money, money, money, money),
        "funding_disbursed": per_level(money, money, money, money),
        "projects_funded": per_level(zero, zero, zero, zero),
        "beneficiaries": per_level(zero, zero, zero, zero),
        "leaders_trained": per_level(zero, zero, zero, zero),
        "pairing_coverage": per_level(*(ratio(0, n) for n in filed)),
    }


def _selection():
    """The selection campaigns' KPIs: the scenario has no campaign, so no entries; the share's
    denominator is the organisations graded 3A or above (one, in the district, not the street)."""
    zero = count(0)
    return {
        "selection_entries": per_level(zero, zero, zero, zero),
        "selection_shortlisted": per_level(zero, zero, zero, zero),
        "selection_high_grade_share": per_level(ratio(0, 1), ratio(0, 1), NONE, NONE),
    }


EXPECTED_PAST.update(_selection())
EXPECTED_TODAY.update(_selection())
# filed then: H and D (of 坪山社区); today also E (马峦社区) and G (坪山社区)
EXPECTED_PAST.update(_support(filed=(2, 2, 2, 2)))
EXPECTED_TODAY.update(_support(filed=(4, 4, 3, 3)))


def figures(value):
    return (value.numerator, value.denominator, value.value)


def test_the_tables_name_every_kpi():
    keys = [definition.key for definition in KPIS]
    assert list(EXPECTED_PAST) == keys
    assert list(EXPECTED_TODAY) == keys


@pytest.mark.parametrize("code", LEVELS)
@pytest.mark.parametrize("as_of", [PAST, None], ids=["past", "today"])
def test_every_kpi_has_its_known_answer(scenario, people, at_now, code, as_of):
    expected = EXPECTED_PAST if as_of else EXPECTED_TODAY
    report = kpi_report(scope=code, user=people["city"], as_of=as_of)
    assert report.as_of == (as_of or TODAY)
    assert report.report_year == (2024 if as_of else 2025)
    got = {key: figures(value) for key, value in report.scope.values.items()}
    assert got == {key: by_level[code] for key, by_level in expected.items()}


def test_targets_and_met(scenario, people, at_now):
    values = kpi_report(scope=CITY, user=people["city"]).scope.values
    assert (values["hub_coverage"].target, values["hub_coverage"].met) == (0.85, False)
    assert (values["brand_coverage"].target, values["brand_coverage"].met) == (1.0, False)
    # every Shenzhen community is a residents' committee: the urban target, 10
    assert (values["density"].target, values["density"].met) == (10.0, False)
    assert (values["exits"].target, values["exits"].met) == (None, None)
    street = kpi_report(scope=STREET, user=people["city"]).scope.values
    assert (street["hub_coverage"].value, street["hub_coverage"].met) == (1.0, True)


def test_children_of_the_district(scenario, people, at_now):
    report = kpi_report(scope=DISTRICT, user=people["district"], as_of=PAST)
    children = {child.code: child for child in report.children}
    assert len(children) == 7  # six streets and the bonded zone
    assert children["440310401"].is_residential is False
    maluan = children[MALUAN_STREET].values
    assert figures(maluan["hub_coverage"]) == ratio(1, 1)  # C and F were hubs then
    assert figures(maluan["density"]) == ratio(3, 4)  # C, E (a group then), F
    assert figures(maluan["annual_reports"]) == ratio(0, 1)  # C's report was late
    assert figures(maluan["filing_review_days"]) == days(None)  # E's filing came later
    empty = children["440310003"].values
    assert figures(empty["hub_coverage"]) == ratio(0, 1)
    assert figures(empty["density"]) == ratio(0, 3)  # 碧岭街道 has 3 communities
    # the children add up to the node
    for key in ("hub_coverage", "density", "party_work_coverage", "exits", "annual_reports"):
        total = sum(child.values[key].numerator for child in report.children)
        assert total == report.scope.values[key].numerator


def test_city_children_are_the_ten_district_level_units(scenario, people, at_now):
    report = kpi_report(scope=CITY, user=people["city"], as_of=PAST)
    codes = [child.code for child in report.children]
    assert len(codes) == 10 and "4403DP" in codes
    brand = {child.code: figures(child.values["brand_coverage"]) for child in report.children}
    assert brand[DISTRICT] == ratio(1, 1)
    assert brand["4403DP"] == ratio(0, 1)


def test_a_hub_that_exited_stops_counting_although_is_hub_stays(scenario, people):
    assert scenario["F"].is_hub is True and scenario["F"].status == "exited"
    with travel(datetime.datetime(2026, 11, 23, 12)):
        dates = [
            datetime.date(2024, 5, 31),  # before any hub
            datetime.date(2025, 6, 30),  # A; C and F in 马峦
            datetime.date(2025, 12, 31),  # C revoked, F still a hub: 马峦 still counts
            datetime.date(2026, 1, 31),  # F exited
        ]
        trend = kpi_trend(key="hub_coverage", scope=DISTRICT, user=people["district"], dates=dates)
    assert [(day, value.numerator) for day, value in trend] == list(
        zip(dates, [0, 2, 2, 1], strict=True)
    )


def test_exits_and_brand_before_they_happened(scenario, people, at_now):
    values = kpi_report(scope=DISTRICT, user=people["district"], as_of=datetime.date(2025, 12, 31))
    assert figures(values.scope.values["exits"]) == count(1)  # B, 2025-08-01
    assert figures(values.scope.values["filings_approved"]) == count(3)  # H, D, E
    assert figures(values.scope.values["filing_review_days"]) == days(10.0)  # 4, 10, 20
    early = kpi_report(scope=CITY, user=people["city"], as_of=datetime.date(2024, 4, 30))
    assert figures(early.scope.values["brand_coverage"]) == ratio(0, 10)
    assert figures(early.scope.values["density"]) == ratio(4, 783)


@pytest.mark.parametrize("code", LEVELS)
def test_as_of_today_from_history_equals_the_live_tables(scenario, people, at_now, code):
    user = people["city"]
    live = _report(_context(code, user, None, live=True))
    from_history = _report(_context(code, user, None, live=False))
    assert live == from_history
    past_live = _report(_context(code, user, PAST, live=False))
    assert past_live != live  # the history path really reads the past


@pytest.mark.parametrize("code", LEVELS)
def test_party_figures_equal_the_party_building_selector(scenario, people, at_now, code):
    user = people["city"]
    report = kpi_report(scope=code, user=user)
    party = coverage_figures(code, user=user)
    pairs = {
        "party_organisation_coverage": "organisation_coverage",
        "party_work_coverage": "work_coverage",
        "party_streets_with_general_branch": "streets_with_general_branch",
        "party_communities_with_branch": "communities_with_branch",
    }
    for key, figure in pairs.items():
        value = report.scope.values[key]
        assert (value.numerator, value.denominator, value.value) == tuple(
            party["figures"][figure].values()
        )
    for child, party_child in zip(report.children, party["children"], strict=True):
        assert child.code == party_child["code"]
        for key, figure in pairs.items():
            assert child.values[key].numerator == party_child["figures"][figure]["numerator"]


def test_ancestor_codes_are_read_from_the_path(scenario):
    from registry.choices import DivisionLevel
    from registry.models import Division, Organisation
    from reports.kpis import _ancestor_code

    city = Division.objects.get(code=CITY)
    rows = Organisation.objects.annotate(
        street=_ancestor_code(city, "community__path", DivisionLevel.STREET),
        district=_ancestor_code(city, "community__path", DivisionLevel.DISTRICT),
        community_code=_ancestor_code(city, "community__path", DivisionLevel.COMMUNITY),
    ).values_list("street", "district", "community_code", "community_id")
    assert {row[:3] for row in rows} == {
        (PINGSHAN_STREET, DISTRICT, PINGSHAN_COMMUNITY),
        (MALUAN_STREET, DISTRICT, "440310002003"),
    }
    assert all(row[2] == row[3] for row in rows)
