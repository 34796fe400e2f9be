"""Every support endpoint, for every role inside and outside the world's jurisdiction
(``tests/access.py``): 401 anonymous, found inside, 404 and nothing found outside, references
outside "do not exist", nothing written."""

from tests.access import INSIDE, OUTSIDE, EndpointAccess
from tests.places import PINGSHAN_COMMUNITY, PINGSHAN_STREET
from tests.support.sample import add_support

API = "/api/v1/"
#: who sees what a street or the district owns (the community and the leader do not)
ABOVE_COMMUNITY = ["street_officer", "district_officer", "city_officer", "superuser"]
BELOW_STREET = OUTSIDE + ["community_staff", "organisation_leader"]
#: what the district owns: the street does not see it either
DISTRICT_UP = ["district_officer", "city_officer", "superuser"]
BELOW_DISTRICT = BELOW_STREET + ["street_officer"]


class SupportEndpoint(EndpointAccess):
    attribute: str

    def setup_world(self, world, users):
        add_support(world, users)

    def object_id(self, world):
        return getattr(world, self.attribute).pk

    def detail_url(self, world):
        return f"{self.list_url}{self.object_id(world)}/"


class TestPlatforms(SupportEndpoint):
    list_url = f"{API}support-platforms/"
    attribute = "platform"
    inside = ABOVE_COMMUNITY
    outside = BELOW_STREET

    @property
    def model(self):
        from support.models import SupportPlatform

        return SupportPlatform

    def filters(self, world):
        return [{"within": PINGSHAN_STREET}, {"q": "孵化"}, {"tier": "street"}]

    def actions(self, world):
        url = self.detail_url(world)
        return [
            ("patch", url, {"name": "改名"}),
            (
                "post",
                f"{url}contracts/",
                {
                    "starts_on": "2024-01-01",
                    "ends_on": "2024-12-31",
                    "amount": "100000",
                    "contractor_name": "某中心",
                },
            ),
        ]

    def create_body(self, world):
        body = {
            "division": PINGSHAN_STREET,
            "name": "新平台",
            "kind": "incubator",
            "opened_on": "2024-01-01",
        }
        return body, "division"


class TestResidencies(SupportEndpoint):
    list_url = f"{API}support-residencies/"
    attribute = "residency"
    inside = INSIDE

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}, {"organisation": world.organisation.pk}]

    def actions(self, world):
        url = self.detail_url(world)
        return [
            ("post", f"{url}graduate/", {"on": "2025-01-01"}),
            ("post", f"{url}end/", {"on": "2025-01-01"}),
        ]

    def create_body(self, world):
        body = {
            "platform": world.platform.pk,
            "organisation": world.organisation.pk,
            "started_on": "2024-02-01",
        }
        return body, "organisation"


class TestStages(SupportEndpoint):
    list_url = f"{API}support-stages/"
    attribute = "stage"

    def filters(self, world):
        return [{"organisation": world.organisation.pk}, {"stage": "start_up"}]


class TestServices(SupportEndpoint):
    list_url = f"{API}support-services/"
    attribute = "service"

    def filters(self, world):
        return [{"category": "filing_advice"}, {"residency": world.residency.pk}]


class TestProgrammes(SupportEndpoint):
    list_url = f"{API}funding-programmes/"
    attribute = "programme"
    inside = DISTRICT_UP
    outside = BELOW_DISTRICT

    def create_body(self, world):
        return {"division": "440310", "name": "x", "kind": "start_up"}, "division"


class TestRounds(SupportEndpoint):
    list_url = f"{API}funding-rounds/"
    attribute = "round"
    inside = DISTRICT_UP
    outside = BELOW_DISTRICT

    def actions(self, world):
        return [("post", f"{self.detail_url(world)}step/", {"action": "start_review"})]

    def create_body(self, world):
        body = {
            "programme": world.programme.pk,
            "name": "2025",
            "year": 2025,
            "opens_on": "2025-03-01",
        }
        return body, "programme"


class TestProjects(SupportEndpoint):
    list_url = f"{API}funded-projects/"
    attribute = "project"

    @property
    def model(self):
        from support.models import Disbursement

        return Disbursement

    def filters(self, world):
        return [{"within": PINGSHAN_COMMUNITY}, {"kind": "venture_philanthropy"}, {"q": "翰墨"}]

    def actions(self, world):
        url = self.detail_url(world)
        return [
            ("post", f"{url}disburse/", {"amount": "100", "paid_on": "2024-07-01"}),
            ("post", f"{url}progress/", {"period_end": "2024-09-30", "beneficiaries": 10}),
            ("post", f"{url}decide/", {"action": "accept", "on": "2025-01-01"}),
        ]

    def create_body(self, world):
        body = {
            "round": world.round.pk,
            "organisation": world.organisation.pk,
            "custodian": world.custodian.pk,
            "title": "x",
            "amount_approved": "100",
            "approved_on": "2024-06-01",
        }
        return body, "organisation"


class TestFunds(SupportEndpoint):
    list_url = f"{API}community-funds/"
    attribute = "fund"
    inside = ABOVE_COMMUNITY
    outside = BELOW_STREET


class TestDonations(SupportEndpoint):
    list_url = f"{API}fund-donations/"
    attribute = "donation"
    inside = ABOVE_COMMUNITY
    outside = BELOW_STREET

    def filters(self, world):
        return [{"fund": world.fund.pk}, {"donor_kind": "enterprise"}, {"within": PINGSHAN_STREET}]

    def create_body(self, world):
        body = {
            "fund": world.fund.pk,
            "donor_kind": "individual",
            "donor_name": "王女士",
            "amount": "100",
            "received_on": "2024-02-01",
        }
        return body, "fund"


class TestTrainingProgrammes(SupportEndpoint):
    list_url = f"{API}training-programmes/"
    attribute = "training"
    inside = DISTRICT_UP
    outside = BELOW_DISTRICT


class TestTrainingSessions(SupportEndpoint):
    list_url = f"{API}training-sessions/"
    attribute = "session"
    inside = DISTRICT_UP
    outside = BELOW_DISTRICT


class TestAttendances(SupportEndpoint):
    list_url = f"{API}training-attendances/"
    attribute = "attendance"

    def filters(self, world):
        return [{"member": world.member.pk}, {"capacity": "leader"}, {"year": 2024}]

    def create_body(self, world):
        return {"session": world.session.pk, "member": world.member.pk}, "member"


class TestRecommendations(SupportEndpoint):
    list_url = f"{API}subcommittee-recommendations/"
    attribute = "recommendation"

    def actions(self, world):
        return [
            (
                "post",
                f"{self.detail_url(world)}decide/",
                {"action": "admit", "decided_on": "2024-06-01"},
            )
        ]

    def create_body(self, world):
        body = {"member": world.member.pk, "committee": "health", "recommended_on": "2024-05-01"}
        return body, "member"


class TestPairings(SupportEndpoint):
    list_url = f"{API}pairings/"
    attribute = "pairing"
    inside = [role for role in INSIDE if role != "organisation_leader"]
    outside = OUTSIDE + ["organisation_leader"]

    def actions(self, world):
        url = self.detail_url(world)
        return [
            ("post", f"{url}end/", {"ended_on": "2024-12-31", "rating": "good", "review": "良好"})
        ]

    def create_body(self, world):
        body = {
            "mentor": world.custodian.pk,
            "mentee": world.filed.pk,
            "starts_on": "2026-01-01",
            "ends_on": "2026-12-31",
        }
        return body, "mentee"
