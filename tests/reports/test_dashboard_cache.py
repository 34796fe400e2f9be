"""The dashboards' figures are kept for a few minutes (settings.REPORTS_CACHE_SECONDS; the rest
of the suite turns it off): a second view computes nothing, says when its figures were computed
and offers to compute them again; a copy is the user's own and never crosses a jurisdiction."""

from __future__ import annotations

import pytest

from reports import views
from tests.conftest import PINGSHAN_DISTRICT
from tests.reports.conftest import PAST
from tests.reports.test_dashboard import dashboard, kpi_rows

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def kept(settings, tmp_path, monkeypatch):
    """The production default (figures kept 5 minutes, in files), and a count of the reports
    the dashboards compute."""
    settings.REPORTS_CACHE_SECONDS = 300
    settings.CACHES = {
        **settings.CACHES,
        "reports": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "reports-cache"),
        },
    }
    computed = []
    real = views.kpi_report

    def counting(**kwargs):
        computed.append((kwargs["scope"], kwargs["user"].username, kwargs.get("as_of")))
        return real(**kwargs)

    monkeypatch.setattr(views, "kpi_report", counting)
    return computed


def test_a_second_view_shows_the_same_figures_without_computing_them(
    at_now, scenario, people, client_for, kept
):
    client = client_for(people["district"])
    first = client.get(dashboard(PINGSHAN_DISTRICT), **EN)
    assert first.status_code == 200 and len(kept) == 1
    html = first.content.decode()
    assert "Figures computed at 2026-11-23" in html and "kept for up to 5 minutes" in html
    assert 'id="compute-again"' in html and "?fresh=1" in html
    second = client.get(dashboard(PINGSHAN_DISTRICT), **EN)
    assert second.status_code == 200 and len(kept) == 1  # from the copy
    assert kpi_rows(second) == kpi_rows(first)
    assert second.content.decode().count('role="img"') == html.count('role="img"')
    # asked for: computed again, the same figures
    again = client.get(dashboard(PINGSHAN_DISTRICT, fresh=1), **EN)
    assert again.status_code == 200 and len(kept) == 2
    assert kpi_rows(again) == kpi_rows(first)


def test_a_copy_is_the_users_own_and_of_its_day(at_now, scenario, people, client_for, kept):
    district = client_for(people["district"])
    district.get(dashboard(PINGSHAN_DISTRICT), **EN)
    # another day is other figures
    past = district.get(dashboard(PINGSHAN_DISTRICT, as_of=PAST.isoformat()), **EN)
    assert past.status_code == 200 and len(kept) == 2
    # the city's officer sees the district too, but counts in their own jurisdiction: their own
    # copy, not the district officer's
    city = client_for(people["city"]).get(dashboard(PINGSHAN_DISTRICT), **EN)
    assert city.status_code == 200 and len(kept) == 3
    assert [user for _scope, user, _day in kept] == ["kpi-district", "kpi-district", "kpi-city"]
    # another district's officer is refused the node, copy or not, and nothing is computed
    other = client_for(people["other_district"]).get(dashboard(PINGSHAN_DISTRICT), **EN)
    assert other.status_code == 404 and len(kept) == 3
    # a page in another language is its own copy (labels are in the figures' charts)
    chinese = district.get(dashboard(PINGSHAN_DISTRICT), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 200 and len(kept) == 4
    assert "数字计算于" in chinese.content.decode()


def test_an_unusable_day_is_still_a_message(at_now, scenario, people, client_for, kept):
    client = client_for(people["district"])
    # a day after today: the report refuses it, and nothing is kept (asked again, refused again)
    for _attempt in range(2):
        response = client.get(dashboard(PINGSHAN_DISTRICT, as_of="2099-01-01"), **EN)
        assert response.status_code == 400
    assert len(kept) == 2
    # no day at all: refused before anything is computed
    response = client.get(dashboard(PINGSHAN_DISTRICT, as_of="not-a-day", fresh=1), **EN)
    assert response.status_code == 400 and len(kept) == 2
