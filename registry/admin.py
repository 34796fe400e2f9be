from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry.models import Division, User


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
