"""Access tests for every app: who may see and change what, for every API endpoint, web page and
.xlsx export (after NetBox's ``utilities/testing`` ``ViewTestCases``: the checks live here; an
app's test class only names its URLs and sample data).

How an app declares its access tests
====================================
In ``tests/<app>/test_access.py``, one class per endpoint (``EndpointAccess``) or per web page or
export (``PageAccess``). Sample data goes into the shared ``world`` (``tests/world.py``: an
organisation of 坪山社区 with a member, an activity, a brand project and a filing application)
from the ``setup_world`` hook, which runs once per test, before the checks::

    from tests.access import EndpointAccess, PageAccess

    class TestSupportProjects(EndpointAccess):
        model = SupportProject                      # rows counted before/after refused writes
        list_url = "/api/v1/support-projects/"

        def setup_world(self, world, users):
            world.project = support_project_create(
                organisation=world.organisation, acting_user=users["street_officer"], ...)

        def detail_url(self, world):
            return f"{self.list_url}{world.project.pk}/"

        def object_id(self, world):
            return world.project.pk

        def filters(self, world):            # each query must still find the object inside
            return [{"within": PINGSHAN_COMMUNITY}, {"q": "书画"}]

        def actions(self, world):            # other requests on it: 404 outside
            return [("post", f"{self.detail_url(world)}close/", {"reason": "x"})]

        def create_body(self, world):        # naming the world's organisation: 400 outside
            return {"organisation": world.organisation.pk, "title": "x"}, "organisation"

    class TestSupportProjectPages(PageAccess):
        model = SupportProject
        list_url = "/support/projects/"
        # object_id(world): the pk in the page's object_list; or label(world): text to look for
        # (an .xlsx/.csv export is searched cell by cell)
        # detail_url(world), pages(world): pages about the object, 200 inside and 404 outside
        # write_pages(world): its forms, opened by ``writers``; GET and POST 404 outside
        # actions(world): [(url, data)] POSTs on it, 404 outside
        # references(world): [(url, data, field)] forms naming it, posted by ``referrers``

What runs, per class (each role is a separate test item):

* anonymous: the API answers 401 (``WWW-Authenticate: Token``), a page redirects to log in, for
  every request the class names;
* every role of ``inside`` (default ``INSIDE``) finds the object in the list, in each of
  ``filters(world)`` (a leader skips ``within``: it sees no divisions), and opens its detail and
  pages (200); the ``writers`` among them open its forms;
* every role of ``outside`` (default ``OUTSIDE``) gets 404 for the detail and every action and
  write page, finds no row in the list or any filter (a page: nor the ``label`` anywhere on it;
  ``outside_list_status(query)`` says when the list itself is 404), and, in the API, filtering
  by the world's community finds nothing at all; nothing is written (``state(world)``: by
  default the row and history counts of ``model``);
* a write that names the out-of-scope object (``create_body`` / ``references``), sent by each
  of ``referrers`` (API default: ``OUTSIDE``; pages: ``OUTSIDE_OFFICERS``), is refused: 400
  "does not exist" on that field in the API, the form re-rendered with an error on that field on
  a page; nothing is written;
* ``refused(world)``: requests that a role inside may still not make, with the status expected
  (the city bureau only watches, a community may not decide a filing, ...), checked in that
  role's inside test;
* ``ChangeAccess`` (API): every role of ``writers`` (default ``WRITERS``) changes the object with
  ``change_body(world)``.

Roles are the keys of the ``users`` fixture. A class narrows ``inside`` / ``outside`` when its
objects belong to a higher tier (a district's campaign: community staff are outside), and
``tests.world.lead(users, organisation)`` makes ``organisation_leader`` the leader of an
organisation the class adds. Endpoints that answer for a node rather than a list (``?scope=``)
set ``list_url = None`` and read the id with ``id_of(body)``.
"""

from __future__ import annotations

import io
import re

import pytest
from django.utils import translation
from openpyxl import load_workbook

from tests.places import PINGSHAN_COMMUNITY

