"""Oversight's endpoints and pages on the shared access tests (``tests/access.py``).

The sample: a registered organisation of 坪山社区 (entered 2023-03-01, led by the world's
``organisation_leader``) with the overdue 2024 annual report, the abnormal-list entry and the
dormancy case that the scan of 2025-06-01 made for it.
"""

import pytest
from django.urls import reverse

from oversight.models import AnnualReport, CreditListEntry, DormancyCase
from oversight.services.scan import lifecycle_scan
from tests.access import EndpointAccess, PageAccess
from tests.oversight.helpers import D, activity, registered
from tests.places import PINGSHAN_COMMUNITY
from tests.world import lead

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"oversight:{name}", args=args)


def scanned(world, users):
    staff = users["community_staff"]
    here = registered(
        staff,
        users["street_officer"],
        users["district_officer"],
        entered=D(2023, 3, 1),
        name="坪山社区邻里互助会",
    )
    activity(here, staff, D(2023, 6, 1))
    lifecycle_scan(today=D(2025, 6, 1))
    lead(users, here)
    world.registered = here
    world.report = AnnualReport.objects.get(organisation=here)
    world.entry = CreditListEntry.objects.get(organisation=here)
    world.case = DormancyCase.objects.get(organisation=here)


class OversightSample:
    def setup_world(self, world, users):
        scanned(world, users)


# --- API --------------------------------------------------------------------------------------


class TestAnnualReportEndpoint(OversightSample, EndpointAccess):
    model = AnnualReport
    list_url = reverse("annual-report-list")

    def detail_url(self, world):
        return reverse("annual-report-detail", args=[world.report.pk])

    def object_id(self, world):
        return world.report.pk

    def filters(self, world):
        return [
            {"within": PINGSHAN_COMMUNITY},
            {"organisation": world.registered.pk, "year": 2024},
            {"status": "draft", "overdue": "true", "q": "邻里互助会"},
        ]

    def actions(self, world):
        pk = world.report.pk
        return [
            ("patch", self.detail_url(world), {"income": "1"}),
            ("post", reverse("annual-report-submit", args=[pk]), {}),
            ("post", reverse("annual-report-accept", args=[pk]), {}),
            ("post", reverse("annual-report-return-for-correction", args=[pk]), {"reason": "x"}),
        ]

    def create_body(self, world):
        return {"organisation": world.registered.pk, "year": 2023}, "organisation"

    def refused(self, world):
        # the city bureau reads reports; it submits none
        submit = reverse("annual-report-submit", args=[world.report.pk])
        return [("city_officer", "post", submit, {}, 404)]


class TestCreditListEntryEndpoint(OversightSample, EndpointAccess):
    model = CreditListEntry
    list_url = reverse("credit-list-entry-list")

    def detail_url(self, world):
        return reverse("credit-list-entry-detail", args=[world.entry.pk])

    def object_id(self, world):
        return world.entry.pk

    def filters(self, world):
        return [
            {"within": PINGSHAN_COMMUNITY},
            {"organisation": world.registered.pk, "current": "true"},
            {"kind": world.entry.kind, "q": "邻里互助会"},
        ]


class TestDormancyCaseEndpoint(OversightSample, EndpointAccess):
    model = DormancyCase
    list_url = reverse("dormancy-case-list")

    def detail_url(self, world):
        return reverse("dormancy-case-detail", args=[world.case.pk])

    def object_id(self, world):
        return world.case.pk

    def filters(self, world):
        return [
            {"within": PINGSHAN_COMMUNITY},
            {"organisation": world.registered.pk, "status": "open"},
            {"pending": "true", "signal": "inactive", "q": "邻里互助会"},
        ]

    def actions(self, world):
        pk = world.case.pk
        return [
            ("post", reverse("dormancy-case-confirm", args=[pk]), {"note": "x"}),
            ("post", reverse("dormancy-case-propose-exit", args=[pk]), {"note": "x"}),
        ]

    def references(self, world):
        body = {"organisation": world.registered.pk, "note": "电话无人接听"}
        return [("post", reverse("dormancy-case-leader-unreachable"), body, "organisation")]


# --- web pages --------------------------------------------------------------------------------


class TestAnnualReportPages(OversightSample, PageAccess):
    model = AnnualReport
    list_url = url("report-list")

    def object_id(self, world):
        return world.report.pk

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}, {"year": 2024, "status": "draft"}]

    def detail_url(self, world):
        return url("report-detail", world.report.pk)

    def write_pages(self, world):
        return [url("report-update", world.report.pk)]

    def actions(self, world):
        pk = world.report.pk
        return [
            (url("report-action", pk, "submit"), {}),
            (url("report-action", pk, "accept"), {}),
            (url("report-action", pk, "return"), {"reason": "x"}),
            (url("report-update", pk), {"income": "1"}),
        ]

    def references(self, world):
        data = {"organisation": world.registered.pk, "year": 2023, "income": "1", "spending": "1"}
        return [(url("report-create"), data, "organisation")]

    def refused(self, world):
        # the city bureau reads; the change page is not found
        return [("city_officer", "get", url("report-update", world.report.pk), None, 404)]


class TestCreditListPage(OversightSample, PageAccess):
    model = CreditListEntry
    list_url = url("credit-list")

    def object_id(self, world):
        return world.entry.pk

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}]


class TestDormancyCasePages(OversightSample, PageAccess):
    model = DormancyCase
    list_url = url("case-list")
    # Without "mine" the inbox shows every case of the subtree, whichever tier owns it.
    list_query = {"pending": "true"}

    def object_id(self, world):
        return world.case.pk

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY, "pending": "true"}]

    def detail_url(self, world):
        return url("case-detail", world.case.pk)

    def actions(self, world):
        pk = world.case.pk
        return [
            (url("case-action", pk, "confirm"), {"note": "x"}),
            (url("case-action", pk, "propose-exit"), {"note": "x"}),
        ]


class TestOrganisationOversightPages(OversightSample, PageAccess):
    """An organisation's oversight file, and the "leader unreachable" report."""

    model = DormancyCase

    def detail_url(self, world):
        return url("organisation", world.registered.pk)

    def write_pages(self, world):
        return [url("leader-unreachable", world.registered.pk)]

    def actions(self, world):
        return [(url("leader-unreachable", world.registered.pk), {"note": "x"})]

    def refused(self, world):
        page = url("leader-unreachable", world.registered.pk)
        return [("city_officer", "get", page, None, 404)]
