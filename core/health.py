"""A health endpoint for the load balancer, monitoring and the load test's floor."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def health(request):
    """``ok`` from the WSGI stack alone (no database, no session): what a request costs when the
    application does nothing."""
    return HttpResponse("ok\n", content_type="text/plain")
