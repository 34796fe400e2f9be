"""Web pages of selection campaigns: thin. Every queryset is restricted in the base classes
(``core.views``); every write is a service (``selection.services``) behind a service form view
or a step view. Experts see their reviews through ``Assignment.objects.for_expert``; the public
sees published results, certificates and the case book (no personal data)."""

from __future__ import annotations

import os

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from core.documents import document_response
from core.exceptions import TransitionNotAllowed
from core.masking import mask_value, sees_personal_data
from core.transitions import available_actions
from core.views import ScopedQuerysetMixin, ServiceFormView
from registry.services.lifecycle import acts_for
from selection import documents, exports, rules, selectors, services
from selection.choices import (
    CAMPAIGN_TRANSITIONS,
    STAGE_TRANSITIONS,
    CampaignAction,
    EntryStatus,
    StageAction,
)
from selection.filters import CampaignFilterSet
from selection.forms import (
    AnswerForm,
    CutForm,
    EntryForm,
    ObjectionForm,
    PicturesForm,
    ReasonForm,
    ReturnForm,
    SheetForm,
    SubmitForm,
)
from selection.models import (
    Assignment,
    Campaign,
    Certificate,
    Entry,
    EntryAttachment,
    EntryPicture,
    Objection,
    Stage,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _url(name: str, *args) -> str:
    return reverse(f"selection:{name}", args=args)


def _internal(user, campaign: Campaign) -> Campaign:
    found = Campaign.objects.internal(user).filter(pk=campaign.pk).first()
    if found is None:
        raise Http404()
    return found


# --- campaigns --------------------------------------------------------------------------------


class CampaignListView(ScopedQuerysetMixin, FilterView):
    model = Campaign
    filterset_class = CampaignFilterSet
    template_name = "selection/campaign_list.html"
    paginate_by = 50

    def get_queryset(self):
        return super().get_queryset().select_related("organiser").order_by("-year", "-pk")


CAMPAIGN_STEPS = {
    CampaignAction.OPEN: services.campaign_open,
    CampaignAction.START_NOTICE: services.campaign_start_notice,
    CampaignAction.REOPEN: services.campaign_reopen,
    CampaignAction.FINALISE: services.campaign_finalise,
    CampaignAction.CLOSE: services.campaign_close,
}
STAGE_STEPS = {
    StageAction.OPEN: services.stage_open,
    StageAction.CLOSE: services.stage_close,
    "reopen": services.stage_reopen,
}


class CampaignDetailView(ScopedQuerysetMixin, DetailView):
    model = Campaign
    template_name = "selection/campaign_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("organiser")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = self.object
        user = self.request.user
        organiser = acts_for(user, campaign.organiser)
        internal = Campaign.objects.internal(user).filter(pk=campaign.pk).exists()
        stages = list(campaign.stages.order_by("position"))
        context.update(
            organiser=organiser,
            internal=internal,
            categories=campaign.categories.order_by("position"),
            stages=[
                (stage, available_actions(STAGE_TRANSITIONS, stage.status) if organiser else [])
                for stage in stages
            ],
            campaign_actions=[
                (action, CampaignAction(action).label)
                for action in available_actions(CAMPAIGN_TRANSITIONS, campaign.status)
            ]
            if organiser
            else [],
            entries=Entry.objects.restrict(user)
            .filter(campaign=campaign)
            .select_related("category", "organisation", "division")
            .order_by("category__position", "pk")[:500],
            formula=selectors.formula_in_force(campaign) if internal else None,
            objections=Objection.objects.restrict(user).filter(campaign=campaign)
            if internal
            else [],
            may_submit=campaign.status == "active" and (user.role or user.is_superuser),
            cut_form=CutForm(campaign=campaign, user=user) if organiser else None,
        )
        return context


class CampaignStepView(LoginRequiredMixin, View):
    """A step of the campaign (open, notice, reopen, finalise, close) or of one of its stages."""

    http_method_names = ["post"]

    def post(self, request, pk, step):
        campaign = get_object_or_404(Campaign.objects.restrict(request.user), pk=pk)
        form = ReasonForm(request.POST, user=request.user)
        form.is_valid()
        reason = form.cleaned_data.get("reason", "")
        stage_id = request.POST.get("stage", "")
        try:
            if stage_id:
                if step not in STAGE_STEPS or not stage_id.isdigit():
                    raise Http404()
                stage = get_object_or_404(Stage, pk=int(stage_id), campaign=campaign)
                STAGE_STEPS[step](stage=stage, acting_user=request.user, reason=reason)
            elif step in CAMPAIGN_STEPS:
                CAMPAIGN_STEPS[step](campaign=campaign, acting_user=request.user, reason=reason)
            else:
                raise Http404()
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except TransitionNotAllowed as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Done."))
        return redirect(_url("campaign-detail", campaign.pk))


class CutView(ServiceFormView):
    form_class = CutForm
    heading = gettext_lazy("Decide a shortlist or the top entries")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.campaign = get_object_or_404(
                Campaign.objects.restrict(request.user), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "campaign": self.campaign}

    def perform(self, form):
        data = form.cleaned_data
        return services.cut_decide(
            category=data["category"],
            kind=data["kind"],
            tie_break=data["tie_break"] or None,
            reason=data.get("reason", ""),
            acting_user=self.request.user,
        )

    def success_url_for(self, result):
        return _url("campaign-results", self.campaign.pk)


class ResultsView(LoginRequiredMixin, TemplateView):
    """The results by the formula, per category, with every entry's breakdown; with
    ``?as_of=``, as they were at that moment."""

    template_name = "selection/results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = get_object_or_404(Campaign.objects.restrict(self.request.user), pk=kwargs["pk"])
        campaign = _internal(self.request.user, campaign)
        raw = self.request.GET.get("as_of", "")[:40]
        try:
            as_of = parse_datetime(raw) if raw and "\x00" not in raw else None
        except ValueError:  # well-formed but impossible (a 13th month)
            as_of = None
        if as_of is not None and timezone.is_naive(as_of):
            as_of = timezone.make_aware(as_of)
        results = selectors.compute_results(campaign, as_of=as_of)
        entries = {
            e.pk: e
            for e in Entry.objects.filter(campaign=campaign).select_related(
                "organisation", "division"
            )
        }
        categories = []
        for category in campaign.categories.order_by("position"):
            rows = [
                (row, entries[row.entry_id]) for row in results.by_category.get(category.pk, [])
            ]
            categories.append((category, rows))
        shortlist = campaign.stages.filter(shortlist=True).first()
        context.update(
            campaign=campaign,
            results=results,
            categories=categories,
            as_of=as_of,
            bad_as_of=bool(raw) and as_of is None,
            shortlist_ranking=(
                [
                    (c, [(row, entries[row.entry_id]) for row in rows])
                    for c in campaign.categories.order_by("position")
                    for cid, rows in selectors.stage_ranking(shortlist).items()
                    if cid == c.pk
                ]
                if shortlist is not None and shortlist.status == "closed"
                else []
            ),
            organiser=acts_for(self.request.user, campaign.organiser),
            cut_form=CutForm(campaign=campaign, user=self.request.user),
        )
        return context


class ResultsExportView(LoginRequiredMixin, View):
    def get(self, request, pk):
        campaign = get_object_or_404(Campaign.objects.restrict(request.user), pk=pk)
        campaign = _internal(request.user, campaign)
        response = HttpResponse(exports.results_workbook(campaign), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="selection-{campaign.pk}.xlsx"'
        return response


# --- entries ----------------------------------------------------------------------------------


class EntryCreateView(ServiceFormView):
    form_class = EntryForm
    template_name = "selection/entry_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.campaign = get_object_or_404(
                Campaign.objects.restrict(request.user), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    @property
    def heading(self):
        return _("New entry for %(campaign)s") % {"campaign": self.campaign}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "campaign": self.campaign}

    def perform(self, form):
        return services.entry_create(
            campaign=self.campaign, acting_user=self.request.user, **form.service_data()
        )

    def success_url_for(self, result):
        return _url("entry-detail", result.pk)


class EntryDetailView(ScopedQuerysetMixin, DetailView):
    model = Entry
    template_name = "selection/entry_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("campaign__organiser", "category", "organisation", "division")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entry = self.object
        user = self.request.user
        revisions = list(entry.revisions.order_by("number"))
        diff = (
            selectors.entry_diff(revisions[-2].text, revisions[-1].text)
            if len(revisions) > 1
            else []
        )
        context.update(
            phone=mask_value("phone", entry.phone, full=sees_personal_data(user, entry)),
            revisions=revisions,
            diff=diff,
            pictures=entry.pictures.order_by("position", "pk"),
            attachments=entry.attachments.order_by("pk"),
            characters=rules.count_characters(entry.text),
            editable=entry.status in (EntryStatus.DRAFT, EntryStatus.RETURNED)
            and entry.is_within(user, "change"),
            organiser=acts_for(user, entry.campaign.organiser),
            pictures_form=PicturesForm(),
            submit_form=SubmitForm(campaign=entry.campaign, user=user),
            return_form=ReturnForm(user=user),
            comments=entry.comments.select_related("expert").order_by("created_at"),
        )
        return context


class EntryPicturesView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        entry = get_object_or_404(Entry.objects.restrict(request.user, "change"), pk=pk)
        uploads = request.FILES.getlist("pictures")
        try:
            services.pictures_add(entry=entry, uploads=uploads, acting_user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except TransitionNotAllowed as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Pictures added."))
        return redirect(_url("entry-detail", entry.pk))


class EntryStepView(LoginRequiredMixin, View):
    """Submit (with the declarations), return for correction, lock the final version."""

    http_method_names = ["post"]

    def post(self, request, pk, step):
        entry = get_object_or_404(Entry.objects.restrict(request.user), pk=pk)
        try:
            if step == "submit":
                form = SubmitForm(request.POST, campaign=entry.campaign, user=request.user)
                form.is_valid()
                services.entry_submit(
                    entry=entry,
                    acting_user=request.user,
                    declarations=form.cleaned_data.get("declarations", []),
                )
            elif step == "return":
                services.entry_return(
                    entry=entry, acting_user=request.user, note=request.POST.get("note", "")
                )
            elif step == "lock":
                services.entry_lock_final(entry=entry, acting_user=request.user)
            else:
                raise Http404()
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        except TransitionNotAllowed as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Done."))
        return redirect(_url("entry-detail", entry.pk))


class PictureView(View):
    """A picture's bytes, for whoever may see it (``selectors.may_see_picture``)."""

    def get(self, request, pk):
        picture = get_object_or_404(EntryPicture.objects.select_related("entry__campaign"), pk=pk)
        if not selectors.may_see_picture(request.user, picture):
            raise Http404()
        if not picture.file.storage.exists(picture.file.name):
            raise Http404()
        content_type = "image/jpeg" if picture.image_format == "JPEG" else "image/png"
        # the private storage hands the file back decrypted (core.documents)
        return FileResponse(picture.file.open("rb"), content_type=content_type)


class AttachmentView(View):
    """An attachment, for whoever may see it (``selectors.may_see_attachment``), as a download
    of the type its content shows (``core.documents.document_response``)."""

    def get(self, request, pk):
        attachment = get_object_or_404(
            EntryAttachment.objects.select_related("entry__campaign"), pk=pk
        )
        if not selectors.may_see_attachment(request.user, attachment):
            raise Http404()
        if not attachment.file.storage.exists(attachment.file.name):
            raise Http404()
        return document_response(attachment.file, os.path.splitext(attachment.name)[0])


# --- experts' reviews -------------------------------------------------------------------------


class ReviewListView(LoginRequiredMixin, TemplateView):
    template_name = "selection/review_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assignments = (
            Assignment.objects.for_expert(self.request.user)
            .select_related("stage__campaign", "entry")
            .prefetch_related("sheets")
            .order_by("stage__campaign_id", "stage__position", "entry_id")
        )
        context["reviews"] = [
            (a, next((s for s in a.sheets.all() if s.voided_at is None), None)) for a in assignments
        ]
        return context


class ReviewSheetView(ServiceFormView):
    """An assigned entry as the expert may see it (blind review hides the submitter and the
    pictures), and the score sheet."""

    form_class = SheetForm
    template_name = "selection/review_sheet.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.assignment = get_object_or_404(
                Assignment.objects.for_expert(request.user).select_related(
                    "stage__campaign", "entry__category", "expert"
                ),
                pk=kwargs["pk"],
            )
        return super().dispatch(request, *args, **kwargs)

    @property
    def heading(self):
        return _("Score sheet · %(stage)s") % {"stage": self.assignment.stage}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "criteria": self.assignment.stage.criteria.all()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["view_entry"] = selectors.expert_view(self.assignment.entry)
        context["sheet"] = self.assignment.sheets.filter(voided_at__isnull=True).first()
        return context

    def perform(self, form):
        return services.sheet_submit(
            stage=self.assignment.stage,
            entry=self.assignment.entry,
            expert=self.assignment.expert,
            points=form.points(),
            note=form.cleaned_data.get("note", ""),
            acting_user=self.request.user,
        )

    def success_url_for(self, result):
        return _url("review-list")


