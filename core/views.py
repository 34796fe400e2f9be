"""Base classes for web views: every queryset is restricted to the user's jurisdiction here."""

from django.contrib.auth.mixins import LoginRequiredMixin

from core.scoping import VIEW


class ScopedQuerysetMixin(LoginRequiredMixin):
    """Restricts ``get_queryset()`` to the user's jurisdiction; objects outside are 404."""

    scope_action = VIEW

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user, self.scope_action)
