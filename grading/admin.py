"""The configuration of grading (grade bands, indicator templates, evaluation weights) is edited
here without code; the records themselves are written through the grading pages and API, whose
services check the rules and record the reason, so the admin only shows them and their history.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from grading.models import (
    AssessmentApplication,
    AssessmentCampaign,
    DimensionWeight,
    Evaluation,
    Expert,
    GradeAward,
    GradeBand,
    Indicator,
    IndicatorTemplate,
    Sanction,
)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GradeBand)
class GradeBandAdmin(SimpleHistoryAdmin):
    list_display = ("__str__", "division", "level", "lower_bound", "inclusive")
    list_filter = ("level",)
    list_select_related = ("division",)
    autocomplete_fields = ("division",)
    ordering = ("division", "-level")


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fk_name = "template"
    extra = 0
    fields = ("position", "code", "name", "parent", "max_points", "is_bonus")
    ordering = ("position", "pk")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # A parent is another indicator of the same template.
        parent = formset.form.base_fields.get("parent")
        if parent is not None:
            parent.queryset = (
                Indicator.objects.filter(template=obj) if obj else Indicator.objects.none()
            )
        return formset

    def has_add_permission(self, request, obj=None):
        return not (obj and obj.is_snapshot)

    def has_change_permission(self, request, obj=None):
        return not (obj and obj.is_snapshot)

    def has_delete_permission(self, request, obj=None):
        return not (obj and obj.is_snapshot)


@admin.register(IndicatorTemplate)
class IndicatorTemplateAdmin(SimpleHistoryAdmin):
    list_display = ("name", "division", "is_active", "is_snapshot", "base", "bonus", "created_at")
    list_filter = ("is_active", "is_snapshot")
    readonly_fields = ("is_snapshot", "source", "created_at")
    autocomplete_fields = ("division",)
    inlines = [IndicatorInline]

    @admin.display(description=_("base points"))
    def base(self, obj):
        return obj.base_points

    @admin.display(description=_("bonus points"))
    def bonus(self, obj):
        return obj.bonus_points

    def has_change_permission(self, request, obj=None):
        # A campaign's copy is frozen: later edits must not change a past campaign.
        if obj is not None and obj.is_snapshot:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and (obj.is_snapshot or obj.campaigns.exists()):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(DimensionWeight)
class DimensionWeightAdmin(SimpleHistoryAdmin):
    list_display = ("dimension", "division", "weight")
    list_filter = ("dimension",)
    list_select_related = ("division",)
    autocomplete_fields = ("division",)


@admin.register(AssessmentCampaign)
class AssessmentCampaignAdmin(ReadOnlyAdmin):
    list_display = ("title", "district", "year", "status", "application_deadline")
    list_filter = ("status", "year")
    list_select_related = ("district",)


@admin.register(AssessmentApplication)
class AssessmentApplicationAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "campaign", "status", "score", "level")
    list_filter = ("status",)
    list_select_related = ("organisation", "campaign")
    search_fields = ("organisation__name",)


@admin.register(GradeAward)
class GradeAwardAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "level", "awarded_on", "valid_until", "revoked_on", "campaign")
    list_filter = ("level",)
    list_select_related = ("organisation", "campaign")
    search_fields = ("organisation__name",)


@admin.register(Expert)
class ExpertAdmin(ReadOnlyAdmin):
    list_display = ("name", "affiliation", "district")
    list_select_related = ("district",)
    search_fields = ("name",)


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "kind", "title", "decided_on", "closed_on")
    list_filter = ("kind",)
    list_select_related = ("organisation",)
    search_fields = ("organisation__name", "title")


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ("title", "division", "period_start", "period_end", "status", "published_on")
    list_filter = ("status",)
    list_select_related = ("division",)
