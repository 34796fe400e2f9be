"""Web pages of the support programmes: thin. Lists and details read through the scoped
querysets (``core.views.ScopedQuerysetMixin``: outside the jurisdiction is 404); every form
hands its data to a service (``core.views.ServiceFormView``: what the service refuses is shown
on the form, nothing stored)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView, TemplateView

from core.scoping import CHANGE, VIEW
from core.views import ScopedQuerysetMixin, ServiceFormView
from support import forms, services
from support.choices import FundingKind
from support.filters import (
    AttendanceFilterSet,
    DonationFilterSet,
    PairingFilterSet,
    PlatformFilterSet,
    ProjectFilterSet,
)
from support.models import (
    Attendance,
    CommunityFund,
    Donation,
    FundedProject,
    FundingProgramme,
    FundingRound,
    Pairing,
    Residency,
    SupportPlatform,
    TrainingProgramme,
    TrainingSession,
)
from support.selectors import fund_statement, project_finances, with_finances

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FilteredListView(ScopedQuerysetMixin, ListView):
    """A scoped list narrowed by a FilterSet (its form is shown above the table)."""

    filterset_class = None
    paginate_by = 50

    def get_queryset(self):
        queryset = super().get_queryset()
        self.filterset = self.filterset_class(
            self.request.GET or None, queryset=queryset, request=self.request
        )
        if self.filterset.is_bound and not self.filterset.is_valid():
            return queryset.none()
        return self.filterset.qs

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter=self.filterset, **kwargs)


class HomeView(ScopedQuerysetMixin, TemplateView):
    template_name = "support/home.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        today = timezone.localdate()
        open_q = Q(opened_on__lte=today) & (Q(closed_on__isnull=True) | Q(closed_on__gt=today))
        platforms = SupportPlatform.objects.restrict(user).filter(open_q)
        projects = FundedProject.objects.restrict(user)
        by_kind = {
            row["round__programme__kind"]: row
            for row in projects.values("round__programme__kind").annotate(
                n=Count("pk"), total=Sum("amount_approved")
            )
        }
        return super().get_context_data(
            platform_count=platforms.count(),
            platforms_by_tier=platforms.values("division__level")
            .annotate(n=Count("pk"))
            .order_by("division__level"),
            incubating=Residency.objects.restrict(user)
            .filter(ended_on__isnull=True, kind="incubated")
            .count(),
            funding=[
                (
                    kind.label,
                    by_kind.get(kind.value, {}).get("n", 0),
                    by_kind.get(kind.value, {}).get("total") or 0,
                )
                for kind in FundingKind
            ],
            funds=CommunityFund.objects.restrict(user).order_by("name")[:20],
            pairings=Pairing.objects.restrict(user).filter(status="active").count(),
            operator_platform=services.operator_platform_id(user),
            **kwargs,
        )


# --- platforms ----------------------------------------------------------------------------------


class PlatformListView(FilteredListView):
    model = SupportPlatform
    filterset_class = PlatformFilterSet
    template_name = "support/platform_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("division", "operator")


class PlatformDetailView(ScopedQuerysetMixin, DetailView):
    model = SupportPlatform
    template_name = "support/platform_detail.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        platform = self.object
        return super().get_context_data(
            residencies=Residency.objects.restrict(user)
            .filter(platform=platform)
            .select_related("organisation")
            .order_by("ended_on", "-started_on"),
            contracts=platform.contracts.restrict(user).order_by("-starts_on"),
            sessions=TrainingSession.objects.restrict(user)
            .filter(platform=platform)
            .order_by("-held_on")[:20],
            may_run=services.operator_platform_id(user) == platform.pk
            or services.may_change_node(user, platform.division),
            **kwargs,
        )


class PlatformCreateView(ServiceFormView):
    form_class = forms.PlatformForm
    heading = _("New support platform")
    success_message = _("The platform was set up.")

    def perform(self, form):
        return services.platform_create(
            acting_user=self.request.user,
            **form.service_data(),
            reason=form.cleaned_data.get("reason", ""),
        )

    def success_url_for(self, platform):
        return reverse("support:platform-detail", args=[platform.pk])


class _OnObject(ServiceFormView):
    """A form about one object (looked up through the scoped queryset: 404 outside)."""

    model = None
    scope_action = VIEW

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        queryset = self.model.objects.restrict(request.user, self.scope_action)
        self.object = get_object_or_404(queryset, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)

    def data(self, form) -> dict:
        data = form.service_data()
        data["reason"] = form.cleaned_data.get("reason", "")
        return data


class ResidencyCreateView(_OnObject):
    model = SupportPlatform
    form_class = forms.ResidencyForm
    heading = _("Take in an organisation")
    success_message = _("The organisation was taken in.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "platform": self.object}

    def perform(self, form):
        return services.residency_start(
            platform=self.object, acting_user=self.request.user, **self.data(form)
        )

    def success_url_for(self, residency):
        return reverse("support:platform-detail", args=[self.object.pk])


class ServiceCreateView(_OnObject):
    model = Residency
    scope_action = CHANGE
    form_class = forms.ServiceRecordForm
    heading = _("Record a service")

    def perform(self, form):
        return services.service_record(
            residency=self.object, acting_user=self.request.user, **self.data(form)
        )

    def success_url_for(self, result):
        return reverse("support:platform-detail", args=[self.object.platform_id])


class StageCreateView(ServiceCreateView):
    form_class = forms.StageForm
    heading = _("Record a stage")

    def perform(self, form):
        return services.stage_record(
            residency=self.object, acting_user=self.request.user, **self.data(form)
        )


class GraduateView(ServiceCreateView):
    form_class = forms.DateForm
    heading = _("Graduation")

    def perform(self, form):
        data = self.data(form)
        return services.residency_graduate(
            residency=self.object,
            graduated_on=data["on"],
            reason=data["reason"],
            acting_user=self.request.user,
        )


# --- funding ------------------------------------------------------------------------------------


class ProgrammeListView(ScopedQuerysetMixin, ListView):
    model = FundingProgramme
    template_name = "support/programme_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("division").prefetch_related("rounds")


class ProjectListView(FilteredListView):
    model = FundedProject
    filterset_class = ProjectFilterSet
    template_name = "support/project_list.html"

    def get_queryset(self):
        return with_finances(
            super().get_queryset().select_related("round__programme", "organisation", "custodian")
        )


class ProjectDetailView(ScopedQuerysetMixin, DetailView):
    model = FundedProject
    template_name = "support/project_detail.html"

    def get_context_data(self, **kwargs):
        project = self.object
        return super().get_context_data(
            finances=project_finances(project),
            disbursements=project.disbursements.select_related("payee"),
            reports=project.progress_reports.prefetch_related("activities"),
            budget_lines=project.budget_lines.all(),
            history=project.history.select_related("history_user").order_by("-history_date"),
            may_manage=services.may_change_node(
                self.request.user, project.round.programme.division
            ),
            **kwargs,
        )


class AwardView(_OnObject):
    model = FundingRound
    form_class = forms.AwardForm
    heading = _("Award a project")
    success_message = _("The project was awarded.")

    def perform(self, form):
        return services.project_award(
            funding_round=self.object, acting_user=self.request.user, **self.data(form)
        )

    def success_url_for(self, project):
        return reverse("support:project-detail", args=[project.pk])


class _OnProject(_OnObject):
    model = FundedProject

    def success_url_for(self, result):
        return reverse("support:project-detail", args=[self.object.pk])


class DisburseView(_OnProject):
    form_class = forms.DisbursementForm
    heading = _("Pay out")
    success_message = _("The payment was recorded.")

    def perform(self, form):
        return services.disbursement_record(
            project=self.object, acting_user=self.request.user, **self.data(form)
        )


class ProgressView(_OnProject):
    form_class = forms.ProgressForm
    heading = _("Progress report")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "project": self.object}

    def perform(self, form):
        return services.progress_report_submit(
            project=self.object, acting_user=self.request.user, **self.data(form)
        )


class DecideView(_OnProject):
    form_class = forms.DecisionForm
    heading = _("Acceptance")

    def perform(self, form):
        return services.project_decide(
            project=self.object, acting_user=self.request.user, **self.data(form)
        )


# --- community funds ----------------------------------------------------------------------------


class FundListView(ScopedQuerysetMixin, ListView):
    model = CommunityFund
    template_name = "support/fund_list.html"


def _period(request) -> tuple[datetime.date | None, datetime.date | None]:
    days = []
    for name in ("start", "end"):
        try:
            days.append(datetime.date.fromisoformat(request.GET.get(name, "")))
        except ValueError:
            days.append(None)
    return days[0], days[1]


class FundDetailView(ScopedQuerysetMixin, DetailView):
    model = CommunityFund
    template_name = "support/fund_detail.html"

    def get_context_data(self, **kwargs):
        start, end = _period(self.request)
        return super().get_context_data(
            statement=fund_statement(self.object, start=start, end=end),
            may_manage=services.may_change_node(self.request.user, self.object.division),
            **kwargs,
        )


class FundStatementView(ScopedQuerysetMixin, DetailView):
    """The fund's statement for a period as an .xlsx workbook."""

    model = CommunityFund

    def render_to_response(self, context, **response_kwargs):
        from support.exports import fund_statement_xlsx

        start, end = _period(self.request)
        statement = fund_statement(self.object, start=start, end=end)
        response = HttpResponse(fund_statement_xlsx(statement), content_type=XLSX)
        response["Content-Disposition"] = (
            f'attachment; filename="fund-{self.object.pk}-{statement.end:%Y%m%d}.xlsx"'
        )
        return response


