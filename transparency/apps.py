from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransparencyConfig(AppConfig):
    name = "transparency"
    verbose_name = _("Transparency")

    def ready(self):
        from django.db.models import F

        from registry.extensions import OrganisationAnnotation, register_organisation_annotation

        # The public register links every organisation to its public page (a public column of
        # the registry's register: registry.extensions).
        if "public_template" not in OrganisationAnnotation.__dataclass_fields__:
            return
        register_organisation_annotation(
            OrganisationAnnotation(
                name="public_page",
                label=_("Public page"),
                annotate=lambda queryset: queryset.annotate(public_page=F("pk")),
                public_template="transparency/includes/public_page_cell.html",
            )
        )
