"""Every oversight page and endpoint, for a user inside and outside the jurisdiction: outside is
404 (never 403), and never a row in a list."""

import pytest
from django.urls import reverse

from oversight.choices import CaseStatus, ReportStatus
from oversight.models import AnnualReport, DormancyCase
from registry.choices import Role
from tests.conftest import MALUAN_STREET, PINGSHAN_STREET

pytestmark = pytest.mark.django_db


def ids(response):
    return {row["id"] for row in response.json()["results"]}


def page_ids(response):
    return {row.pk for row in response.context["object_list"]}


# --- web pages: lists -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name, attribute",
    [
        ("oversight:report-list", "report"),
        ("oversight:credit-list", "entry"),
        ("oversight:case-list", "case"),
    ],
)
def test_lists_show_only_the_users_subtree(
    world, street_officer, other_street_officer, client_for, url_name, attribute
):
    here, there = getattr(world, f"here_{attribute}"), getattr(world, f"there_{attribute}")
    # Without "mine" the inbox shows every case of the subtree, whichever tier owns it.
    query = {"pending": "true"} if attribute == "case" else {}
    seen = page_ids(client_for(street_officer).get(reverse(url_name), query))
    assert here.pk in seen and there.pk not in seen
    seen = page_ids(client_for(other_street_officer).get(reverse(url_name), query))
    assert there.pk in seen and here.pk not in seen


def test_district_sees_both_streets_and_the_city_everything(
    world, district_officer, city_officer, client_for
):
    for user in (district_officer, city_officer):
        seen = page_ids(client_for(user).get(reverse("oversight:report-list")))
        assert {world.here_report.pk, world.there_report.pk} <= seen


def test_organisation_leader_sees_only_their_organisation(world, make_user, client_for, api_for):
    leader = make_user(Role.ORGANISATION_LEADER, organisation=world.here)
    assert page_ids(client_for(leader).get(reverse("oversight:report-list"))) == {
        world.here_report.pk
    }
    assert ids(api_for(leader).get(reverse("annual-report-list"))) == {world.here_report.pk}
    assert ids(api_for(leader).get(reverse("credit-list-entry-list"))) == {world.here_entry.pk}
    assert ids(api_for(leader).get(reverse("dormancy-case-list"))) == {world.here_case.pk}
    assert (
        client_for(leader)
        .get(reverse("oversight:report-detail", args=[world.there_report.pk]))
        .status_code
        == 404
    )


