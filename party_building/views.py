"""Web pages of party building: thin views over the selectors, services and FilterSets.

Every queryset is restricted to the user's jurisdiction (``ScopedQuerysetMixin`` or
``Model.objects.restrict``): outside it is 404, and never a row in a list. Every write calls a
service in ``party_building.services`` with the acting user and a reason; its ``ValidationError``
comes back as form errors, ``OutOfJurisdiction`` as a 404 page.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView

from core.history import history_entries
from core.masking import mask_value, owners_seen_in_full, sees_personal_data
from core.scoping import CHANGE
from core.views import ScopedQuerysetMixin, ServiceFormView
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
    uncovered,
)
from registry.models import Division, Organisation
from registry.nodes import default_node


def _url(name: str, *args) -> str:
    return reverse(f"party_building:{name}", args=args)


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
            reader=self.request.user,
        )
        return context


class PartyFormView(ServiceFormView):
    """The party forms: an edit (``editing``) asks for the reason, a creation doesn't."""

    editing = False

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "editing": self.editing}


class PartyOrganisationCreateView(PartyFormView):
    form_class = PartyOrganisationForm

    @property
    def heading(self):
        return _("New party organisation")

    def get_initial(self):
        initial = {"founded_on": timezone.localdate()}
        if "organisation" in self.request.GET:
            initial["covered_organisations"] = self.request.GET.getlist("organisation")
        return initial

    def perform(self, form):
        return services.party_organisation_create(
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def success_url_for(self, saved):
        return _url("organisation-detail", saved.pk)


class PartyOrganisationUpdateView(PartyFormView):
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

    def perform(self, form):
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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        instructors = list(context["object_list"])
        # the masking rule decided for the page at once (one query, not one per instructor)
        seen = owners_seen_in_full(self.request.user, PartyInstructor, [i.pk for i in instructors])
        for instructor in instructors:
            instructor.shown_phone = mask_value(
                "phone", instructor.phone, full=instructor.pk in seen
            )
        return context


def _shown_phone(user, instructor) -> str:
    """The instructor's phone as ``user`` may see it (core.masking: full only for those who may
    change the record)."""
    return mask_value("phone", instructor.phone, full=sees_personal_data(user, instructor))


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
        context["shown_phone"] = _shown_phone(self.request.user, self.object)
        context["history"] = history_entries(
            PartyInstructor.history.filter(id=self.object.pk),
            InstructorAssignment.history.filter(instructor_id=self.object.pk),
            reader=self.request.user,
        )
        return context


class PartyInstructorCreateView(PartyFormView):
    form_class = PartyInstructorForm

    @property
    def heading(self):
        return _("New party-building instructor")

    def perform(self, form):
        return services.instructor_create(
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def success_url_for(self, saved):
        return _url("instructor-detail", saved.pk)


class PartyInstructorUpdateView(PartyFormView):
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

    def perform(self, form):
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


class InstructorAssignmentCreateView(PartyFormView):
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

    def perform(self, form):
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


class InstructorAssignmentUpdateView(PartyFormView):
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

    def perform(self, form):
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