#: roles whose jurisdiction covers the world's organisation (坪山社区)
INSIDE = [
    "community_staff",
    "street_officer",
    "district_officer",
    "city_officer",
    "organisation_leader",
    "superuser",
]
#: the same roles bound elsewhere: 马峦社区, 马峦街道, 龙岗区, another organisation
OUTSIDE = [
    "community_staff_out",
    "street_officer_out",
    "district_officer_out",
    "organisation_leader_out",
]
#: inside roles that may change the ledger (the city bureau only watches)
WRITERS = ["community_staff", "street_officer", "district_officer", "organisation_leader"]
#: outside roles that work on places (they may open forms that name an organisation)
OUTSIDE_OFFICERS = ["community_staff_out", "street_officer_out", "district_officer_out"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LOGIN_URL = "/accounts/login/"


def parametrize_roles(metafunc):
    """A test asks for ``inside_role``, ``outside_role`` or ``writer_role`` and runs once per
    role its class names (``inside``, ``outside``, ``writers``). Called from
    ``pytest_generate_tests`` in ``tests/conftest.py``."""
    for argument, attribute in (
        ("inside_role", "inside"),
        ("outside_role", "outside"),
        ("writer_role", "writers"),
    ):
        if argument in metafunc.fixturenames and metafunc.cls is not None:
            metafunc.parametrize(argument, getattr(metafunc.cls, attribute))


def result_ids(response, key="id"):
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


class _Access:
    """What both mixins share: the sample-data hook, roles, and the "nothing written" check."""

    #: the model of the sample object (its rows and history rows must not change when refused)
    model = None
    inside = INSIDE
    outside = OUTSIDE

    @pytest.fixture(autouse=True)
    def _access_world(self, world, users):
        """Messages are read in English; the class's sample data joins the world."""
        with translation.override("en"):
            self.setup_world(world, users)
            yield

    def setup_world(self, world, users) -> None:
        """Add this class's sample objects to ``world`` (called once per test)."""

    def state(self, world):
        """What refused requests must leave as it was (default: the row and history counts of
        ``model``)."""
        if self.model is None:
            return None
        counts = [self.model._default_manager.count()]
        history = getattr(self.model, "history", None)
        if history is not None:
            counts.append(history.count())
        return counts

    def refused(self, world) -> list[tuple[str, str, str, dict | None, int]]:
        """Requests an inside role may still not make: (role, method, url, body, status)."""
        return []


# --- API endpoints ----------------------------------------------------------------------------


class EndpointAccess(_Access):
    """Access checks for one API endpoint. A subclass sets ``list_url`` (or ``None`` for an
    endpoint that is not a list) and implements the sample-data hooks."""

    list_url: str | None
    #: query of the plain list check (long lists: narrow it to a page that can hold the object)
    list_query: dict = {}
    id_key = "id"
    #: whether the list takes ``within`` (outside: filtering by the world's community is empty)
    within_filter = True
    #: outside roles that send the ``references`` writes
    referrers = OUTSIDE

    def detail_url(self, world) -> str:
        raise NotImplementedError

    def object_id(self, world):
        raise NotImplementedError

    def id_of(self, body: dict):
        """The id in a detail answer."""
        return body[self.id_key]

    def filters(self, world) -> list[dict]:
        """Query strings that select the sample object (each alone) for every inside role."""
        return []

    def actions(self, world) -> list[tuple[str, str, dict | None]]:
        """Other requests on the object: (method, url, body). Outside: 404."""
        return []

    def create_body(self, world) -> tuple[dict, str] | None:
        """A create body that refers to the world through field ``name``: (body, name)."""
        return None

    def references(self, world) -> list[tuple[str, str, dict, str]]:
        """Writes that name an object of the world: (method, url, body, field). Outside: 400,
        the field's object "does not exist". By default the create body."""
        created = self.create_body(world)
        if created is None or self.list_url is None:
            return []
        body, field = created
        return [("post", self.list_url, body, field)]

    # the checks

    def all_requests(self, world):
        if self.list_url is not None:
            yield "get", self.list_url, None
        yield "get", self.detail_url(world), None
        yield from self.actions(world)
        for method, url, body, _field in self.references(world):
            yield method, url, body

    def test_anonymous_is_asked_to_authenticate(self, world, api_for):
        assert {role for role, *_rest in self.refused(world)} <= set(self.inside)
        api = api_for()
        for method, url, body in self.all_requests(world):
            response = getattr(api, method)(url, body, format="json")
            assert response.status_code == 401, (method, url, response.status_code)
            assert response["WWW-Authenticate"] == "Token"
            assert "detail" in response.json()

    def test_inside_sees_it_in_lists_filters_and_detail(self, inside_role, world, users, api_for):
        role = inside_role
        api = api_for(users[role])
        wanted = self.object_id(world)
        if self.list_url is not None:
            assert wanted in result_ids(api.get(self.list_url, self.list_query), self.id_key)
            for query in self.filters(world):
                if "within" in query and role.startswith("organisation_leader"):
                    continue  # bound to an organisation, not a place: it sees no divisions
                found = result_ids(api.get(self.list_url, query), self.id_key)
                assert wanted in found, query
        response = api.get(self.detail_url(world))
        assert response.status_code == 200, response.content
        assert self.id_of(response.json()) == wanted
        before = self.state(world)
        for who, method, url, body, status in self.refused(world):
            if who == role:
                response = getattr(api, method)(url, body, format="json")
                assert response.status_code == status, (method, url, response.content)
        assert self.state(world) == before

    def test_outside_gets_404_and_finds_nothing(self, outside_role, world, users, api_for):
        api = api_for(users[outside_role])
        wanted = self.object_id(world)
        before = self.state(world)
        if self.list_url is not None:
            found = result_ids(api.get(self.list_url, self.list_query), self.id_key)
            assert wanted not in found
            for query in self.filters(world):
                found = result_ids(api.get(self.list_url, query), self.id_key)
                assert wanted not in found, query
            if self.within_filter:
                # The subtree itself is invisible: filtering by it finds nothing at all.
                query = {"within": PINGSHAN_COMMUNITY}
                assert result_ids(api.get(self.list_url, query), self.id_key) == []
        response = api.get(self.detail_url(world))
        assert response.status_code == 404, response.content
        for method, url, body in self.actions(world):
            response = getattr(api, method)(url, body, format="json")
            assert response.status_code == 404, (method, url, response.content)
            assert response.json() == {"detail": "Not found."}
        # A write that names the object is refused: for this user it does not exist.
        references = self.references(world) if outside_role in self.referrers else []
        for method, url, body, field in references:
            response = getattr(api, method)(url, body, format="json")
            assert response.status_code == 400, (url, response.content)
            errors = response.json()
            assert field in errors, (url, errors)
            assert "does not exist" in " ".join(errors[field]), (url, errors)
        assert self.state(world) == before


class ChangeAccess:
    """For endpoints whose objects are changed with PATCH: ``change_body`` is a harmless one."""

    writers = WRITERS

    def change_body(self, world) -> dict:
        raise NotImplementedError

    def test_writers_change_it(self, writer_role, world, users, api_for):
        body = self.change_body(world)
        response = api_for(users[writer_role]).patch(self.detail_url(world), body, format="json")
        assert response.status_code == 200, response.content
        for key, value in body.items():
            if key != "reason":
                assert response.json()[key] == value

    def test_the_city_only_watches(self, world, users, api_for):
        response = api_for(users["city_officer"]).patch(
            self.detail_url(world), self.change_body(world), format="json"
        )
        assert response.status_code == 404


# --- web pages and exports ----------------------------------------------------------------------


def cell_texts(content: bytes) -> list[str]:
    """Every non-empty cell of every sheet of an .xlsx, as text."""
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]


