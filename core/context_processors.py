"""Template context every page needs from the deployment."""

from django.conf import settings


def deployment(request):
    """``DEMO_MODE``: base.html shows the demo banner on every page when it is on."""
    return {"DEMO_MODE": settings.DEMO_MODE}
