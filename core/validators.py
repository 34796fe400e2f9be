"""Validation and normalisation of codes and text as people type them (or Excel stores them)."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric, uscc


def normalise_text(value: str | None) -> str:
    """Full-width letters, digits and spaces to half-width; line breaks and runs of spaces to one
    space; stripped. Chinese characters and full-width punctuation other than those are kept."""
    if value is None:
        return ""
    value = "".join(
        unicodedata.normalize("NFKC", ch)
        if ("\uff01" <= ch <= "\uff5e" and ch.isalnum()) or ch == "\u3000"
        else ch
        for ch in str(value)
    )
    return re.sub(r"\s+", " ", value).strip()


def normalise_code(value: str | None) -> str:
    """A code as typed: full-width to half-width, every space and dash removed, upper case."""
    value = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"[\s\-]+", "", value).upper()


def _stdnum_message(error: Exception, what: str):
    if isinstance(error, stdnum_errors.InvalidLength):
        return _("%(what)s must be 18 characters long") % {"what": what}
    if isinstance(error, stdnum_errors.InvalidChecksum):
        return _("%(what)s has a wrong check character (the last one)") % {"what": what}
    if isinstance(error, stdnum_errors.InvalidComponent):
        return _("%(what)s contains an impossible date of birth or place code") % {"what": what}
    return _("%(what)s contains characters that are not allowed where they are") % {"what": what}


def clean_credit_code(value: str) -> str:
    """A unified social credit code (GB 32100-2015), normalised, or ValidationError saying why."""
    number = normalise_code(value)
    try:
        return uscc.validate(number)
    except stdnum_errors.ValidationError as error:
        raise ValidationError(
            _stdnum_message(error, _("The unified social credit code")), code="invalid"
        ) from None


def clean_id_number(value: str) -> str:
    """A resident identity card number (GB 11643), normalised, or ValidationError saying why."""
    number = normalise_code(value)
    try:
        return ric.validate(number)
    except stdnum_errors.ValidationError as error:
        raise ValidationError(_stdnum_message(error, _("The ID number")), code="invalid") from None


MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


def clean_phone(value: str) -> str:
    """A mainland mobile (11 digits starting 13-19) or landline with area code, normalised."""
    number = normalise_code(value).replace("(", "").replace(")", "")
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("0086"):
        number = number[4:]
    if MOBILE.match(number):
        return number
    if LANDLINE.match(number):
        return number
    raise ValidationError(
        _(
            "'%(value)s' is not a mobile number (11 digits starting 13-19) "
            "or a landline with its area code"
        )
        % {"value": value},
        code="invalid",
    )
