"""A venture-philanthropy contest round runs as a selection campaign: its entries and expert
review are the campaign's (no second review here), and its projects are awarded from them."""

import pytest
from django.core.exceptions import ValidationError

from registry.models import Division
from support import services
from support.choices import FundingKind
from tests.places import PINGSHAN_DISTRICT
from tests.selection.conftest import make_org, small_call, submitted_entry
from tests.support.conftest import D

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def test_a_contest_round_awards_from_its_campaigns_entries(district_user, programme):
    campaign = small_call(district_user)
    category = campaign.categories.order_by("pk").first()
    applicant, other = make_org("坪山创投申报组织"), make_org("另一申报组织")
    entry = submitted_entry(campaign, category, applicant, district_user)
    other_entry = submitted_entry(campaign, category, other, district_user)
    contest = services.round_create(
        programme=programme,
        name="2023年公益创投",
        year=2023,
        opens_on=D(2023, 3, 1),
        campaign=campaign,
        acting_user=district_user,
    )
    assert contest.campaign == campaign and list(campaign.funding_rounds.all()) == [contest]
    award = dict(
        funding_round=contest,
        organisation=applicant,
        title="社区项目",
        amount_approved="60000",
        approved_on=D(2023, 8, 1),
        acting_user=district_user,
    )
    with pytest.raises(ValidationError) as error:
        services.project_award(**award)
    assert "campaign's entries" in " ".join(error.value.message_dict["entry"])
    with pytest.raises(ValidationError) as error:
        services.project_award(**award, entry=other_entry)
    assert "another organisation" in " ".join(error.value.message_dict["entry"])
    project = services.project_award(**award, entry=entry)
    assert project.entry == entry


def test_only_a_contest_runs_as_a_campaign(district_user):
    campaign = small_call(district_user)
    grants = services.programme_create(
        division=Division.objects.get(code=PINGSHAN_DISTRICT),
        name="活动资助",
        kind=FundingKind.ACTIVITY_GRANT,
        acting_user=district_user,
    )
    with pytest.raises(ValidationError) as error:
        services.round_create(
            programme=grants,
            name="2023",
            year=2023,
            opens_on=D(2023, 3, 1),
            campaign=campaign,
            acting_user=district_user,
        )
    assert "contest" in " ".join(error.value.message_dict["campaign"])
