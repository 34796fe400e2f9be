"""Transparency: the open-data extracts, and the audit index behind the audit-log browser.

Neither holds organisation data of its own. An ``OpenDataExtract`` records one day's zipped
public extract (the file lives under ``MEDIA_ROOT``); an ``AuditEvent`` is one row of an index
over every simple-history table of the project, kept so that "what changed in my jurisdiction,
newest first" is one index range scan whatever the number of history rows (see
``transparency.audit`` and docs/history.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.scoping import Jurisdiction, RestrictedQuerySet
from registry.models import PATH_SEPARATOR

#: how many levels of the division tree an audit event remembers (city or province down to
#: community: at most five)
AUDIT_DEPTH = 5


class ExtractStatus(models.TextChoices):
    RUNNING = "running", _("Being generated")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class OpenDataExtract(models.Model):
    """The open-data extract of one day: the public register and the credit lists as CSV and
    JSON in one zip file, with what it holds and how long it took to make."""

    extract_date = models.DateField(_("extract date"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ExtractStatus.choices, default=ExtractStatus.RUNNING
    )
    file_name = models.CharField(_("file name"), max_length=100, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    organisations = models.PositiveIntegerField(_("organisations"), default=0)
    credit_list_entries = models.PositiveIntegerField(_("credit list entries"), default=0)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("open-data extract")
        verbose_name_plural = _("open-data extracts")
        ordering = ["-extract_date"]

    def __str__(self):
        return f"{self.extract_date.isoformat()} · {self.get_status_display()}"

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class AuditEventQuerySet(RestrictedQuerySet):
    pass


class AuditEvent(models.Model):
    """One history row of any model, indexed by where and when it happened.

    ``node0`` ... ``node4`` are the codes along the division path of the changed object (the
    root first), so "everything under a node, newest first" is an equality on the node's depth
    plus a backwards scan of ``(history_date, id)``: one index range per page, at any depth and
    at any size. Rows of models that do not belong to a place (settings, accounts) have no
    nodes; only superusers see them. The index is derived data: ``transparency.audit`` fills it
    from the history tables and never changes a history row.
    """

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+"
    )
    history_id = models.BigIntegerField()
    history_date = models.DateTimeField()
    history_type = models.CharField(max_length=1)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    node0 = models.CharField(max_length=12, blank=True, default="")
    node1 = models.CharField(max_length=12, blank=True, default="")
    node2 = models.CharField(max_length=12, blank=True, default="")
    node3 = models.CharField(max_length=12, blank=True, default="")
    node4 = models.CharField(max_length=12, blank=True, default="")

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "history_id"], name="audit_event_one_per_history_row"
            )
        ]
        indexes = [
            models.Index(fields=["history_date", "id"], name="audit_event_date"),
            # node0 (the root: the city, or a province nationally) is a large share of all rows:
            # the date index finds its pages as fast, so it has no index of its own.
            models.Index(fields=["node1", "history_date", "id"], name="audit_event_node1"),
            models.Index(fields=["node2", "history_date", "id"], name="audit_event_node2"),
            models.Index(fields=["node3", "history_date", "id"], name="audit_event_node3"),
            models.Index(fields=["node4", "history_date", "id"], name="audit_event_node4"),
            models.Index(fields=["user", "history_date", "id"], name="audit_event_user"),
            models.Index(
                fields=["organisation", "history_date", "id"], name="audit_event_organisation"
            ),
            models.Index(fields=["content_type", "history_date", "id"], name="audit_event_kind"),
        ]

    def __str__(self):
        return f"{self.content_type_id}:{self.history_id}"

    @staticmethod
    def nodes_of(path: str | None) -> list[str]:
        """``"4403/440310/440310001/"`` → ``["4403", "440310", "440310001", "", ""]``."""
        codes = (path or "").rstrip(PATH_SEPARATOR).split(PATH_SEPARATOR) if path else []
        codes = codes[:AUDIT_DEPTH]
        return codes + [""] * (AUDIT_DEPTH - len(codes))

    @classmethod
    def node_q(cls, path: str) -> Q:
        """Events under the division whose materialised path is ``path``."""
        codes = path.rstrip(PATH_SEPARATOR).split(PATH_SEPARATOR)
        depth = len(codes) - 1
        if depth >= AUDIT_DEPTH:
            return Q(pk__in=[])
        return Q(**{f"node{depth}": codes[-1]})

    @classmethod
    def jurisdiction_q(cls, jurisdiction: Jurisdiction) -> Q:
        # The same rule as ``ScopedModel.jurisdiction_q`` (a subtree, or one organisation),
        # answered from the node columns.
        if jurisdiction.unrestricted:
            return Q()
        if jurisdiction.organisation_id is not None:
            return Q(organisation_id=jurisdiction.organisation_id)
        if jurisdiction.path is None:
            return Q(pk__in=[])
        return cls.node_q(jurisdiction.path)


class AuditWatermark(models.Model):
    """The last history row of one model copied into the audit index."""

    content_type = models.OneToOneField(
        "contenttypes.ContentType", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last_history_id = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.content_type_id}: {self.last_history_id}"
