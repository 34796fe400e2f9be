"""Web pages for oversight: annual reports, the overdue summary, the dormancy inbox, the credit
lists and an organisation's oversight file. Every queryset is restricted through
``ScopedQuerysetMixin`` or ``restrict``; every write goes through ``oversight.services``
with the acting user and a reason."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from core.exceptions import TransitionNotAllowed
from core.forms import REASON_MAX_LENGTH, ScopedModelChoiceField, ServiceForm, reason_field
from core.scoping import CHANGE, VIEW
from core.views import ScopedQuerysetMixin, ServiceFormView
from oversight.choices import CaseStatus, CreditListKind, ReportStatus
from oversight.filters import AnnualReportFilterSet, CreditListEntryFilterSet, DormancyCaseFilterSet
from oversight.models import AnnualReport, CreditListEntry, DormancyCase, OversightSettings
from oversight.selectors import (
    default_report_year,
    overdue_summary,
    oversight_timeline,
    summary_level_for,
    summary_levels_for,
)
from oversight.services.annual_reports import (
    annual_report_accept,
    annual_report_create,
    annual_report_return,
    annual_report_submit,
    annual_report_update,
)
from oversight.services.dormancy import (
    OFFICER_ROLES,
    dormancy_confirm_active,
    dormancy_propose_exit,
    dormancy_report_leader_unreachable,
)
from registry.choices import DivisionLevel, OrgStatus, Role
from registry.models import Activity, Member, Organisation
from registry.services.lifecycle import acts_for

# --- forms ------------------------------------------------------------------------------------


class ReportContentForm(ServiceForm, forms.Form):
    """Ranges are left to the service, which names every wrong field at once."""

    activities_held = forms.IntegerField(label=_("activities held"), required=False)
    members_count = forms.IntegerField(label=_("members at the end of the year"), required=False)
    volunteer_hours = forms.DecimalField(
        label=_("volunteer hours"), max_digits=11, decimal_places=1, required=False
    )
    income = forms.DecimalField(
        label=_("income (yuan)"), max_digits=14, decimal_places=2, required=False
    )
    spending = forms.DecimalField(
        label=_("spending (yuan)"), max_digits=14, decimal_places=2, required=False
    )
    party_work = forms.CharField(
        label=_("party work"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    projects = forms.CharField(
        label=_("projects"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    summary = forms.CharField(
        label=_("summary of the year's work"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    reason = reason_field(required=False)

    PREFILLED = ("activities_held", "members_count", "volunteer_hours")

    def content(self, *, omit_blank_counts: bool) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("reason", "organisation")}
        data.pop("year", None)
        if omit_blank_counts:
            # Left blank on a new report: the service fills them in from the ledger.
            for name in self.PREFILLED:
                if data.get(name) is None:
                    data.pop(name, None)
        return data


class ReportCreateForm(ReportContentForm):
    organisation = ScopedModelChoiceField(
        Organisation.objects.order_by("name"), label=_("organisation")
    )
    year = forms.IntegerField(label=_("year"))

    field_order = ["organisation", "year"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        config = OversightSettings.current()
        field = self.fields["organisation"]
        field.queryset = field.queryset.filter(status__in=config.reporting_statuses)
        self.fields["year"].initial = default_report_year()
        for name in self.PREFILLED:
            self.fields[name].help_text = _("Leave empty to take the figure from the ledger.")


class ReasonForm(forms.Form):
    reason = reason_field(required=False)


class ReturnForm(forms.Form):
    reason = reason_field(required=True, label=_("What needs correcting"))


class NoteForm(ServiceForm, forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3})
    )


class OptionalNoteForm(ServiceForm, forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- annual reports ---------------------------------------------------------------------------


class ReportListView(ScopedQuerysetMixin, FilterView):
    model = AnnualReport
    filterset_class = AnnualReportFilterSet
    template_name = "oversight/report_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("organisation__community__parent")
            .order_by("-year", "organisation__name", "pk")
        )


class ReportDetailView(ScopedQuerysetMixin, DetailView):
    model = AnnualReport
    template_name = "oversight/report_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "organisation__community__parent__parent", "submitted_by", "reviewed_by"
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.object
        user = self.request.user
        organisation = report.organisation
        owner = organisation.owning_division()
        live = organisation.status != OrgStatus.EXITED
        in_change_scope = report.is_within(user, CHANGE)
        is_leader = (
            user.role == Role.ORGANISATION_LEADER and user.organisation_id == organisation.pk
        )
        reporter = in_change_scope and live and (is_leader or acts_for(user, owner))
        reviewer = in_change_scope and live and acts_for(user, owner)
        context.update(
            deadline=OversightSettings.current().report_deadline(report.year),
            can_edit=reporter and report.is_editable,
            can_submit=reporter and report.is_editable,
            can_review=reviewer and report.status == ReportStatus.SUBMITTED,
            reason_form=ReasonForm(),
            return_form=ReturnForm(),
            history=report.history.select_related("history_user").order_by("-history_id"),
        )
        return context


class ReportCreateView(ServiceFormView):
    form_class = ReportCreateForm
    template_name = "oversight/report_form.html"
    success_message = _("The report was started as a draft.")

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("organisation", "").isdigit():
            initial["organisation"] = int(self.request.GET["organisation"])
        return initial

    def perform(self, form):
        return annual_report_create(
            organisation=form.cleaned_data["organisation"],
            year=form.cleaned_data["year"],
            acting_user=self.request.user,
            reason=form.cleaned_data.get("reason", ""),
            **form.content(omit_blank_counts=True),
        )

    def success_url_for(self, report):
        return reverse("oversight:report-detail", args=[report.pk])


class ReportUpdateView(ServiceFormView):
    form_class = ReportContentForm
    template_name = "oversight/report_form.html"
    success_message = _("The report was saved.")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return AnnualReport.objects.restrict(self.request.user, CHANGE).select_related(
            "organisation"
        )

    def get_initial(self):
        return {
            name: getattr(self.object, name)
            for name in ReportContentForm.base_fields
            if name != "reason"
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(report=self.object, **kwargs)

    def perform(self, form):
        return annual_report_update(
            report=self.object,
            acting_user=self.request.user,
            reason=form.cleaned_data.get("reason", ""),
            **form.content(omit_blank_counts=False),
        )

    def get_success_url(self):
        return reverse("oversight:report-detail", args=[self.object.pk])


class ReportActionView(LoginRequiredMixin, View):
    """POST: submit, accept or return a report."""

    ACTIONS = {
        "submit": (ReasonForm, annual_report_submit, _("The report was submitted for review.")),
        "accept": (ReasonForm, annual_report_accept, _("The report was accepted.")),
        "return": (ReturnForm, annual_report_return, _("The report was returned for correction.")),
    }

    def post(self, request, pk, action):
        if action not in self.ACTIONS:
            raise Http404()
        report = get_object_or_404(AnnualReport.objects.restrict(request.user, VIEW), pk=pk)
        form_class, service, done = self.ACTIONS[action]
        form = form_class(request.POST)
        target = reverse("oversight:report-detail", args=[report.pk])
        if not form.is_valid():
            for field_errors in form.errors.values():
                for message in field_errors:
                    messages.error(request, message)
            return HttpResponseRedirect(target)
        try:
            service(report=report, acting_user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(target)
        except TransitionNotAllowed as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(target)
        messages.success(request, done)
        return HttpResponseRedirect(target)


class OverdueSummaryView(LoginRequiredMixin, TemplateView):
    """Overdue reports per district, street or community of the user's jurisdiction."""

    template_name = "oversight/overdue.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        raw_year = self.request.GET.get("year", "")
        year = int(raw_year) if raw_year.isdigit() and 1900 <= int(raw_year) <= 9999 else None
        year = year or default_report_year()
        levels = summary_levels_for(user)
        level = self.request.GET.get("level")
        level = level if level in levels else summary_level_for(user)
        rows = overdue_summary(user, year=year, level=level)
        context.update(
            year=year,
            level=level,
            levels=[(value, DivisionLevel(value).label) for value in levels],
            rows=rows,
            deadline=OversightSettings.current().report_deadline(year),
            totals={
                name: sum(getattr(row, name) for row in rows)
                for name in ("due", "on_time", "late", "outstanding", "accepted")
            },
        )
        return context