def content_of(response) -> bytes:
    """The body of a response, streamed or not (exports stream)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def page_text(response) -> str:
    """What a page shows, without what the user typed into its inputs."""
    return re.sub(r'value="[^"]*"', "", content_of(response).decode())


class PageAccess(_Access):
    """Access checks for web pages (and .xlsx exports) about one sample object.

    ``list_url`` lists objects (or exports them); ``detail_url(world)`` and ``pages(world)`` are
    pages about the object that every inside role opens; ``write_pages(world)`` are forms that
    the ``writers`` open; ``actions(world)`` are POSTs on the object.
    """

    list_url: str | None = None
    list_query: dict = {}
    writers = WRITERS
    #: outside roles that post ``references`` forms
    referrers = OUTSIDE_OFFICERS

    def detail_url(self, world) -> str | None:
        return None

    def pages(self, world) -> list[str]:
        """Further pages about the object: 200 inside, 404 outside."""
        return []

    def write_pages(self, world) -> list[str]:
        """Forms about the object: GET 200 for ``writers``; GET and POST 404 outside."""
        return []

    def actions(self, world) -> list[tuple[str, dict]]:
        """POSTs about the object: (url, data). Outside: 404, nothing written."""
        return []

    def filters(self, world) -> list[dict]:
        """Queries of ``list_url`` that still show the object inside (and hide it outside)."""
        return []

    def references(self, world) -> list[tuple[str, dict, str]]:
        """Forms naming the sample object: (url, data, field). Posted by ``referrers``: the
        form comes back (200) with an error on ``field``; nothing written."""
        return []

    def outside_list_status(self, query: dict) -> int:
        """What ``list_url`` with ``query`` answers outside: 200 without the object (a page of
        the user's own rows), or 404 (a list of a node the user may not see)."""
        return 200

    def object_id(self, world):
        """The pk of the sample object among the list page's ``object_list`` (``None``: look for
        ``label`` in the page instead)."""
        return None

    def label(self, world) -> str | None:
        """How the object shows as text (an export's cell, a page without ``object_list``); if
        given, no outside page of ``list_url`` may show it anywhere."""
        return None

    def shown(self, response, world) -> bool:
        """Whether the list page (or export) shows the sample object."""
        if response.get("Content-Type", "").startswith(XLSX):
            return any(self.label(world) in text for text in cell_texts(content_of(response)))
        context = response.context
        wanted = self.object_id(world)
        if wanted is not None and context is not None and "object_list" in context:
            return wanted in {row.pk for row in context["object_list"]}
        return self.label(world) in page_text(response)

    def reads(self, world) -> list[str]:
        urls = [self.detail_url(world)] if self.detail_url(world) else []
        return urls + list(self.pages(world))

    def list_queries(self, world) -> list[dict]:
        return [self.list_query, *self.filters(world)] if self.list_url else []

    # the checks

    def test_anonymous_is_sent_to_log_in(self, world, client):
        posts = [(url, {}) for url in self.write_pages(world)] + self.actions(world)
        posts += [(url, data) for url, data, _field in self.references(world)]
        gets = [self.list_url] if self.list_url else []
        gets += self.reads(world) + [url for url, _data in posts]
        assert gets or posts, "the class names no page"
        for method, url, data in [("get", url, None) for url in gets] + [
            ("post", url, data) for url, data in posts
        ]:
            response = getattr(client, method)(url, data)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response["Location"].startswith(LOGIN_URL + "?next="), url
        assert {role for role, *_rest in self.refused(world)} <= set(self.inside)

    def test_inside_sees_it(self, inside_role, world, users, client_for):
        client = client_for(users[inside_role])
        for query in self.list_queries(world):
            if "within" in query and inside_role.startswith("organisation_leader"):
                continue  # bound to an organisation, not a place: it sees no divisions
            response = client.get(self.list_url, query)
            assert response.status_code == 200, (self.list_url, query)
            assert self.shown(response, world), (self.list_url, query)
        for url in self.reads(world):
            assert client.get(url).status_code == 200, url
        if inside_role in self.writers:
            for url in self.write_pages(world):
                assert client.get(url).status_code == 200, url
        before = self.state(world)
        for who, method, url, data, status in self.refused(world):
            if who == inside_role:
                response = getattr(client, method)(url, data)
                assert response.status_code == status, (method, url, response.status_code)
        assert self.state(world) == before

    def test_outside_gets_404_and_finds_nothing(self, outside_role, world, users, client_for):
        client = client_for(users[outside_role])
        before = self.state(world)
        for query in self.list_queries(world):
            response = client.get(self.list_url, query)
            expected = self.outside_list_status(query)
            assert response.status_code == expected, (self.list_url, query, response.status_code)
            if response.status_code == 200:
                assert not self.shown(response, world), (self.list_url, query)
                label = self.label(world)
                if label and not response.get("Content-Type", "").startswith(XLSX):
                    assert label not in page_text(response), (self.list_url, query)
        for url in self.reads(world) + self.write_pages(world):
            assert client.get(url).status_code == 404, url
        posts = [(url, {"reason": "越权"}) for url in self.write_pages(world)]
        for url, data in posts + self.actions(world):
            assert client.post(url, data).status_code == 404, url
        if outside_role in self.referrers:
            # A form that names the object is refused: for this user it does not exist.
            for url, data, field in self.references(world):
                response = client.post(url, data)
                assert response.status_code == 200, (url, response.status_code)
                assert field in response.context["form"].errors, url
        assert self.state(world) == before
