from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "grading"
    verbose_name = _("Grading and evaluation")

    def ready(self):
        from registry.extensions import register_organisation_panel

        register_organisation_panel("grading/includes/org_panel.html")
