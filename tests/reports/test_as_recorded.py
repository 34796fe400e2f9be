"""Effective dates and "as recorded on" (issue 21): a district brings its old ledgers in, its
figures as of past days follow the dates things happened, and a figure reported on a day can be
reproduced after late records arrive.

The clock is moved (``django.utils.timezone.now``) so that things are recorded on different
days; every date the system computes from it (today, the recorded time, ``history_date``) moves
with it."""

import datetime
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from registry.choices import DivisionLevel, OrgStatus
from registry.models import Division, Organisation
from registry.services.organisations import hub_designate, hub_revoke
from reports.kpis import InvalidAsRecordedOn, kpi_difference, kpi_report, organisation_states
from tests.conftest import MALUAN_STREET, PINGSHAN_DISTRICT
from tests.excel.conftest import messages, run, workbook

pytestmark = pytest.mark.django_db

FILED_HEADER = ["备案编号", "备案日期", "成立日期", "社区", "组织名称", "组织类型", "服务领域"]
REAL_NOW = timezone.now


def day_end(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(20)))


@pytest.fixture
def clock(monkeypatch):
    """``clock(day)``: from now on the system's clock reads that day, 20:00; ``clock(None)``:
    the real clock again."""

    def move(day):
        monkeypatch.setattr(timezone, "now", REAL_NOW if day is None else lambda: day_end(day))

    return move


def streets_and_communities():
    district = Division.objects.get(pk=PINGSHAN_DISTRICT)
    residential = Division.objects.filter(path__startswith=district.path, is_residential=True)
    streets = residential.filter(level=DivisionLevel.STREET).count()
    communities = residential.filter(level=DivisionLevel.COMMUNITY).count()
    return streets, communities


def figures(user, as_of, recorded=None):
    report = kpi_report(
        scope=PINGSHAN_DISTRICT,
        user=user,
        as_of=as_of,
        as_recorded_on=recorded,
        keys=["hub_coverage", "density"],
    )
    hub, density = report.scope.values["hub_coverage"], report.scope.values["density"]
    return hub.numerator, density.numerator


def filed_ledger(rows) -> bytes:
    return workbook([FILED_HEADER, *rows], title="备案类社区社会组织台账")


