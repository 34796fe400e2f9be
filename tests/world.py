"""The shared world of sample data for access tests of every app, and a user of every role
inside and outside its jurisdiction.

坪山社区书画协会 (an activity group of 坪山社区 meeting the filing conditions, with a roster, an
activity, a brand project and a filing application awaiting the street's review), and a second
organisation of the same community. An app adds its own objects to the world in its access test
classes' ``setup_world`` hook (see ``tests/access.py``).

The fixtures reach every test through ``pytest_plugins`` in ``tests/conftest.py``.
"""

import datetime
from dataclasses import dataclass

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from registry.choices import ActivitySeries, ApplicationKind, Role
from registry.models import Activity, Application, BrandProject, Member, Organisation, User
from registry.services.lifecycle import application_submit
from registry.services.organisations import activity_record, brand_project_add
from tests.places import LONGGANG_DISTRICT, MALUAN_COMMUNITY, MALUAN_STREET, PINGSHAN_DISTRICT
from tests.registry.factories import make_group


@dataclass
class World:
    """The registry's sample objects. Apps set further attributes on it (a dataclass without
    ``slots``, so ``world.party_organisation = ...`` works)."""

    organisation: Organisation
    member: Member
    activity: Activity
    brand_project: BrandProject
    application: Application
    other_organisation: Organisation


@pytest.fixture
def world(staff, street_officer) -> World:
    """See the module docstring."""
    organisation = make_group(staff)
    activity = activity_record(
        organisation=organisation,
        acting_user=staff,
        held_on=datetime.date(2024, 5, 1),
        title="端午书画展",
        series=ActivitySeries.CULTURE,
        participants=40,
        volunteer_hours=12,
    )
    brand = brand_project_add(
        organisation=organisation,
        acting_user=street_officer,
        name="翰墨邻里",
        year=2024,
        recognised_by="坪山区民政局",
    )
    application = application_submit(
        organisation=organisation, kind=ApplicationKind.FILING, acting_user=staff
    )
    other = make_group(staff, name="坪山社区太极队", members=3)
    return World(
        organisation=organisation,
        member=organisation.members.order_by("pk").first(),
        activity=activity,
        brand_project=brand,
        application=application,
        other_organisation=other,
    )


@pytest.fixture
def users(make_user, world) -> dict[str, User]:
    """Every role, inside the world's jurisdiction and outside it ("<role>_out"): community
    staff of 坪山社区 / 马峦社区, street officers of 坪山街道 / 马峦街道, district officers of
    坪山区 / 龙岗区, the city bureau, the leader of the world's organisation / of its neighbour,
    and a superuser."""
    leader = User.objects.create_user(
        username="leader-in", role=Role.ORGANISATION_LEADER, organisation=world.organisation
    )
    other_leader = User.objects.create_user(
        username="leader-out",
        role=Role.ORGANISATION_LEADER,
        organisation=world.other_organisation,
    )
    return {
        "community_staff": User.objects.get(username="staff-pingshan"),
        "community_staff_out": make_user(Role.COMMUNITY_STAFF, MALUAN_COMMUNITY),
        "street_officer": User.objects.get(username="street-pingshan"),
        "street_officer_out": make_user(Role.STREET_OFFICER, MALUAN_STREET),
        "district_officer": make_user(Role.DISTRICT_OFFICER, PINGSHAN_DISTRICT),
        "district_officer_out": make_user(Role.DISTRICT_OFFICER, LONGGANG_DISTRICT),
        "city_officer": make_user(Role.CITY_OFFICER, "4403"),
        "organisation_leader": leader,
        "organisation_leader_out": other_leader,
        "superuser": make_user(username="root", is_superuser=True, is_staff=True),
    }


@pytest.fixture
def token_api():
    """An API client authenticated the way an integration is: a real token in the header."""

    def make(user):
        _instance, token = AuthToken.objects.create(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


def lead(users, organisation) -> None:
    """Make ``users["organisation_leader"]`` the leader of ``organisation`` (for an app whose
    sample objects belong to an organisation other than the world's, e.g. a registered one)."""
    leader = users["organisation_leader"]
    leader.organisation = organisation
    leader.save(update_fields=["organisation"])