class DonationListView(FilteredListView):
    model = Donation
    filterset_class = DonationFilterSet
    template_name = "support/donation_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("fund", "channel")


class DonationCreateView(_OnObject):
    model = CommunityFund
    form_class = forms.DonationRecordForm
    heading = _("Record a donation")
    success_message = _("The donation was recorded.")

    def perform(self, form):
        return services.donation_record(
            fund=self.object, acting_user=self.request.user, **self.data(form)
        )

    def success_url_for(self, donation):
        return reverse("support:fund-detail", args=[self.object.pk])


# --- trainings ----------------------------------------------------------------------------------


class TrainingListView(ScopedQuerysetMixin, ListView):
    model = TrainingProgramme
    template_name = "support/training_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("division").prefetch_related("sessions")


class SessionDetailView(ScopedQuerysetMixin, DetailView):
    model = TrainingSession
    template_name = "support/session_detail.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            attendances=Attendance.objects.restrict(self.request.user)
            .filter(session=self.object)
            .select_related("member__organisation"),
            **kwargs,
        )


class AttendanceListView(FilteredListView):
    model = Attendance
    filterset_class = AttendanceFilterSet
    template_name = "support/attendance_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("session__programme", "member__organisation")


class AttendanceCreateView(_OnObject):
    model = TrainingSession
    form_class = forms.AttendanceForm
    heading = _("Record attendance")
    success_message = _("The attendance was recorded.")

    def perform(self, form):
        return services.attendance_record(
            session=self.object, acting_user=self.request.user, **self.data(form)
        )

    def success_url_for(self, attendance):
        return reverse("support:session-detail", args=[self.object.pk])