def test_imported_ledgers_and_back_dated_hubs_follow_their_dates_and_figures_stay_reproducible(
    clock, street_officer, other_street_officer, city_officer
):
    streets, communities = streets_and_communities()
    assert streets >= 2 and communities >= 2

    # 10 October 2026: Pingshan and Maluan streets move their paper ledgers in.
    clock(datetime.date(2026, 10, 10))
    result = run(
        street_officer,
        filed_ledger(
            [
                [
                    "坪山备字〔2023〕1号",
                    "2023-03-01",
                    "2021-05-04",
                    "坪山街道/坪山社区",
                    "坪山社区老年协会",
                    "会员制（社团类）",
                    "公益慈善",
                ],
                [
                    "坪山备字〔2023〕2号",
                    "2023-09-01",
                    "",
                    "坪山街道/坪山社区",
                    "坪山社区书画社",
                    "会员制（社团类）",
                    "文体活动",
                ],
                [
                    "坪山备字〔2024〕1号",
                    "2024-05-01",
                    "",
                    "坪山街道/坪山社区",
                    "坪山社区邻里互助队",
                    "服务类",
                    "生活服务",
                ],
            ]
        ),
    )
    assert result.ok and result.created == 3, messages(result)
    result = run(
        other_street_officer,
        filed_ledger(
            [
                [
                    "马峦备字〔2024〕7号",
                    "2024-06-01",
                    "",
                    "马峦街道/马峦社区",
                    "马峦社区志愿服务队",
                    "服务类",
                    "生活服务",
                ]
            ]
        ),
    )
    assert result.ok and result.created == 1, messages(result)

    # The old association was an activity group from its founding until its filing.
    association = Organisation.objects.get(name="坪山社区老年协会")
    states = organisation_states(day_end(datetime.date(2022, 12, 31)))
    assert states.get(id=association.pk).status == OrgStatus.ACTIVITY_GROUP
    states = organisation_states(day_end(datetime.date(2023, 3, 2)))
    assert states.get(id=association.pk).status == OrgStatus.FILED
    assert states.get(id=association.pk).filing_number == "坪山备字〔2023〕1号"

    # Pingshan designates its hub with effect from last quarter.
    hub_designate(
        organisation=association,
        acting_user=street_officer,
        reason="街道认定为枢纽型社会组织（补录）",
        effective_date=datetime.date(2026, 8, 15),
    )

    # Density and hub coverage as of past days follow the ledgers' dates, not the import's.
    assert figures(city_officer, datetime.date(2020, 12, 31)) == (0, 0)
    assert figures(city_officer, datetime.date(2022, 12, 31)) == (0, 1)  # founded 2021
    assert figures(city_officer, datetime.date(2023, 12, 31)) == (0, 2)
    assert figures(city_officer, datetime.date(2024, 12, 31)) == (0, 4)
    assert figures(city_officer, datetime.date(2026, 8, 14)) == (0, 4)
    assert figures(city_officer, datetime.date(2026, 9, 30)) == (1, 4)
    # As recorded before the import, nothing was known.
    assert figures(city_officer, datetime.date(2024, 12, 31), datetime.date(2026, 10, 9)) == (0, 0)
    reported = kpi_report(
        scope=PINGSHAN_DISTRICT, user=city_officer, as_of=datetime.date(2026, 9, 30)
    )
    assert reported.scope.values["hub_coverage"].value == round(1 / streets, 4)

    # 2 December 2026: Maluan's designation of 1 September arrives late.
    clock(datetime.date(2026, 12, 2))
    maluan = Organisation.objects.get(name="马峦社区志愿服务队")
    hub_designate(
        organisation=maluan,
        acting_user=other_street_officer,
        reason="九月已认定，补录",
        effective_date=datetime.date(2026, 9, 1),
    )
    assert figures(city_officer, datetime.date(2026, 9, 30)) == (2, 4)
    # The figure reported on 10 October is reproduced exactly.
    as_recorded = kpi_report(
        scope=PINGSHAN_DISTRICT,
        user=city_officer,
        as_of=datetime.date(2026, 9, 30),
        as_recorded_on=datetime.date(2026, 10, 10),
    )
    assert as_recorded.scope.values == reported.scope.values
    assert as_recorded.children == reported.children
    assert as_recorded.as_recorded_on == datetime.date(2026, 10, 10)

    # The difference names the late record, who entered it and when.
    difference = kpi_difference(
        scope=PINGSHAN_DISTRICT,
        user=city_officer,
        as_of=datetime.date(2026, 9, 30),
        recorded_on=datetime.date(2026, 10, 10),
        keys=["hub_coverage", "density"],
    )
    assert [key for key, _before, _after in difference.changed] == ["hub_coverage"]
    (late,) = difference.late
    assert late.object_id == maluan.pk and late.label == "马峦社区志愿服务队"
    assert late.effective_on == datetime.date(2026, 9, 1)
    assert timezone.localtime(late.recorded_at).date() == datetime.date(2026, 12, 2)
    assert late.recorded_by in (other_street_officer.get_full_name(), other_street_officer.username)
    assert late.reason == "九月已认定，补录"
    # A street officer sees only the late records of its own street.
    assert kpi_difference(
        scope=MALUAN_STREET,
        user=other_street_officer,
        as_of=datetime.date(2026, 9, 30),
        recorded_on=datetime.date(2026, 10, 10),
    ).late == [late]
    with pytest.raises(Exception):  # noqa: B017 - Pingshan's officer can't reach Maluan
        kpi_difference(
            scope=MALUAN_STREET,
            user=street_officer,
            as_of=datetime.date(2026, 9, 30),
            recorded_on=datetime.date(2026, 10, 10),
        )


