"""Lifecycle transitions: every allowed move, and each forbidden kind."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from core.exceptions import (
    ConditionsNotMet,
    Conflict,
    NotPermitted,
    OutOfJurisdiction,
    TransitionNotAllowed,
)
from registry.choices import (
    ApplicationAction,
    ApplicationKind,
    ApplicationStatus,
    ExitReason,
    LegalForm,
    OrgStatus,
    OrgType,
)
from registry.models import Application, Organisation
from registry.services.lifecycle import (
    application_decide,
    application_resubmit,
    application_submit,
    application_withdraw,
    exit_application_prepare,
    exit_reverse,
)
from registry.services.organisations import member_add, organisation_update
from tests.conftest import MALUAN_COMMUNITY, PINGSHAN_STREET
from tests.registry.factories import (
    VALID_CREDIT_CODES,
    make_filed,
    make_group,
    make_registered,
)

pytestmark = pytest.mark.django_db
APPROVE, REJECT, RETURN = (
    ApplicationAction.APPROVE,
    ApplicationAction.REJECT,
    ApplicationAction.RETURN,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def submit_filing(organisation, user):
    return application_submit(
        organisation=organisation, kind=ApplicationKind.FILING, acting_user=user, note="推荐备案"
    )


def last_history(obj):
    return type(obj).history.filter(id=obj.pk).order_by("-history_id").first()


# --- allowed transitions --------------------------------------------------------------------


def test_filing_approved_by_the_street_assigns_a_filing_number(staff, street_officer):
    group = make_group(staff)
    application = submit_filing(group, staff)
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.initiating_division_id == group.community_id
    assert application.reviewing_division_id == PINGSHAN_STREET
    assert all(item["met"] for item in application.checklist)
    application_decide(
        application=application, action=APPROVE, acting_user=street_officer, reason="符合备案条件"
    )
    group.refresh_from_db()
    year = timezone.localdate().year
    assert group.status == OrgStatus.FILED
    assert group.filing_number == f"{PINGSHAN_STREET}-{year}-0001"
    assert group.filed_on == timezone.localdate()
    second = make_filed(staff, street_officer, name="坪山社区太极拳队")
    assert second.filing_number == f"{PINGSHAN_STREET}-{year}-0002"


def test_registration_approved_by_the_district(staff, street_officer, district_officer):
    organisation = make_registered(staff, street_officer, district_officer)
    assert organisation.status == OrgStatus.REGISTERED
    assert organisation.credit_code == VALID_CREDIT_CODES[LegalForm.SOCIAL_GROUP]
    assert organisation.legal_form == LegalForm.SOCIAL_GROUP
    assert organisation.registered_on == timezone.localdate()
    application = organisation.applications.get(kind=ApplicationKind.REGISTRATION)
    assert application.initiating_division_id == PINGSHAN_STREET
    assert application.reviewing_division_id == "440310"


def test_reject_and_return_then_resubmit(staff, street_officer):
    group = make_group(staff)
    application = submit_filing(group, staff)
    application_decide(
        application=application, action=RETURN, acting_user=street_officer, reason="章程不完整"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED
    assert application.decision_reason == "章程不完整"
    organisation_update(
        organisation=group, acting_user=staff, charter_text="完整章程", reason="补充"
    )
    application = application_resubmit(application=application, acting_user=staff, note="已补充")
    assert application.status == ApplicationStatus.SUBMITTED
    application_decide(
        application=application, action=REJECT, acting_user=street_officer, reason="不符合社区需求"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    group.refresh_from_db()
    assert group.status == OrgStatus.ACTIVITY_GROUP and group.filing_number is None
    # After a rejection a new application may be made.
    assert submit_filing(group, staff).status == ApplicationStatus.SUBMITTED


def test_withdraw_by_the_initiating_tier(staff, street_officer):
    application = submit_filing(make_group(staff), staff)
    with pytest.raises(NotPermitted):
        application_withdraw(application=application, acting_user=street_officer)
    application_withdraw(application=application, acting_user=staff, reason="暂缓")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN


@pytest.mark.parametrize("status", ["group", "filed", "registered"])
def test_exit_is_reviewed_by_the_owning_tier_and_reversible(
    status, staff, street_officer, district_officer
):
    if status == "group":
        organisation, owner = make_group(staff), staff
    elif status == "filed":
        organisation, owner = make_filed(staff, street_officer), street_officer
    else:
        organisation = make_registered(staff, street_officer, district_officer)
        owner = district_officer
    before = organisation.status
    application = application_submit(
        organisation=organisation,
        kind=ApplicationKind.EXIT,
        acting_user=staff,
        exit_reason=ExitReason.DORMANT,
    )
    assert application.reviewing_division_id == owner.division_id
    application_decide(
        application=application, action=APPROVE, acting_user=owner, reason="连续一年无活动"
    )
    organisation.refresh_from_db()
    assert organisation.status == OrgStatus.EXITED
    assert organisation.exit_reason == ExitReason.DORMANT
    assert organisation.exited_on == timezone.localdate()
    # Reversal: only the tier that approved the exit, with a reason.
    others = {staff, street_officer, district_officer} - {owner}
    for other in others:
        with pytest.raises((NotPermitted, OutOfJurisdiction)):
            exit_reverse(organisation=organisation, acting_user=other, reason="误判")
    with pytest.raises(ValidationError):
        exit_reverse(organisation=organisation, acting_user=owner, reason="  ")
    exit_reverse(organisation=organisation, acting_user=owner, reason="经核实仍在活动")
    organisation.refresh_from_db()
    assert organisation.status == before
    assert organisation.exited_on is None
    application.refresh_from_db()
    assert application.reversal_reason == "经核实仍在活动"
    history = last_history(organisation)
    assert history.history_user == owner
    assert history.history_change_reason == "经核实仍在活动"


def test_an_organisation_leader_may_propose_its_own_exit(staff, street_officer, make_user):
    organisation = make_filed(staff, street_officer)
    leader = make_user("organisation_leader", organisation=organisation)
    application = application_submit(
        organisation=organisation,
        kind=ApplicationKind.EXIT,
        acting_user=leader,
        exit_reason=ExitReason.VOLUNTARY,
    )
    assert application.initiating_division is None
    assert application.reviewing_division_id == PINGSHAN_STREET


# --- forbidden: wrong tier ------------------------------------------------------------------


def test_wrong_tier_cannot_initiate_or_review(staff, street_officer, district_officer):
    group = make_group(staff)
    with pytest.raises(NotPermitted):
        submit_filing(group, street_officer)  # a community recommends, not the street
    application = submit_filing(group, staff)
    for user in (staff, district_officer):
        with pytest.raises(NotPermitted):
            application_decide(application=application, action=APPROVE, acting_user=user)
    filed = make_filed(staff, street_officer, name="坪山社区合唱团")
    with pytest.raises(NotPermitted):  # the street recommends registration, not the community
        application_submit(
            organisation=filed,
            kind=ApplicationKind.REGISTRATION,
            acting_user=staff,
            credit_code=VALID_CREDIT_CODES["social_group"],
            legal_form=LegalForm.SOCIAL_GROUP,
        )
    registration = application_submit(
        organisation=filed,
        kind=ApplicationKind.REGISTRATION,
        acting_user=street_officer,
        credit_code=VALID_CREDIT_CODES["social_group"],
        legal_form=LegalForm.SOCIAL_GROUP,
    )
    with pytest.raises(NotPermitted):
        application_decide(application=registration, action=APPROVE, acting_user=street_officer)


def test_city_officer_reads_but_cannot_act(staff, city_officer):
    group = make_group(staff)
    with pytest.raises(OutOfJurisdiction):  # no change rights anywhere
        submit_filing(group, city_officer)
    application = submit_filing(group, staff)
    with pytest.raises(NotPermitted):
        application_decide(application=application, action=APPROVE, acting_user=city_officer)


# --- forbidden: wrong state -----------------------------------------------------------------


def test_wrong_state_is_refused(staff, street_officer, district_officer):
    filed = make_filed(staff, street_officer)
    with pytest.raises(TransitionNotAllowed) as caught:
        submit_filing(filed, staff)
    assert caught.value.current == OrgStatus.FILED
    group = make_group(staff, name="坪山社区舞蹈队")
    with pytest.raises(TransitionNotAllowed):
        application_submit(
            organisation=group,
            kind=ApplicationKind.REGISTRATION,
            acting_user=street_officer,
            credit_code=VALID_CREDIT_CODES["social_group"],
            legal_form=LegalForm.SOCIAL_GROUP,
        )
    application = submit_filing(group, staff)
    with pytest.raises(TransitionNotAllowed):  # one open application per kind
        submit_filing(group, staff)
    with pytest.raises(TransitionNotAllowed):  # only returned applications are resubmitted
        application_resubmit(application=application, acting_user=staff)
    with pytest.raises(TransitionNotAllowed):
        exit_reverse(organisation=group, acting_user=staff, reason="x")


def test_deciding_an_already_decided_application_is_a_conflict(staff, street_officer):
    application = submit_filing(make_group(staff), staff)
    application_decide(application=application, action=APPROVE, acting_user=street_officer)
    with pytest.raises(Conflict) as caught:
        application_decide(
            application=application, action=REJECT, acting_user=street_officer, reason="迟到的决定"
        )
    assert "already Approved" in str(caught.value)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.APPROVED


def test_reject_and_return_need_a_reason(staff, street_officer):
    application = submit_filing(make_group(staff), staff)
    for action in (REJECT, RETURN):
        with pytest.raises(ValidationError) as caught:
            application_decide(
                application=application, action=action, acting_user=street_officer, reason=" "
            )
        assert "reason" in caught.value.message_dict
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


# --- forbidden: conditions unmet ------------------------------------------------------------


def test_unmet_conditions_are_all_listed_and_nothing_changes(staff):
    group = make_group(
        staff, members=2, founders=1, venue="", charter_text="", activity_rules_text=""
    )
    history_before = Organisation.history.count()
    with translation.override("zh-hans"), pytest.raises(ConditionsNotMet) as caught:
        submit_filing(group, staff)
    assert caught.value.messages == [
        "未满足条件：至少 3 名个人发起人或 2 个法人发起单位（现有 1 名、0 个）",
        "未满足条件：至少 10 名成员（现有 2 名）",
        "未满足条件：有相对固定的活动场所",
        "未满足条件：有简易章程",
        "未满足条件：有活动规则",
    ]
    assert not Application.objects.filter(organisation=group).exists()
    assert Organisation.history.count() == history_before


def test_service_type_needs_two_founders_and_two_staff(staff):
    group = make_group(
        staff, org_type=OrgType.SERVICE, members=1, founders=1, name="坪山长者关爱服务队"
    )
    with pytest.raises(ConditionsNotMet) as caught:
        submit_filing(group, staff)
    assert len(caught.value.messages) == 2
    assert "At least 2 staff (has 1)" in caught.value.messages[1]
    member_add(organisation=group, acting_user=staff, name="王芳", role="staff", is_founder=True)
    assert submit_filing(group, staff).status == ApplicationStatus.SUBMITTED


def test_legal_person_founders_replace_individual_founders(staff):
    group = make_group(staff, founders=0, legal_person_founders=2)
    assert submit_filing(group, staff).status == ApplicationStatus.SUBMITTED


def test_profit_making_groups_cannot_be_filed(staff):
    group = make_group(staff, name="坪山社区便民小卖部", is_for_profit=True)
    with pytest.raises(ConditionsNotMet) as caught:
        submit_filing(group, staff)
    assert any("residents' committee" in m for m in caught.value.messages)


@pytest.mark.parametrize("name", ["坪山社区居委会文体队", "坪山花园业主委员会"])
def test_committees_never_enter_the_ledger(staff, name):
    # refused when the group is entered, not only at filing (issue 21)
    with pytest.raises(ValidationError) as caught:
        make_group(staff, name=name)
    assert "committee" in str(caught.value)
    assert not Organisation.objects.filter(name=name).exists()


def test_conditions_are_admin_editable(staff):
    from registry.models import FilingConditions

    FilingConditions.objects.filter(org_type=OrgType.ASSOCIATION).update(min_members=20)
    with pytest.raises(ConditionsNotMet) as caught:
        submit_filing(make_group(staff), staff)
    assert caught.value.messages == ["Condition not met: At least 20 members (has 10)"]


def test_approval_rechecks_conditions(staff, street_officer):
    group = make_group(staff)
    application = submit_filing(group, staff)
    organisation_update(organisation=group, acting_user=staff, venue="", reason="场地到期")
    with pytest.raises(ConditionsNotMet):
        application_decide(application=application, action=APPROVE, acting_user=street_officer)
    application.refresh_from_db()
    group.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert group.status == OrgStatus.ACTIVITY_GROUP


# --- forbidden: out of jurisdiction ---------------------------------------------------------


def test_out_of_jurisdiction_is_not_found(staff, other_street_officer, make_user):
    group = make_group(staff)
    maluan_staff = make_user("community_staff", MALUAN_COMMUNITY)
    with pytest.raises(OutOfJurisdiction):
        submit_filing(group, maluan_staff)
    application = submit_filing(group, staff)
    with pytest.raises(OutOfJurisdiction):
        application_decide(
            application=application, action=APPROVE, acting_user=other_street_officer
        )
    with pytest.raises(OutOfJurisdiction):
        organisation_update(organisation=group, acting_user=maluan_staff, venue="x")


def test_a_write_cannot_move_an_organisation_out_of_scope(staff):
    from registry.models import Division

    group = make_group(staff)
    with pytest.raises(OutOfJurisdiction):
        organisation_update(
            organisation=group,
            acting_user=staff,
            community=Division.objects.get(code=MALUAN_COMMUNITY),
        )
    group.refresh_from_db()
    assert group.community_id == staff.division_id


# --- forbidden: exited organisation ---------------------------------------------------------


def test_an_exited_organisation_cannot_change_or_apply(staff):
    group = make_group(staff)
    exit_application = application_submit(
        organisation=group,
        kind=ApplicationKind.EXIT,
        acting_user=staff,
        exit_reason=ExitReason.VOLUNTARY,
    )
    application_decide(application=exit_application, action=APPROVE, acting_user=staff)
    with pytest.raises(TransitionNotAllowed) as caught:
        submit_filing(group, staff)
    assert "has exited" in str(caught.value)
    with pytest.raises(TransitionNotAllowed):
        organisation_update(organisation=group, acting_user=staff, venue="新场地")
    with pytest.raises(TransitionNotAllowed):
        member_add(organisation=group, acting_user=staff, name="张三")
    with pytest.raises(TransitionNotAllowed):
        application_submit(
            organisation=group,
            kind=ApplicationKind.EXIT,
            acting_user=staff,
            exit_reason=ExitReason.VOLUNTARY,
        )
    # Its data stays readable.
    group.refresh_from_db()
    assert group.members.count() == 10


def test_an_exit_prepared_for_a_bulk_writer_is_checked_like_a_submitted_one(staff):
    group = make_group(staff)
    now = timezone.now()
    application = exit_application_prepare(
        organisation=group,
        acting_user=staff,
        exit_reason=ExitReason.DORMANT,
        note="长期未活动",
        submitted_at=now,
    )
    assert application.pk is None  # the caller writes it (in bulk, with history)
    assert application.kind == ApplicationKind.EXIT
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.initiating_division == group.owning_division()
    assert application.reviewing_division == group.owning_division()
    assert application.exit_reason == ExitReason.DORMANT and application.submitted_at == now
    assert application.checklist and all("met" in item for item in application.checklist)
    assert application._history_user == staff and application._change_reason == "长期未活动"
    exit_application = application_submit(
        organisation=group,
        kind=ApplicationKind.EXIT,
        acting_user=staff,
        exit_reason=ExitReason.VOLUNTARY,
    )
    application_decide(application=exit_application, action=APPROVE, acting_user=staff)
    group.refresh_from_db()
    with pytest.raises(TransitionNotAllowed) as caught:
        exit_application_prepare(
            organisation=group,
            acting_user=staff,
            exit_reason=ExitReason.DORMANT,
            note="",
            submitted_at=now,
        )
    assert caught.value.current == OrgStatus.EXITED and caught.value.requested == "exit"


# --- names ----------------------------------------------------------------------------------


def test_name_is_unique_among_live_organisations_of_a_community(staff):
    group = make_group(staff)
    with pytest.raises(ValidationError) as caught:
        make_group(staff, members=0)
    assert "already exists" in str(caught.value)
    exit_application = application_submit(
        organisation=group,
        kind=ApplicationKind.EXIT,
        acting_user=staff,
        exit_reason=ExitReason.MERGED,
    )
    application_decide(application=exit_application, action=APPROVE, acting_user=staff)
    successor = make_group(staff, members=0)  # the name is free once the first has exited
    assert successor.pk != group.pk
    # ... and reversing the exit would create a clash, so it is refused.
    with pytest.raises(ValidationError):
        exit_reverse(organisation=group, acting_user=staff, reason="误操作")
    group.refresh_from_db()
    assert group.status == OrgStatus.EXITED


def test_filing_numbers_start_afresh_each_year(staff, street_officer, monkeypatch):
    first = make_filed(staff, street_officer)
    next_year = timezone.localdate().replace(month=1, day=2) + datetime.timedelta(days=366)
    monkeypatch.setattr(timezone, "localdate", lambda *args: next_year)
    second = make_filed(staff, street_officer, name="坪山社区太极拳队")
    assert first.filing_number.endswith("-0001")
    assert second.filing_number == f"{PINGSHAN_STREET}-{next_year.year}-0001"
