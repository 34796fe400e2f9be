from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyBuildingConfig(AppConfig):
    name = "party_building"
    verbose_name = _("Party building")

    def ready(self):
        from party_building.rules import MESSAGES, three_member_rule
        from registry.rules import register_condition

        register_condition(three_member_rule, messages=MESSAGES)
