"""Support programmes (action plan items 1-8; the Longgang report): support platforms and who
operates them, residency and incubation by stage, funding programmes with their rounds and
awarded projects, community funds, trainings, sub-committee recommendations and pairings.

Every record of an event carries the day it took effect (``*_on``) and when it was recorded
(``recorded_at``); the KPIs' as-of figures read the first. Nothing here is deleted: a residency
ends, a project is accepted or terminated, a pairing ends with a review. Money is
``Decimal`` yuan with two places.

Scoping: records about an organisation hang off the organisation's community (as in the
registry); platforms, programmes, funds and trainings off the division that owns them. A
platform operator (``Role.PLATFORM_OPERATOR``) is bound to one platform
(``Jurisdiction.binding == ("platform", id)``) and sees that platform and the records of its
residents only (``scope_bindings``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.scoping import ScopedModel
from registry.choices import DivisionLevel
from support.choices import (
    DonationForm,
    DonorKind,
    FundingKind,
    PairingRating,
    PairingStatus,
    PlatformKind,
    ProjectStatus,
    RecommendationStatus,
    ResidencyKind,
    RoundStatus,
    ServiceCategory,
    Stage,
    SubCommittee,
    TrainingCapacity,
)

#: the kind of binding of a platform operator's jurisdiction
PLATFORM = "platform"

ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    """An amount of money in yuan (two decimals, up to a hundred billion), never negative."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    kwargs.setdefault("validators", [MinValueValidator(ZERO)])
    return models.DecimalField(verbose_name, **kwargs)


def residents_of(platform_id: int):
    """Ids of the organisations that are or were resident at (or incubated by) a platform."""
    return Residency.objects.filter(platform_id=platform_id).values("organisation_id")


def _residents_q(lookup: str):
    return lambda platform_id: Q(**{f"{lookup}__in": residents_of(platform_id)})


class Recorded(models.Model):
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        abstract = True


# --- platforms ---------------------------------------------------------------------------------


class SupportPlatform(ScopedModel, Recorded):
    """An incubation base, service centre, federation or social-innovation centre at a district,
    street or community (item 1), usually run by a third-party social organisation under a
    purchase-of-service contract."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=PlatformKind.choices)
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("node"),
        on_delete=models.PROTECT,
        related_name="support_platforms",
    )
    headquarters = models.ForeignKey(
        "self",
        verbose_name=_("headquarters"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
        help_text=_("For a branch: the platform it reports to."),
    )
    focus = models.CharField(
        _("focus"),
        max_length=100,
        blank=True,
        help_text=_("A special field, e.g. culture and sports organisations."),
    )
    operator = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("operating organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="operated_platforms",
    )
    operator_name = models.CharField(
        _("operating organisation (not in the registry)"), max_length=100, blank=True
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    history = HistoricalRecords()

    scope_path_field = "division__path"
    scope_bindings = {PLATFORM: "pk"}

    class Meta:
        verbose_name = _("support platform")
        verbose_name_plural = _("support platforms")
        ordering = ["division__path", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["division", "name"],
                name="support_platform_name_unique_at_node",
                violation_error_message=_("This node already has a platform with this name."),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def tier(self) -> str:
        """The tier of the platform: the level of its node (district, street, community)."""
        return self.division.level

    def get_tier_display(self) -> str:
        return str(DivisionLevel(self.division.level).label)

    @property
    def operator_display(self) -> str:
        return self.operator.name if self.operator_id else self.operator_name

    def is_open_on(self, day) -> bool:
        return self.opened_on <= day and (self.closed_on is None or self.closed_on >= day)


class OperatingContract(ScopedModel, Recorded):
    """The purchase-of-service contract under which an organisation runs a platform."""

    platform = models.ForeignKey(
        SupportPlatform,
        verbose_name=_("platform"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    contractor = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("contractor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="platform_contracts",
    )
    contractor_name = models.CharField(
        _("contractor (not in the registry)"), max_length=100, blank=True
    )
    number = models.CharField(_("contract number"), max_length=50, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    amount = money_field(_("amount (yuan)"))
    services = models.TextField(_("services purchased"), blank=True)

    history = HistoricalRecords()

    scope_path_field = "platform__division__path"
    scope_bindings = {PLATFORM: "platform_id"}

    class Meta:
        verbose_name = _("operating contract")
        verbose_name_plural = _("operating contracts")
        ordering = ["platform", "-starts_on", "pk"]

    def __str__(self):
        return self.number or f"{self.platform} {self.starts_on:%Y}"

    @property
    def contractor_display(self) -> str:
        return self.contractor.name if self.contractor_id else self.contractor_name


class PlatformOperator(ScopedModel, Recorded):
    """Binds a user with the platform-operator role to the one platform they run."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="platform_assignment",
    )
    platform = models.ForeignKey(
        SupportPlatform,
        verbose_name=_("platform"),
        on_delete=models.PROTECT,
        related_name="operator_accounts",
    )

    history = HistoricalRecords()

    scope_path_field = "platform__division__path"
    scope_bindings = {PLATFORM: "platform_id"}

    class Meta:
        verbose_name = _("platform operator account")
        verbose_name_plural = _("platform operator accounts")

    def __str__(self):
        return f"{self.user} → {self.platform}"


