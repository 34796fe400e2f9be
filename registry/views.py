"""Web pages of the registry: thin views over the services, selectors and FilterSets.

Every queryset is restricted to the user's jurisdiction (``ScopedQuerysetMixin`` or
``Model.objects.restrict``): an object outside it is 404, and it never appears in a list. Every
write calls a service in ``registry.services`` with ``acting_user`` and a reason; the services'
errors come back as form errors (``ValidationError``, ``ConditionsNotMet``), a 403 page
(``NotPermitted``), a 404 page (``OutOfJurisdiction``) or a message at the top of the form
(``TransitionNotAllowed``, ``Conflict``). The public register is the one unscoped page; its
queryset lives in ``registry.public``, which says why.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict

from django import forms
from django.apps import apps
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from core.exceptions import NotPermitted
from core.masking import mask_diff, mask_value, sees_personal_data
from core.scoping import CHANGE, VIEW
from core.views import ScopedQuerysetMixin, ServiceFormView
from registry.choices import (
    ApplicationKind,
    ApplicationStatus,
    DivisionLevel,
    OrgField,
    OrgStatus,
    Role,
)
from registry.extensions import ORGANISATION_PANELS, public_organisation_annotations
from registry.filters import ApplicationFilterSet, DivisionFilterSet, OrganisationFilterSet
from registry.forms import (
    ActivityForm,
    ApplicationSubmitForm,
    BrandProjectForm,
    DecisionForm,
    HubForm,
    MemberForm,
    OrganisationForm,
    PublicRegisterForm,
    ReasonForm,
    ResubmitForm,
)
from registry.models import (
    Activity,
    Application,
    BrandProject,
    Division,
    Member,
    Organisation,
    User,
)
from registry.public import (
    public_register_districts,
    public_register_organisations,
    public_register_streets,
)
from registry.rules import checklist_for, condition_label
from registry.selectors import organisation_timeline
from registry.services.lifecycle import (
    acts_for,
    application_decide,
    application_resubmit,
    application_submit,
    application_withdraw,
    exit_reverse,
)
from registry.services.organisations import (
    activity_record,
    activity_update,
    brand_project_add,
    hub_designate,
    hub_revoke,
    member_add,
    member_update,
    organisation_create,
    organisation_update,
)

PAGE_SIZE = 25

# --- personal data ---------------------------------------------------------------------------


def roster_rows(members, *, full: bool) -> list[dict]:
    return [
        {
            "member": member,
            "phone": mask_value("phone", member.phone, full=full),
            "id_number": mask_value("id_number", member.id_number, full=full),
        }
        for member in members
    ]


def readable_timeline(organisation: Organisation, *, full: bool) -> list:
    """``organisation_timeline`` as a reader sees it: people by name rather than by id, dates
    in one format, and phone and ID numbers in roster diffs masked for read-only roles."""
    entries = organisation_timeline(organisation)
    user_ids = {
        value
        for entry in entries
        for change in entry.changes
        if _is_user_field(entry, change.field)
        for value in (change.old, change.new)
        if value not in (None, "")
    }
    names = {
        user.pk: user.get_full_name() or user.username
        for user in User.objects.filter(pk__in=user_ids)
    }
    for entry in entries:
        changes = []
        for change in entry.changes:
            old, new = change.old, change.new
            if _is_user_field(entry, change.field):
                old, new = names.get(old, old), names.get(new, new)
            elif entry.app_label == "registry" and entry.model == "member":
                old, new = mask_diff(change.field, old, new, full=full)
            changes.append(dataclasses.replace(change, old=_when(old), new=_when(new)))
        entry.changes = changes
    return entries


def _is_user_field(entry, field_name: str) -> bool:
    field = apps.get_model(entry.app_label, entry.model)._meta.get_field(field_name)
    return field.is_relation and field.related_model is User


def _when(value):
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "Y-m-d H:i")
    if isinstance(value, datetime.date):
        return date_format(value, "Y-m-d")
    return value


# --- what a page offers ------------------------------------------------------------------------


def organisation_actions(user, organisation: Organisation, open_kinds: set[str]) -> dict:
    """The buttons the organisation page offers this user.

    The services decide and refuse what isn't allowed; this only spares people buttons that
    would be refused (so it mirrors, loosely, who initiates what in ``services.lifecycle``).
    """
    can_change = organisation.is_within(user, CHANGE)
    live = organisation.is_live
    owning_roles = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.DISTRICT_OFFICER)
    return {
        "edit": can_change and live,
        "file": (
            can_change
            and organisation.status == OrgStatus.ACTIVITY_GROUP
            and ApplicationKind.FILING not in open_kinds
            and acts_for(user, organisation.community)
        ),
        "register": (
            can_change
            and organisation.status == OrgStatus.FILED
            and ApplicationKind.REGISTRATION not in open_kinds
            and acts_for(user, organisation.street)
        ),
        "exit": (
            can_change
            and live
            and ApplicationKind.EXIT not in open_kinds
            and (user.is_superuser or user.role in (*owning_roles, Role.ORGANISATION_LEADER))
        ),
        "hub": can_change and live and acts_for(user, organisation.street),
        "reverse_exit": can_change and organisation.status == OrgStatus.EXITED,
    }


def application_actions(user, application: Application) -> dict:
    """Which of decide / resubmit / withdraw the review page offers this user."""
    initiator = (
        acts_for(user, application.initiating_division) or application.submitted_by_id == user.pk
    )
    return {
        "decide": application.status == ApplicationStatus.SUBMITTED
        and acts_for(user, application.reviewing_division),
        "resubmit": application.status == ApplicationStatus.RETURNED and initiator,
        "withdraw": application.is_open and initiator,
    }


def checklist_rows(items) -> list[dict]:
    """Checklist items (stored dicts or live ``Condition``s) with their wording."""
    rows = []
    for item in items:
        data = item if isinstance(item, dict) else item.as_dict()
        rows.append({**data, "label": condition_label(data)})
    return rows


# --- base classes ----------------------------------------------------------------------------


class OrganisationScopedMixin(LoginRequiredMixin):
    """Pages about one organisation (``pk`` in the URL), looked up in the user's jurisdiction:
    404 outside it; 403 on a page that writes when the user may only read the organisation."""

    writes = True

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.organisation = get_object_or_404(
            Organisation.objects.restrict(request.user, VIEW).select_related(
                "community__parent__parent"
            ),
            pk=kwargs["pk"],
        )
        if self.writes and not self.organisation.is_within(request.user, CHANGE):
            raise NotPermitted(_("Your role may read this organisation but not change it."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs.setdefault("organisation", self.organisation)
        return super().get_context_data(**kwargs)

    def get_success_url(self):
        return reverse("organisation-detail", args=[self.organisation.pk])


# --- home pages ------------------------------------------------------------------------------


def status_counts(organisations) -> list[dict]:
    """How many of ``organisations`` are in each status (one query), in the statuses' order."""
    counts = dict(
        organisations.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return [
        {"status": value, "label": label, "count": counts.get(value, 0)}
        for value, label in OrgStatus.choices
    ]


def counts_by_area(user, organisations, area_level: str) -> list[dict]:
    """Organisations in the user's jurisdiction counted by status, per district, street or
    community (two queries, whatever the number of organisations)."""
    lookup = {
        DivisionLevel.DISTRICT: "community__parent__parent",
        DivisionLevel.STREET: "community__parent",
        DivisionLevel.COMMUNITY: "community",
    }[area_level]
    counts = defaultdict(dict)
    for area, status, n in (
        organisations.order_by().values_list(lookup, "status").annotate(n=Count("pk"))
    ):
        counts[area][status] = n
    rows = []
    for area in Division.objects.restrict(user).filter(level=area_level).order_by("path"):
        by_status = counts.get(area.pk, {})
        rows.append(
            {
                "division": area,
                "counts": [by_status.get(value, 0) for value in OrgStatus.values],
                "live": sum(by_status.get(value, 0) for value in OrgStatus.LIVE),
                "total": sum(by_status.values()),
            }
        )
    return rows


def with_open_kinds(organisations):
    """Annotate whether each organisation has an open filing / registration application."""
    open_of_kind = {
        kind: Application.objects.filter(
            organisation=OuterRef("pk"), kind=kind, status__in=ApplicationStatus.OPEN
        )
        for kind in (ApplicationKind.FILING, ApplicationKind.REGISTRATION)
    }
    return organisations.annotate(
        open_filing=Exists(open_of_kind[ApplicationKind.FILING]),
        open_registration=Exists(open_of_kind[ApplicationKind.REGISTRATION]),
    )


class HomeView(LoginRequiredMixin, TemplateView):
    """Each role's own work: the ledger, an inbox, the overview, or one organisation."""

    template_name = "registry/home.html"
    list_size = 20

    def get_template_names(self):
        role = "superuser" if self.request.user.is_superuser else self.request.user.role
        return [f"registry/home_{role}.html", self.template_name] if role else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        organisations = Organisation.objects.restrict(user)
        applications = Application.objects.restrict(user).select_related(
            "organisation__community", "submitted_by"
        )
        context["status_labels"] = OrgStatus.choices
        if user.role == Role.ORGANISATION_LEADER:
            return self._leader(context, organisations)
        if user.division_id is None and not user.is_superuser:
            return context
        context["status_counts"] = status_counts(organisations)
        inbox = applications.filter(status=ApplicationStatus.SUBMITTED)
        if not user.is_superuser:
            inbox = inbox.filter(reviewing_division=user.division)
        context["inbox"] = inbox.order_by("submitted_at")[: self.list_size]
        context["inbox_count"] = inbox.count()
        context["returned"] = applications.filter(status=ApplicationStatus.RETURNED)[
            : self.list_size
        ]
        context["pending"] = (
            applications.filter(
                status=ApplicationStatus.SUBMITTED, initiating_division=user.division
            )
            .exclude(reviewing_division=user.division)
            .order_by("submitted_at")[: self.list_size]
        )
        live = organisations.select_related("community__parent")
        if user.role == Role.COMMUNITY_STAFF:
            context["groups"] = with_open_kinds(live.filter(status__in=OrgStatus.LIVE)).order_by(
                "status", "name"
            )[: self.list_size * 2]
            context["recent_activities"] = Activity.objects.restrict(user).select_related(
                "organisation"
            )[: self.list_size // 2]
        elif user.role == Role.STREET_OFFICER:
            context["filed"] = with_open_kinds(live.filter(status=OrgStatus.FILED)).order_by(
                "name"
            )[: self.list_size]
            context["by_area"] = counts_by_area(user, organisations, DivisionLevel.COMMUNITY)
        elif user.role == Role.DISTRICT_OFFICER:
            context["registered"] = live.filter(status=OrgStatus.REGISTERED).order_by("name")[
                : self.list_size
            ]
            context["by_area"] = counts_by_area(user, organisations, DivisionLevel.STREET)
        elif user.role == Role.CITY_OFFICER or user.is_superuser:
            context["by_area"] = counts_by_area(user, organisations, DivisionLevel.DISTRICT)
        return context

    def _leader(self, context, organisations):
        organisation = organisations.select_related("community__parent__parent").first()
        context["organisation"] = organisation
        if organisation is not None:
            members = organisation.members.current()
            context["roster"] = roster_rows(members, full=True)
            context["activities"] = organisation.activities.all()[: self.list_size]
            context["open_applications"] = organisation.applications.filter(
                status__in=ApplicationStatus.OPEN
            )
            # what the apps above add to the organisation's page (the annual report due, ...)
            context["organisation_panels"] = ORGANISATION_PANELS
        return context


# --- ledgers ---------------------------------------------------------------------------------


class SortedFilterView(ScopedQuerysetMixin, FilterView):
    """A FilterSet ledger with whitelisted sorting (``?sort=name`` / ``?sort=-name``)."""

    paginate_by = PAGE_SIZE
    sorts: dict[str, tuple[str, ...]] = {}
    default_sort = ""
    checkbox_filters = ("status",)

    def sort_key(self) -> str:
        wanted = self.request.GET.get("sort", "")
        return wanted if wanted.lstrip("-") in self.sorts else self.default_sort

    def get_queryset(self):
        key = self.sort_key()
        fields = self.sorts[key.lstrip("-")]
        if key.startswith("-"):
            fields = tuple(f"-{f}" for f in fields)
        return super().get_queryset().order_by(*fields, "-pk" if key.startswith("-") else "pk")

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        # Presentation only (the filters are the API's): statuses as checkboxes, dates with
        # the browser's date picker, yes/no filters reading "all / yes / no".
        for name, field in filterset.form.fields.items():
            if name in self.checkbox_filters:
                field.widget = forms.CheckboxSelectMultiple(choices=field.choices)
            elif isinstance(field.widget, forms.DateInput):
                field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            elif isinstance(field.widget, forms.NullBooleanSelect):
                field.widget = forms.Select(
                    choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]
                )
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sort"] = self.sort_key()
        context["sorts"] = list(self.sorts)
        context["total"] = context["paginator"].count if context.get("paginator") else 0
        return context


class OrganisationListView(SortedFilterView):
    """The organisation ledger (台账) of the user's jurisdiction."""

    model = Organisation
    filterset_class = OrganisationFilterSet
    template_name = "registry/organisation_list.html"
    sorts = {
        "name": ("name",),
        "status": ("status", "name"),
        "community": ("community__path", "name"),
        "founded_on": ("founded_on",),
        "filed_on": ("filed_on",),
        "registered_on": ("registered_on",),
        "created_at": ("created_at",),
    }
    default_sort = "name"

    def get_queryset(self):
        return super().get_queryset().select_related("community__parent__parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status_counts"] = status_counts(self.object_list)
        context["status_labels"] = OrgStatus.choices
        page = list(context["object_list"])
        # Roster sizes for this page only: one query, whatever the size of the ledger.
        sizes = dict(
            Member.objects.filter(organisation__in=page, left_on__isnull=True)
            .order_by()
            .values_list("organisation")
            .annotate(n=Count("pk"))
        )
        for organisation in page:
            organisation.members_count = sizes.get(organisation.pk, 0)
        context["object_list"] = page
        return context


class ApplicationListView(SortedFilterView):
    """Applications in the user's jurisdiction; the review inbox is a filter of it."""

    model = Application
    filterset_class = ApplicationFilterSet
    template_name = "registry/application_list.html"
    sorts = {
        "submitted_at": ("submitted_at",),
        "decided_at": ("decided_at",),
        "status": ("status", "submitted_at"),
        "kind": ("kind", "submitted_at"),
        "organisation": ("organisation__name",),
    }
    default_sort = "-submitted_at"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "organisation__community__parent",
                "reviewing_division",
                "submitted_by",
                "decided_by",
            )
        )


