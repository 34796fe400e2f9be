"""Coverage modes and figures on the hand-built scenario (see conftest.py), at every level."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.exceptions import OutOfJurisdiction
from party_building.choices import CoverageMode
from party_building.selectors import annotate_coverage, coverage_figures, uncovered
from registry.models import Organisation
from tests.party_building.conftest import (
    HEPING,
    LIUHE,
    LIULIAN,
    PINGSHAN_COMMUNITY,
    XINHE,
    days_ago,
)

pytestmark = pytest.mark.django_db

ORG, WORK, STREETS, COMMUNITIES = (
    "organisation_coverage",
    "work_coverage",
    "streets_with_general_branch",
    "communities_with_branch",
)


def fractions(figures: dict) -> dict:
    """{figure: (numerator, denominator)}"""
    return {key: (value["numerator"], value["denominator"]) for key, value in figures.items()}


def child(data: dict, code: str) -> dict:
    return fractions(next(c for c in data["children"] if c["code"] == code)["figures"])


def test_each_organisation_has_the_mode_its_party_records_give(scenario):
    s = scenario
    rows = {
        o.pk: o
        for o in annotate_coverage(Organisation.objects.filter(community__path__contains="440310"))
    }
    assert {name: rows[getattr(s, name).pk].coverage_mode for name in "ABCDEFHIKLM"} == {
        "A": CoverageMode.OWN,
        "B": CoverageMode.JOINT,
        "C": CoverageMode.INSTRUCTOR,
        "D": CoverageMode.NONE,
        "E": CoverageMode.JOINT,  # still covered on paper; exited orgs drop out of the figures
        "F": CoverageMode.JOINT,  # by the street's general branch
        "H": CoverageMode.NONE,  # the instructor's assignment ended 10 days ago
        "I": CoverageMode.OWN,
        "K": CoverageMode.NONE,
        "L": CoverageMode.JOINT,
        "M": CoverageMode.JOINT,
    }
    # Formal party members come from the roster; probationary members don't count.
    assert rows[s.A.pk].formal_party_members == 3
    assert rows[s.D.pk].formal_party_members == 2
    assert rows[s.I.pk].formal_party_members == 4
    assert rows[s.C.pk].formal_party_members == 0


def test_an_own_branch_wins_over_joint_coverage_and_an_instructor(scenario):
    from party_building import services

    s = scenario
    services.assignment_create(
        instructor=s.instructor, organisation=s.A, acting_user=s.street, start_on=days_ago(3)
    )
    services.party_organisation_update(
        party_organisation=s.J1,
        acting_user=s.staff,
        reason="书画协会党员也参加联合支部活动",
        covered_organisations=[s.B, s.A],
    )
    row = annotate_coverage(Organisation.objects.filter(pk=s.A.pk)).get()
    assert (row.has_own_party_organisation, row.has_joint_branch, row.has_instructor) == (
        True,
        True,
        True,
    )
    assert row.coverage_mode == CoverageMode.OWN


def test_community_figures(scenario):
    data = coverage_figures(PINGSHAN_COMMUNITY, user=scenario.staff)
    # A own, B joint, C instructor, D none.
    assert fractions(data["figures"]) == {
        ORG: (2, 4),
        WORK: (3, 4),
        STREETS: (0, 0),
        COMMUNITIES: (1, 1),
    }
    assert data["figures"][ORG]["value"] == 0.5
    assert data["figures"][WORK]["value"] == 0.75
    assert data["figures"][STREETS]["value"] is None
    assert data["children"] == []
    assert data["node"]["code"] == PINGSHAN_COMMUNITY


def test_street_figures_and_their_communities(scenario):
    data = coverage_figures("440310001", user=scenario.street)
    # A B C D F H live (E exited): A B F organised; C also worked.
    assert fractions(data["figures"]) == {
        ORG: (3, 6),
        WORK: (4, 6),
        STREETS: (1, 1),
        COMMUNITIES: (3, 5),
    }
    assert [c["code"] for c in data["children"]] == [
        LIULIAN,
        LIUHE,
        PINGSHAN_COMMUNITY,
        HEPING,
        XINHE,
    ]
    assert child(data, PINGSHAN_COMMUNITY) == {
        ORG: (2, 4),
        WORK: (3, 4),
        STREETS: (0, 0),
        COMMUNITIES: (1, 1),
    }
    # 六联: F is covered by the street's general branch, so the community counts.
    assert child(data, LIULIAN) == {ORG: (1, 1), WORK: (1, 1), STREETS: (0, 0), COMMUNITIES: (1, 1)}
    # 六和: H's instructor has gone.
    assert child(data, LIUHE) == {ORG: (0, 1), WORK: (0, 1), STREETS: (0, 0), COMMUNITIES: (0, 1)}
    # 和平: no organisations, but a joint branch guided by the community.
    assert child(data, HEPING) == {ORG: (0, 0), WORK: (0, 0), STREETS: (0, 0), COMMUNITIES: (1, 1)}
    # 新和: the only covered organisation has exited.
    assert child(data, XINHE) == {ORG: (0, 0), WORK: (0, 0), STREETS: (0, 0), COMMUNITIES: (0, 1)}


def test_district_figures_leave_the_bonded_zone_out_of_streets_and_communities(scenario):
    data = coverage_figures("440310", user=scenario.district)
    # 10 live organisations: A B F I L M organised, C also worked; 6 residential streets of 7,
    # only 坪山街道 has a current general branch (马峦's was dissolved, the bonded zone's
    # doesn't count); 24 residential communities, 5 with a branch.
    assert fractions(data["figures"]) == {
        ORG: (6, 10),
        WORK: (7, 10),
        STREETS: (1, 6),
        COMMUNITIES: (5, 24),
    }
    assert len(data["children"]) == 7
    assert child(data, "440310001") == {
        ORG: (3, 6),
        WORK: (4, 6),
        STREETS: (1, 1),
        COMMUNITIES: (3, 5),
    }
    # 马峦: I own, K none, L joint; its general branch was dissolved yesterday.
    assert child(data, "440310002") == {
        ORG: (2, 3),
        WORK: (2, 3),
        STREETS: (0, 1),
        COMMUNITIES: (2, 4),
    }
    assert child(data, "440310003") == {
        ORG: (0, 0),
        WORK: (0, 0),
        STREETS: (0, 1),
        COMMUNITIES: (0, 3),
    }
    bonded = next(c for c in data["children"] if c["code"] == "440310401")
    assert bonded["is_residential"] is False
    assert fractions(bonded["figures"]) == {
        ORG: (1, 1),
        WORK: (1, 1),
        STREETS: (0, 0),
        COMMUNITIES: (0, 0),
    }
    # Each figure of the node is the sum of its children's.
    for key in (ORG, WORK, STREETS, COMMUNITIES):
        for part in ("numerator", "denominator"):
            assert data["figures"][key][part] == sum(
                c["figures"][key][part] for c in data["children"]
            )


def test_city_figures(scenario, city_officer):
    data = coverage_figures("4403", user=city_officer)
    assert fractions(data["figures"]) == {
        ORG: (6, 10),
        WORK: (7, 10),
        STREETS: (1, 74),
        COMMUNITIES: (5, 783),
    }
    # Ten district-level units, Dapeng New Area among them.
    assert len(data["children"]) == 10
    assert "4403DP" in [c["code"] for c in data["children"]]
    assert child(data, "440310") == {
        ORG: (6, 10),
        WORK: (7, 10),
        STREETS: (1, 6),
        COMMUNITIES: (5, 24),
    }
    assert child(data, "4403DP") == {
        ORG: (0, 0),
        WORK: (0, 0),
        STREETS: (0, 3),
        COMMUNITIES: (0, 25),
    }


def test_figures_as_of_a_past_date(scenario):
    # 20 days ago: J2 (5 days), the bonded zone's G2 (10 days) and I's branch (15 days) did not
    # exist yet; H's instructor was still assigned; 马峦's general branch was not dissolved.
    data = coverage_figures("440310", user=scenario.district, on=days_ago(20))
    assert fractions(data["figures"]) == {
        ORG: (4, 10),  # A B F L
        WORK: (6, 10),  # + C (assigned 20 days ago) + H
        STREETS: (2, 6),
        COMMUNITIES: (3, 24),  # 坪山社区, 六联, 坪环
    }


def test_figures_take_a_fixed_number_of_queries(scenario, city_officer):
    with CaptureQueriesContext(connection) as small:
        coverage_figures("440310001003", user=city_officer)
    with CaptureQueriesContext(connection) as large:
        coverage_figures("4403", user=city_officer)
    # Node lookup + children + three aggregates + three GROUP BYs, whatever the subtree.
    assert len(large.captured_queries) <= 8
    assert len(small.captured_queries) <= len(large.captured_queries)


def test_uncovered_lists_behind_each_figure(scenario):
    s = scenario
    names = lambda rows: sorted(row.name for row in rows)  # noqa: E731
    assert names(uncovered("440310", ORG, user=s.district)) == sorted(
        [s.C.name, s.D.name, s.H.name, s.K.name]
    )
    assert names(uncovered("440310", WORK, user=s.district)) == sorted(
        [s.D.name, s.H.name, s.K.name]
    )
    streets = [d.code for d in uncovered("440310", STREETS, user=s.district)]
    assert streets == ["440310002", "440310003", "440310004", "440310005", "440310006"]
    communities = [d.code for d in uncovered("440310001", COMMUNITIES, user=s.street)]
    assert communities == [LIUHE, XINHE]
    # Each list is as long as the gap in its figure.
    figures = coverage_figures("440310", user=s.district)["figures"]
    for key in (ORG, WORK, STREETS, COMMUNITIES):
        gap = figures[key]["denominator"] - figures[key]["numerator"]
        assert uncovered("440310", key, user=s.district).count() == gap


def test_figures_outside_the_jurisdiction_are_refused(scenario):
    with pytest.raises(OutOfJurisdiction):
        coverage_figures(LIULIAN, user=scenario.staff)
    with pytest.raises(OutOfJurisdiction):
        coverage_figures("440310002", user=scenario.street)
    with pytest.raises(OutOfJurisdiction):
        uncovered("440310", ORG, user=scenario.street)
