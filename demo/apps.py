from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo dataset (``manage.py seed_demo``): the top floor, which may import every app."""

    name = "demo"
    verbose_name = _("Demo data")
