import pytest
from django.test import Client
from rest_framework.test import APIClient

from registry.models import Division, User
from registry.services.divisions import divisions_load
from tests.access import parametrize_roles
from tests.places import (  # noqa: F401 (the codes tests import from here)
    LONGGANG_DISTRICT,
    MALUAN_COMMUNITY,
    MALUAN_STREET,
    PINGSHAN_COMMUNITY,
    PINGSHAN_DISTRICT,
    PINGSHAN_STREET,
)

#: the shared world of sample data (``world``, ``users``) and its role-parametrised access tests
pytest_plugins = ["tests.world"]


def pytest_generate_tests(metafunc):
    parametrize_roles(metafunc)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real Shenzhen divisions once per test database."""
    with django_db_blocker.unblock():
        divisions_load()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def divisions(db):
    """The Shenzhen division tree (reloaded if a transactional test flushed it)."""
    if not Division.objects.exists():
        divisions_load()
    return Division.objects.all()


@pytest.fixture
def make_user(divisions):
    counter = iter(range(1, 10_000))

    def make(role="", code=None, **extra):
        user = User.objects.create_user(
            username=extra.pop("username", f"user{next(counter)}-{role or 'none'}"),
            password="pw",
            role=role,
            division=Division.objects.get(code=code) if code else None,
            **extra,
        )
        user.full_clean()
        return user

    return make


@pytest.fixture
def client_for():
    """A logged-in web client for a user."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_for():
    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def staff(make_user):
    """Community staff of 坪山社区 (in 坪山街道, 坪山区)."""
    return make_user("community_staff", PINGSHAN_COMMUNITY, username="staff-pingshan")


@pytest.fixture
def street_officer(make_user):
    return make_user("street_officer", PINGSHAN_STREET, username="street-pingshan")


@pytest.fixture
def district_officer(make_user):
    return make_user("district_officer", PINGSHAN_DISTRICT, username="district-pingshan")


@pytest.fixture
def other_street_officer(make_user):
    return make_user("street_officer", MALUAN_STREET, username="street-maluan")


@pytest.fixture
def city_officer(make_user):
    return make_user("city_officer", "4403", username="city")
