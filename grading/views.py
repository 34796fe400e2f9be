"""Web pages of grading: thin views over the selectors, services and FilterSets.

Every queryset is restricted to the user's jurisdiction (``ScopedQuerysetMixin`` or
``Model.objects.restrict``): outside it is 404, and never a row in a list. Every write calls a
service in ``grading.services`` with the acting user; its ``ValidationError`` comes back as form
errors (or a message), ``TransitionNotAllowed`` as a message, ``NotPermitted`` as a 403 page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from core.exceptions import TransitionNotAllowed
from core.history import history_entries
from core.scoping import CHANGE
from core.views import ScopedQuerysetMixin, ServiceFormView
from grading import services
from grading.choices import (
    AssessmentStatus,
    CampaignStatus,
    Dimension,
    EvaluationStatus,
    PanelKind,
    ScoringRound,
)
from grading.exports import campaign_results_filename, campaign_results_xlsx
from grading.filters import (
    CampaignFilterSet,
    EvaluationFilterSet,
    ExpertFilterSet,
    GradeAwardFilterSet,
    SanctionFilterSet,
)
from grading.forms import (
    ApplyForm,
    AssignPanelForm,
    CampaignForm,
    CloseSanctionForm,
    EvaluationForm,
    EvaluationValuesForm,
    ExpertForm,
    GradeAwardForm,
    PanelForm,
    ReasonForm,
    SanctionForm,
    ScoreSheetForm,
)
from grading.models import (
    AssessmentApplication,
    AssessmentCampaign,
    Evaluation,
    EvaluationResult,
    EvaluationValue,
    Expert,
    ExpertPanel,
    GradeAward,
    Sanction,
)
from grading.selectors import (
    campaign_results,
    eligibility_list,
    expiring_awards,
    score_rounds,
)
from registry.models import Organisation


def _url(name: str, *args) -> str:
    return reverse(f"grading:{name}", args=args)


class StepView(LoginRequiredMixin, View):
    """A POST that takes one step of a workflow (with a reason) and goes back to the page."""

    http_method_names = ["post"]
    #: action name -> (service, keyword of the object)
    steps: dict = {}
    model = None

    def post(self, request, pk, step):
        if step not in self.steps:
            raise Http404()
        obj = get_object_or_404(self.model.objects.restrict(request.user), pk=pk)
        service, keyword = self.steps[step]
        form = ReasonForm(request.POST, user=request.user)
        form.is_valid()
        try:
            service(
                **{keyword: obj},
                acting_user=request.user,
                reason=form.cleaned_data.get("reason", ""),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except TransitionNotAllowed as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Done."))
        return redirect(self.back_url(obj))

    def back_url(self, obj) -> str:
        raise NotImplementedError


# --- campaigns --------------------------------------------------------------------------------


class CampaignListView(ScopedQuerysetMixin, FilterView):
    model = AssessmentCampaign
    filterset_class = CampaignFilterSet
    template_name = "grading/campaign_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("district")
            .annotate(application_count=Count("applications"))
            .order_by("-year", "-pk")
        )


class CampaignDetailView(ScopedQuerysetMixin, DetailView):
    model = AssessmentCampaign
    template_name = "grading/campaign_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("district")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.object
        user = self.request.user
        can_run = user.is_superuser or user.division_id == campaign.district_id
        context.update(
            applications=campaign_results(campaign, AssessmentApplication.objects.restrict(user)),
            panels=campaign.panels.prefetch_related("experts"),
            can_run=can_run,
            can_apply=campaign.status == CampaignStatus.OPEN,
            bands=sorted(campaign.bands, key=lambda band: -band["level"]),
            indicators=campaign.template.indicators.order_by("position", "pk"),
            steps=_campaign_steps(campaign) if can_run else [],
            history=history_entries(
                AssessmentCampaign.history.filter(id=campaign.pk), reader=self.request.user
            ),
        )
        return context


def _campaign_steps(campaign) -> list[tuple[str, str]]:
    labels = {
        CampaignStatus.DRAFT: ("open", _("Open for applications")),
        CampaignStatus.OPEN: ("start-scoring", _("Close applications and start scoring")),
        CampaignStatus.SCORING: ("start-notice", _("Publish results for public notice")),
        CampaignStatus.NOTICE: ("finalise", _("Finalise and award grades")),
    }
    step = labels.get(campaign.status)
    return [step] if step else []


class CampaignCreateView(ServiceFormView):
    form_class = CampaignForm

    @property
    def heading(self):
        return _("New level assessment campaign")

    def get_initial(self):
        today = timezone.localdate()
        initial = {"year": today.year, "aggregation": "mean", "notice_days": 7, "trim_count": 1}
        if self.request.user.division_id:
            initial["district"] = self.request.user.division_id
        return initial

    def perform(self, form):
        return services.campaign_create(
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def success_url_for(self, saved):
        return _url("campaign-detail", saved.pk)


class CampaignStepView(StepView):
    model = AssessmentCampaign
    steps = {
        "open": (services.campaign_open, "campaign"),
        "start-scoring": (services.campaign_start_scoring, "campaign"),
        "start-notice": (services.campaign_start_notice, "campaign"),
        "finalise": (services.campaign_finalise, "campaign"),
    }

    def back_url(self, obj):
        return _url("campaign-detail", obj.pk)


class CampaignEligibilityView(ScopedQuerysetMixin, DetailView):
    model = AssessmentCampaign
    template_name = "grading/campaign_eligibility.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = eligibility_list(self.object, Organisation.objects.restrict(self.request.user))
        context.update(rows=rows, eligible_count=sum(1 for row in rows if row.eligible))
        return context


class CampaignApplyView(ServiceFormView):
    form_class = ApplyForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.campaign = get_object_or_404(
                AssessmentCampaign.objects.restrict(request.user).select_related("district"),
                pk=kwargs["pk"],
            )
            self.cancel_url = _url("campaign-detail", self.campaign.pk)
        return super().dispatch(request, *args, **kwargs)

    @property
    def heading(self):
        return _("Apply in %(campaign)s") % {"campaign": self.campaign.title}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "campaign": self.campaign}

    def perform(self, form):
        return services.application_create(
            campaign=self.campaign,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            organisation=form.cleaned_data["organisation"],
        )

    def success_url_for(self, saved):
        return _url("application-detail", saved.pk)


class PanelCreateView(CampaignApplyView):
    form_class = PanelForm

    @property
    def heading(self):
        return _("New panel for %(campaign)s") % {"campaign": self.campaign.title}

    def get_initial(self):
        return {"kind": PanelKind.INITIAL}

    def perform(self, form):
        return services.panel_create(
            campaign=self.campaign,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
            **form.service_data(),
        )

    def success_url_for(self, saved):
        return _url("campaign-detail", self.campaign.pk)


class CampaignExportView(ScopedQuerysetMixin, DetailView):
    """The campaign's results as an .xlsx file (the applications the user can see)."""

    model = AssessmentCampaign

    def render_to_response(self, context, **response_kwargs):
        content = campaign_results_xlsx(self.object, self.request.user)
        response = HttpResponse(
            content,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = campaign_results_filename(self.object)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
        return response


# --- applications -----------------------------------------------------------------------------


class ApplicationDetailView(ScopedQuerysetMixin, DetailView):
    model = AssessmentApplication
    template_name = "grading/application_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("campaign__district", "organisation__community", "panel")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        application = self.object
        user = self.request.user
        campaign = application.campaign
        can_run = user.is_superuser or user.division_id == campaign.district_id
        status = application.status
        round_ = application.current_round
        context.update(
            campaign=campaign,
            can_run=can_run,
            rounds=score_rounds(application),
            can_appeal=status == AssessmentStatus.NOTICED
            and campaign.notice_open_on(timezone.localdate()),
            can_score=can_run
            and application.panel_for(round_) is not None
            and (
                (status == AssessmentStatus.APPLIED and campaign.status == CampaignStatus.SCORING)
                or status == AssessmentStatus.APPEALED
            ),
            steps=_application_steps(application) if can_run else [],
            history=history_entries(
                AssessmentApplication.history.filter(id=application.pk), reader=self.request.user
            ),
        )
        if can_run and status in (AssessmentStatus.APPLIED, AssessmentStatus.APPEALED):
            kind = PanelKind.INITIAL if status == AssessmentStatus.APPLIED else PanelKind.RE_REVIEW
            context["panel_form"] = AssignPanelForm(
                user=user, panels=campaign.panels.filter(kind=kind)
            )
        return context


def _application_steps(application) -> list[tuple[str, str, bool]]:
    """(step, label, reason required) of the steps the bureau may take now."""
    status = application.status
    steps = []
    if status == AssessmentStatus.APPLIED:
        steps += [("compute", _("Compute the result"), False), ("refuse", _("Refuse"), True)]
    if status == AssessmentStatus.APPEALED:
        steps += [
            ("re-review", _("Adopt the re-review result"), False),
            ("dismiss-appeal", _("Dismiss the appeal"), True),
        ]
    return steps


class ApplicationStepView(StepView):
    model = AssessmentApplication
    steps = {
        "compute": (services.application_compute, "application"),
        "refuse": (services.application_refuse, "application"),
        "appeal": (services.application_appeal, "application"),
        "dismiss-appeal": (services.application_dismiss_appeal, "application"),
        "re-review": (services.application_re_review, "application"),
    }

    def back_url(self, obj):
        return _url("application-detail", obj.pk)


class AssignPanelView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        application = get_object_or_404(AssessmentApplication.objects.restrict(request.user), pk=pk)
        form = AssignPanelForm(
            request.POST,
            user=request.user,
            panels=ExpertPanel.objects.restrict(request.user).filter(
                campaign_id=application.campaign_id
            ),
        )
        if not form.is_valid():
            messages.error(request, _("Choose a panel."))
        else:
            try:
                services.application_assign_panel(
                    application=application,
                    panel=form.cleaned_data["panel"],
                    acting_user=request.user,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("Done."))
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
            except TransitionNotAllowed as error:
                messages.error(request, str(error.message))
        return redirect(_url("application-detail", application.pk))


class ScoreSheetView(ServiceFormView):
    form_class = ScoreSheetForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.application = get_object_or_404(
                AssessmentApplication.objects.restrict(request.user).select_related(
                    "campaign", "organisation"
                ),
                pk=kwargs["pk"],
            )
            self.cancel_url = _url("application-detail", self.application.pk)
        return super().dispatch(request, *args, **kwargs)

    @property
    def heading(self):
        return _("Scores for %(organisation)s (%(round)s)") % {
            "organisation": self.application.organisation.name,
            "round": ScoringRound(self.application.current_round).label,
        }

    def get_form_kwargs(self):
        panel = self.application.panel_for(self.application.current_round)
        experts = panel.experts.all() if panel is not None else Expert.objects.none()
        return {
            **super().get_form_kwargs(),
            "application": self.application,
            "indicators": self.application.campaign.template.leaves(),
            "experts": experts,
        }

    def perform(self, form):
        services.scores_record(
            application=self.application,
            expert=form.cleaned_data["expert"],
            scores=form.scores(),
            note=form.cleaned_data["note"],
            acting_user=self.request.user,
        )
        return self.application

    def success_url_for(self, saved):
        return _url("application-detail", saved.pk)


# --- experts ----------------------------------------------------------------------------------


class ExpertListView(ScopedQuerysetMixin, FilterView):
    model = Expert
    filterset_class = ExpertFilterSet
    template_name = "grading/expert_list.html"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().select_related("district")


class ExpertCreateView(ServiceFormView):
    form_class = ExpertForm

    @property
    def heading(self):
        return _("New assessment expert")

    def get_initial(self):
        return {"district": self.request.user.division_id}

    def perform(self, form):
        return services.expert_create(
            acting_user=self.request.user, reason=form.cleaned_data["reason"], **form.service_data()
        )

    def success_url_for(self, saved):
        return _url("expert-list")


# --- grades -----------------------------------------------------------------------------------


class GradeListView(ScopedQuerysetMixin, FilterView):
    """Grades of the organisations in the user's jurisdiction (current ones by default)."""

    model = GradeAward
    filterset_class = GradeAwardFilterSet
    template_name = "grading/grade_list.html"
    paginate_by = 50

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        if kwargs["data"] is None or "current" not in kwargs["data"]:
            data = kwargs["data"].copy() if kwargs["data"] is not None else {}
            data["current"] = "true"
            kwargs["data"] = data
        return kwargs

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("organisation__community__parent", "campaign")
            .order_by("-level", "organisation__name", "pk")
        )