def test_as_recorded_on_in_the_api_and_the_command(clock, street_officer, city_officer, api_for):
    clock(datetime.date(2026, 10, 10))
    result = run(
        street_officer,
        filed_ledger(
            [
                [
                    "坪山备字〔2023〕1号",
                    "2023-03-01",
                    "",
                    "坪山街道/坪山社区",
                    "坪山社区老年协会",
                    "会员制（社团类）",
                    "公益慈善",
                ]
            ]
        ),
    )
    assert result.ok, messages(result)
    clock(datetime.date(2026, 12, 2))
    api = api_for(city_officer)
    url = "/api/v1/kpis/"
    before = api.get(
        url, {"scope": PINGSHAN_DISTRICT, "as_of": "2024-12-31", "as_recorded_on": "2026-10-09"}
    )
    after = api.get(
        url, {"scope": PINGSHAN_DISTRICT, "as_of": "2024-12-31", "as_recorded_on": "2026-10-10"}
    )
    assert before.status_code == after.status_code == 200
    assert before.json()["as_recorded_on"] == "2026-10-09"
    assert before.json()["scope"]["kpis"]["density"]["numerator"] == 0
    assert after.json()["scope"]["kpis"]["density"]["numerator"] == 1
    diff = api.get(
        f"{url}difference/",
        {"scope": PINGSHAN_DISTRICT, "as_of": "2024-12-31", "as_recorded_on": "2026-10-09"},
    )
    assert diff.status_code == 200, diff.content
    assert [r["label"] for r in diff.json()["late_records"]] == ["坪山社区老年协会"]
    assert "density" in {change["key"] for change in diff.json()["changed"]}

    out = io.StringIO()
    call_command(
        "compute_kpis",
        "--scope",
        PINGSHAN_DISTRICT,
        "--as-of",
        "2024-12-31",
        "--as-recorded-on",
        "2026-10-09",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["as_recorded_on"] == "2026-10-09"
    assert data["scope"]["kpis"]["density"]["numerator"] == 0


# --- bad input ----------------------------------------------------------------------------------


def test_as_recorded_on_earlier_than_as_of_is_refused_everywhere(city_officer, api_for, client_for):
    as_of, earlier = datetime.date(2025, 6, 30), datetime.date(2025, 6, 29)
    with pytest.raises(InvalidAsRecordedOn) as refused:
        kpi_report(scope="4403", user=city_officer, as_of=as_of, as_recorded_on=earlier)
    assert "2025-06-29" in str(refused.value) and "2025-06-30" in str(refused.value)
    with pytest.raises(InvalidAsRecordedOn):
        kpi_report(
            scope="4403",
            user=city_officer,
            as_recorded_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    response = api_for(city_officer).get(
        "/api/v1/kpis/", {"scope": "4403", "as_of": "2025-06-30", "as_recorded_on": "2025-06-29"}
    )
    assert response.status_code == 400
    assert "as_recorded_on" in response.json()
    page = client_for(city_officer).get(
        "/reports/4403/", {"as_of": "2025-06-30", "as_recorded_on": "2025-06-29"}
    )
    assert page.status_code == 400
    assert "2025-06-29" in page.content.decode()
    with pytest.raises(CommandError, match="2025-06-29"):
        call_command(
            "compute_kpis",
            "--scope",
            "4403",
            "--as-of",
            "2025-06-30",
            "--as-recorded-on",
            "2025-06-29",
            stdout=io.StringIO(),
        )


def test_effective_dates_in_the_future_before_founding_or_under_a_later_change_are_refused(
    clock, street_officer, api_for
):
    clock(datetime.date(2026, 10, 10))
    result = run(
        street_officer,
        filed_ledger(
            [
                [
                    "坪山备字〔2023〕1号",
                    "2024-03-01",
                    "2023-05-04",
                    "坪山街道/坪山社区",
                    "坪山社区老年协会",
                    "会员制（社团类）",
                    "公益慈善",
                ]
            ]
        ),
    )
    assert result.ok, messages(result)
    clock(None)
    org = Organisation.objects.get(name="坪山社区老年协会")
    rows = Organisation.history.filter(id=org.pk).count()
    today = timezone.localdate()
    cases = [
        (
            today + datetime.timedelta(days=1),
            "理由",
            "effective_date",
            (today + datetime.timedelta(days=1)).isoformat(),
        ),
        (datetime.date(2023, 5, 3), "理由", "effective_date", "2023-05-04"),  # before founding
        (datetime.date(2024, 2, 1), "理由", "effective_date", "2024-03-01"),  # under the filing
        (datetime.date(2025, 1, 1), "", "reason", ""),  # back-dated without a reason
    ]
    for day, reason, field, words in cases:
        with pytest.raises(ValidationError) as refused:
            hub_designate(
                organisation=org, acting_user=street_officer, reason=reason, effective_date=day
            )
        assert field in refused.value.message_dict, day
        assert words in " ".join(refused.value.message_dict[field]), day
    org.refresh_from_db()
    assert not org.is_hub and Organisation.history.filter(id=org.pk).count() == rows

    # The API answers 400 with the field, nothing written; a good day is taken.
    api = api_for(street_officer)
    url = f"/api/v1/organisations/{org.pk}/"
    future = (today + datetime.timedelta(days=3)).isoformat()
    response = api.post(
        f"{url}hub-designate/", {"reason": "x", "effective_date": future}, format="json"
    )
    assert response.status_code == 400 and "effective_date" in response.json()
    response = api.post(
        f"{url}hub-designate/", {"reason": "补录", "effective_date": "2025-01-01"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["hub_designated_on"] == "2025-01-01"
    row = Organisation.history.filter(id=org.pk).latest("history_id")
    assert timezone.localtime(row.history_date).date() == datetime.date(2025, 1, 1)
    assert timezone.localtime(row.history_recorded_at).date() == today
    assert row.history_user == street_officer and row.history_change_reason == "补录"
    # a revocation may not slip under the designation it revokes
    with pytest.raises(ValidationError):
        hub_revoke(
            organisation=org,
            acting_user=street_officer,
            reason="x",
            effective_date=datetime.date(2024, 12, 31),
        )