class Residency(ScopedModel, Recorded):
    """An organisation resident at, or incubated by, a platform for a period."""

    platform = models.ForeignKey(
        SupportPlatform,
        verbose_name=_("platform"),
        on_delete=models.PROTECT,
        related_name="residencies",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="residencies",
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=ResidencyKind.choices, default=ResidencyKind.INCUBATED
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    graduated_on = models.DateField(_("graduated on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"
    scope_bindings = {PLATFORM: "platform_id"}

    class Meta:
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        ordering = ["platform", "-started_on", "pk"]
        indexes = [
            models.Index(fields=["organisation", "started_on"], name="support_residency_org"),
            models.Index(fields=["platform", "started_on"], name="support_residency_platform"),
        ]

    def __str__(self):
        return f"{self.organisation} @ {self.platform}"

    def is_current_on(self, day) -> bool:
        return self.started_on <= day and (self.ended_on is None or self.ended_on >= day)


class StagePeriod(ScopedModel, Recorded):
    """An organisation's stage of development over a period (item 7): periods of one
    organisation never overlap; the open one (no end) is its stage now."""

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="stage_periods",
    )
    residency = models.ForeignKey(
        Residency,
        verbose_name=_("incubation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stage_periods",
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)

    history = HistoricalRecords()

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"
    scope_bindings = {PLATFORM: _residents_q("organisation_id")}

    class Meta:
        verbose_name = _("stage period")
        verbose_name_plural = _("stage periods")
        ordering = ["organisation", "starts_on", "pk"]
        indexes = [models.Index(fields=["organisation", "starts_on"], name="support_stage_org")]

    def __str__(self):
        return f"{self.organisation}: {self.get_stage_display()}"


class SupportService(ScopedModel, Recorded):
    """A service a platform gave an organisation it hosts, dated, by category (item 7)."""

    residency = models.ForeignKey(
        Residency,
        verbose_name=_("residency"),
        on_delete=models.PROTECT,
        related_name="services",
    )
    category = models.CharField(_("category"), max_length=30, choices=ServiceCategory.choices)
    provided_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    scope_path_field = "residency__organisation__community__path"
    scope_organisation_field = "residency__organisation"
    scope_bindings = {PLATFORM: "residency__platform_id"}

    class Meta:
        verbose_name = _("support service")
        verbose_name_plural = _("support services")
        ordering = ["-provided_on", "-pk"]

    def __str__(self):
        return self.title


# --- community funds ---------------------------------------------------------------------------


class CommunityFund(ScopedModel, Recorded):
    """A community fund (社区基金, item 4): donations in, grants out to projects. Its balance is
    the money received less the money granted; it can never go negative (checked under the
    fund's row lock by every grant, and by the database)."""

    name = models.CharField(_("name"), max_length=100)
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("node"),
        on_delete=models.PROTECT,
        related_name="community_funds",
    )
    manager = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("managing organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_funds",
    )
    manager_name = models.CharField(
        _("managing organisation (not in the registry)"), max_length=100, blank=True
    )
    opened_on = models.DateField(_("opened on"))
    balance = money_field(_("balance (yuan)"), default=ZERO, editable=False)

    history = HistoricalRecords()

    scope_path_field = "division__path"

    class Meta:
        verbose_name = _("community fund")
        verbose_name_plural = _("community funds")
        ordering = ["division__path", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0),
                name="support_fund_balance_not_negative",
                violation_error_message=_("A fund's balance cannot go below zero."),
            )
        ]

    def __str__(self):
        return self.name

    @property
    def manager_display(self) -> str:
        return self.manager.name if self.manager_id else self.manager_name