# --- dormancy ---------------------------------------------------------------------------------


class CaseListView(ScopedQuerysetMixin, FilterView):
    """The dormancy inbox: by default the pending cases of organisations the user's tier owns."""

    model = DormancyCase
    filterset_class = DormancyCaseFilterSet
    template_name = "oversight/case_list.html"
    paginate_by = 50

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        if not self.request.GET:
            kwargs["data"] = {"pending": "true", "mine": "true"}
        return kwargs

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("organisation__community__parent", "exit_application")
            .order_by("notice_ends_on", "pk")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(today=timezone.localdate(), **kwargs)


class CaseDetailView(ScopedQuerysetMixin, DetailView):
    model = DormancyCase
    template_name = "oversight/case_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "organisation__community__parent__parent",
                "flagged_by",
                "resolved_by",
                "exit_application",
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        case = self.object
        user = self.request.user
        organisation = case.organisation
        decides = (
            case.status == CaseStatus.OPEN
            and case.is_within(user, CHANGE)
            and acts_for(user, organisation.owning_division())
        )
        activities = Activity.objects.restrict(user).filter(organisation=organisation)
        context.update(
            can_decide=decides,
            confirm_form=NoteForm(),
            exit_form=OptionalNoteForm(),
            last_activity=activities.order_by("-held_on").first(),
            leaders=Member.objects.restrict(user)
            .filter(organisation=organisation, role="leader")
            .current(),
            history=case.history.select_related("history_user").order_by("-history_id"),
        )
        return context


