from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry.models import Application, Division, FilingConditions, Member, Organisation, User


@admin.register(Division)
class DivisionAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "level", "parent", "is_residential", "is_statistical")
    list_filter = ("level", "is_residential", "is_statistical")
    search_fields = ("code", "name")
    readonly_fields = ("path",)
    autocomplete_fields = ("parent",)
    list_select_related = ("parent",)
    show_full_result_count = False


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "last_name", "first_name", "role", "division", "is_active")
    list_filter = ("role", "is_active", "is_superuser")
    list_select_related = ("division",)
    autocomplete_fields = ("division",)
    fieldsets = BaseUserAdmin.fieldsets + ((_("Jurisdiction"), {"fields": ("role", "division")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Jurisdiction"), {"fields": ("role", "division")}),
    )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MemberInline(ReadOnlyInline):
    model = Member
    fields = ("name", "role", "is_founder", "party_status", "joined_on", "left_on")


class ApplicationInline(ReadOnlyInline):
    model = Application
    fk_name = "organisation"
    fields = ("kind", "status", "submitted_at", "decided_at", "decided_by")


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    """Read-mostly: lifecycle moves go through the review pages so they keep their checks."""

    list_display = (
        "name",
        "status",
        "community",
        "org_type",
        "field",
        "filing_number",
        "credit_code",
        "is_hub",
    )
    list_filter = ("status", "org_type", "field", "is_hub")
    search_fields = ("name", "filing_number", "credit_code")
    autocomplete_fields = ("community",)
    list_select_related = ("community",)
    readonly_fields = (
        "status",
        "filing_number",
        "filed_on",
        "credit_code",
        "registered_on",
        "is_hub",
        "hub_designated_on",
        "hub_designated_by",
        "exit_reason",
        "exited_on",
    )
    inlines = [MemberInline, ApplicationInline]
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False  # organisations are never hard-deleted


@admin.register(FilingConditions)
class FilingConditionsAdmin(SimpleHistoryAdmin):
    list_display = (
        "org_type",
        "min_individual_founders",
        "min_legal_person_founders",
        "min_members",
        "min_staff",
    )

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(SimpleHistoryAdmin):
    list_display = (
        "organisation",
        "kind",
        "status",
        "reviewing_division",
        "submitted_at",
        "decided_at",
    )
    list_filter = ("kind", "status")
    search_fields = ("organisation__name",)
    list_select_related = ("organisation", "reviewing_division")
    raw_id_fields = ("organisation",)

    def has_change_permission(self, request, obj=None):
        return False  # decisions are made through the review pages or the API

    def has_delete_permission(self, request, obj=None):
        return False
