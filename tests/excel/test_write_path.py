"""How an import writes: through ``core.db`` (COPY on PostgreSQL), a history row per record with
the record's content, the scope check after the write, and a database refusal turned into the
"ledger changed" message with nothing written."""

import pytest
from django.db import connection

import core.db
import registry.imports
from core.scoping import VIEW, RestrictedQuerySet
from registry.models import Activity, Organisation
from tests.conftest import MALUAN_COMMUNITY
from tests.excel.conftest import GROUP_HEADER, counts, messages, record_activity, run, workbook
from tests.registry.factories import make_group

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

GROUPS = [
    GROUP_HEADER + ["业务范围", "活动场所", "是否营利"],
    ["坪山街道/坪山社区", "坪山社区舞蹈队", "服务类", "文体活动", "2024-03-01"]
    + ["一\n二\\三", "广场", "否"],
    ["坪山街道/坪山社区", "坪山社区象棋队", "会员制（社团类）", "文体活动", None, None, None, "否"],
]


def tracked(history_row) -> dict:
    model_fields = [f.attname for f in Organisation._meta.concrete_fields]
    return {name: getattr(history_row, name) for name in model_fields}


def test_new_records_get_a_history_row_holding_what_was_written(staff, monkeypatch):
    written = []
    fast = "copy_rows" if connection.vendor == "postgresql" else "insert_rows"
    original = getattr(core.db, fast)

    def spy(conn, table, columns, rows):
        written.append(table)
        return original(conn, table, columns, rows)

    monkeypatch.setattr(core.db, fast, spy)
    result = run(staff, workbook(GROUPS), filename="三月.xlsx")
    assert result.ok and result.created == 2, messages(result)
    assert written == ["registry_organisation", "registry_historicalorganisation"]
    for org in Organisation.objects.filter(name__in=["坪山社区舞蹈队", "坪山社区象棋队"]):
        history = org.history.get()
        assert history.history_type == "+"
        assert history.history_user == staff
        assert history.history_change_reason == "Imported from 三月.xlsx"
        stored = {f.attname: getattr(org, f.attname) for f in Organisation._meta.concrete_fields}
        stored["charter_file"] = str(stored["charter_file"])
        stored["activity_rules_file"] = str(stored["activity_rules_file"])
        assert tracked(history) == stored
    assert Organisation.objects.get(name="坪山社区舞蹈队").business_scope == "一\n二\\三"


def test_updates_get_a_history_row_holding_the_new_values(staff):
    kept = make_group(staff, members=0)
    data = workbook(
        [
            ["社区", "组织名称", "组织类型", "服务领域", "活动场所"],
            ["坪山街道/坪山社区", kept.name, "会员制（社团类）", "文体活动", "新\t会址"],
        ]
    )
    result = run(staff, data)
    assert result.ok and result.updated == 1, messages(result)
    kept.refresh_from_db()
    assert kept.venue == "新 会址"  # a one-line text: the tab is normalised to a space
    latest = kept.history.order_by("-history_id").first()
    assert latest.history_type == "~" and latest.history_user == staff
    assert tracked(latest)["venue"] == kept.venue
    assert latest.updated_at == kept.updated_at


def test_a_record_written_outside_the_jurisdiction_rolls_the_import_back(staff, monkeypatch):
    """The scope check after the write catches what the checks before it missed (here: a
    community check that has been switched off)."""
    monkeypatch.setattr(
        registry.imports._Communities, "_in_scope", lambda self, row, division, key: division
    )
    data = workbook(
        [
            GROUP_HEADER,
            ["坪山街道/坪山社区", "坪山社区舞蹈队", "服务类", "文体活动", None],
            [MALUAN_COMMUNITY, "马峦社区舞蹈队", "服务类", "文体活动", None],
        ]
    )
    before = counts()
    result = run(staff, data)
    assert not result.written
    assert messages(result) == str(registry.imports.WRITTEN_OUTSIDE)
    assert counts() == before


def test_the_scope_check_after_the_write_covers_members_and_activities(staff, monkeypatch):
    group = make_group(staff, members=0)
    record_activity(group, staff)
    restrict = RestrictedQuerySet.restrict

    def activities_out_of_reach(queryset, user, action=VIEW):
        restricted = restrict(queryset, user, action)
        return restricted.none() if queryset.model is Activity else restricted

    monkeypatch.setattr(RestrictedQuerySet, "restrict", activities_out_of_reach)
    data = workbook(
        [
            ["社区", "组织名称", "活动日期", "活动名称"],
            ["坪山街道/坪山社区", group.name, "2024-04-01", "新的活动"],
        ],
        title="活动记录台账",
    )
    before = counts()
    result = run(staff, data)
    assert not result.written
    assert messages(result) == str(registry.imports.WRITTEN_OUTSIDE)
    assert counts() == before


def test_a_refusal_by_the_database_writes_nothing(staff, monkeypatch):
    """Someone else saves the same name between the check and the write: the database refuses
    the INSERT / COPY, the import says the ledger changed, and nothing of it stays."""
    check = registry.imports._check_organisation_uniqueness

    def check_then_someone_saves(run, rows):
        check(run, rows)
        make_group(staff, name="坪山社区舞蹈队", members=0)

    monkeypatch.setattr(
        registry.imports, "_check_organisation_uniqueness", check_then_someone_saves
    )
    before = counts()
    result = run(staff, workbook(GROUPS))
    assert not result.written
    assert "The ledger changed while the file was being imported" in messages(result)
    assert counts() == before


def test_key_runs_match_exactly_the_keys_given(staff):
    groups = [make_group(staff, name=f"小组{i}", members=0) for i in range(10)]
    created = sorted(groups, key=lambda org: org.pk)
    pks = [org.pk for org in created]
    for chosen in ([], pks, pks[:3] + [pks[5]] + pks[7:9], [pks[0], pks[2], pks[4]]):
        found = [
            pk
            for where in registry.imports._key_runs(chosen)
            for pk in Organisation.objects.filter(where).values_list("pk", flat=True)
        ]
        assert sorted(found) == sorted(chosen)
