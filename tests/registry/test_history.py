"""History: every transition recorded with who and why; the timeline; user attribution."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from registry.choices import ApplicationAction, ApplicationKind, ExitReason, OrgStatus
from registry.models import Organisation
from registry.selectors import organisation_timeline
from registry.services.lifecycle import (
    application_decide,
    application_submit,
    exit_reverse,
)
from registry.services.organisations import (
    activity_record,
    brand_project_add,
    hub_designate,
    hub_revoke,
    member_update,
    organisation_update,
)
from tests.registry.factories import make_group, make_registered

pytestmark = pytest.mark.django_db


def status_rows(organisation):
    """History rows of the organisation where its status changed, oldest first."""
    rows = list(Organisation.history.filter(id=organisation.pk).order_by("history_id"))
    return [
        row
        for prev, row in zip([None] + rows, rows, strict=False)
        if prev is None or prev.status != row.status
    ]


def test_every_transition_leaves_a_history_row_with_user_and_reason(
    staff, street_officer, district_officer
):
    organisation = make_registered(staff, street_officer, district_officer)
    exit_application = application_submit(
        organisation=organisation,
        kind=ApplicationKind.EXIT,
        acting_user=street_officer,
        exit_reason=ExitReason.DORMANT,
        note="一年无活动",
    )
    application_decide(
        application=exit_application,
        action=ApplicationAction.APPROVE,
        acting_user=district_officer,
        reason="确认僵尸型组织",
    )
    organisation.refresh_from_db()
    exit_reverse(organisation=organisation, acting_user=district_officer, reason="恢复活动")
    rows = status_rows(organisation)
    assert rows[0].history_change_reason  # "entered in the ledger", in the active language
    assert [(r.status, r.history_user.username, r.history_change_reason) for r in rows] == [
        (OrgStatus.ACTIVITY_GROUP, "staff-pingshan", rows[0].history_change_reason),
        (OrgStatus.FILED, "street-pingshan", "符合备案条件"),
        (OrgStatus.REGISTERED, "district-pingshan", "准予登记"),
        (OrgStatus.EXITED, "district-pingshan", "确认僵尸型组织"),
        (OrgStatus.REGISTERED, "district-pingshan", "恢复活动"),
    ]
    # Application rows carry their steps too.
    for application in organisation.applications.all():
        steps = list(application.history.order_by("history_id"))
        assert steps[0].history_user is not None
        assert steps[-1].history_user == application.decided_by
        assert steps[-1].history_change_reason


def test_timeline_shows_every_kind_of_change_with_diffs(staff, street_officer):
    group = make_group(staff, members=10)
    organisation_update(organisation=group, acting_user=staff, venue="新活动室", reason="搬迁")
    member = group.members.first()
    member_update(member=member, acting_user=staff, phone="13900139000", reason="更换号码")
    activity_record(
        organisation=group,
        acting_user=staff,
        held_on="2025-05-01",
        title="五一书画展",
        series="culture",
        participants=40,
    )
    application = application_submit(
        organisation=group, kind=ApplicationKind.FILING, acting_user=staff
    )
    application_decide(
        application=application,
        action=ApplicationAction.APPROVE,
        acting_user=street_officer,
        reason="同意备案",
    )
    hub_designate(organisation=group, acting_user=street_officer, reason="认定为枢纽型组织")
    hub_revoke(organisation=group, acting_user=street_officer, reason="撤销认定")
    brand_project_add(
        organisation=Organisation.objects.get(pk=group.pk),
        acting_user=street_officer,
        name="邻里书香",
        year=2025,
        recognised_by="坪山区民政局",
    )
    with translation.override("en"):
        timeline = organisation_timeline(group)
    assert {entry.model for entry in timeline} == {
        "organisation",
        "member",
        "activity",
        "application",
        "brandproject",
    }
    venue_change = next(e for e in timeline if e.reason == "搬迁")
    assert [(c.field, c.new) for c in venue_change.changes] == [("venue", "新活动室")]
    assert venue_change.user == staff
    filed = next(e for e in timeline if e.reason == "同意备案" and e.model == "organisation")
    changed = {c.field: (c.old, c.new) for c in filed.changes}
    assert changed["status"] == ("Activity group", "Filed")
    assert "filing_number" in changed
    assert filed.user == street_officer
    phone = next(e for e in timeline if e.reason == "更换号码")
    assert phone.changes[0].field == "phone"
    hub = next(e for e in timeline if e.reason == "认定为枢纽型组织")
    assert {c.field for c in hub.changes} == {"is_hub", "hub_designated_on", "hub_designated_by"}
    assert dict((c.field, c.new) for c in hub.changes)["hub_designated_by"] == "坪山街道"
    # Newest first.
    assert timeline[0].when >= timeline[-1].when


def test_timeline_costs_a_fixed_number_of_queries(staff, django_assert_max_num_queries):
    """The registry's own six queries, plus what the timeline sources other apps register
    (registry.extensions) cost; the same however many entries the timeline has."""
    group = make_group(staff, members=3)
    with CaptureQueriesContext(connection) as first:
        short = organisation_timeline(group)
    assert len(first.captured_queries) >= 6
    for i in range(20):
        organisation_update(organisation=group, acting_user=staff, venue=f"场地{i}", reason="x")
    with django_assert_max_num_queries(len(first.captured_queries)):
        long = organisation_timeline(group)
    assert len(long) == len(short) + 20
