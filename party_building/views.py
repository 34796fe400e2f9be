"""Web pages of party building: thin views over the selectors, services and FilterSets.

Every queryset is restricted to the user's jurisdiction (``ScopedQuerysetMixin`` or
``Model.objects.restrict``): outside it is 404, and never a row in a list. Every write calls a
service in ``party_building.services`` with the acting user and a reason; its ``ValidationError``
comes back as form errors, ``OutOfJurisdiction`` as a 404 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django_filters.views import FilterView

from core.scoping import CHANGE
from core.views import ScopedQuerysetMixin
from party_building import services
from party_building.choices import CoverageFigure
from party_building.filters import (
    CoverageOrganisationFilterSet,
    InstructorAssignmentFilterSet,
    PartyInstructorFilterSet,
    PartyOrganisationFilterSet,
)
from party_building.forms import AssignmentForm, PartyInstructorForm, PartyOrganisationForm
from party_building.models import (
    InstructorAssignment,
    PartyCoverage,
    PartyInstructor,
    PartyOrganisation,
)
from party_building.selectors import (
    coverage_figures,
    follow_up_filter,
    history_entries,
    uncovered,
)
from registry.models import Division, Organisation


def _url(name: str, *args) -> str:
    return reverse(f"party_building:{name}", args=args)


def default_node(user) -> Division | None:
    """The node a user's party pages open on: their jurisdiction, or the top for superusers."""
    if user.division_id:
        return user.division
    if user.is_superuser:
        return Division.objects.filter(parent__isnull=True).order_by("path").first()
    return None


def _figure_rows(figures: dict) -> list[dict]:
    rows = []
    for figure in CoverageFigure:
        data = figures[figure.value]
        value = data["value"]
        percent = None if value is None else round(value * 100, 1)
        rows.append(
            {
                "key": figure.value,
                "label": figure.label,
                "percent": percent,
                "missing": data["denominator"] - data["numerator"],
                **data,
            }
        )
    return rows


# --- coverage figures ------------------------------------------------------------------------


class CoverageView(LoginRequiredMixin, TemplateView):
    """The four figures of a node, and of each child node, with links down and to the lists
    of what is not covered."""

    template_name = "party_building/coverage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        code = self.kwargs.get("code")
        node = code or default_node(self.request.user)
        if node is None:
            context["node"] = None
            return context
        data = coverage_figures(node, user=self.request.user)
        context.update(
            node=Division.objects.select_related("parent").get(pk=data["node"]["code"]),
            on=data["on"],
            figures=_figure_rows(data["figures"]),
            figure_labels=[figure.label for figure in CoverageFigure],
            children=[
                {**child, "figures": _figure_rows(child["figures"])} for child in data["children"]
            ],
        )
        parent = context["node"].parent
        if (
            parent is not None
            and Division.objects.restrict(self.request.user).filter(pk=parent.pk).exists()
        ):
            context["parent"] = parent
        return context


class UncoveredView(LoginRequiredMixin, ListView):
    """What keeps one figure of a node below 100%: organisations or divisions."""

    template_name = "party_building/uncovered.html"
    paginate_by = 50

    def get_queryset(self):
        try:
            self.figure = CoverageFigure(self.kwargs["figure"])
        except ValueError:
            raise Http404() from None
        self.node = get_object_or_404(
            Division.objects.restrict(self.request.user), code=self.kwargs["code"]
        )
        return uncovered(self.node, self.figure, user=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            node=self.node,
            figure=self.figure,
            lists_organisations=self.figure in CoverageFigure.ORGANISATION_FIGURES,
        )
        return context


# --- party organisations ---------------------------------------------------------------------


class PartyOrganisationListView(ScopedQuerysetMixin, FilterView):
    model = PartyOrganisation
    filterset_class = PartyOrganisationFilterSet
    template_name = "party_building/partyorganisation_list.html"
    paginate_by = 50

    def get_queryset(self):
        today = timezone.localdate()
        current = PartyCoverage.objects.filter(start_on__lte=today).filter(
            Q(end_on__isnull=True) | Q(end_on__gt=today)
        )
        return (
            super()
            .get_queryset()
            .select_related("guiding_division")
            .prefetch_related(
                Prefetch(
                    "coverages",
                    queryset=current.select_related("organisation"),
                    to_attr="current_coverages",
                )
            )
        )


class PartyOrganisationDetailView(ScopedQuerysetMixin, DetailView):
    model = PartyOrganisation
    template_name = "party_building/partyorganisation_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("guiding_division")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        party_organisation = self.object
        context["coverages"] = party_organisation.coverages.select_related(
            "organisation__community"
        ).order_by("-start_on", "organisation__name")
        context["today"] = timezone.localdate()
        context["can_change"] = party_organisation.is_within(self.request.user, CHANGE)
        context["history"] = history_entries(
            PartyOrganisation.history.filter(id=party_organisation.pk),
            PartyCoverage.history.filter(party_organisation_id=party_organisation.pk),
        )
        return context


class ServiceFormView(LoginRequiredMixin, FormView):
    """A form whose valid data goes to a service; the service's refusals become form errors."""

    template_name = "party_building/form.html"
    heading = ""
    editing = False

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "editing": self.editing}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "heading": self.heading}

    def form_valid(self, form):
        try:
            saved = self.save(form)
        except ValidationError as error:
            form.add_service_error(error)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(self.success_url_for(saved))

    def save(self, form):
        """Call the service; return what it saved."""
        raise NotImplementedError

    def success_url_for(self, saved) -> str:
        raise NotImplementedError


