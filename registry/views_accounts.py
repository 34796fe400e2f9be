"""Accounts in bulk (``registry.accounts``): upload a file of accounts, see every problem or
what was done; the new accounts' set-password links are shown once and downloadable once."""

from __future__ import annotations

import base64
import dataclasses

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from openpyxl import Workbook

from core.excel import table_sheet, workbook_bytes
from registry.accounts import ACCOUNT_COLUMNS, account_import, account_import_refusal

SESSION_KEY = "account_links_xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AccountFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Accounts file (.xlsx or .csv)"))
    dry_run = forms.BooleanField(label=gettext_lazy("Check only, write nothing"), required=False)


class AccountImportView(LoginRequiredMixin, View):
    """GET: the upload form and the columns; POST: the import and its result. Only those who
    may create accounts reach it (404 for everyone else, as for a page outside one's scope)."""

    template_name = "registry/accounts/import.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and account_import_refusal(request.user):
            raise Http404()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self._page(request, AccountFileForm())

    def post(self, request):
        form = AccountFileForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._page(request, form)
        upload = form.cleaned_data["file"]
        result = account_import(
            source=upload.read(),
            filename=upload.name,
            acting_user=request.user,
            dry_run=form.cleaned_data["dry_run"],
            base_url=request.build_absolute_uri("/"),
        )
        if result.links:
            request.session[SESSION_KEY] = base64.b64encode(_links_workbook(result)).decode()
        response = render(
            request, "registry/accounts/import_result.html", {"result": result, "form": form}
        )
        response["Cache-Control"] = "no-store"  # the links are shown once
        return response

    def _page(self, request, form):
        return render(request, self.template_name, {"form": form, "columns": ACCOUNT_COLUMNS})


class AccountLinksView(LoginRequiredMixin, View):
    """The .xlsx of the links of the last import, once: it is gone from the session after."""

    def get(self, request):
        data = request.session.pop(SESSION_KEY, None)
        if data is None:
            raise Http404()
        response = HttpResponse(base64.b64decode(data), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="account-links.xlsx"'
        response["Cache-Control"] = "no-store"
        return response


def _links_workbook(result) -> bytes:
    book = Workbook()
    table_sheet(
        book,
        _("Set-password links"),
        [
            (_("Login"), 16),
            (_("Name"), 12),
            (_("Role"), 14),
            (_("Node"), 24),
            (_("Phone"), 14),
            (_("Set-password link (once)"), 80),
        ],
        ([*dataclasses.astuple(link)] for link in result.links),
        first=True,
    )
    return workbook_bytes(book)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Where a set-password link leads: the new account chooses its password, once."""

    template_name = "registration/set_password.html"
    success_url = reverse_lazy("login")
    post_reset_login = False