class CaseActionView(LoginRequiredMixin, View):
    """POST: confirm a suspect active, or propose its exit."""

    def post(self, request, pk, action):
        case = get_object_or_404(DormancyCase.objects.restrict(request.user, VIEW), pk=pk)
        target = reverse("oversight:case-detail", args=[case.pk])
        if action == "confirm":
            form = NoteForm(request.POST)
            service, done = dormancy_confirm_active, _("Confirmed active.")
        elif action == "propose-exit":
            form = OptionalNoteForm(request.POST)
            service, done = dormancy_propose_exit, _("Exit proposed; it now awaits review.")
        else:
            raise Http404()
        if not form.is_valid():
            for field_errors in form.errors.values():
                for message in field_errors:
                    messages.error(request, message)
            return HttpResponseRedirect(target)
        try:
            service(case=case, acting_user=request.user, note=form.cleaned_data["note"])
        except (ValidationError, TransitionNotAllowed) as error:
            for message in getattr(error, "messages", None) or [error.message]:
                messages.error(request, message)
            return HttpResponseRedirect(target)
        messages.success(request, done)
        return HttpResponseRedirect(target)


class LeaderUnreachableView(ServiceFormView):
    """Staff record that an organisation's leader can't be reached."""

    form_class = NoteForm
    template_name = "oversight/leader_unreachable.html"
    success_message = _("Recorded; the organisation is now a dormancy suspect.")

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.organisation = get_object_or_404(
            Organisation.objects.restrict(request.user, CHANGE), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(organisation=self.organisation, **kwargs)

    def perform(self, form):
        return dormancy_report_leader_unreachable(
            organisation=self.organisation,
            acting_user=self.request.user,
            note=form.cleaned_data["note"],
        )

    def success_url_for(self, case):
        return reverse("oversight:case-detail", args=[case.pk])


# --- credit lists and the organisation's file -------------------------------------------------


class CreditListView(ScopedQuerysetMixin, FilterView):
    """The abnormal-activity and serious-dishonesty lists (current entries by default)."""

    model = CreditListEntry
    filterset_class = CreditListEntryFilterSet
    template_name = "oversight/credit_list.html"
    paginate_by = 50

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        if not self.request.GET:
            kwargs["data"] = {"kind": CreditListKind.ABNORMAL, "current": "true"}
        return kwargs

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("organisation__community__parent")
            .order_by("-listed_on", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["kinds"] = CreditListKind.choices
        context["current_kind"] = self.filterset.data.get("kind", "")
        return context


class OrganisationOversightView(ScopedQuerysetMixin, DetailView):
    """An organisation's oversight file: credit lists, annual reports, dormancy cases, its roster
    and activities, and the whole history. Readable after the organisation exits."""

    model = Organisation
    template_name = "oversight/organisation.html"
    context_object_name = "organisation"

    def get_queryset(self):
        return super().get_queryset().select_related("community__parent__parent")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organisation = self.object
        user = self.request.user
        context.update(
            reports=AnnualReport.objects.restrict(user).filter(organisation=organisation),
            entries=CreditListEntry.objects.restrict(user).filter(organisation=organisation),
            cases=DormancyCase.objects.restrict(user)
            .filter(organisation=organisation)
            .order_by("-flagged_on", "-pk"),
            members=Member.objects.restrict(user).filter(organisation=organisation),
            activities=Activity.objects.restrict(user).filter(organisation=organisation)[:100],
            timeline=oversight_timeline(organisation),
            can_record_unreachable=organisation.status != OrgStatus.EXITED
            and organisation.is_within(user, CHANGE)
            and (user.is_superuser or user.role in OFFICER_ROLES),
            today=timezone.localdate(),
        )
        return context
