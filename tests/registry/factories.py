"""Builders for organisations in a known state, through the real services."""

import datetime

from registry.choices import (
    ApplicationAction,
    ApplicationKind,
    LegalForm,
    MemberRole,
    OrgField,
    OrgType,
)
from registry.models import Division
from registry.services.lifecycle import application_decide, application_submit
from registry.services.organisations import member_add, organisation_create

VALID_CREDIT_CODES = {
    LegalForm.SOCIAL_GROUP: "51440310MJL000010J",
    LegalForm.SOCIAL_SERVICE: "52440310MJL000020G",
    LegalForm.FOUNDATION: "53440310MJL000030E",
}
COMPANY_CREDIT_CODE = "91440300MA5DXXXX0N"  # valid, but a company's (authority 9), not ours
VALID_ID_NUMBER = "440303199505050029"


def make_group(
    staff,
    *,
    community_code=None,
    name="坪山社区书画协会",
    members=10,
    founders=3,
    org_type=OrgType.ASSOCIATION,
    **extra,
):
    """An activity group meeting the filing conditions of its type (by default)."""
    community = Division.objects.get(code=community_code or staff.division_id)
    fields = dict(
        name=name,
        community=community,
        org_type=org_type,
        field=OrgField.CULTURE_SPORTS,
        venue="坪山社区党群服务中心二楼",
        founded_on=datetime.date(2023, 3, 1),
        charter_text="本会为社区书画爱好者自愿组成的群众性组织。",
        activity_rules_text="每周六下午开展书画交流活动。",
        service_norms_text="服务居民，不收取费用。",
    )
    fields.update(extra)
    organisation = organisation_create(acting_user=staff, **fields)
    for i in range(members):
        member_add(
            organisation=organisation,
            acting_user=staff,
            name=f"成员{i + 1}",
            role=MemberRole.LEADER if i == 0 else MemberRole.MEMBER,
            is_founder=i < founders,
            phone=f"1380013{i:04d}",
        )
    return organisation


def make_filed(staff, street_officer, **kwargs):
    organisation = make_group(staff, **kwargs)
    application = application_submit(
        organisation=organisation, kind=ApplicationKind.FILING, acting_user=staff
    )
    application_decide(
        application=application,
        action=ApplicationAction.APPROVE,
        acting_user=street_officer,
        reason="符合备案条件",
    )
    organisation.refresh_from_db()
    return organisation


def make_registered(
    staff, street_officer, district_officer, legal_form=LegalForm.SOCIAL_GROUP, **kwargs
):
    organisation = make_filed(staff, street_officer, **kwargs)
    application = application_submit(
        organisation=organisation,
        kind=ApplicationKind.REGISTRATION,
        acting_user=street_officer,
        credit_code=VALID_CREDIT_CODES[legal_form],
        legal_form=legal_form,
    )
    application_decide(
        application=application,
        action=ApplicationAction.APPROVE,
        acting_user=district_officer,
        reason="准予登记",
    )
    organisation.refresh_from_db()
    return organisation