# --- the organisation page -------------------------------------------------------------------


class OrganisationDetailView(ScopedQuerysetMixin, DetailView):
    """Everything about one organisation: fields, roster, activities, applications, hub and
    brand projects, and its timeline from history."""

    model = Organisation
    template_name = "registry/organisation_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("community__parent__parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = self.object
        user = self.request.user
        full = sees_personal_data(user, organisation)
        members = list(organisation.members.all())
        applications = list(
            organisation.applications.select_related(
                "submitted_by", "decided_by", "reviewing_division"
            )
        )
        open_kinds = {a.kind for a in applications if a.is_open}
        context.update(
            {
                "full_personal_data": full,
                "roster": roster_rows([m for m in members if m.left_on is None], full=full),
                "former_members": roster_rows([m for m in members if m.left_on], full=full),
                "activities": organisation.activities.all(),
                "applications": applications,
                "brand_projects": organisation.brand_projects.all(),
                "timeline": readable_timeline(organisation, full=full),
                "actions": organisation_actions(user, organisation, open_kinds),
                "organisation_panels": ORGANISATION_PANELS,
            }
        )
        return context


# --- writes about an organisation ------------------------------------------------------------


class OrganisationCreateView(ServiceFormView):
    form_class = OrganisationForm
    heading = gettext_lazy("New activity group")
    success_message = gettext_lazy("The group is in the ledger.")

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and not Division.objects.restrict(request.user, CHANGE)
            .filter(level=DivisionLevel.COMMUNITY)
            .exists()
        ):
            raise NotPermitted(_("Your role does not keep a community ledger."))
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form):
        return organisation_create(
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def get_success_url(self):
        return reverse("organisation-detail", args=[self.result.pk])


class OrganisationUpdateView(OrganisationScopedMixin, ServiceFormView):
    form_class = OrganisationForm
    heading = gettext_lazy("Edit the organisation")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        return {**kwargs, "user": self.request.user, "instance": self.organisation}

    def perform(self, form):
        return organisation_update(
            organisation=self.organisation,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )


class MemberCreateView(OrganisationScopedMixin, ServiceFormView):
    form_class = MemberForm
    add_another = True
    heading = gettext_lazy("Add a member")
    success_message = gettext_lazy("The member is on the roster.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": Member(organisation=self.organisation)}

    def perform(self, form):
        return member_add(
            organisation=self.organisation,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def get_success_url(self):
        if "add_another" in self.request.POST:
            return reverse("member-create", args=[self.organisation.pk])
        return super().get_success_url() + "#roster"


class MemberUpdateView(OrganisationScopedMixin, ServiceFormView):
    form_class = MemberForm
    heading = gettext_lazy("Edit a roster entry")

    def get_member(self):
        return get_object_or_404(
            Member.objects.restrict(self.request.user, VIEW).filter(organisation=self.organisation),
            pk=self.kwargs["member_pk"],
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.get_member()}

    def perform(self, form):
        return member_update(
            member=form.instance,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def get_success_url(self):
        return super().get_success_url() + "#roster"


class ActivityCreateView(OrganisationScopedMixin, ServiceFormView):
    form_class = ActivityForm
    heading = gettext_lazy("Record an activity")
    success_message = gettext_lazy("The activity is recorded.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": Activity(organisation=self.organisation)}

    def perform(self, form):
        return activity_record(
            organisation=self.organisation,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def get_success_url(self):
        return super().get_success_url() + "#activities"


class ActivityUpdateView(OrganisationScopedMixin, ServiceFormView):
    form_class = ActivityForm
    heading = gettext_lazy("Edit an activity record")

    def get_form_kwargs(self):
        activity = get_object_or_404(
            Activity.objects.restrict(self.request.user, VIEW).filter(
                organisation=self.organisation
            ),
            pk=self.kwargs["activity_pk"],
        )
        return {**super().get_form_kwargs(), "instance": activity}

    def perform(self, form):
        return activity_update(
            activity=form.instance,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def get_success_url(self):
        return super().get_success_url() + "#activities"


class BrandProjectCreateView(OrganisationScopedMixin, ServiceFormView):
    form_class = BrandProjectForm
    heading = gettext_lazy("Record a brand service project")

    def get_form_kwargs(self):
        project = BrandProject(organisation=self.organisation)
        return {**super().get_form_kwargs(), "instance": project}

    def perform(self, form):
        return brand_project_add(
            organisation=self.organisation,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )


class ApplicationSubmitView(OrganisationScopedMixin, ServiceFormView):
    """Recommend for filing or registration, or propose an exit; shows the checklist as it
    stands now."""

    form_class = ApplicationSubmitForm
    template_name = "registry/application_submit.html"
    headings = {
        ApplicationKind.FILING: gettext_lazy("Recommend for filing"),
        ApplicationKind.REGISTRATION: gettext_lazy("Recommend for registration"),
        ApplicationKind.EXIT: gettext_lazy("Propose an exit"),
    }
    success_message = gettext_lazy("The application is submitted for review.")

    def dispatch(self, request, *args, **kwargs):
        if kwargs["kind"] not in ApplicationKind.values:
            raise Http404()
        self.kind = kwargs["kind"]
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kind": self.kind}

    def get_context_data(self, **kwargs):
        kwargs["heading"] = self.headings[self.kind]
        kwargs["kind"] = self.kind
        data = self.request.POST if self.request.method == "POST" else {}
        kwargs["checklist"] = checklist_rows(
            checklist_for(
                self.kind,
                self.organisation,
                credit_code=data.get("credit_code", ""),
                legal_form=data.get("legal_form", ""),
                exit_reason=data.get("exit_reason", ""),
            )
        )
        return super().get_context_data(**kwargs)

    def perform(self, form):
        return application_submit(
            organisation=self.organisation,
            kind=self.kind,
            acting_user=self.request.user,
            **form.service_data(),
        )

    def get_success_url(self):
        return reverse("application-detail", args=[self.result.pk])


class HubView(OrganisationScopedMixin, ServiceFormView):
    """The street office designates a hub organisation, or revokes the designation."""

    form_class = HubForm

    def dispatch(self, request, *args, **kwargs):
        if kwargs["action"] not in ("designate", "revoke"):
            raise Http404()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        kwargs["heading"] = (
            _("Designate as a hub organisation")
            if self.kwargs["action"] == "designate"
            else _("Revoke the hub designation")
        )
        return super().get_context_data(**kwargs)

    def perform(self, form):
        service = hub_designate if self.kwargs["action"] == "designate" else hub_revoke
        return service(
            organisation=self.organisation,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            effective_date=form.cleaned_data.get("effective_date"),
        )


class ExitReverseView(OrganisationScopedMixin, ServiceFormView):
    form_class = ReasonForm
    heading = gettext_lazy("Reverse the exit")
    success_message = gettext_lazy("The exit is reversed.")

    def perform(self, form):
        return exit_reverse(
            organisation=self.organisation,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
        )


# --- the review page -------------------------------------------------------------------------


def application_history(application: Application) -> list:
    return list(
        Application.history.filter(id=application.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


class ApplicationPageMixin(LoginRequiredMixin):
    """The application page: stored and live checklists, and the forms the user may use."""

    model = Application
    template_name = "registry/application_detail.html"

    def get_queryset(self):
        return Application.objects.restrict(self.request.user, VIEW).select_related(
            "organisation__community__parent__parent",
            "initiating_division",
            "reviewing_division",
            "submitted_by",
            "decided_by",
            "reversed_by",
        )

    def page_context(self, application: Application, **forms_given) -> dict:
        user = self.request.user
        actions = application_actions(user, application)
        live = checklist_for(
            application.kind,
            application.organisation,
            credit_code=application.credit_code,
            legal_form=application.legal_form,
            exit_reason=application.exit_reason,
        )
        forms_shown = {
            "decision_form": DecisionForm(kind=application.kind) if actions["decide"] else None,
            "resubmit_form": ResubmitForm(
                kind=application.kind,
                initial={
                    "credit_code": application.credit_code,
                    "legal_form": application.legal_form,
                    "exit_reason": application.exit_reason,
                },
            )
            if actions["resubmit"]
            else None,
            "withdraw_form": ReasonForm(prefix="withdraw") if actions["withdraw"] else None,
        }
        forms_shown.update(forms_given)
        return {
            "application": application,
            "object": application,
            "organisation": application.organisation,
            "actions": actions,
            "stored_checklist": checklist_rows(application.checklist),
            "live_checklist": checklist_rows(live),
            "history": application_history(application),
            **forms_shown,
        }


class ApplicationDetailView(ApplicationPageMixin, DetailView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.page_context(self.object))
        return context


class ApplicationActionView(ApplicationPageMixin, ServiceFormView):
    """POST a decision, a resubmission or a withdrawal; errors re-render the review page."""

    form_slot = ""
    template_name = "registry/application_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.application = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return redirect("application-detail", self.application.pk)

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form")
        # Re-read the application: after a Conflict the page must show what happened meanwhile.
        application = self.get_queryset().get(pk=self.application.pk)
        return self.page_context(application, **{self.form_slot: form}) | {"view": self}

    def get_success_url(self):
        return reverse("application-detail", args=[self.application.pk])


class ApplicationDecideView(ApplicationActionView):
    form_class = DecisionForm
    form_slot = "decision_form"
    success_message = gettext_lazy("The decision is recorded.")

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"kind": self.application.kind}

    def perform(self, form):
        return application_decide(
            application=self.application,
            action=form.cleaned_data["action"],
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            effective_date=form.cleaned_data.get("effective_date"),
        )


class ApplicationResubmitView(ApplicationActionView):
    form_class = ResubmitForm
    form_slot = "resubmit_form"
    success_message = gettext_lazy("The application is sent back for review.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "kind": self.application.kind}

    def perform(self, form):
        return application_resubmit(
            application=self.application, acting_user=self.request.user, **form.service_data()
        )


class ApplicationWithdrawView(ApplicationActionView):
    form_class = ReasonForm
    form_slot = "withdraw_form"
    prefix = "withdraw"
    success_message = gettext_lazy("The application is withdrawn.")

    def perform(self, form):
        return application_withdraw(
            application=self.application,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
        )


# --- the public register ---------------------------------------------------------------------


class PublicRegisterView(TemplateView):
    """Filed and registered organisations, searchable by anyone without logging in."""

    template_name = "registry/public_register.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.request.GET.copy()
        district = data.get("district", "")
        districts = list(public_register_districts())
        if district not in {d.code for d in districts}:
            data["district"] = district = ""
        streets = list(public_register_streets(district))
        if data.get("street", "") not in {s.code for s in streets}:
            data["street"] = ""  # a street of the previously chosen district
        form = PublicRegisterForm(
            data, districts=districts, streets=streets, fields=OrgField.choices
        )
        criteria = form.cleaned_data if form.is_valid() else {}
        rows = public_register_organisations(
            q=criteria.get("q", ""),
            district=criteria.get("district", ""),
            street=criteria.get("street", ""),
            field=criteria.get("field", ""),
        )
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        page.object_list = list(page.object_list)  # labelled below, then rendered
        labels = {
            "status": dict(OrgStatus.choices),
            "field": dict(OrgField.choices),
        }
        for row in page.object_list:
            row["status_label"] = labels["status"].get(row["status"], row["status"])
            row["field_label"] = labels["field"].get(row["field"], row["field"])
        public_columns = public_organisation_annotations()
        context.update(
            {
                "form": form,
                "public_columns": public_columns,
                "column_count": 7 + len(public_columns),
                "page_obj": page,
                "paginator": page.paginator,
                "is_paginated": page.has_other_pages(),
                "rows": page.object_list,
            }
        )
        return context


# --- divisions (unchanged) -------------------------------------------------------------------


class DivisionListView(ScopedQuerysetMixin, FilterView):
    model = Division
    filterset_class = DivisionFilterSet
    template_name = "registry/division_list.html"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().select_related("parent")


class DivisionDetailView(ScopedQuerysetMixin, DetailView):
    model = Division
    template_name = "registry/division_detail.html"
    slug_field = "code"
    slug_url_kwarg = "code"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["children"] = (
            Division.objects.restrict(self.request.user).filter(parent=self.object).order_by("code")
        )
        return context
