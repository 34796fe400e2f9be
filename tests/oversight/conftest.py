import pytest
from django.utils import translation

from oversight.models import AnnualReport, CreditListEntry, DormancyCase
from oversight.services.scan import lifecycle_scan
from registry.choices import LegalForm, Role
from tests.conftest import MALUAN_COMMUNITY
from tests.oversight.helpers import D, activity, registered


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def maluan_staff(make_user):
    return make_user(Role.COMMUNITY_STAFF, MALUAN_COMMUNITY, username="staff-maluan")


class TwoStreets:
    """Two registered organisations in two streets of one district (坪山 and 马峦), each with an
    overdue report, an abnormal-list entry and a dormancy case made by a scan on 2025-06-01."""


@pytest.fixture
def two_streets(staff, street_officer, district_officer, other_street_officer, maluan_staff):
    here = registered(staff, street_officer, district_officer, entered=D(2023, 3, 1))
    there = registered(
        maluan_staff,
        other_street_officer,
        district_officer,
        entered=D(2023, 3, 1),
        name="马峦社区邻里互助会",
        legal_form=LegalForm.SOCIAL_SERVICE,
    )
    activity(here, staff, D(2023, 6, 1))
    lifecycle_scan(today=D(2025, 6, 1))
    world = TwoStreets()
    world.here, world.there = here, there
    for name, organisation in (("here", here), ("there", there)):
        setattr(world, f"{name}_report", AnnualReport.objects.get(organisation=organisation))
        setattr(world, f"{name}_entry", CreditListEntry.objects.get(organisation=organisation))
        setattr(world, f"{name}_case", DormancyCase.objects.get(organisation=organisation))
    return world
