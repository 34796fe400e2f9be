"""Expert review: conflicts of interest the registry sees, balanced assignment, blind review,
and score sheets refused when outside the scale, twice, or for an unassigned entry."""

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import NotPermitted, TransitionNotAllowed
from registry.choices import MemberRole
from registry.models import Member
from selection import conflicts, selectors, services
from selection.models import Assignment, ScoreSheet
from tests.selection.conftest import (
    leader_of,
    make_experts,
    make_org,
    points_for,
    small_call,
    start_review,
    submitted_entry,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(district_officer):
    campaign = small_call(district_officer)
    category = campaign.categories.order_by("position").first()
    organisation = make_org("坪山社区长者服务中心")
    leader = leader_of(organisation, name="陈负责", phone="13911112222")
    entry = submitted_entry(campaign, category, organisation, leader)
    other = make_org("六联社区调解会", community="440310001001")
    other_entry = submitted_entry(campaign, category, other, leader_of(other))
    experts = make_experts(district_officer, 6)
    stage = start_review(campaign, district_officer, experts)
    return campaign, stage, entry, other_entry, experts


def refused(stage, entry, expert, user):
    before = Assignment.objects.count(), Assignment.history.count()
    with pytest.raises(ValidationError) as error:
        services.assignment_create(stage=stage, entry=entry, expert=expert, acting_user=user)
    assert (Assignment.objects.count(), Assignment.history.count()) == before
    return " ".join(error.value.messages)


def test_conflicts_the_registry_sees_are_refused(call, district_officer, make_user):
    campaign, stage, entry, other_entry, experts = call
    organisation = entry.organisation
    roster, leads, paired, declared, free, _spare = experts

    # On the roster: a current member with the expert's phone.
    Member.objects.create(organisation=organisation, name="王某", phone=roster.phone)
    assert "On the organisation's roster" in refused(stage, entry, roster, district_officer)

    # Leads it: the leader on the roster has the expert's phone.
    leads.phone = "13911112222"
    leads.save()
    assert "Leads the organisation" in refused(stage, entry, leads, district_officer)

    # A paired organisation: the expert is on the roster of the organisation paired with it.
    mentor = make_org("坪山区社工服务中心")
    Member.objects.create(
        organisation=mentor, name=paired.name, phone=paired.phone, role=MemberRole.STAFF
    )

    def pairings(ids):
        return {organisation.pk: {mentor.pk}, mentor.pk: {organisation.pk}}

    conflicts.register_pairing_source(pairings)
    try:
        message = refused(stage, entry, paired, district_officer)
        assert "paired organisation" in message and "坪山区社工服务中心" in message
    finally:
        conflicts.unregister_pairing_source(pairings)

    # Declared by the expert.
    services.conflict_declare(
        expert=declared,
        organisation=organisation,
        campaign=campaign,
        reason="曾为该组织提供有偿咨询",
        acting_user=district_officer,
    )
    assert "曾为该组织提供有偿咨询" in refused(stage, entry, declared, district_officer)

    # No conflict: assigned, and the same expert may review the other organisation.
    assert services.assignment_create(
        stage=stage, entry=entry, expert=free, acting_user=district_officer
    )
    assert services.assignment_create(
        stage=stage, entry=other_entry, expert=roster, acting_user=district_officer
    )


def test_the_experts_own_account_leading_it_is_a_conflict(call, district_officer):
    _campaign, stage, entry, _other, experts = call
    expert = experts[0]
    leader_account = entry.organisation.leader_accounts.get()
    services.expert_contact_set(
        expert=expert, phone="", user=leader_account, acting_user=district_officer
    )
    assert "Leads the organisation" in refused(stage, entry, expert, district_officer)


def test_balanced_assignment_skips_conflicts_and_spreads_the_load(call, district_officer):
    _campaign, stage, entry, other_entry, experts = call
    for expert in experts[:4]:
        Member.objects.create(organisation=entry.organisation, name="成员", phone=expert.phone)
    # Two experts per entry: the entry with four conflicts gets the two others.
    created = services.assignments_balance(stage=stage, acting_user=district_officer)
    assert len(created) == 4
    mine = {a.expert_id for a in created if a.entry_id == entry.pk}
    assert mine == {experts[4].pk, experts[5].pk}
    other = {a.expert_id for a in created if a.entry_id == other_entry.pk}
    assert len(other) == 2 and not other & mine  # the least loaded first


def test_balanced_assignment_is_all_or_nothing(call, district_officer):
    _campaign, stage, entry, _other, experts = call
    for expert in experts[:5]:
        Member.objects.create(organisation=entry.organisation, name="成员", phone=expert.phone)
    with pytest.raises(ValidationError) as error:
        services.assignments_balance(stage=stage, acting_user=district_officer)
    assert "can get only 1 more experts without a conflict" in error.value.messages[0]
    assert not Assignment.objects.exists()


def test_blind_review_hides_the_submitter_contact_and_pictures(district_officer, make_user):
    campaign = small_call(district_officer, blind_review=True)
    category = campaign.categories.first()
    organisation = make_org("坪山社区书画协会")
    entry = submitted_entry(
        campaign, category, organisation, leader_of(organisation), title="长者助餐服务"
    )
    view = selectors.expert_view(entry)
    assert view["blind"] and view["title"] == entry.title and view["text"] == entry.text
    shown = repr(view)
    assert "坪山社区书画协会" not in shown and "13800138000" not in shown
    assert "pictures" not in view and "submitter" not in view

    open_call = small_call(district_officer, blind_review=False)
    seen = submitted_entry(
        open_call, open_call.categories.first(), make_org("坪山社区舞蹈队"), district_officer
    )
    view = selectors.expert_view(seen)
    assert view["submitter"] == "坪山社区舞蹈队" and len(view["pictures"]) == 3
    assert "13800138000" not in repr(view)  # experts never get the contact


def test_sheets_outside_the_scale_twice_or_unassigned_are_refused(
    call, district_officer, make_user
):
    _campaign, stage, entry, other_entry, experts = call
    expert = experts[0]
    expert_user = make_user(username="expert-zhang")
    services.expert_contact_set(
        expert=expert, phone=expert.phone, user=expert_user, acting_user=district_officer
    )
    services.assignment_create(
        stage=stage, entry=entry, expert=expert, acting_user=district_officer
    )
    before = ScoreSheet.objects.count()

    with pytest.raises(ValidationError) as error:
        services.sheet_submit(
            stage=stage,
            entry=entry,
            expert=expert,
            points={"theme": "11", "innovation": "-1", "results": "abc", "extra": 3},
            acting_user=expert_user,
        )
    messages = error.value.message_dict["points"]
    assert "Not criteria of this stage: extra." in messages
    assert "主题契合度: 11 is outside the scale 0-10." in messages
    assert "创新性: -1 is outside the scale 0-10." in messages
    assert "服务成效: 'abc' is not a number." in messages

    with pytest.raises(ValidationError, match="not scored"):
        services.sheet_submit(
            stage=stage, entry=entry, expert=expert, points={"theme": 5}, acting_user=expert_user
        )

    with pytest.raises(ValidationError, match="is not assigned to this entry"):
        services.sheet_submit(
            stage=stage,
            entry=other_entry,
            expert=expert,
            points=points_for(stage, 80),
            acting_user=expert_user,
        )
    assert ScoreSheet.objects.count() == before

    sheet = services.sheet_submit(
        stage=stage,
        entry=entry,
        expert=expert,
        points=points_for(stage, 80),
        acting_user=expert_user,
    )
    assert str(sheet.total) == "80.00"
    with pytest.raises(ValidationError, match="already scored this entry"):
        services.sheet_submit(
            stage=stage,
            entry=entry,
            expert=expert,
            points=points_for(stage, 90),
            acting_user=expert_user,
        )
    # Another expert's account cannot score in their name.
    with pytest.raises(NotPermitted):
        services.sheet_submit(
            stage=stage,
            entry=entry,
            expert=experts[1],
            points=points_for(stage, 90),
            acting_user=expert_user,
        )
    # A correction: the organiser voids the sheet, the expert scores again.
    services.sheet_void(sheet=sheet, reason="录入错误", acting_user=district_officer)
    again = services.sheet_submit(
        stage=stage,
        entry=entry,
        expert=expert,
        points=points_for(stage, 90),
        acting_user=expert_user,
    )
    assert str(again.total) == "90.00"
    assert ScoreSheet.objects.filter(entry=entry).count() == 2


def test_a_stage_closes_only_when_every_sheet_is_in(call, district_officer):
    _campaign, stage, entry, other_entry, experts = call
    services.assignments_balance(stage=stage, acting_user=district_officer)
    with pytest.raises(TransitionNotAllowed, match="4 assigned sheets are missing"):
        services.stage_close(stage=stage, acting_user=district_officer)


def test_a_pairing_recorded_by_the_support_app_is_a_conflict(call, district_officer):
    """support registers its pairings (support/hooks.py): an expert on the roster of the
    registered organisation that guides the submitter is refused."""
    import datetime

    from registry.choices import OrgStatus
    from support.models import Pairing

    _campaign, stage, entry, _other, experts = call
    mentee = entry.organisation
    mentee.status = OrgStatus.FILED
    mentee.save()
    mentor = make_org("坪山区社工服务中心（结对）")
    Pairing.objects.create(
        mentor=mentor,
        mentee=mentee,
        starts_on=datetime.date.today() - datetime.timedelta(days=30),
        ends_on=datetime.date.today() + datetime.timedelta(days=300),
    )
    Member.objects.create(organisation=mentor, name="某社工", phone=experts[2].phone)
    message = refused(stage, entry, experts[2], district_officer)
    assert "paired organisation" in message and "坪山区社工服务中心（结对）" in message
