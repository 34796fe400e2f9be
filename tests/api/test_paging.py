"""Paging: the cursor walks every row once in order, both ways, with any allowed ordering; the
number of queries of a list does not depend on the page size."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.choices import ApplicationKind, ExitReason
from registry.services.lifecycle import application_decide, application_submit
from registry.services.organisations import activity_record, member_add, organisation_create
from tests.conftest import PINGSHAN_COMMUNITY

pytestmark = pytest.mark.django_db
COUNT = 12


@pytest.fixture
def many(staff, street_officer, divisions):
    """COUNT organisations (every third without a founding date, names with ties broken by id
    order), each with two members, an activity and an exit application, half decided."""
    community = divisions.get(code=PINGSHAN_COMMUNITY)
    created = []
    for i in range(COUNT):
        organisation = organisation_create(
            acting_user=staff,
            name=f"坪山社区兴趣小组{i % 5:02d}-{i:02d}",
            community=community,
            org_type="association",
            field="culture_sports",
            founded_on=None if i % 3 == 0 else datetime.date(2020, 1 + i % 4, 1),
        )
        for j in range(2):
            member_add(organisation=organisation, acting_user=staff, name=f"成员{i}-{j}")
        activity_record(
            organisation=organisation,
            acting_user=staff,
            held_on=datetime.date(2024, 1 + i % 6, 1),
            title=f"活动{i}",
        )
        application = application_submit(
            organisation=organisation,
            kind=ApplicationKind.EXIT,
            acting_user=staff,
            exit_reason=ExitReason.VOLUNTARY,
        )
        if i % 2:
            application_decide(
                application=application, action="reject", acting_user=staff, reason="继续活动"
            )
        created.append(organisation)
    return created


LISTS = [
    ("/api/v1/divisions/", {"level": "community"}),
    ("/api/v1/organisations/", {}),
    ("/api/v1/organisations/", {"within": PINGSHAN_COMMUNITY, "ordering": "-founded_on"}),
    ("/api/v1/members/", {"current": "true"}),
    ("/api/v1/activities/", {"ordering": "-held_on"}),
    ("/api/v1/applications/", {"kind": "exit"}),
    ("/api/v1/applications/", {"ordering": "-decided_at"}),
]


@pytest.mark.parametrize("url,query", LISTS)
def test_queries_do_not_grow_with_the_page_size(
    url, query, many, street_officer, api_for, django_assert_num_queries
):
    api = api_for(street_officer)
    with CaptureQueriesContext(connection) as small:
        response = api.get(url, {**query, "page_size": 2})
    assert len(response.json()["results"]) == 2
    with django_assert_num_queries(len(small.captured_queries)):
        response = api.get(url, {**query, "page_size": 20})
    assert len(response.json()["results"]) > 2


def test_organisation_detail_queries_do_not_grow_with_the_roster(world, staff, api_for):
    api = api_for(staff)
    url = f"/api/v1/organisations/{world.organisation.pk}/"
    with CaptureQueriesContext(connection) as before:
        api.get(url)
    for i in range(5):
        member_add(organisation=world.organisation, acting_user=staff, name=f"新成员{i}")
    with CaptureQueriesContext(connection) as after:
        assert len(api.get(url).json()["members"]) == 15
    assert len(after.captured_queries) == len(before.captured_queries)


def walk(api, url, query):
    """Every page following ``next``; returns the pages' ids and the last response."""
    pages, response = [], api.get(url, query)
    while True:
        body = response.json()
        pages.append([row["id"] for row in body["results"]])
        if not body["next"]:
            return pages, body
        response = api.get(body["next"])


ORDERINGS = [
    ("/api/v1/organisations/", "name"),
    ("/api/v1/organisations/", "-name"),
    ("/api/v1/organisations/", "founded_on"),  # NULLs last, ties on the date
    ("/api/v1/organisations/", "-founded_on,name"),
    ("/api/v1/members/", "-id"),
    ("/api/v1/activities/", "held_on"),
    ("/api/v1/applications/", "decided_at"),
    ("/api/v1/applications/", "-decided_at"),
]


@pytest.mark.parametrize("url,ordering", ORDERINGS)
def test_cursor_walks_every_row_once_in_order_and_back(url, ordering, many, staff, api_for):
    api = api_for(staff)
    everything = [
        row["id"]
        for row in api.get(url, {"ordering": ordering, "page_size": 200}).json()["results"]
    ]
    assert len(everything) >= COUNT
    pages, last = walk(api, url, {"ordering": ordering, "page_size": 5})
    assert [i for page in pages for i in page] == everything
    assert all(len(page) == 5 for page in pages[:-1])
    # And back, page by page, following ``previous``.
    back, body = [], last
    while body["previous"]:
        body = api.get(body["previous"]).json()
        back.insert(0, [row["id"] for row in body["results"]])
    assert back == pages[:-1]


def test_first_page_has_no_previous_link(many, staff, api_for):
    body = api_for(staff).get("/api/v1/organisations/", {"page_size": 5}).json()
    assert body["previous"] is None and "cursor=" in body["next"]


def test_rows_added_while_paging_neither_repeat_nor_shift_the_pages(
    many, staff, api_for, divisions
):
    api = api_for(staff)
    first = api.get("/api/v1/organisations/", {"ordering": "id", "page_size": 5}).json()
    organisation_create(
        acting_user=staff,
        name="坪山社区新加入小组",
        community=divisions.get(code=PINGSHAN_COMMUNITY),
        org_type="service",
        field="charity",
    )
    second = api.get(first["next"]).json()
    first_ids = [row["id"] for row in first["results"]]
    second_ids = [row["id"] for row in second["results"]]
    assert not set(first_ids) & set(second_ids)
    assert second_ids[0] == first_ids[-1] + 1


def test_a_cursor_is_only_valid_with_its_ordering(many, staff, api_for):
    api = api_for(staff)
    body = api.get("/api/v1/organisations/", {"ordering": "name", "page_size": 5}).json()
    cursor = body["next"].split("cursor=")[1].split("&")[0]
    response = api.get("/api/v1/organisations/", {"ordering": "-id", "cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_divisions_are_paged_by_number_with_a_count(street_officer, api_for):
    body = api_for(street_officer).get("/api/v1/divisions/", {"page_size": 2}).json()
    assert body["count"] > 2 and len(body["results"]) == 2 and "page=2" in body["next"]