def test_overdue_summary_has_rows_only_for_the_users_areas(
    world, street_officer, district_officer, client_for, api_for
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


# --- web pages: one object --------------------------------------------------------------------


def detail_urls(world, side):
    report = getattr(world, f"{side}_report")
    case = getattr(world, f"{side}_case")
    organisation = getattr(world, side)
    return [
        reverse("oversight:report-detail", args=[report.pk]),
        reverse("oversight:report-update", args=[report.pk]),
        reverse("oversight:case-detail", args=[case.pk]),
        reverse("oversight:organisation", args=[organisation.pk]),
        reverse("oversight:leader-unreachable", args=[organisation.pk]),
    ]


def test_pages_of_an_object_are_404_outside_the_jurisdiction(
    world, street_officer, other_street_officer, district_officer, client_for
):
    for user, mine, theirs in (
        (street_officer, "here", "there"),
        (other_street_officer, "there", "here"),
    ):
        client = client_for(user)
        for url in detail_urls(world, theirs):
            assert client.get(url).status_code == 404, url
        for url in detail_urls(world, mine):
            assert client.get(url).status_code == 200, url


def test_city_officer_reads_but_change_pages_are_404(world, city_officer, client_for):
    client = client_for(city_officer)
    assert (
        client.get(reverse("oversight:report-detail", args=[world.here_report.pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("oversight:report-update", args=[world.here_report.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("oversight:leader-unreachable", args=[world.here.pk])).status_code == 404
    )


def test_actions_posted_outside_the_jurisdiction_are_404_and_change_nothing(
    world, other_street_officer, client_for
):
    client = client_for(other_street_officer)
    report, case = world.here_report, world.here_case
    for url, data in (
        (reverse("oversight:report-action", args=[report.pk, "submit"]), {}),
        (reverse("oversight:report-action", args=[report.pk, "accept"]), {}),
        (reverse("oversight:report-action", args=[report.pk, "return"]), {"reason": "x"}),
        (reverse("oversight:report-update", args=[report.pk]), {"income": "1"}),
        (reverse("oversight:case-action", args=[case.pk, "confirm"]), {"note": "x"}),
        (reverse("oversight:case-action", args=[case.pk, "propose-exit"]), {"note": "x"}),
        (reverse("oversight:leader-unreachable", args=[world.here.pk]), {"note": "x"}),
    ):
        assert client.post(url, data).status_code == 404, url
    report.refresh_from_db()
    case.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.income is None
    assert case.status == CaseStatus.OPEN and case.signals == ["inactive"]


def test_creating_a_report_for_an_organisation_outside_is_refused(
    world, other_street_officer, client_for
):
    AnnualReport.objects.filter(organisation=world.here).delete()
    response = client_for(other_street_officer).post(
        reverse("oversight:report-create"),
        {"organisation": world.here.pk, "year": 2024, "income": "1", "spending": "1"},
    )
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not AnnualReport.objects.filter(organisation=world.here).exists()
    choices = response.context["form"].fields["organisation"].queryset
    assert world.here not in choices and world.there in choices


def test_anonymous_is_sent_to_log_in(world, client):
    for url in [reverse("oversight:report-list"), *detail_urls(world, "here")]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- API --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "basename, attribute",
    [
        ("annual-report", "report"),
        ("credit-list-entry", "entry"),
        ("dormancy-case", "case"),
    ],
)
def test_api_lists_and_details_are_scoped(
    world, street_officer, other_street_officer, api_for, basename, attribute
):
    here, there = getattr(world, f"here_{attribute}"), getattr(world, f"there_{attribute}")
    for user, mine, theirs in (
        (street_officer, here, there),
        (other_street_officer, there, here),
    ):
        api = api_for(user)
        seen = ids(api.get(reverse(f"{basename}-list")))
        assert mine.pk in seen and theirs.pk not in seen
        assert api.get(reverse(f"{basename}-detail", args=[mine.pk])).status_code == 200
        assert api.get(reverse(f"{basename}-detail", args=[theirs.pk])).status_code == 404


def test_api_writes_outside_the_jurisdiction_are_404(world, other_street_officer, api_for):
    api = api_for(other_street_officer)
    report, case = world.here_report, world.here_case
    for url, data in (
        (reverse("annual-report-detail", args=[report.pk]), {"income": "1"}),
        (reverse("annual-report-submit", args=[report.pk]), {}),
        (reverse("annual-report-accept", args=[report.pk]), {}),
        (reverse("annual-report-return-for-correction", args=[report.pk]), {"reason": "x"}),
        (reverse("dormancy-case-confirm", args=[case.pk]), {"note": "x"}),
        (reverse("dormancy-case-propose-exit", args=[case.pk]), {"note": "x"}),
    ):
        method = api.patch if url.endswith(f"/{report.pk}/") else api.post
        assert method(url, data, format="json").status_code == 404, url
    report.refresh_from_db()
    assert report.income is None and report.status == ReportStatus.DRAFT


def test_api_references_to_an_organisation_outside_do_not_exist(
    world, other_street_officer, api_for
):
    api = api_for(other_street_officer)
    AnnualReport.objects.filter(organisation=world.here).delete()
    response = api.post(
        reverse("annual-report-list"),
        {"organisation": world.here.pk, "year": 2024},
        format="json",
    )
    assert response.status_code == 400 and "organisation" in response.json()
    response = api.post(
        reverse("dormancy-case-leader-unreachable"),
        {"organisation": world.here.pk, "note": "电话无人接听"},
        format="json",
    )
    assert response.status_code == 400 and "organisation" in response.json()
    assert not AnnualReport.objects.filter(organisation=world.here).exists()
    assert DormancyCase.objects.filter(organisation=world.here).count() == 1


def test_api_city_officer_reads_and_cannot_write(world, city_officer, api_for):
    api = api_for(city_officer)
    assert api.get(reverse("annual-report-detail", args=[world.here_report.pk])).status_code == 200
    response = api.post(
        reverse("annual-report-submit", args=[world.here_report.pk]), {}, format="json"
    )
    assert response.status_code == 404


def test_api_needs_authentication(world, api_for):
    response = api_for().get(reverse("annual-report-list"))
    assert response.status_code in (401, 403)


@pytest.mark.parametrize("basename", ["annual-report", "credit-list-entry", "dormancy-case"])
def test_within_filter_narrows_to_a_subtree_and_matches_nothing_outside(
    world, district_officer, street_officer, api_for, basename
):
    url = reverse(f"{basename}-list")
    response = api_for(district_officer).get(url, {"within": PINGSHAN_STREET})
    assert {row["organisation"] for row in response.json()["results"]} == {world.here.pk}
    response = api_for(district_officer).get(url, {"within": MALUAN_STREET})
    assert {row["organisation"] for row in response.json()["results"]} == {world.there.pk}
    # A code outside the jurisdiction matches nothing rather than revealing anything.
    response = api_for(street_officer).get(url, {"within": MALUAN_STREET})
    assert response.status_code == 200 and response.json()["results"] == []
