"""The support records are written through the support pages, API and ledgers, whose services
check the rules (custody, balances, overlaps) and record the reason; the admin shows them and
their history, read-only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from support import models


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.SupportPlatform)
class PlatformAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "division", "opened_on", "closed_on"]
    list_filter = ["kind", "division__level"]
    search_fields = ["name"]


@admin.register(models.FundedProject)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["title", "organisation", "custodian", "amount_approved", "status"]
    list_filter = ["status", "round__programme__kind"]
    search_fields = ["title", "organisation__name"]


@admin.register(models.CommunityFund)
class FundAdmin(ReadOnlyAdmin):
    list_display = ["name", "division", "balance"]


for model in (
    models.OperatingContract,
    models.PlatformOperator,
    models.Residency,
    models.StagePeriod,
    models.SupportService,
    models.FundingProgramme,
    models.FundingRound,
    models.Disbursement,
    models.ProgressReport,
    models.Donation,
    models.FundGrant,
    models.TrainingProgramme,
    models.TrainingSession,
    models.Attendance,
    models.SubCommitteeRecommendation,
    models.Pairing,
):
    admin.site.register(model, ReadOnlyAdmin)