class ExpiringGradeListView(ScopedQuerysetMixin, FilterView):
    """Grades in force today that expire within six months, soonest first."""

    model = GradeAward
    filterset_class = GradeAwardFilterSet
    template_name = "grading/grade_expiring.html"
    paginate_by = 50

    def get_queryset(self):
        return expiring_awards(super().get_queryset())


class GradeAwardCreateView(ServiceFormView):
    form_class = GradeAwardForm

    @property
    def heading(self):
        return _("Record a grade awarded before the system")

    def perform(self, form):
        return services.grade_award_record(
            acting_user=self.request.user, reason=form.cleaned_data["reason"], **form.service_data()
        )

    def success_url_for(self, saved):
        return _url("grade-list")


# --- rewards and penalties --------------------------------------------------------------------


class SanctionListView(ScopedQuerysetMixin, FilterView):
    model = Sanction
    filterset_class = SanctionFilterSet
    template_name = "grading/sanction_list.html"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().select_related("organisation__community")


class SanctionCreateView(ServiceFormView):
    form_class = SanctionForm

    @property
    def heading(self):
        return _("Record a reward or penalty")

    def get_initial(self):
        initial = {"decided_on": timezone.localdate()}
        if self.request.GET.get("organisation", "").isdigit():
            initial["organisation"] = self.request.GET["organisation"]
        return initial

    def perform(self, form):
        return services.sanction_create(
            acting_user=self.request.user, reason=form.cleaned_data["reason"], **form.service_data()
        )

    def success_url_for(self, saved):
        return _url("sanction-list")


