"""The vote's records in the admin, read-only: they are written through the services (which
check the rules and record the reason). Voters and ballots are not listed at all: the admin
shows the settings, batches and exclusions and their history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from voting import models


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RuleInline(admin.TabularInline):
    model = models.CategoryRule
    fields = ["category", "min_choices", "max_choices"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.VoteStage)
class VoteStageAdmin(ReadOnlyAdmin):
    list_display = ["title", "stage", "opens_at", "closes_at", "results_visibility", "voter_rule"]
    list_filter = ["results_visibility", "voter_rule"]
    search_fields = ["title"]
    inlines = [RuleInline]


@admin.register(models.CodeBatch)
class CodeBatchAdmin(ReadOnlyAdmin):
    list_display = ["vote", "label", "size", "created_by", "created_at"]


@admin.register(models.Exclusion)
class ExclusionAdmin(ReadOnlyAdmin):
    list_display = ["vote", "hour", "address_key", "withdrawn", "created_by", "created_at"]
    list_filter = ["withdrawn"]
