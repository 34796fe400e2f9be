"""The conditions an organisation must meet to be filed or registered, as a checklist.

Each item is stored with the application as it was evaluated at submission (code, met,
severity, figures); its wording is rendered when shown, in the reader's language.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.validators import clean_credit_code
from registry.choices import (
    CIVIL_AFFAIRS_AUTHORITY,
    ApplicationKind,
    ConditionSeverity,
    LegalForm,
    MemberRole,
    OrgType,
)
from registry.models import FilingConditions, Organisation

#: Used when the conditions table is empty (a flushed test database, a fresh install before
#: migrations ran); the data migration writes the same values.
DEFAULT_CONDITIONS = {
    OrgType.ASSOCIATION: dict(
        min_individual_founders=3,
        min_legal_person_founders=2,
        min_members=10,
        min_staff=0,
        requires_service_norms=False,
    ),
    OrgType.SERVICE: dict(
        min_individual_founders=2,
        min_legal_person_founders=1,
        min_members=0,
        min_staff=2,
        requires_service_norms=True,
    ),
}

MESSAGES = {
    "eligible_kind": _("Not a residents' committee, owners' committee or profit-making group"),
    "standard_name": _("A standard name"),
    "leader": _("Has a leader on the roster"),
    "founders": _(
        "At least %(required)s founding individuals or %(required_legal)s legal-person founders "
        "(has %(actual)s and %(actual_legal)s)"
    ),
    "members": _("At least %(required)s members (has %(actual)s)"),
    "staff": _("At least %(required)s staff (has %(actual)s)"),
    "venue": _("A fairly fixed venue"),
    "charter": _("A simple charter"),
    "activity_rules": _("Activity rules"),
    "service_norms": _("Service norms"),
    "credit_code": _("A valid unified social credit code issued by civil affairs"),
    "credit_code_form": _("The credit code's type character matches the legal form"),
    "legal_form": _("A legal form"),
    "exit_reason": _("A reason for the exit"),
}

STAFF_ROLES = (MemberRole.LEADER, MemberRole.DEPUTY, MemberRole.STAFF)


@dataclass
class Condition:
    code: str
    met: bool
    severity: str = ConditionSeverity.BLOCKING
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def condition_label(item: dict) -> str:
    """The wording of a stored checklist item, in the active language."""
    template = MESSAGES.get(item["code"], item["code"])
    try:
        return str(template) % item.get("params", {}) if item.get("params") else str(template)
    except (KeyError, TypeError, ValueError):
        return str(template)


def conditions_for(org_type: str):
    found = FilingConditions.objects.filter(org_type=org_type).first()
    return found or FilingConditions(org_type=org_type, **DEFAULT_CONDITIONS[org_type])


def _has_text_or_file(text: str, upload) -> bool:
    return bool((text or "").strip()) or bool(upload)


def filing_checklist(organisation: Organisation) -> list[Condition]:
    """What filing requires of this organisation (by its type), each item met or not."""
    rules = conditions_for(organisation.org_type)
    current = organisation.members.current() if organisation.pk else None
    founders = current.filter(is_founder=True).count() if current is not None else 0
    members = current.count() if current is not None else 0
    staff = current.filter(role__in=STAFF_ROLES).count() if current is not None else 0
    has_leader = current.filter(role=MemberRole.LEADER).exists() if current is not None else False
    name = organisation.name or ""
    excluded = any(word in name for word in rules.excluded_words)
    items = [
        Condition("eligible_kind", not excluded and not organisation.is_for_profit),
        Condition("standard_name", bool(re.match(rules.name_pattern, name))),
        Condition("leader", has_leader),
        Condition(
            "founders",
            founders >= rules.min_individual_founders
            or organisation.legal_person_founders >= rules.min_legal_person_founders,
            params={
                "required": rules.min_individual_founders,
                "required_legal": rules.min_legal_person_founders,
                "actual": founders,
                "actual_legal": organisation.legal_person_founders,
            },
        ),
    ]
    if rules.min_members:
        items.append(
            Condition(
                "members",
                members >= rules.min_members,
                params={"required": rules.min_members, "actual": members},
            )
        )
    if rules.min_staff:
        items.append(
            Condition(
                "staff",
                staff >= rules.min_staff,
                params={"required": rules.min_staff, "actual": staff},
            )
        )
    if rules.requires_venue:
        items.append(Condition("venue", bool((organisation.venue or "").strip())))
    if rules.requires_charter:
        items.append(
            Condition(
                "charter", _has_text_or_file(organisation.charter_text, organisation.charter_file)
            )
        )
    if rules.requires_activity_rules:
        items.append(
            Condition(
                "activity_rules",
                _has_text_or_file(
                    organisation.activity_rules_text, organisation.activity_rules_file
                ),
            )
        )
    if rules.requires_service_norms:
        items.append(Condition("service_norms", bool(organisation.service_norms_text.strip())))
    return items


def registration_checklist(
    organisation: Organisation, *, credit_code: str, legal_form: str
) -> list[Condition]:
    """Registration: the filing conditions still hold, plus a valid, matching credit code."""
    items = [c for c in filing_checklist(organisation) if c.code in ("eligible_kind", "leader")]
    items.append(Condition("legal_form", legal_form in LegalForm.values))
    try:
        code = clean_credit_code(credit_code)
        valid = code[0] == CIVIL_AFFAIRS_AUTHORITY
    except ValidationError:
        code, valid = "", False
    items.append(Condition("credit_code", valid))
    expected = LegalForm.CREDIT_CODE_TYPE.get(legal_form)
    items.append(Condition("credit_code_form", bool(code) and code[1:2] == expected))
    return items


def exit_checklist(organisation: Organisation, *, exit_reason: str) -> list[Condition]:
    from registry.choices import ExitReason

    return [Condition("exit_reason", exit_reason in ExitReason.values)]


#: Conditions other apps add to the checklists (party_building adds the three-member rule):
#: callables ``(kind, organisation) -> list[Condition]``, registered in their ``AppConfig.ready``
#: so that this app never imports them.
EXTRA_CONDITIONS: list = []


def register_condition(check, *, messages: dict):
    """Add a condition provider and the wording of the condition codes it produces."""
    MESSAGES.update(messages)
    if check not in EXTRA_CONDITIONS:
        EXTRA_CONDITIONS.append(check)
    return check


def checklist_for(kind: str, organisation: Organisation, **details) -> list[Condition]:
    """The checklist for an application of ``kind``, each item met or not."""
    if kind == ApplicationKind.FILING:
        items = filing_checklist(organisation)
    elif kind == ApplicationKind.REGISTRATION:
        items = registration_checklist(
            organisation,
            credit_code=details.get("credit_code", ""),
            legal_form=details.get("legal_form", ""),
        )
    else:
        items = exit_checklist(organisation, exit_reason=details.get("exit_reason", ""))
    for check in EXTRA_CONDITIONS:
        items.extend(check(kind, organisation))
    return items
