"""The registry's web pages and the ledger exports on the shared access tests
(``tests/access.py``): the world's organisation, its roster, activities, brand projects and
filing application; the division pages of its community."""

import pytest
from django.urls import reverse

from registry.models import Application, Organisation
from tests.access import INSIDE, OUTSIDE, PageAccess
from tests.places import PINGSHAN_COMMUNITY, PINGSHAN_STREET
from tests.registry.factories import make_filed, make_group, make_registered
from tests.world import lead

pytestmark = pytest.mark.django_db


def organisation_data(**overrides):
    data = {
        "name": "越权新小组",
        "community": PINGSHAN_COMMUNITY,
        "org_type": "service",
        "field": "charity",
        "founded_on": "2024-01-01",
        "reason": "越权",
    }
    data.update(overrides)
    return data


class TestOrganisationPages(PageAccess):
    """The ledger, an organisation's page and the forms that change its record."""

    model = Organisation
    list_url = reverse("organisation-list")

    def object_id(self, world):
        return world.organisation.pk

    def label(self, world):
        return world.organisation.name

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}, {"q": world.organisation.name}]

    def detail_url(self, world):
        return reverse("organisation-detail", args=[world.organisation.pk])

    def write_pages(self, world):
        pk = world.organisation.pk
        return [
            reverse("organisation-update", args=[pk]),
            reverse("member-create", args=[pk]),
            reverse("member-update", args=[pk, world.member.pk]),
            reverse("activity-create", args=[pk]),
            reverse("activity-update", args=[pk, world.activity.pk]),
        ]

    def references(self, world):
        return [(reverse("organisation-create"), organisation_data(), "community")]

    def refused(self, world):
        # The city bureau reads every page and writes none (403: it may see the organisation).
        return [("city_officer", "get", url, None, 403) for url in self.write_pages(world)] + [
            ("city_officer", "get", reverse("organisation-create"), None, 403),
            # an organisation's leader keeps its roster but enters no new organisations
            ("organisation_leader", "get", reverse("organisation-create"), None, 403),
        ]


class TestOrganisationTransitionPages(PageAccess):
    """The lifecycle forms of an organisation, each the work of one tier."""

    model = Organisation
    writers = ["community_staff"]

    def setup_world(self, world, users):
        # a group with no application open yet (and no leader among the users)
        world.fresh = make_group(users["community_staff"], name="坪山社区象棋队")

    def write_pages(self, world):
        pk = world.fresh.pk
        return [
            reverse("application-submit", args=[pk, "filing"]),
            reverse("application-submit", args=[pk, "exit"]),
            reverse("brand-project-create", args=[world.organisation.pk]),
        ]

    def actions(self, world):
        pk = world.organisation.pk
        return [
            (reverse("application-submit", args=[pk, "registration"]), {"reason": "越权"}),
            (reverse("organisation-hub", args=[pk, "designate"]), {"reason": "越权"}),
            (reverse("organisation-hub", args=[pk, "revoke"]), {"reason": "越权"}),
            (reverse("organisation-exit-reverse", args=[pk]), {"reason": "越权"}),
        ]

    def refused(self, world):
        pk = world.organisation.pk
        designate = reverse("organisation-hub", args=[pk, "designate"])
        filing = reverse("application-submit", args=[world.fresh.pk, "filing"])
        # The city bureau may see the organisation and opens none of its forms.
        pages = self.write_pages(world) + [url for url, _data in self.actions(world)]
        return [("city_officer", "get", url, None, 403) for url in pages] + [
            # only the street office designates hubs
            ("community_staff", "post", designate, {"reason": "示范"}, 403),
            # the community recommends its groups for filing, not the street office
            ("street_officer", "post", filing, {"note": "推荐"}, 403),
        ]

    def state(self, world):
        return [*super().state(world), Application.objects.count(), Application.history.count()]


class TestApplicationPages(PageAccess):
    """The application ledger (the review inbox), an application and its decision forms."""

    model = Application
    list_url = reverse("application-list")

    def object_id(self, world):
        return world.application.pk

    def label(self, world):
        return world.organisation.name

    def filters(self, world):
        return [{"reviewing_division": PINGSHAN_STREET, "status": "submitted"}]

    def detail_url(self, world):
        return reverse("application-detail", args=[world.application.pk])

    def actions(self, world):
        pk = world.application.pk
        return [
            (reverse("application-decide", args=[pk]), {"action": "approve", "reason": "越权"}),
            (reverse("application-resubmit", args=[pk]), {"reason": "越权"}),
            (reverse("application-withdraw", args=[pk]), {"reason": "越权"}),
        ]

    def refused(self, world):
        decide = reverse("application-decide", args=[world.application.pk])
        body = {"action": "approve", "reason": "好"}
        return [
            # community staff see the filing; only the street office decides it
            ("community_staff", "post", decide, body, 403),
            ("city_officer", "post", decide, body, 403),
        ]


class TestHomePage(PageAccess):
    """Home: each role's own work; the world's filing is the community's and street's."""

    list_url = reverse("home")
    inside = ["community_staff", "street_officer", "organisation_leader"]

    def label(self, world):
        return world.organisation.name


class TestDivisionPages(PageAccess):
    """The division tree and a division's page: the world's community."""

    list_url = reverse("division-list")
    list_query = {"q": PINGSHAN_STREET}
    # An organisation leader is bound to an organisation, not to a place in the tree.
    inside = [role for role in INSIDE if role != "organisation_leader"]
    outside = [*OUTSIDE, "organisation_leader"]

    def shown(self, response, world):
        return PINGSHAN_COMMUNITY in {d.code for d in response.context["object_list"]}

    def filters(self, world):
        return [
            {"within": PINGSHAN_COMMUNITY},
            {"level": "community", "parent": PINGSHAN_STREET},
            {"q": "坪山社区"},
        ]

    def detail_url(self, world):
        return reverse("division-detail", args=[PINGSHAN_COMMUNITY])


# --- ledger exports (.xlsx and .csv) ---------------------------------------------------------


class LedgerExport(PageAccess):
    """A ledger download: the world's rows inside (a leader: its organisation's); outside, the
    user's own rows without them, and 404 for the world's community."""

    kind: str

    @property
    def list_url(self):
        return reverse("excel:export", args=[self.kind])

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}, {"within": PINGSHAN_COMMUNITY, "format": "csv"}]

    def outside_list_status(self, query):
        return 404 if "within" in query else 200


class TestGroupLedgerExport(LedgerExport):
    kind = "groups"

    def label(self, world):
        return world.organisation.name


class TestActivityLedgerExport(LedgerExport):
    kind = "activities"

    def label(self, world):
        return world.activity.title


class TestMemberLedgerExport(LedgerExport):
    kind = "members"

    def label(self, world):
        return world.organisation.name  # each member row names its organisation


class TestFiledLedgerExport(LedgerExport):
    """The filed organisations' ledger: a filed organisation of the world's community (its
    leader is the role's leader)."""

    kind = "filed"

    def setup_world(self, world, users):
        world.filed = make_filed(
            users["community_staff"], users["street_officer"], name="坪山社区舞蹈协会"
        )
        lead(users, world.filed)

    def label(self, world):
        return world.filed.filing_number


class TestRegisteredLedgerExport(LedgerExport):
    """The registered organisations' ledger: a registered organisation of the world's
    community."""

    kind = "registered"

    def setup_world(self, world, users):
        world.registered = make_registered(
            users["community_staff"],
            users["street_officer"],
            users["district_officer"],
            name="坪山社区志愿者协会",
        )
        lead(users, world.registered)

    def label(self, world):
        return world.registered.credit_code
