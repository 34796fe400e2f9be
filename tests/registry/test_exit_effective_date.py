"""An exit approved today that took effect on an earlier day (issue 21: services that record a
past event accept an effective date): ``exited_on`` and the history row's valid time take that
day, the recorded time stays now; the limits and the other decisions refuse it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from registry.choices import ApplicationAction, ApplicationKind, ExitReason, OrgStatus
from registry.forms import DecisionForm
from registry.models import Organisation
from registry.services.lifecycle import application_decide, application_submit
from reports.kpis import organisation_states
from tests.registry.factories import make_group

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
FOUNDED = TODAY - datetime.timedelta(days=400)
STOPPED = TODAY - datetime.timedelta(days=60)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def group(staff):
    """An activity group founded 400 days ago whose ledger entry dates from then."""
    organisation = make_group(staff, founded_on=FOUNDED)
    moment = timezone.make_aware(datetime.datetime.combine(FOUNDED, datetime.time(12)))
    Organisation.history.filter(id=organisation.pk).update(history_date=moment)
    return organisation


def exit_application(organisation, staff):
    return application_submit(
        organisation=organisation,
        kind=ApplicationKind.EXIT,
        acting_user=staff,
        exit_reason=ExitReason.DORMANT,
    )


def test_an_exit_takes_effect_on_its_day_and_counts_from_then(group, staff):
    application = exit_application(group, staff)
    application_decide(
        application=application,
        action=ApplicationAction.APPROVE,
        acting_user=staff,
        reason="两个月前已停止活动，今日补录",
        effective_date=STOPPED,
    )
    group.refresh_from_db()
    assert (group.status, group.exited_on) == (OrgStatus.EXITED, STOPPED)
    row = Organisation.history.filter(id=group.pk).latest("history_date", "history_id")
    assert timezone.localdate(row.history_date) == STOPPED  # valid time: the day it stopped
    assert timezone.localdate(row.history_recorded_at) == TODAY  # recorded: now
    assert (row.history_user, row.history_change_reason) == (staff, "两个月前已停止活动，今日补录")

    def status_on(day):
        cutoff = timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min)
        )
        return organisation_states(cutoff).get(id=group.pk).status

    assert status_on(STOPPED - datetime.timedelta(days=1)) == OrgStatus.ACTIVITY_GROUP
    assert status_on(STOPPED) == OrgStatus.EXITED


@pytest.mark.parametrize(
    ("effective_date", "reason", "field"),
    [
        (TODAY + datetime.timedelta(days=1), "补录", "effective_date"),  # the future
        (FOUNDED - datetime.timedelta(days=1), "补录", "effective_date"),  # before the founding
        (STOPPED, "", "reason"),  # back-dated without a reason
    ],
)
def test_the_limits_refuse_and_nothing_changes(group, staff, effective_date, reason, field):
    application = exit_application(group, staff)
    with pytest.raises(ValidationError) as error:
        application_decide(
            application=application,
            action=ApplicationAction.APPROVE,
            acting_user=staff,
            reason=reason,
            effective_date=effective_date,
        )
    assert field in error.value.message_dict
    group.refresh_from_db()
    application.refresh_from_db()
    assert group.status == OrgStatus.ACTIVITY_GROUP and group.exited_on is None
    assert application.decided_at is None


def test_only_an_exits_approval_takes_an_effective_date(group, staff):
    application = exit_application(group, staff)
    with pytest.raises(ValidationError) as error:
        application_decide(
            application=application,
            action=ApplicationAction.REJECT,
            acting_user=staff,
            reason="仍在活动",
            effective_date=STOPPED,
        )
    assert "effective_date" in error.value.message_dict
    application.refresh_from_db()
    assert application.decided_at is None


def test_the_api_and_the_review_page_offer_it(group, staff, api_for, client_for):
    application = exit_application(group, staff)
    page = client_for(staff).get(f"/applications/{application.pk}/")
    assert b'name="effective_date"' in page.content
    response = api_for(staff).post(
        f"/api/v1/applications/{application.pk}/approve/",
        {"reason": "补录退出", "effective_date": STOPPED.isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    group.refresh_from_db()
    assert group.exited_on == STOPPED


def test_a_filing_review_page_does_not_offer_it(staff):
    assert "effective_date" not in DecisionForm(kind=ApplicationKind.FILING).fields
    assert "effective_date" in DecisionForm(kind=ApplicationKind.EXIT).fields
