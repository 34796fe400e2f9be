"""The registry's own checks of codes and names, worded once and used by every entry point
(web forms and the API through the services, and the ledger import).

``core.validators`` says whether a code is well formed (GB 32100-2015, GB 11643); this module
adds what the registry requires of it: a credit code issued by civil affairs whose type
character matches the legal form, and a name that is not a residents' or owners' committee.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.validators import clean_credit_code
from registry.choices import CIVIL_AFFAIRS_AUTHORITY, LegalForm, OrgType
from registry.models import FilingConditions

#: the words used when the conditions table has no row (the model's default)
DEFAULT_EXCLUDED_WORDS = tuple(
    w.strip()
    for w in FilingConditions._meta.get_field("excluded_name_words").default.split(",")
    if w.strip()
)


def clean_organisation_credit_code(value: str, legal_form: str = "") -> str:
    """A credit code normalised and checked as the registry needs it: well formed, issued by
    civil affairs (starts with 5), and, with ``legal_form``, of that legal form (second
    character); or ``ValidationError`` with the one wording every entry point shows."""
    code = clean_credit_code(value)
    if code[0] != CIVIL_AFFAIRS_AUTHORITY:
        raise ValidationError(
            _("%(code)s was not issued by civil affairs (it must start with 5)") % {"code": code},
            code="not_civil_affairs",
        )
    expected = LegalForm.CREDIT_CODE_TYPE.get(legal_form)
    if legal_form and expected and code[1] != expected:
        raise ValidationError(
            _(
                "the second character of %(code)s says it is not a %(form)s "
                "(a %(form)s's code starts with 5%(expected)s)"
            )
            % {"code": code, "form": LegalForm(legal_form).label, "expected": expected},
            code="legal_form_mismatch",
        )
    return code


def excluded_words(org_type: str = "") -> tuple[str, ...]:
    """The words that make a name ineligible: those of the filing conditions of ``org_type``
    (every type's when none is given), else the default list."""
    rows = FilingConditions.objects.all()
    if org_type in OrgType.values:
        rows = rows.filter(org_type=org_type)
    words = {word for row in rows for word in row.excluded_words}
    return tuple(sorted(words)) if words else DEFAULT_EXCLUDED_WORDS


def excluded_name_message(name: str, words=None) -> str | None:
    """Why ``name`` can't be in the ledger (a residents' or owners' committee), or None."""
    for word in excluded_words() if words is None else words:
        if word and word in (name or ""):
            return _(
                "%(name)s is a residents' committee or owners' committee (its name contains "
                "%(word)s): committees are not community social organisations and cannot be "
                "entered in the ledger"
            ) % {"name": f"「{name}」", "word": f"「{word}」"}
    return None


def check_organisation_name(name: str, words=None) -> None:
    """``ValidationError`` on ``name`` if it is an excluded committee's name."""
    message = excluded_name_message(name, words)
    if message:
        raise ValidationError({"name": [message]}, code="excluded_name")
