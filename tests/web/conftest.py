import os

import pytest

from registry.choices import ApplicationKind, MemberRole
from registry.services.lifecycle import application_submit
from registry.services.organisations import activity_record, member_add
from tests.registry.factories import VALID_ID_NUMBER, make_filed, make_group

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# inside one unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

LEADER_PHONE = "13912345678"


@pytest.fixture
def group(staff):
    """An activity group of 坪山社区 that meets the filing conditions, with an ID number and
    an activity on record."""
    organisation = make_group(staff, name="坪山社区书画协会")
    member_add(
        organisation=organisation,
        acting_user=staff,
        name="王秀英",
        role=MemberRole.DEPUTY,
        phone=LEADER_PHONE,
        id_number=VALID_ID_NUMBER,
    )
    activity_record(
        organisation=organisation,
        acting_user=staff,
        held_on="2025-03-08",
        title="三八妇女节书法展",
        participants=40,
    )
    return organisation


@pytest.fixture
def filing(group, staff):
    """The group's filing application, awaiting the street office."""
    return application_submit(
        organisation=group, kind=ApplicationKind.FILING, acting_user=staff, note="推荐备案"
    )


@pytest.fixture
def filed(staff, street_officer):
    return make_filed(staff, street_officer, name="坪山社区邻里互助会")


@pytest.fixture
def leader(make_user, group):
    return make_user("organisation_leader", organisation=group, username="leader-shuhua")
