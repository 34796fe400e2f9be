from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import PATH_SEPARATOR, ScopedModel
from registry.choices import DivisionLevel


class Division(ScopedModel):
    """A node of the administrative tree: city, district, street or community.

    Keyed by its statistical code. Functional units that the statistics don't have (Dapeng New
    Area) carry a code with letters in it so it can never collide with a statistical one.
    ``path`` is the chain of codes from the root, ``"4403/4403DP/440307009/"``: the subtree of
    a node is every division whose path starts with the node's path.
    """

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=DivisionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    is_residential = models.BooleanField(
        _("residential"),
        default=True,
        help_text=_(
            "False for bonded zones, airports and similar units with no residents; "
            "they are left out of per-street and per-community KPIs."
        ),
    )
    is_statistical = models.BooleanField(
        _("statistical unit"),
        default=True,
        help_text=_("False for functional areas such as Dapeng New Area that the statistics lack."),
    )

    history = HistoricalRecords()

    scope_path_field = "path"

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["path"]
        indexes = [
            # LIKE 'prefix%' on the path is how every subtree is found.
            models.Index(
                fields=["path"], name="division_path_prefix", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["level", "path"], name="division_level_path"),
        ]

    def __str__(self):
        return self.name

    @staticmethod
    def path_for(code: str, parent_path: str | None) -> str:
        return f"{parent_path or ''}{code}{PATH_SEPARATOR}"

    @property
    def ancestor_codes(self) -> list[str]:
        return self.path.rstrip(PATH_SEPARATOR).split(PATH_SEPARATOR)[:-1]

    def subtree(self):
        return Division.objects.filter(path__startswith=self.path)
