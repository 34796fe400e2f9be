"""/api/v1/: each app registers its own resources in its ``api/urls.py``."""

from django.urls import include, path

urlpatterns = [
    # First: the public vote's endpoints take the most requests (a city's voters in a week), and
    # a URL is matched against every pattern before it (bench/vote_load.py). No other app's
    # resource starts with voting/.
    path("", include("voting.api.urls")),
    path("", include("registry.api.urls")),
    path("", include("oversight.api.urls")),
    path("", include("party_building.api.urls")),
    path("", include("grading.api.urls")),
    path("", include("selection.api.urls")),
    path("", include("support.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("transparency.api.urls")),
]
