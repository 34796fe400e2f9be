"""The API tests run against the shared world (``tests/world.py``: one organisation of each kind
of record in 坪山社区, and a user of every role inside and outside its jurisdiction)."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Service-layer messages are produced in the active language; tests read English."""
    with translation.override("en"):
        yield
