"""The KPI targets an administrator may set (the plan's targets are the defaults, in code)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reports.choices import TargetKey

#: the targets the plans set: key -> (value, due date). Ratios are fractions (0.85 = 85%).
DEFAULT_TARGETS: dict[str, tuple[Decimal, datetime.date | None]] = {
    # Action plan item 1: hub organisations in at least 85% of streets by the end of 2025.
    TargetKey.HUB_COVERAGE: (Decimal("0.85"), datetime.date(2025, 12, 31)),
    # Action plan item 8: brand projects in all 10 district-level units by the end of 2025.
    TargetKey.BRAND_COVERAGE: (Decimal("1"), datetime.date(2025, 12, 31)),
    # 民发〔2017〕191号: at least 10 per urban community and 5 per rural one.
    TargetKey.DENSITY_URBAN: (Decimal("10"), None),
    TargetKey.DENSITY_RURAL: (Decimal("5"), None),
}


class KpiTarget(models.Model):
    """A target for one KPI, overriding the default in code. Edited in the admin, with history."""

    key = models.CharField(_("KPI"), max_length=50, choices=TargetKey.choices, unique=True)
    value = models.DecimalField(
        _("target"),
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(0)],
        help_text=_(
            "For shares a fraction: 0.85 for 85%. For counts and per-community figures the number."
        ),
    )
    due_on = models.DateField(_("to be reached by"), null=True, blank=True)
    note = models.CharField(_("source"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("KPI target")
        verbose_name_plural = _("KPI targets")
        ordering = ["key"]

    def __str__(self):
        return str(self.get_key_display())

    @classmethod
    def resolved(cls) -> dict[str, tuple[Decimal, datetime.date | None]]:
        """Every target in force: the saved ones over the defaults (one query)."""
        targets = dict(DEFAULT_TARGETS)
        for key, value, due_on in cls.objects.values_list("key", "value", "due_on"):
            targets[key] = (value, due_on)
        return targets