class SanctionCloseView(ServiceFormView):
    form_class = CloseSanctionForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.sanction = get_object_or_404(
                Sanction.objects.restrict(request.user, CHANGE), pk=kwargs["pk"]
            )
            self.cancel_url = _url("sanction-list")
        return super().dispatch(request, *args, **kwargs)

    @property
    def heading(self):
        return _("Close the penalty: %(title)s") % {"title": self.sanction.title}

    def get_initial(self):
        return {"closed_on": timezone.localdate()}

    def perform(self, form):
        return services.sanction_close(
            sanction=self.sanction,
            acting_user=self.request.user,
            closed_on=form.cleaned_data["closed_on"],
            reason=form.cleaned_data["reason"],
        )

    def success_url_for(self, saved):
        return _url("sanction-list")


# --- comprehensive evaluation -----------------------------------------------------------------


class EvaluationListView(ScopedQuerysetMixin, FilterView):
    model = Evaluation
    filterset_class = EvaluationFilterSet
    template_name = "grading/evaluation_list.html"
    paginate_by = 50

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("division")
            .annotate(result_count=Count("results"))
            .order_by("-period_end", "-pk")
        )


class EvaluationDetailView(ScopedQuerysetMixin, DetailView):
    model = Evaluation
    template_name = "grading/evaluation_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("division")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        evaluation = self.object
        user = self.request.user
        dimensions = list(Dimension)
        results = (
            evaluation.results.select_related("organisation__community")
            .prefetch_related(Prefetch("values", queryset=EvaluationValue.objects.all()))
            .order_by("rank", "organisation__name", "pk")
        )
        rows = []
        for result in results:
            by_dimension = {value.dimension: value for value in result.values.all()}
            rows.append({"result": result, "values": [by_dimension.get(d) for d in dimensions]})
        context.update(
            dimensions=[(d, d.label, evaluation.weights.get(d.value, "0")) for d in dimensions],
            rows=rows,
            can_run=(user.is_superuser or user.division_id == evaluation.division_id)
            and evaluation.status == EvaluationStatus.DRAFT,
            history=history_entries(
                Evaluation.history.filter(id=evaluation.pk), reader=self.request.user
            ),
        )
        return context


