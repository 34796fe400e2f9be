from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reports.models import KpiTarget


@admin.register(KpiTarget)
class KpiTargetAdmin(SimpleHistoryAdmin):
    """Targets override the plan's defaults (in ``reports.models.DEFAULT_TARGETS``); deleting
    one restores the default."""

    list_display = ("key", "value", "due_on", "note")
    ordering = ("key",)
