"""A PATCH of a vote validates its rules whole (Schemathesis found a rule without a category, or
without its fewest choices, answered with a 500)."""

import datetime

import pytest
from django.utils import timezone

from tests.voting.conftest import vote_campaign
from voting import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def vote(district_officer):
    """A vote not yet open (its rules may still change)."""
    _campaign, stage, _entries = vote_campaign(district_officer)
    now = timezone.now()
    return services.vote_create(
        stage=stage,
        title="项目投票",
        opens_at=now + datetime.timedelta(days=1),
        closes_at=now + datetime.timedelta(days=8),
        acting_user=district_officer,
    )


@pytest.mark.parametrize(
    "rules",
    [[{}], [{"min_choices": 2}], [{"category": 7068}], [{"category": 7068}, {"t": [1.0, True]}]],
)
def test_a_rule_without_a_category_of_the_campaign_is_a_400(vote, district_officer, api_for, rules):
    before = list(vote.rules.values_list("category_id", "min_choices", "max_choices"))
    response = api_for(district_officer).patch(
        f"/api/v1/voting/votes/{vote.pk}/", {"rules": rules, "reason": "规则调整"}, format="json"
    )
    assert response.status_code == 400
    assert "rules" in response.json()
    assert list(vote.rules.values_list("category_id", "min_choices", "max_choices")) == before


def test_a_partial_rule_takes_the_defaults(vote, district_officer, api_for):
    category = vote.stage.campaign.categories.order_by("position", "pk").first()
    response = api_for(district_officer).patch(
        f"/api/v1/voting/votes/{vote.pk}/",
        {"rules": [{"category": category.pk, "max_choices": 2}], "reason": "规则调整"},
        format="json",
    )
    assert response.status_code == 200, response.content
    rule = vote.rules.get(category=category)
    assert (rule.min_choices, rule.max_choices) == (1, 2)
