"""The three-member rule: a checklist item at filing and registration, and the follow-up list."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.exceptions import ConditionsNotMet, NotPermitted
from party_building import services
from party_building.choices import PartyOrganisationKind
from party_building.models import PartyBuildingSettings
from party_building.selectors import follow_up_organisations
from registry.choices import (
    ApplicationAction,
    ApplicationKind,
    ApplicationStatus,
    ConditionSeverity,
    LegalForm,
)
from registry.models import Application, Division
from registry.rules import condition_label
from registry.services.lifecycle import application_decide, application_submit
from registry.services.organisations import member_update
from tests.party_building.conftest import add_party_members, days_ago
from tests.registry.factories import VALID_CREDIT_CODES, make_filed, make_group

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def party_items(application):
    return [item for item in application.checklist if item["code"] == "party_organisation"]


def submit_filing(organisation, user):
    return application_submit(
        organisation=organisation, kind=ApplicationKind.FILING, acting_user=user
    )


def set_severity(superuser, severity, **extra):
    services.settings_update(
        acting_user=superuser,
        reason="区委组织部要求同步建立党组织",
        three_member_rule_severity=severity,
        **extra,
    )


def test_two_formal_party_members_add_no_requirement(staff):
    group = make_group(staff)
    add_party_members(group, staff, formal=2)
    assert party_items(submit_filing(group, staff)) == []


def test_probationary_members_do_not_count(staff, superuser):
    set_severity(superuser, ConditionSeverity.BLOCKING)
    group = make_group(staff)
    add_party_members(group, staff, formal=2, probationary=1)
    application = submit_filing(group, staff)
    assert application.status == ApplicationStatus.SUBMITTED
    assert party_items(application) == []


def test_members_who_left_do_not_count(staff):
    group = make_group(staff)
    add_party_members(group, staff, formal=3)
    leaver = group.members.filter(party_status="formal").first()
    member_update(member=leaver, acting_user=staff, left_on=days_ago(1), reason="迁出")
    assert party_items(submit_filing(group, staff)) == []


def test_three_formal_members_in_warning_mode_pass_with_the_item_unmet(staff):
    assert PartyBuildingSettings.load().three_member_rule_severity == ConditionSeverity.WARNING
    group = make_group(staff)
    add_party_members(group, staff, formal=3)
    application = submit_filing(group, staff)
    assert application.status == ApplicationStatus.SUBMITTED
    assert party_items(application) == [
        {
            "code": "party_organisation",
            "met": False,
            "severity": ConditionSeverity.WARNING,
            "params": {"required": 3, "actual": 3},
        }
    ]
    assert "3 formal party members" in condition_label(party_items(application)[0])
    assert application.unmet_conditions == party_items(application)


def test_three_formal_members_in_blocking_mode_refuse_the_application(staff, superuser):
    set_severity(superuser, ConditionSeverity.BLOCKING)
    group = make_group(staff)
    add_party_members(group, staff, formal=3)
    with pytest.raises(ConditionsNotMet) as refused:
        submit_filing(group, staff)
    assert any("own party organisation" in message for message in refused.value.messages)
    assert not Application.objects.filter(organisation=group).exists()

    # With its own branch the same application goes through, the item met.
    services.party_organisation_create(
        acting_user=staff,
        name="坪山社区书画协会党支部",
        kind=PartyOrganisationKind.INDEPENDENT_BRANCH,
        guiding_division=group.community,
        founded_on=days_ago(1),
        member_count=3,
        covered_organisations=[group],
    )
    application = submit_filing(group, staff)
    assert application.status == ApplicationStatus.SUBMITTED
    assert [item["met"] for item in party_items(application)] == [True]


def test_a_joint_branch_does_not_satisfy_the_rule(staff, superuser):
    set_severity(superuser, ConditionSeverity.BLOCKING)
    group = make_group(staff)
    add_party_members(group, staff, formal=3)
    services.party_organisation_create(
        acting_user=staff,
        name="坪山社区联合党支部",
        kind=PartyOrganisationKind.JOINT_BRANCH,
        guiding_division=group.community,
        founded_on=days_ago(1),
        covered_organisations=[group],
    )
    with pytest.raises(ConditionsNotMet):
        submit_filing(group, staff)


def test_the_rule_applies_to_registration_too(staff, street_officer, district_officer, superuser):
    organisation = make_filed(staff, street_officer)
    add_party_members(organisation, street_officer, formal=4)
    details = dict(
        kind=ApplicationKind.REGISTRATION,
        credit_code=VALID_CREDIT_CODES[LegalForm.SOCIAL_GROUP],
        legal_form=LegalForm.SOCIAL_GROUP,
    )
    application = application_submit(
        organisation=organisation, acting_user=street_officer, **details
    )
    assert [(i["met"], i["params"]["actual"]) for i in party_items(application)] == [(False, 4)]
    # Switched to blocking meanwhile: approval re-checks the conditions and refuses too.
    set_severity(superuser, ConditionSeverity.BLOCKING)
    with pytest.raises(ConditionsNotMet):
        application_decide(
            application=application,
            action=ApplicationAction.APPROVE,
            acting_user=district_officer,
            reason="准予登记",
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_the_threshold_is_a_setting(staff, superuser):
    set_severity(superuser, ConditionSeverity.BLOCKING, min_formal_members=4)
    group = make_group(staff)
    add_party_members(group, staff, formal=3)
    assert party_items(submit_filing(group, staff)) == []


def test_exits_are_not_checked(staff):
    group = make_group(staff)
    add_party_members(group, staff, formal=5)
    application = application_submit(
        organisation=group, kind=ApplicationKind.EXIT, acting_user=staff, exit_reason="voluntary"
    )
    assert party_items(application) == []


def test_settings_changes_are_recorded_and_kept_to_administrators(staff, superuser):
    with pytest.raises(NotPermitted):
        services.settings_update(
            acting_user=staff, reason="", three_member_rule_severity=ConditionSeverity.BLOCKING
        )
    set_severity(superuser, ConditionSeverity.BLOCKING)
    row = PartyBuildingSettings.history.order_by("-history_id").first()
    assert row.three_member_rule_severity == ConditionSeverity.BLOCKING
    assert row.history_user == superuser
    assert row.history_change_reason == "区委组织部要求同步建立党组织"
    with pytest.raises(ValidationError) as refused:
        services.settings_update(acting_user=superuser, reason="", min_formal_members=0)
    assert "min_formal_members" in refused.value.message_dict
    assert PartyBuildingSettings.load().min_formal_members == 3


def test_admin_edits_the_settings_with_a_reason(superuser, client_for):
    client = client_for(superuser)
    response = client.get("/admin/party_building/partybuildingsettings/")
    assert response.status_code == 302
    url = response["Location"]
    response = client.post(
        url,
        {"min_formal_members": 3, "three_member_rule_severity": "blocking", "reason": "试行"},
    )
    assert response.status_code == 302, response.content
    assert PartyBuildingSettings.load().three_member_rule_severity == "blocking"
    row = PartyBuildingSettings.history.order_by("-history_id").first()
    assert (row.history_user, row.history_change_reason) == (superuser, "试行")


def test_follow_up_list(scenario, community_staff):
    s = scenario
    names = lambda user: sorted(o.name for o in follow_up_organisations(user=user))  # noqa: E731
    # B (joint branch, 3 formal) and K (none, 3 formal); not A or I (own branches), not D
    # (2 formal + 1 probationary).
    assert names(s.district) == sorted([s.B.name, s.K.name])
    assert names(s.staff) == [s.B.name]
    assert names(s.other_street) == [s.K.name]
    assert names(community_staff("440310001001")) == []
    rows = {o.pk: o for o in follow_up_organisations(user=s.district)}
    # Each row names the tier that guides it: the community for activity groups.
    assert rows[s.K.pk].guiding_division_code == s.K.community_id
    assert rows[s.K.pk].formal_party_members == 3


def test_the_follow_up_list_names_the_guiding_tier(
    staff, street_officer, district_officer, make_user
):
    filed = make_filed(staff, street_officer)
    add_party_members(filed, staff, formal=3)
    row = follow_up_organisations(user=district_officer).get(pk=filed.pk)
    assert row.guiding_division_code == Division.objects.get(code="440310001").code