class EvaluationCreateView(ServiceFormView):
    form_class = EvaluationForm

    @property
    def heading(self):
        return _("New comprehensive evaluation")

    def get_initial(self):
        today = timezone.localdate()
        return {
            "division": self.request.user.division_id,
            "period_start": today.replace(year=today.year - 1, month=1, day=1),
            "period_end": today.replace(year=today.year - 1, month=12, day=31),
            "activity_target": 12,
        }

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "cancel_url": _url("evaluation-list")}

    def perform(self, form):
        return services.evaluation_create(
            acting_user=self.request.user, reason=form.cleaned_data["reason"], **form.service_data()
        )

    def success_url_for(self, saved):
        return _url("evaluation-detail", saved.pk)


class EvaluationPublishView(StepView):
    model = Evaluation
    steps = {"publish": (services.evaluation_publish, "evaluation")}

    def back_url(self, obj):
        return _url("evaluation-detail", obj.pk)


class EvaluationResultView(ServiceFormView):
    """One organisation's dimension values: shown, and editable before publication."""

    form_class = EvaluationValuesForm
    template_name = "grading/evaluation_result.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.evaluation_result = get_object_or_404(
                EvaluationResult.objects.restrict(request.user).select_related(
                    "evaluation__division", "organisation"
                ),
                pk=kwargs["pk"],
            )
            self.cancel_url = _url("evaluation-detail", self.evaluation_result.evaluation_id)
        return super().dispatch(request, *args, **kwargs)

    @property
    def heading(self):
        return self.evaluation_result.organisation.name

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "rows": self.evaluation_result.values.order_by("pk")}

    def get_initial(self):
        initial = {}
        for row in self.evaluation_result.values.all():
            initial[f"value_{row.dimension}"] = row.value
            initial[f"note_{row.dimension}"] = row.note
        return initial

    def get_context_data(self, **kwargs):
        evaluation = self.evaluation_result.evaluation
        user = self.request.user
        return {
            **super().get_context_data(**kwargs),
            "result": self.evaluation_result,
            "evaluation": evaluation,
            "editable": evaluation.status == EvaluationStatus.DRAFT
            and (user.is_superuser or user.division_id == evaluation.division_id),
            "history": history_entries(
                EvaluationValue.history.filter(result_id=self.evaluation_result.pk),
                EvaluationResult.history.filter(id=self.evaluation_result.pk),
                reader=self.request.user,
            ),
        }

    def perform(self, form):
        return services.evaluation_values_set(
            result=self.evaluation_result, values=form.values(), acting_user=self.request.user
        )

    def success_url_for(self, saved):
        return _url("evaluation-result", saved.pk)


class GradingHomeView(LoginRequiredMixin, TemplateView):
    """Where the grading pages start: campaigns for district officers, evaluations for streets
    and communities."""

    def get(self, request, *args, **kwargs):
        user = request.user
        if user.is_superuser or user.tier_level in ("district", "city"):
            return redirect(_url("campaign-list"))
        return redirect(_url("evaluation-list"))
