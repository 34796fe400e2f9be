"""Choices of the public vote."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResultsVisibility(models.TextChoices):
    LIVE = "live", _("Live, while the vote is open")
    AFTER_CLOSING = "after_closing", _("Only after closing")


class VoterRule(models.TextChoices):
    PHONE = "phone", _("A code sent to a mobile number")
    CODE = "code", _("A voting code")
    EITHER = "either", _("Either a mobile number or a voting code")

    @classmethod
    def allows(cls, rule: str, method: str) -> bool:
        return rule == cls.EITHER or rule == method


class VerificationMethod(models.TextChoices):
    PHONE = "phone", _("Mobile number")
    CODE = "code", _("Voting code")
