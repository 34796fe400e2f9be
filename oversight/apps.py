from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "oversight"
    verbose_name = _("Oversight")

    def ready(self):
        from oversight.filters import ORGANISATION_FILTERS
        from registry.extensions import register_organisation_filter, register_organisation_panel

        for name, filter_ in ORGANISATION_FILTERS.items():
            register_organisation_filter(name, filter_)
        register_organisation_panel("oversight/_org_panel.html")
