"""Builders for the vote's tests: a campaign with a public-vote stage under way, its entries,
and the vote, all through the services."""

import datetime
import itertools
import re

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from registry.models import Division
from selection import services as selection_services
from selection.choices import StageKind
from tests.selection.conftest import case_text, leader_of, make_org
from voting import services
from voting.choices import ResultsVisibility, VoterRule
from voting.verification import OUTBOX

_phones = itertools.count(1)


@pytest.fixture(autouse=True)
def english_and_fresh_limits():
    cache.clear()
    OUTBOX.clear()
    with translation.override("en"):
        yield


def new_phone() -> str:
    return f"139{next(_phones):08d}"


def vote_campaign(
    user, *, organiser="440310", categories=("政府治理类", "基层治理类"), per=3, org=None
):
    """A campaign of ``organiser`` (collection, public vote), ``per`` submitted entries in each
    category (the first by ``org`` if given), the collection closed and the vote stage open."""
    campaign = selection_services.campaign_create(
        organiser=Division.objects.get(code=organiser),
        title="市域社会治理创新项目培育行动",
        year=2020,
        min_pictures=0,
        categories=[{"name": name} for name in categories],
        stages=[{"kind": StageKind.COLLECTION}, {"kind": StageKind.PUBLIC_VOTE}],
        acting_user=user,
    )
    campaign = selection_services.campaign_open(campaign=campaign, acting_user=user)
    entries = {}
    for category in campaign.categories.order_by("position", "pk"):
        entries[category.name] = []
        for i in range(per):
            organisation = (
                org if (org is not None and i == 0) else make_org(f"{category.name}项目{i}")
            )
            leader = (
                leader_of(organisation)
                if not hasattr(organisation, "_leader")
                else organisation._leader
            )
            organisation._leader = leader
            entry = selection_services.entry_create(
                campaign=campaign,
                category=category,
                organisation=organisation,
                title=f"{category.name}项目{i + 1}",
                text=case_text(200),
                contact_name="黄联系",
                phone="13800138000",
                acting_user=leader,
            )
            entries[category.name].append(
                selection_services.entry_submit(entry=entry, acting_user=leader)
            )
    collection, vote_stage = campaign.stages.order_by("position")
    selection_services.stage_close(stage=collection, acting_user=user)
    selection_services.stage_open(stage=vote_stage, acting_user=user)
    return campaign, vote_stage, entries


def open_vote(
    user, stage, *, visibility=ResultsVisibility.AFTER_CLOSING, rule=VoterRule.EITHER, rules=()
):
    now = timezone.now()
    return services.vote_create(
        stage=stage,
        title="项目投票",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=7),
        results_visibility=visibility,
        voter_rule=rule,
        rules=rules,
        acting_user=user,
    )


def otp_for(phone: str) -> str:
    text = next(text for number, text in reversed(OUTBOX) if number == phone)
    return re.search(r"(?<!\d)\d{6}(?!\d)", text).group()


def verified_token(vote, phone=None, address="10.0.0.1") -> str:
    phone = phone or new_phone()
    services.phone_challenge_send(vote=vote, phone=phone, address=address)
    return services.phone_verify(vote=vote, phone=phone, otp=otp_for(phone), address=address)


def close(vote):
    """Move the vote's times so that it has closed (as if a week had passed)."""
    now = timezone.now()
    type(vote).objects.filter(pk=vote.pk).update(
        opens_at=now - datetime.timedelta(days=8), closes_at=now - datetime.timedelta(minutes=1)
    )
    vote.refresh_from_db()
    return vote
