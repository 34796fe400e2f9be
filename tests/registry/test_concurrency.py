"""Two reviewers approving the same application at the same moment (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection, connections
from django.utils import translation

from core.exceptions import Conflict
from registry.choices import ApplicationAction, ApplicationKind, OrgStatus
from registry.models import Organisation, User
from registry.services.lifecycle import application_decide, application_submit
from tests.registry.factories import make_group


@pytest.mark.django_db(transaction=True)
def test_two_threads_approving_one_filing_record_exactly_one_decision(
    staff, street_officer, make_user
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) are what is tested; SQLite serialises writes")
    second_officer = make_user("street_officer", street_officer.division_id, username="street-2")
    group = make_group(staff)
    application = application_submit(
        organisation=group, kind=ApplicationKind.FILING, acting_user=staff
    )
    barrier = threading.Barrier(2)
    outcomes = {}

    def approve(user_pk):
        try:
            user = User.objects.get(pk=user_pk)
            barrier.wait(timeout=10)
            with translation.override("en"):
                application_decide(
                    application=application,
                    action=ApplicationAction.APPROVE,
                    acting_user=user,
                    reason=f"approved by {user.username}",
                )
            outcomes[user_pk] = "approved"
        except Conflict as error:
            outcomes[user_pk] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=approve, args=(u.pk,)) for u in (street_officer, second_officer)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(type(o).__name__ if not isinstance(o, str) else o for o in outcomes.values()) == [
        "Conflict",
        "approved",
    ]
    conflict = next(o for o in outcomes.values() if isinstance(o, Conflict))
    assert "already Approved by street-" in str(conflict)
    group.refresh_from_db()
    assert group.status == OrgStatus.FILED
    filed_rows = Organisation.history.filter(id=group.pk, status=OrgStatus.FILED)
    assert filed_rows.count() == 1
    application.refresh_from_db()
    assert application.history.filter(status="approved").count() == 1
    assert group.filing_number.endswith("-0001")
