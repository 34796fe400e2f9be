"""The voters' pages: public, no login, made for phones (one small stylesheet, no script), with a
fieldset per category and a label on every choice. The session holds the verification token
between the steps (CSRF on every form)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from voting import charts, exports, selectors, services
from voting.models import VoteStage

SESSION_KEY = "voting-token-%s"


def _public_votes():
    return selectors.public_votes().select_related("stage__campaign")


def _vote(pk) -> VoteStage:
    return get_object_or_404(_public_votes(), pk=pk)


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [message for messages in error.message_dict.values() for message in messages]
    return list(error.messages)


class VoteListView(View):
    def get(self, request):
        votes = _public_votes().order_by("-closes_at", "-pk")[:50]
        return render(request, "voting/vote_list.html", {"votes": votes})


class VotePageView(View):
    """The vote: verify (SMS code or voting code), then the ballot."""

    def get(self, request, pk):
        vote = _vote(pk)
        return self._page(request, vote)

    def _page(self, request, vote, *, errors=(), phone="", chosen=None, step=None, status=200):
        token = request.session.get(SESSION_KEY % vote.pk)
        context = {
            "vote": vote,
            "errors": errors,
            "phone": phone,
            "verified": bool(token),
            "step": step,
            "categories": selectors.ballot_entries(vote),
            "chosen": chosen or set(),
            "allows_phone": vote.voter_rule in ("phone", "either"),
            "allows_code": vote.voter_rule in ("code", "either"),
        }
        return render(request, "voting/vote.html", context, status=status)

    def post(self, request, pk):
        vote = _vote(pk)
        step = request.POST.get("step", "")
        address = str(request.META.get("REMOTE_ADDR", ""))[:64]
        phone = request.POST.get("phone", "")[:20]
        try:
            if step == "phone":
                services.phone_challenge_send(vote=vote, phone=phone, address=address)
                return self._page(request, vote, phone=phone, step="otp")
            if step == "otp":
                token = services.phone_verify(
                    vote=vote, phone=phone, otp=request.POST.get("otp", "")[:10], address=address
                )
                request.session[SESSION_KEY % vote.pk] = token
                return redirect("voting:vote", pk=vote.pk)
            if step == "code":
                token = services.code_verify(
                    vote=vote, code=request.POST.get("code", "")[:30], address=address
                )
                request.session[SESSION_KEY % vote.pk] = token
                return redirect("voting:vote", pk=vote.pk)
            if step == "ballot":
                choices = {}
                for key in request.POST:
                    if key.startswith("category-"):
                        choices[key.removeprefix("category-")] = request.POST.getlist(key)[:500]
                for category in selectors.ballot_entries(vote):
                    choices.setdefault(str(category.category_id), [])
                try:
                    services.ballot_cast(
                        vote=vote,
                        token=request.session.get(SESSION_KEY % vote.pk, ""),
                        choices=choices,
                    )
                except ValidationError as error:
                    chosen = {v for values in choices.values() for v in values}
                    return self._page(
                        request, vote, errors=_messages(error), chosen=chosen, status=400
                    )
                request.session.pop(SESSION_KEY % vote.pk, None)
                return render(request, "voting/thanks.html", {"vote": vote})
        except services.RateLimited as refused:
            return self._page(request, vote, errors=[str(refused.message)], phone=phone, status=429)
        except ValidationError as error:
            again = "otp" if step == "otp" else None
            return self._page(
                request, vote, errors=_messages(error), phone=phone, step=again, status=400
            )
        raise Http404


class ResultsView(View):
    """The results once the vote shows them: per category, votes and shares (with and without
    exclusions), voters and ballots, turnout over time; before then, only when they will show."""

    def get(self, request, pk):
        vote = _vote(pk)
        found = selectors.results(vote)
        chart = charts.turnout_chart(selectors.turnout(vote)) if found.visible else ""
        return render(
            request, "voting/results.html", {"vote": vote, "results": found, "chart": chart}
        )


class ResultsExportView(View):
    def get(self, request, pk):
        vote = _vote(pk)
        response = HttpResponse(
            exports.results_workbook(vote),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="vote-{vote.pk}-results.xlsx"'
        return response
