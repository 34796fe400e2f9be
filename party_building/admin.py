from django import forms
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.history import stamp
from party_building.models import (
    InstructorAssignment,
    PartyBuildingSettings,
    PartyCoverage,
    PartyInstructor,
    PartyOrganisation,
)


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """Party records are written through the party pages, whose services check the coverage
    rules and record the reason; the admin shows them and their history."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PartyCoverageInline(admin.TabularInline):
    model = PartyCoverage
    extra = 0
    can_delete = False
    fields = ("organisation", "start_on", "end_on")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PartyOrganisation)
class PartyOrganisationAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "guiding_division", "founded_on", "dissolved_on", "secretary")
    list_filter = ("kind",)
    search_fields = ("name", "secretary", "guiding_division__name")
    list_select_related = ("guiding_division",)
    inlines = [PartyCoverageInline]


@admin.register(PartyInstructor)
class PartyInstructorAdmin(ReadOnlyAdmin):
    list_display = ("name", "division", "phone")
    search_fields = ("name", "division__name")
    list_select_related = ("division",)


@admin.register(InstructorAssignment)
class InstructorAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("instructor", "organisation", "start_on", "end_on")
    search_fields = ("instructor__name", "organisation__name")
    list_select_related = ("instructor", "organisation")


class PartyBuildingSettingsForm(forms.ModelForm):
    reason = forms.CharField(
        label=_("reason for the change"),
        max_length=200,
        help_text=_("Kept in the history with your name."),
    )

    class Meta:
        model = PartyBuildingSettings
        fields = ["min_formal_members", "three_member_rule_severity"]


@admin.register(PartyBuildingSettings)
class PartyBuildingSettingsAdmin(SimpleHistoryAdmin):
    """One row: the list page opens it; it can't be added twice or deleted."""

    form = PartyBuildingSettingsForm
    list_display = ("__str__", "min_formal_members", "three_member_rule_severity")

    def save_model(self, request, obj, form, change):
        stamp(obj, acting_user=request.user, reason=form.cleaned_data["reason"])
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request):
        return not PartyBuildingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        settings = PartyBuildingSettings.objects.first()
        if settings is None:
            return redirect(reverse("admin:party_building_partybuildingsettings_add"))
        return redirect(
            reverse("admin:party_building_partybuildingsettings_change", args=[settings.pk])
        )