# --- pairings -----------------------------------------------------------------------------------


class PairingListView(FilteredListView):
    model = Pairing
    filterset_class = PairingFilterSet
    template_name = "support/pairing_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("mentor", "mentee")


class PairingCreateView(ServiceFormView):
    form_class = forms.PairingForm
    heading = _("New pairing")
    success_message = _("The pairing was recorded.")

    def perform(self, form):
        return services.pairing_create(
            acting_user=self.request.user,
            reason=form.cleaned_data.get("reason", ""),
            **form.service_data(),
        )

    def success_url_for(self, pairing):
        return reverse("support:pairing-list")


class PairingEndView(_OnObject):
    model = Pairing
    scope_action = CHANGE
    form_class = forms.PairingEndForm
    heading = _("End of the pairing")

    def perform(self, form):
        return services.pairing_end(
            pairing=self.object, acting_user=self.request.user, **self.data(form)
        )

    def success_url_for(self, pairing):
        return reverse("support:pairing-list")


# --- Excel ledgers ------------------------------------------------------------------------------


class LedgerHomeView(ScopedQuerysetMixin, TemplateView):
    """The four ledgers: export (narrowed by the list pages' filters) and import."""

    template_name = "support/ledgers.html"

    def get_context_data(self, **kwargs):
        from support.ledgers import LEDGERS

        return super().get_context_data(ledgers=list(LEDGERS.values()), **kwargs)


class LedgerExportView(ScopedQuerysetMixin, TemplateView):
    def get(self, request, kind):
        from django.http import Http404

        from support.ledgers import LEDGERS, ledger_xlsx

        ledger = LEDGERS.get(kind)
        if ledger is None:
            raise Http404
        query = request.GET.copy()
        query.pop("page", None)
        response = HttpResponse(ledger_xlsx(ledger, request.user, query), content_type=XLSX)
        day = timezone.localdate()
        response["Content-Disposition"] = f'attachment; filename="{kind}-{day:%Y%m%d}.xlsx"'
        return response


class LedgerImportView(ScopedQuerysetMixin, TemplateView):
    """POST a file: all rows or nothing; the result page lists every problem."""

    template_name = "support/ledger_result.html"
    #: the largest file taken (bigger ones: split the ledger)
    max_bytes = 5 * 1024 * 1024

    def post(self, request, kind):
        from django.http import Http404

        from core.excel import RowError
        from core.scoping import jurisdiction_of
        from support.ledgers import LEDGERS, ImportResult, import_ledger

        ledger = LEDGERS.get(kind)
        if ledger is None:
            raise Http404
        if not jurisdiction_of(request.user).allows(CHANGE):
            # before the upload is looked at: a role that may not import never has it parsed
            result = ImportResult(
                errors=[RowError(0, "", str(_("Your role can view but not import.")))]
            )
            return self.render_to_response(
                self.get_context_data(ledger=ledger, result=result), status=403
            )
        upload = request.FILES.get("file")
        if upload is None:
            result = ImportResult(errors=[RowError(0, "", str(_("Choose a file to import.")))])
        elif upload.size > self.max_bytes:
            result = ImportResult(
                errors=[RowError(0, "", str(_("The file is larger than 5 MB; split it.")))]
            )
        else:
            result = import_ledger(ledger, upload.read(), request.user, filename=upload.name)
        status = 200 if result.ok else 400
        return self.render_to_response(
            self.get_context_data(ledger=ledger, result=result), status=status
        )
