"""Admin for oversight: the settings (one row, edited here, with history) and read-only views of
reports, credit-list entries and dormancy cases, whose changes go through the oversight pages
and services so they keep their checks.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from oversight.models import AnnualReport, CreditListEntry, DormancyCase, OversightSettings


@admin.register(OversightSettings)
class OversightSettingsAdmin(SimpleHistoryAdmin):
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("report_deadline_month", "report_deadline_day"),
                    "activity_groups_report",
                    "report_in_entry_year",
                    "first_report_year",
                    "scan_years",
                    "serious_list_after_years",
                )
            },
        ),
        (
            None,
            {
                "fields": (
                    "dormancy_inactive_months",
                    "dormancy_missing_report_years",
                    "dormancy_notice_days",
                    "dormancy_auto_exit",
                )
            },
        ),
    )

    def has_add_permission(self, request):
        return not OversightSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AnnualReport)
class AnnualReportAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "year", "status", "submitted_on", "overdue_since")
    list_filter = ("status", "year")
    search_fields = ("organisation__name",)
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation",)
    show_full_result_count = False


@admin.register(CreditListEntry)
class CreditListEntryAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "kind", "listed_on", "reason", "removed_on", "removal_reason")
    list_filter = ("kind", "reason", "removal_reason")
    search_fields = ("organisation__name", "organisation__credit_code")
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation", "escalated_from")
    show_full_result_count = False


@admin.register(DormancyCase)
class DormancyCaseAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "status", "flagged_on", "notice_ends_on", "resolved_on")
    list_filter = ("status",)
    search_fields = ("organisation__name",)
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation", "exit_application")
    show_full_result_count = False
