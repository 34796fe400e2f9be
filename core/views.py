"""Base classes for web views: every queryset is restricted to the user's jurisdiction here,
and every form that writes goes through one service form view with one error behaviour."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy
from django.views.generic import FormView

from core.exceptions import TransitionNotAllowed
from core.forms import ServiceForm
from core.scoping import VIEW


class ScopedQuerysetMixin(LoginRequiredMixin):
    """Restricts ``get_queryset()`` to the user's jurisdiction; objects outside are 404."""

    scope_action = VIEW

    def get_queryset(self):
        return super().get_queryset().restrict(self.request.user, self.scope_action)


class ServiceFormView(LoginRequiredMixin, FormView):
    """A form whose valid data is handed to a service (``perform``); what the service refuses
    is shown on the form, re-rendered, with nothing stored (the services are atomic):

    - ``ValidationError``: each message next to its field (or at the top), HTTP 200 like any
      invalid form;
    - ``TransitionNotAllowed`` and ``Conflict`` (the state no longer allows the change, or
      someone acted first): the message at the top, HTTP 409;
    - ``NotPermitted`` (403) and ``OutOfJurisdiction`` (404) are left to Django's handlers.

    Subclasses give ``form_class``, ``perform(form)`` and where to go next: ``success_url``,
    ``get_success_url()`` or ``success_url_for(result)``. The template is ``template_name``,
    else ``<app>/form.html`` of the app the view is defined in; the form gets the acting user
    when it is a :class:`~core.forms.ServiceForm`.
    """

    success_message = gettext_lazy("Saved.")
    heading = ""
    cancel_url = ""
    #: the result of ``perform`` once the service succeeded
    result = None

    def perform(self, form):
        """Call the service with the form's data; return what it saved."""
        raise NotImplementedError

    def success_url_for(self, result) -> str:
        return self.get_success_url()

    def get_template_names(self):
        if self.template_name:
            return [self.template_name]
        return [f"{type(self).__module__.split('.')[0]}/form.html"]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if issubclass(self.get_form_class(), ServiceForm):
            kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs):
        kwargs.setdefault("heading", self.heading)
        kwargs.setdefault("cancel_url", self.cancel_url)
        return super().get_context_data(**kwargs)

    def form_valid(self, form):
        try:
            self.result = self.perform(form)
        except TransitionNotAllowed as error:
            form.add_error(None, str(error.message))
            return self.render_to_response(self.get_context_data(form=form), status=409)
        except ValidationError as error:
            if isinstance(form, ServiceForm):
                form.add_service_error(error)
            else:
                for message in error.messages:
                    form.add_error(None, message)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        return redirect(self.success_url_for(self.result))