# --- objections -------------------------------------------------------------------------------


class ObjectionCreateView(ServiceFormView):
    form_class = ObjectionForm
    heading = gettext_lazy("Record an objection")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.campaign = get_object_or_404(
                Campaign.objects.restrict(request.user), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        return services.objection_file(
            campaign=self.campaign, acting_user=self.request.user, **form.service_data()
        )

    def success_url_for(self, result):
        return _url("campaign-detail", self.campaign.pk)


class ObjectionAnswerView(ServiceFormView):
    form_class = AnswerForm
    heading = gettext_lazy("Answer the objection")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.objection = get_object_or_404(
                Objection.objects.restrict(request.user), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def perform(self, form):
        return services.objection_answer(
            objection=self.objection, acting_user=self.request.user, **form.service_data()
        )

    def success_url_for(self, result):
        return _url("campaign-detail", self.objection.campaign_id)


# --- public results and documents -------------------------------------------------------------


class PublicCampaignListView(TemplateView):
    template_name = "selection/public_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["campaigns"] = Campaign.objects.public().select_related("organiser")
        return context


class PublicResultsView(TemplateView):
    """The final results of a published campaign: titles, submitters, places; no personal data."""

    template_name = "selection/public_results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        campaign = get_object_or_404(Campaign.objects.public(), pk=kwargs["pk"])
        context.update(campaign=campaign, rows=selectors.public_results(campaign))
        return context


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


class CaseBookView(View):
    """The case book of a published campaign (public)."""

    def get(self, request, pk):
        campaign = get_object_or_404(Campaign.objects.public(), pk=pk)
        try:
            return _pdf(documents.case_book_pdf(campaign), f"case-book-{campaign.pk}.pdf")
        except documents.DocumentError:
            raise Http404() from None


class CertificateView(View):
    """The certificate of an awarded entry of a published campaign (public: it names the
    submitter and the award, nothing personal)."""

    def get(self, request, pk):
        certificate = get_object_or_404(
            Certificate.objects.filter(entry__campaign__in=Campaign.objects.public()), pk=pk
        )
        return _pdf(documents.certificate_pdf(certificate), f"certificate-{certificate.number}.pdf")
