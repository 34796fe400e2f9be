"""Every support page and export, for every role inside and outside the world's jurisdiction
(``tests/access.py``: anonymous to the login, found inside, 404 and nothing found outside)."""

from tests.access import INSIDE, PageAccess
from tests.places import PINGSHAN_COMMUNITY
from tests.support.sample import add_support
from tests.support.test_access import ABOVE_COMMUNITY, BELOW_DISTRICT, BELOW_STREET, DISTRICT_UP


class SupportPages(PageAccess):
    def setup_world(self, world, users):
        add_support(world, users)


class TestPlatformPages(SupportPages):
    list_url = "/support/platforms/"
    inside = ABOVE_COMMUNITY
    outside = BELOW_STREET
    writers = ["street_officer", "district_officer"]
    referrers = []

    def detail_url(self, world):
        return f"/support/platforms/{world.platform.pk}/"

    def write_pages(self, world):
        return [f"/support/platforms/{world.platform.pk}/take-in/"]

    def object_id(self, world):
        return world.platform.pk

    def filters(self, world):
        return [{"q": "孵化"}, {"tier": "street"}]


class TestResidencyForms(SupportPages):
    inside = INSIDE
    writers = ["street_officer", "district_officer"]

    def write_pages(self, world):
        pk = world.residency.pk
        return [
            f"/support/residencies/{pk}/service/",
            f"/support/residencies/{pk}/stage/",
            f"/support/residencies/{pk}/graduate/",
        ]

    def object_id(self, world):
        return world.residency.pk


class TestProjectPages(SupportPages):
    list_url = "/support/projects/"
    writers = ["district_officer"]

    def detail_url(self, world):
        return f"/support/projects/{world.project.pk}/"

    def write_pages(self, world):
        pk = world.project.pk
        return [
            f"/support/projects/{pk}/disburse/",
            f"/support/projects/{pk}/progress/",
            f"/support/projects/{pk}/decide/",
        ]

    def object_id(self, world):
        return world.project.pk

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}, {"kind": "venture_philanthropy"}, {"q": "翰墨"}]


class TestProjectLedger(SupportPages):
    list_url = "/support/ledgers/projects.xlsx"

    def label(self, world):
        return world.project.title


class TestProgrammePages(SupportPages):
    list_url = "/support/programmes/"
    inside = DISTRICT_UP
    outside = BELOW_DISTRICT
    writers = ["district_officer"]

    def write_pages(self, world):
        return [f"/support/rounds/{world.round.pk}/award/"]

    def object_id(self, world):
        return world.programme.pk


class TestFundPages(SupportPages):
    list_url = "/support/funds/"
    inside = ABOVE_COMMUNITY
    outside = BELOW_STREET
    writers = ["street_officer", "district_officer"]

    def detail_url(self, world):
        return f"/support/funds/{world.fund.pk}/"

    def pages(self, world):
        return [f"/support/funds/{world.fund.pk}/statement.xlsx"]

    def write_pages(self, world):
        return [f"/support/funds/{world.fund.pk}/donate/"]

    def object_id(self, world):
        return world.fund.pk


class TestDonationLedger(SupportPages):
    list_url = "/support/ledgers/donations.xlsx"
    inside = ABOVE_COMMUNITY
    outside = BELOW_STREET

    def label(self, world):
        return "坪山某企业"


class TestDonationList(SupportPages):
    list_url = "/support/donations/"
    inside = ABOVE_COMMUNITY
    outside = BELOW_STREET

    def object_id(self, world):
        return world.donation.pk


class TestTrainingPages(SupportPages):
    list_url = "/support/attendances/"
    writers = ["district_officer"]

    def object_id(self, world):
        return world.attendance.pk

    def filters(self, world):
        return [{"capacity": "leader"}, {"year": "2024"}]


class TestSessionPages(SupportPages):
    inside = DISTRICT_UP
    outside = BELOW_DISTRICT
    writers = ["district_officer"]

    def detail_url(self, world):
        return f"/support/sessions/{world.session.pk}/"

    def write_pages(self, world):
        return [f"/support/sessions/{world.session.pk}/attend/"]


class TestAttendanceLedger(SupportPages):
    list_url = "/support/ledgers/attendances.xlsx"

    def label(self, world):
        return world.session.title


class TestPlatformLedger(SupportPages):
    list_url = "/support/ledgers/platforms.xlsx"
    inside = ABOVE_COMMUNITY
    outside = BELOW_STREET

    def label(self, world):
        return world.platform.name


class TestPairingPages(SupportPages):
    list_url = "/support/pairings/"
    inside = [role for role in INSIDE if role != "organisation_leader"]
    writers = ["street_officer", "district_officer"]

    def write_pages(self, world):
        return [f"/support/pairings/{world.pairing.pk}/end/"]

    def object_id(self, world):
        return world.pairing.pk


class TestOrganisationPanel(SupportPages):
    """The stage, the incubation and the funded project on the organisation's own page."""

    inside = INSIDE

    def detail_url(self, world):
        return f"/organisations/{world.organisation.pk}/"

    def test_the_panel_shows_the_stage_and_the_project(self, world, users, client_for):
        client = client_for(users["street_officer"])
        page = client.get(self.detail_url(world), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "support-panel" in page and "Start-up" in page and world.project.title in page
        assert world.platform.name in page

    def test_a_changed_support_record_reads_on_the_timeline(self, world, users, client_for):
        # the timeline's changes of another app's records (a 500 before: the page looked the
        # model up in the registry)
        world.project.title = "长者助餐（第二期）"
        world.project._change_reason = "项目更名"
        world.project.save()
        response = client_for(users["street_officer"]).get(
            self.detail_url(world), HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 200
        assert "长者助餐（第二期）" in response.content.decode()
        assert "项目更名" in response.content.decode()
