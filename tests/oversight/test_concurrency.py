"""The scan and a person acting on the same organisation at the same moment (PostgreSQL row
locks): no duplicate, no crash, one outcome."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import translation

from oversight.choices import CaseStatus
from oversight.models import AnnualReport, DormancyCase
from oversight.services.annual_reports import annual_report_create
from oversight.services.dormancy import dormancy_report_leader_unreachable
from oversight.services.scan import lifecycle_scan
from registry.models import Organisation, User
from tests.oversight.helpers import D, filed

SCAN_DAY = D(2025, 6, 1)


def race(*callables):
    """Run the callables at once, each in its own thread and connection; their outcomes."""
    barrier = threading.Barrier(len(callables))
    outcomes = [None] * len(callables)

    def run(index, function):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = function()
        except Exception as error:  # the outcome under test, whatever it is
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(callables)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) are what is tested; SQLite serialises writes")


@pytest.mark.django_db(transaction=True)
def test_scan_and_a_person_starting_the_same_report_make_one_report(
    postgres_only, staff, street_officer
):
    organisation = filed(staff, street_officer, entered=D(2022, 3, 1))
    officer_pk = street_officer.pk

    def start_report():
        # a thread of its own: the test's language does not reach it
        with translation.override("en"):
            return annual_report_create(
                organisation=Organisation.objects.get(pk=organisation.pk),
                year=2024,
                acting_user=User.objects.get(pk=officer_pk),
                today=SCAN_DAY,
            )

    scan, person = race(lambda: lifecycle_scan(today=SCAN_DAY), start_report)
    assert not isinstance(scan, Exception), scan
    assert isinstance(person, AnnualReport | ValidationError), person
    if isinstance(person, ValidationError):
        assert "already exists" in person.message_dict["year"][0]
    assert AnnualReport.objects.filter(organisation=organisation, year=2024).count() == 1


@pytest.mark.django_db(transaction=True)
def test_scan_and_staff_flagging_the_same_organisation_make_one_case(
    postgres_only, staff, street_officer
):
    organisation = filed(staff, street_officer, entered=D(2022, 3, 1))
    staff_pk = staff.pk

    def record_unreachable():
        return dormancy_report_leader_unreachable(
            organisation=Organisation.objects.get(pk=organisation.pk),
            acting_user=User.objects.get(pk=staff_pk),
            note="电话无人接听",
            today=SCAN_DAY,
        )

    scan, person = race(lambda: lifecycle_scan(today=SCAN_DAY), record_unreachable)
    assert not isinstance(scan, Exception), scan
    assert isinstance(person, DormancyCase), person
    case = DormancyCase.objects.get(organisation=organisation)  # exactly one
    assert case.status == CaseStatus.OPEN
    assert "leader_unreachable" in case.signals
