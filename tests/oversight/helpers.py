"""Builders for the oversight tests: organisations entered in the ledger on a chosen date."""

import datetime
from decimal import Decimal

from django.utils import timezone

from oversight.models import AnnualReport
from oversight.services.annual_reports import (
    annual_report_accept,
    annual_report_create,
    annual_report_submit,
)
from oversight.services.common import SYSTEM_USERNAME
from registry.choices import OrgStatus
from registry.models import User
from registry.services.organisations import activity_record
from tests.registry.factories import make_filed, make_group, make_registered

D = datetime.date
ENTERED = D(2022, 3, 1)


def backdate(organisation, entered: datetime.date):
    """Pretend ``organisation`` entered the ledger (and was filed or registered) on ``entered``.

    The real services stamp today's date; the rules under test are about past dates.
    """
    moment = datetime.datetime.combine(entered, datetime.time(9))
    organisation.created_at = timezone.make_aware(moment)
    if organisation.status in (OrgStatus.FILED, OrgStatus.REGISTERED):
        organisation.filed_on = entered
    if organisation.status == OrgStatus.REGISTERED:
        organisation.registered_on = entered
    organisation._change_reason = "test: backdated"
    organisation.save()
    organisation.refresh_from_db()
    return organisation


def group(staff, entered=ENTERED, **kwargs):
    return backdate(make_group(staff, **kwargs), entered)


def filed(staff, street_officer, entered=ENTERED, **kwargs):
    return backdate(make_filed(staff, street_officer, **kwargs), entered)


def registered(staff, street_officer, district_officer, entered=ENTERED, **kwargs):
    return backdate(make_registered(staff, street_officer, district_officer, **kwargs), entered)


def activity(organisation, user, on: datetime.date, title="邻里互助活动", hours="3.5"):
    return activity_record(
        organisation=organisation,
        acting_user=user,
        held_on=on,
        title=title,
        participants=12,
        volunteer_hours=Decimal(hours),
    )


def report(organisation, year, user, *, today, submit=True, **content):
    content.setdefault("income", Decimal("1200.00"))
    content.setdefault("spending", Decimal("800.50"))
    made = annual_report_create(
        organisation=organisation, year=year, acting_user=user, today=today, **content
    )
    if submit:
        made = annual_report_submit(report=made, acting_user=user, today=today)
    return made


def accepted_report(organisation, year, user, reviewer, *, today, **content):
    made = report(organisation, year, user, today=today, **content)
    return annual_report_accept(report=made, acting_user=reviewer, today=today)


def history_rows() -> int:
    """Every history row of every model with history."""
    from django.apps import apps

    return sum(
        model.objects.count()
        for model in apps.get_models()
        if model.__name__.startswith("Historical")
    )


def system_user():
    return User.objects.get(username=SYSTEM_USERNAME)


def the_report(organisation, year) -> AnnualReport:
    return AnnualReport.objects.get(organisation=organisation, year=year)