class Donation(ScopedModel, Recorded):
    """A gift to a community fund: money, or goods valued in yuan (in-kind gifts count in the
    fund's statement but not in the money it can grant)."""

    fund = models.ForeignKey(
        CommunityFund,
        verbose_name=_("fund"),
        on_delete=models.PROTECT,
        related_name="donations",
    )
    donor_kind = models.CharField(_("donor kind"), max_length=20, choices=DonorKind.choices)
    donor_name = models.CharField(_("donor"), max_length=100, blank=True)
    form = models.CharField(
        _("form"), max_length=10, choices=DonationForm.choices, default=DonationForm.MONEY
    )
    amount = money_field(_("amount or value (yuan)"))
    goods = models.CharField(_("goods given"), max_length=200, blank=True)
    received_on = models.DateField(_("received on"))
    channel = models.ForeignKey(
        SupportPlatform,
        verbose_name=_("donation channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="donations",
    )
    reference = models.CharField(_("receipt number"), max_length=50, blank=True)

    history = HistoricalRecords()

    scope_path_field = "fund__division__path"
    scope_bindings = {PLATFORM: "channel_id"}

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-received_on", "-pk"]
        indexes = [models.Index(fields=["fund", "received_on"], name="support_donation_fund")]

    def __str__(self):
        return f"{self.get_donor_kind_display()} {self.amount}"


# --- funding -----------------------------------------------------------------------------------


class FundingProgramme(ScopedModel, Recorded):
    """A programme that funds organisations' projects, of one kind (items 3-4), owned by a node;
    a community-fund programme grants from its fund."""

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=30, choices=FundingKind.choices)
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="funding_programmes",
    )
    funder = models.CharField(_("source of the money"), max_length=100, blank=True)
    fund = models.ForeignKey(
        CommunityFund,
        verbose_name=_("community fund"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programmes",
        help_text=_("For a community-fund programme: the fund its grants are paid from."),
    )
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    scope_path_field = "division__path"

    class Meta:
        verbose_name = _("funding programme")
        verbose_name_plural = _("funding programmes")
        ordering = ["division__path", "name", "pk"]

    def __str__(self):
        return self.name


class FundingRound(ScopedModel, Recorded):
    """One round (usually a year) of a programme; a contest round runs as a selection campaign
    (its applications and review are the campaign's)."""

    programme = models.ForeignKey(
        FundingProgramme,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    name = models.CharField(_("name"), max_length=150)
    year = models.PositiveSmallIntegerField(_("year"))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    budget = money_field(_("budget (yuan)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    campaign = models.ForeignKey(
        "selection.Campaign",
        verbose_name=_("selection campaign"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funding_rounds",
        help_text=_("For a contest: the selection campaign that takes and reviews the entries."),
    )

    history = HistoricalRecords()

    scope_path_field = "programme__division__path"

    class Meta:
        verbose_name = _("funding round")
        verbose_name_plural = _("funding rounds")
        ordering = ["programme", "-year", "pk"]

    def __str__(self):
        return self.name


def _project_q(jurisdiction) -> Q:
    """Who sees an awarded project: the tiers above its organisation (and its leader), and the
    tiers above the programme's owner (a district contest takes projects from the whole city)."""
    q = ScopedModel.jurisdiction_q.__func__(FundedProject, jurisdiction)
    if (
        not jurisdiction.unrestricted
        and jurisdiction.path is not None
        and jurisdiction.organisation_id is None
        and jurisdiction.binding is None
    ):
        q |= Q(round__programme__division__path__startswith=jurisdiction.path)
    return q


class FundedProject(ScopedModel, Recorded):
    """A project awarded in a round: its organisation, the amount approved, the custodian
    legal-person organisation that receives and supervises the money when the recipient is not
    a legal person (a filed organisation or an activity group, item 3), its disbursements,
    progress reports and acceptance at the end."""

    round = models.ForeignKey(
        FundingRound,
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="funded_projects",
    )
    custodian = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("custodian"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="custodied_projects",
        help_text=_(
            "A registered organisation that receives the money for a recipient that is not a "
            "legal person and supervises its spending."
        ),
    )
    title = models.CharField(_("title"), max_length=200)
    entry = models.ForeignKey(
        "selection.Entry",
        verbose_name=_("contest entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="funded_projects",
        help_text=_("The entry of the round's selection campaign this project was chosen from."),
    )
    amount_approved = money_field(_("amount approved (yuan)"))
    approved_on = models.DateField(_("approved on"))
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.APPROVED
    )
    closed_on = models.DateField(_("accepted or closed on"), null=True, blank=True)
    closing_note = models.TextField(_("acceptance note"), blank=True)

    history = HistoricalRecords()

    scope_path_field = "organisation__community__path"
    scope_organisation_field = "organisation"

    class Meta:
        verbose_name = _("funded project")
        verbose_name_plural = _("funded projects")
        ordering = ["-approved_on", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "approved_on"], name="support_project_org"),
            models.Index(fields=["round", "approved_on"], name="support_project_round"),
        ]

    def __str__(self):
        return self.title

    @classmethod
    def jurisdiction_q(cls, jurisdiction) -> Q:
        return _project_q(jurisdiction)

    @property
    def payee(self):
        """Who receives the money: the custodian where there is one, else the organisation."""
        return self.custodian if self.custodian_id else self.organisation


class ProjectChild(ScopedModel, Recorded):
    """Records of one project; they are seen by whoever sees the project."""

    class Meta:
        abstract = True

    @classmethod
    def jurisdiction_q(cls, jurisdiction) -> Q:
        if jurisdiction.unrestricted:
            return Q()
        return Q(project__in=FundedProject.objects.filter(_project_q(jurisdiction)).values("pk"))


class BudgetLine(ProjectChild):
    """One line of a project's budget."""

    project = models.ForeignKey(
        FundedProject,
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="budget_lines",
    )
    item = models.CharField(_("item"), max_length=100)
    amount = money_field(_("amount (yuan)"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["project", "pk"]

    def __str__(self):
        return self.item


class Disbursement(ProjectChild):
    """Money paid out to a project (to its custodian where it has one); the disbursements of a
    project never add up to more than the amount approved."""

    project = models.ForeignKey(
        FundedProject,
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="disbursements",
    )
    amount = money_field(_("amount (yuan)"))
    paid_on = models.DateField(_("paid on"))
    payee = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("paid to"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    reference = models.CharField(_("payment reference"), max_length=50, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("disbursement")
        verbose_name_plural = _("disbursements")
        ordering = ["project", "paid_on", "pk"]
        indexes = [models.Index(fields=["project", "paid_on"], name="support_disb_project_day")]

    def __str__(self):
        return f"{self.project}: {self.amount}"


class ProgressReport(ProjectChild):
    """How a project is going: people served (person-times), volunteer hours, spending in the
    period, and the ledger's activities it consists of."""

    project = models.ForeignKey(
        FundedProject,
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="progress_reports",
    )
    period_end = models.DateField(_("covers up to"))
    beneficiaries = models.PositiveIntegerField(_("beneficiaries (person-times)"), default=0)
    volunteer_hours = models.DecimalField(
        _("volunteer hours"),
        max_digits=9,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
    )
    spent = money_field(_("spent in the period (yuan)"), default=ZERO)
    narrative = models.TextField(_("progress"), blank=True)
    activities = models.ManyToManyField(
        "registry.Activity",
        verbose_name=_("activities"),
        blank=True,
        related_name="progress_reports",
    )

    history = HistoricalRecords(m2m_fields=[activities])

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["project", "period_end", "pk"]

    def __str__(self):
        return f"{self.project} {self.period_end}"


class FundGrant(ScopedModel, Recorded):
    """Money granted out of a community fund to an awarded project (written with the project)."""

    fund = models.ForeignKey(
        CommunityFund,
        verbose_name=_("fund"),
        on_delete=models.PROTECT,
        related_name="grants",
    )
    project = models.OneToOneField(
        FundedProject,
        verbose_name=_("project"),
        on_delete=models.PROTECT,
        related_name="fund_grant",
    )
    amount = money_field(_("amount (yuan)"))
    granted_on = models.DateField(_("granted on"))

    history = HistoricalRecords()

    scope_path_field = "fund__division__path"

    class Meta:
        verbose_name = _("fund grant")
        verbose_name_plural = _("fund grants")
        ordering = ["-granted_on", "-pk"]

    def __str__(self):
        return f"{self.fund} → {self.project}"


# --- trainings ---------------------------------------------------------------------------------


class TrainingProgramme(ScopedModel, Recorded):
    """A training plan of a tier (item 6): the city's and districts' leader trainings, streets'
    trainings of leaders, staff and volunteers."""

    name = models.CharField(_("name"), max_length=150)
    division = models.ForeignKey(
        "registry.Division",
        verbose_name=_("organised by"),
        on_delete=models.PROTECT,
        related_name="training_programmes",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    organiser = models.CharField(_("delivered by"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    scope_path_field = "division__path"
    scope_bindings = {
        PLATFORM: lambda platform_id: Q(
            pk__in=TrainingSession.objects.filter(platform_id=platform_id).values("programme_id")
        )
    }

    class Meta:
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        ordering = ["-year", "division__path", "name", "pk"]

    def __str__(self):
        return self.name

    @property
    def tier(self) -> str:
        return self.division.level


class TrainingSession(ScopedModel, Recorded):
    programme = models.ForeignKey(
        TrainingProgramme,
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    hours = models.DecimalField(
        _("hours"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)]
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    platform = models.ForeignKey(
        SupportPlatform,
        verbose_name=_("held at platform"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="training_sessions",
    )

    history = HistoricalRecords()

    scope_path_field = "programme__division__path"
    scope_bindings = {PLATFORM: "platform_id"}

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-held_on", "pk"]

    def __str__(self):
        return self.title


class Attendance(ScopedModel, Recorded):
    """A person on an organisation's roster attended a session, as leader, staff or volunteer;
    a leader's training record is their attendances."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="attendances",
    )
    member = models.ForeignKey(
        "registry.Member",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="training_attendances",
    )
    capacity = models.CharField(_("as"), max_length=20, choices=TrainingCapacity.choices)

    history = HistoricalRecords()

    scope_path_field = "member__organisation__community__path"
    scope_organisation_field = "member__organisation"
    scope_bindings = {PLATFORM: _residents_q("member__organisation_id")}

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "member"],
                name="support_attendance_once",
                violation_error_message=_("This person's attendance is already recorded."),
            )
        ]

    def __str__(self):
        return f"{self.member} @ {self.session}"


class SubCommitteeRecommendation(ScopedModel, Recorded):
    """A residents' committee recommends an organisation's leader for one of its sub-committees
    (item 6)."""

    member = models.ForeignKey(
        "registry.Member",
        verbose_name=_("leader"),
        on_delete=models.PROTECT,
        related_name="subcommittee_recommendations",
    )
    community = models.ForeignKey(
        "registry.Division",
        verbose_name=_("residents' committee"),
        on_delete=models.PROTECT,
        related_name="subcommittee_recommendations",
    )
    committee = models.CharField(_("sub-committee"), max_length=20, choices=SubCommittee.choices)
    recommended_on = models.DateField(_("recommended on"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RecommendationStatus.choices,
        default=RecommendationStatus.PROPOSED,
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    scope_path_field = "community__path"
    scope_organisation_field = "member__organisation"

    class Meta:
        verbose_name = _("sub-committee recommendation")
        verbose_name_plural = _("sub-committee recommendations")
        ordering = ["-recommended_on", "-pk"]

    def __str__(self):
        return f"{self.member} → {self.get_committee_display()}"


# --- pairing -----------------------------------------------------------------------------------


class Pairing(ScopedModel, Recorded):
    """A registered organisation guides a filed one for a period (结对共建, item 8)."""

    mentor = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("registered organisation"),
        on_delete=models.PROTECT,
        related_name="pairings_as_mentor",
    )
    mentee = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("filed organisation"),
        on_delete=models.PROTECT,
        related_name="pairings_as_mentee",
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    status = models.CharField(
        _("status"), max_length=20, choices=PairingStatus.choices, default=PairingStatus.ACTIVE
    )
    rating = models.CharField(_("review"), max_length=20, choices=PairingRating.choices, blank=True)
    review = models.TextField(_("review notes"), blank=True)
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    history = HistoricalRecords()

    scope_path_field = "mentee__community__path"

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["mentee", "starts_on"], name="support_pairing_mentee")]

    def __str__(self):
        return f"{self.mentor} ⇄ {self.mentee}"

    @classmethod
    def jurisdiction_q(cls, jurisdiction) -> Q:
        if jurisdiction.unrestricted:
            return Q()
        if jurisdiction.organisation_id is not None:
            return Q(mentor_id=jurisdiction.organisation_id) | Q(
                mentee_id=jurisdiction.organisation_id
            )
        if jurisdiction.path is None or jurisdiction.binding is not None:
            return Q(pk__in=[])
        return Q(mentee__community__path__startswith=jurisdiction.path) | Q(
            mentor__community__path__startswith=jurisdiction.path
        )


class PairingActivity(ScopedModel, Recorded):
    """An activity from the ledger that the pair held together."""

    pairing = models.ForeignKey(
        Pairing,
        verbose_name=_("pairing"),
        on_delete=models.PROTECT,
        related_name="joint_activities",
    )
    activity = models.ForeignKey(
        "registry.Activity",
        verbose_name=_("activity"),
        on_delete=models.PROTECT,
        related_name="pairings",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("joint activity")
        verbose_name_plural = _("joint activities")
        ordering = ["pairing", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "activity"],
                name="support_pairing_activity_once",
                violation_error_message=_("This activity is already linked to the pairing."),
            )
        ]

    def __str__(self):
        return str(self.activity)

    @classmethod
    def jurisdiction_q(cls, jurisdiction) -> Q:
        if jurisdiction.unrestricted:
            return Q()
        return Q(pairing__in=Pairing.objects.filter(Pairing.jurisdiction_q(jurisdiction)))
