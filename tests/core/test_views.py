"""``core.views.ServiceFormView``: one error behaviour for what a service refuses."""

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from core.exceptions import Conflict, NotPermitted, TransitionNotAllowed
from core.forms import ServiceForm, reason_field
from core.views import ServiceFormView
from tests.conftest import PINGSHAN_COMMUNITY

pytestmark = pytest.mark.django_db


class NameForm(ServiceForm, forms.Form):
    name = forms.CharField()
    reason = reason_field(required=False)


class NameView(ServiceFormView):
    form_class = NameForm
    template_name = "registry/form.html"
    heading = "Name it"
    outcome = None
    seen = None

    def perform(self, form):
        NameView.seen = (form.user, form.service_data())
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome

    def success_url_for(self, result):
        return f"/done/{result}/"


def post(user, view, data):
    request = RequestFactory().post("/name/", data)
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    response = view.as_view()(request)
    if hasattr(response, "render"):
        response.render()
    return request, response


@pytest.fixture
def staff(make_user):
    return make_user("community_staff", PINGSHAN_COMMUNITY)


def test_success_redirects_with_a_message_and_passes_the_user(staff):
    view = type("V", (NameView,), {"outcome": 7})
    request, response = post(staff, view, {"name": "书画协会", "reason": "新建"})
    assert response.status_code == 302 and response.url == "/done/7/"
    assert NameView.seen == (staff, {"name": "书画协会"})
    assert [str(m) for m in get_messages(request)] == [str(ServiceFormView.success_message)]


def test_validation_error_goes_on_the_form_with_200(staff):
    view = type("V", (NameView,), {"outcome": ValidationError({"name": ["Taken."]})})
    _request, response = post(staff, view, {"name": "书画协会"})
    assert response.status_code == 200
    assert response.context_data["form"].errors["name"] == ["Taken."]
    assert "Taken." in response.content.decode()


@pytest.mark.parametrize(
    "error",
    [
        TransitionNotAllowed("Already approved.", current="approved", requested="approve"),
        Conflict("Approved by someone else first.", current="approved", requested="approve"),
    ],
)
def test_transition_refusal_and_conflict_are_409_with_the_message_on_top(staff, error):
    view = type("V", (NameView,), {"outcome": error})
    request, response = post(staff, view, {"name": "书画协会"})
    assert response.status_code == 409
    form = response.context_data["form"]
    assert list(form.non_field_errors()) == [str(error.message)]
    assert str(error.message) in response.content.decode()
    assert response.context_data["heading"] == "Name it"
    assert list(get_messages(request)) == []


def test_not_permitted_is_left_to_django(staff):
    view = type("V", (NameView,), {"outcome": NotPermitted("No.")})
    with pytest.raises(NotPermitted):
        post(staff, view, {"name": "书画协会"})


def test_anonymous_is_sent_to_log_in():
    _request, response = post(AnonymousUser(), NameView, {"name": "x"})
    assert response.status_code == 302 and "login" in response.url


def test_default_template_is_the_apps_form():
    view = type("V", (ServiceFormView,), {"__module__": "grading.views"})()
    assert view.get_template_names() == ["grading/form.html"]