class PartyOrganisationCreateView(ServiceFormView):
    form_class = PartyOrganisationForm

    @property
    def heading(self):
        return _("New party organisation")

    def get_initial(self):
        initial = {"founded_on": timezone.localdate()}
        if "organisation" in self.request.GET:
            initial["covered_organisations"] = self.request.GET.getlist("organisation")
        return initial

    def save(self, form):
        return services.party_organisation_create(
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def success_url_for(self, saved):
        return _url("organisation-detail", saved.pk)


class PartyOrganisationUpdateView(ServiceFormView):
    form_class = PartyOrganisationForm
    editing = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(
                PartyOrganisation.objects.restrict(request.user, CHANGE), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    @property
    def heading(self):
        return _("Edit %(name)s") % {"name": self.object.name}

    def get_initial(self):
        party_organisation = self.object
        today = timezone.localdate()
        covered = party_organisation.coverages.filter(
            Q(end_on__isnull=True) | Q(end_on__gt=today)
        ).values_list("organisation_id", flat=True)
        return {
            "name": party_organisation.name,
            "kind": party_organisation.kind,
            "guiding_division": party_organisation.guiding_division_id,
            "founded_on": party_organisation.founded_on,
            "dissolved_on": party_organisation.dissolved_on,
            "secretary": party_organisation.secretary,
            "member_count": party_organisation.member_count,
            "covered_organisations": list(covered),
            "note": party_organisation.note,
        }

    def save(self, form):
        return services.party_organisation_update(
            party_organisation=self.object,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def success_url_for(self, saved):
        return _url("organisation-detail", saved.pk)


# --- instructors and assignments -------------------------------------------------------------


class PartyInstructorListView(ScopedQuerysetMixin, FilterView):
    model = PartyInstructor
    filterset_class = PartyInstructorFilterSet
    template_name = "party_building/partyinstructor_list.html"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().select_related("division")


class PartyInstructorDetailView(ScopedQuerysetMixin, DetailView):
    model = PartyInstructor
    template_name = "party_building/partyinstructor_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("division")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["assignments"] = (
            InstructorAssignment.objects.restrict(self.request.user)
            .filter(instructor=self.object)
            .select_related("organisation__community")
        )
        context["today"] = timezone.localdate()
        context["can_change"] = self.object.is_within(self.request.user, CHANGE)
        context["history"] = history_entries(
            PartyInstructor.history.filter(id=self.object.pk),
            InstructorAssignment.history.filter(instructor_id=self.object.pk),
        )
        return context


class PartyInstructorCreateView(ServiceFormView):
    form_class = PartyInstructorForm

    @property
    def heading(self):
        return _("New party-building instructor")

    def save(self, form):
        return services.instructor_create(
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def success_url_for(self, saved):
        return _url("instructor-detail", saved.pk)


class PartyInstructorUpdateView(ServiceFormView):
    form_class = PartyInstructorForm
    editing = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(
                PartyInstructor.objects.restrict(request.user, CHANGE), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    @property
    def heading(self):
        return _("Edit %(name)s") % {"name": self.object.name}

    def get_initial(self):
        instructor = self.object
        return {
            "name": instructor.name,
            "phone": instructor.phone,
            "division": instructor.division_id,
            "note": instructor.note,
        }

    def save(self, form):
        return services.instructor_update(
            instructor=self.object,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def success_url_for(self, saved):
        return _url("instructor-detail", saved.pk)


class InstructorAssignmentListView(ScopedQuerysetMixin, FilterView):
    model = InstructorAssignment
    filterset_class = InstructorAssignmentFilterSet
    template_name = "party_building/instructorassignment_list.html"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().select_related("instructor", "organisation__community")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "today": timezone.localdate()}


class InstructorAssignmentCreateView(ServiceFormView):
    form_class = AssignmentForm

    @property
    def heading(self):
        return _("Assign an instructor")

    def get_initial(self):
        initial = {"start_on": timezone.localdate()}
        for name in ("instructor", "organisation"):
            if self.request.GET.get(name, "").isdigit():
                initial[name] = int(self.request.GET[name])
        return initial

    def save(self, form):
        data = form.service_data()
        return services.assignment_create(
            instructor=data.pop("instructor"),
            organisation=data.pop("organisation"),
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **data,
        )

    def success_url_for(self, saved):
        return _url("instructor-detail", saved.instructor_id)


class InstructorAssignmentUpdateView(ServiceFormView):
    form_class = AssignmentForm
    editing = True

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(
                InstructorAssignment.objects.restrict(request.user, CHANGE).select_related(
                    "instructor", "organisation"
                ),
                pk=kwargs["pk"],
            )
        return super().dispatch(request, *args, **kwargs)

    @property
    def heading(self):
        return _("%(instructor)s at %(organisation)s") % {
            "instructor": self.object.instructor.name,
            "organisation": self.object.organisation.name,
        }

    def get_initial(self):
        return {
            "start_on": self.object.start_on,
            "end_on": self.object.end_on,
            "note": self.object.note,
        }

    def save(self, form):
        return services.assignment_update(
            assignment=self.object,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def success_url_for(self, saved):
        return _url("assignment-list")


# --- follow-up list --------------------------------------------------------------------------


class FollowUpListView(ScopedQuerysetMixin, FilterView):
    """Organisations with enough formal party members to set up their own party organisation
    and none yet (the three-member rule), for the tier that guides them."""

    model = Organisation
    filterset_class = CoverageOrganisationFilterSet
    template_name = "party_building/follow_up.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            follow_up_filter(super().get_queryset())
            .select_related("community__parent")
            .order_by("community__path", "name", "pk")
        )
