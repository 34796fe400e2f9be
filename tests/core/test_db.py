"""``core.db``'s bulk writers write what simple-history's own functions write.

Each case writes the same objects once through ``bulk_create_with_history`` /
``bulk_update_with_history`` (method "orm") and once through the fast path ("copy" on
PostgreSQL, "insert" everywhere), each inside a transaction that is rolled back afterwards, and
compares the rows and history rows read back from the database.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

import core.db
from core.db import create_with_history, update_rows, update_with_history
from registry.choices import ActivitySeries, OrgField, OrgStatus, OrgType, ServiceTarget
from registry.models import Activity, Division, Organisation
from tests.conftest import MALUAN_STREET, PINGSHAN_COMMUNITY, PINGSHAN_STREET

pytestmark = pytest.mark.django_db

WHEN = datetime.datetime(2024, 3, 1, 9, 30, tzinfo=datetime.UTC)
# What COPY's text format must escape, and what it must leave alone.
AWKWARD = [
    "tab\there",
    "two\nlines\r\nand a carriage return\r",
    "back\\slash \\N \\t \\\\",
    "\\.",
    "\\.\nafter the end-of-data marker",
    "引号'单' \"双\" 、，；|😀 𠀀",
    "  spaces kept  ",
    "",
]


@pytest.fixture(params=["copy", "copy-text", "insert"])
def method(request, monkeypatch):
    """Each fast path: COPY in binary (where every column type allows) and in text on
    PostgreSQL, executemany INSERT everywhere."""
    if request.param.startswith("copy") and connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    if request.param == "copy-text":
        monkeypatch.setattr(core.db, "_binary_types", lambda connection, table, columns: None)
        return "copy"
    return request.param


@pytest.fixture
def officer(make_user):
    return make_user("district_officer", "440310")


def organisations(suffix=""):
    community = Division.objects.get(code=PINGSHAN_COMMUNITY)
    street = Division.objects.get(code=PINGSHAN_STREET)
    objs = []
    for i, text in enumerate(AWKWARD):
        objs.append(
            Organisation(
                name=f"组织{i}{suffix}\t{text}"[:100],
                status=OrgStatus.FILED if i % 2 else OrgStatus.ACTIVITY_GROUP,
                community=community,
                org_type=OrgType.SERVICE if i % 2 else OrgType.ASSOCIATION,
                field=OrgField.CULTURE_SPORTS,
                service_targets=[ServiceTarget.ELDERLY_CHILDREN] if i % 3 else [],
                business_scope=text,
                venue=text[:200],
                founded_on=datetime.date(2020, 1 + i, 1 + i) if i % 4 else None,
                legal_person_founders=i,
                is_for_profit=bool(i % 2),
                charter_text=text * 3,
                charter_file=f"charters/2024/章程{i}.pdf" if i % 2 else "",
                filing_number=f"PS{suffix}2024{i:04d}" if i % 2 else None,
                filed_on=datetime.date(2024, 2, 29) if i % 2 else None,
                is_hub=i == 3,
                hub_designated_on=datetime.date(2024, 5, 1) if i == 3 else None,
                hub_designated_by=street if i == 3 else None,
            )
        )
    return objs


def table(queryset, *, drop=()):
    """Rows as dicts, without the columns that differ by nature between two writes."""
    ignored = {"id", "history_id", "created_at", "updated_at", "history_recorded_at", *drop}
    return [{k: v for k, v in row.items() if k not in ignored} for row in queryset.values()]


def create(model, objs, method, user, *, stamps=()):
    """Write with ``method`` inside a rolled-back transaction: the objects, their rows, their
    history rows, ``stamps`` of the rows, and key, type and ``stamps`` of the history rows."""
    with transaction.atomic():
        written = create_with_history(
            objs,
            model,
            default_user=user,
            default_change_reason="导入\t台账.xlsx",
            default_date=WHEN,
            method=method,
        )
        pks = [obj.pk for obj in written]
        rows = model.objects.filter(pk__in=pks).order_by("pk")
        history = model.history.filter(id__in=pks).order_by("id")
        result = (written, table(rows), table(history), list(rows.values("pk", *stamps)))
        result += (list(history.values("id", "history_type", *stamps)),)
        transaction.set_rollback(True)
    return result


def test_created_organisations_and_history_equal_simple_historys(method, officer):
    _objs, rows, history, _stamps, _h = create(Organisation, organisations(), "orm", officer)
    objs, fast_rows, fast_history, stamps, history_meta = create(
        Organisation, organisations(), method, officer, stamps=("created_at", "updated_at")
    )
    assert fast_rows == rows
    assert fast_history == history
    assert len(fast_history) == len(AWKWARD)
    # Every value survived the round trip, tabs and backslashes included.
    assert [row["business_scope"] for row in fast_rows] == AWKWARD
    assert {row["hub_designated_by_id"] for row in fast_rows} == {None, PINGSHAN_STREET}
    assert fast_rows[1]["service_targets"] == [ServiceTarget.ELDERLY_CHILDREN]
    # The history row: its object's key, "+", who, why, when.
    assert [h["id"] for h in history_meta] == [obj.pk for obj in objs]
    assert {h["history_type"] for h in history_meta} == {"+"}
    assert {row["history_user_id"] for row in fast_history} == {officer.pk}
    assert {row["history_change_reason"] for row in fast_history} == {"导入\t台账.xlsx"}
    assert {row["history_date"] for row in fast_history} == {WHEN}
    # auto_now_add / auto_now stamped, the same in the row and its history row.
    assert all(stamp["created_at"] and stamp["updated_at"] for stamp in stamps)
    assert [(h["created_at"], h["updated_at"]) for h in history_meta] == [
        (s["created_at"], s["updated_at"]) for s in stamps
    ]


def test_created_objects_get_keys_and_count_as_saved(method, officer):
    with transaction.atomic():
        objs = create_with_history(
            organisations(), Organisation, default_user=officer, method=method
        )
        assert all(obj.pk for obj in objs)
        assert len({obj.pk for obj in objs}) == len(objs)
        assert [obj.pk for obj in objs] == sorted(obj.pk for obj in objs)
        assert not any(obj._state.adding for obj in objs)
        objs[0].refresh_from_db()
        assert objs[0].history.get().history_type == "+"
        # The ORM carries on after the fast write: its next key is a fresh one.
        later = create_with_history(organisations("-b"), Organisation, method="orm")
        assert min(obj.pk for obj in later) > max(obj.pk for obj in objs)
        transaction.set_rollback(True)


def test_activities_with_decimals_equal_simple_historys(method, officer):
    organisation = create_with_history(organisations()[:1], Organisation, method="orm")[0]

    def activities():
        return [
            Activity(
                organisation=organisation,
                held_on=datetime.date(2024, 3, 1 + i),
                title=text[:200] or "活动",
                series=ActivitySeries.NEIGHBOURHOOD_WATCH if i % 2 else ActivitySeries.OTHER,
                participants=i * 10,
                volunteer_hours=[Decimal("12.5"), Decimal("0"), Decimal("7.0"), Decimal("3")][
                    i % 4
                ],
                is_major=bool(i % 2),
                description=text,
            )
            for i, text in enumerate(AWKWARD)
        ]

    _o, rows, history, _s, _h = create(Activity, activities(), "orm", officer)
    _o, fast_rows, fast_history, _s, _h = create(Activity, activities(), method, officer)
    assert fast_rows == rows
    assert fast_history == history
    assert [row["volunteer_hours"] for row in fast_rows][:4] == [
        Decimal("12.5"),
        Decimal("0"),
        Decimal("7.0"),
        Decimal("3"),
    ]


def test_an_objects_own_user_and_reason_win(method, officer, make_user):
    other = make_user("street_officer", PINGSHAN_STREET)
    objs = organisations()[:2]
    objs[0]._change_reason = "逐条录入"
    objs[0]._history_user = other
    _o, _rows, history, _s, _h = create(Organisation, objs, method, officer)
    assert (history[0]["history_user_id"], history[0]["history_change_reason"]) == (
        other.pk,
        "逐条录入",
    )
    assert (history[1]["history_user_id"], history[1]["history_change_reason"]) == (
        officer.pk,
        "导入\t台账.xlsx",
    )


def test_a_database_error_is_djangos_and_writes_nothing(method, officer):
    create_with_history(organisations(), Organisation, method="orm")
    before = (Organisation.objects.count(), Organisation.history.count())
    duplicate = organisations("-dup")
    duplicate[1].filing_number = "PS20240001"  # already taken
    with pytest.raises(IntegrityError), transaction.atomic():
        create_with_history(duplicate, Organisation, default_user=officer, method=method)
    assert (Organisation.objects.count(), Organisation.history.count()) == before


def test_unsaved_related_objects_are_refused(method):
    unsaved = organisations()[0]
    activity = Activity(organisation=unsaved, held_on=datetime.date(2024, 3, 1), title="活动")
    with pytest.raises(ValueError, match="unsaved related object"):
        create_with_history([activity], Activity, method=method)
    assert not Activity.objects.exists()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's AUTOINCREMENT")
def test_sqlite_never_reuses_the_key_of_a_deleted_row(officer):
    first = create_with_history(organisations(), Organisation, method="orm")
    highest = max(obj.pk for obj in first)
    Organisation.objects.filter(pk=highest).delete()
    again = create_with_history(organisations("-b"), Organisation, method="insert")
    assert min(obj.pk for obj in again) == highest + 1


def change(objs):
    maluan = Division.objects.get(code=MALUAN_STREET)
    for i, obj in enumerate(objs):
        obj.venue = f"新\t场所\\{i}\n二楼"
        obj.founded_on = None if i % 2 else datetime.date(2019, 12, 31)
        obj.is_for_profit = not obj.is_for_profit
        obj.service_targets = [ServiceTarget.ELDERLY_CHILDREN, ServiceTarget.HARDSHIP]
        obj.hub_designated_by = None if i % 2 else maluan
        obj.updated_at = WHEN
    return ["venue", "founded_on", "is_for_profit", "service_targets", "hub_designated_by"]


def update(method, user):
    """Create with the ORM, change, update with ``method``; rolled back. Rows and history."""
    with transaction.atomic():
        objs = create_with_history(organisations(), Organisation, method="orm")
        pks = [obj.pk for obj in objs]
        fields = change(objs) + ["updated_at"]
        update_with_history(
            objs,
            Organisation,
            fields,
            default_user=user,
            default_change_reason="更新",
            default_date=WHEN,
            method=method,
        )
        rows = Organisation.objects.filter(pk__in=pks).order_by("pk")
        changed = Organisation.history.filter(id__in=pks, history_type="~").order_by("id")
        result = (table(rows), table(changed), list(rows.values_list("updated_at", flat=True)))
        transaction.set_rollback(True)
    return result


def test_updated_organisations_and_history_equal_simple_historys(method, officer):
    rows, history, _stamps = update("orm", officer)
    fast_rows, fast_history, stamps = update(method, officer)
    assert fast_rows == rows
    assert fast_history == history
    assert len(fast_history) == len(AWKWARD)
    assert fast_rows[0]["venue"] == "新\t场所\\0\n二楼"
    assert fast_rows[0]["hub_designated_by_id"] == MALUAN_STREET
    assert set(stamps) == {WHEN}
    assert {row["history_user_id"] for row in fast_history} == {officer.pk}
    assert {row["history_change_reason"] for row in fast_history} == {"更新"}


def test_update_rows_writes_only_the_fields_given(method):
    objs = create_with_history(organisations(), Organisation, method="orm")
    before = {obj.pk: obj.business_scope for obj in objs}
    for obj in objs:
        obj.venue = "只改场所"
        obj.business_scope = "不写"
    update_rows(Organisation, objs, ["venue"], method=method)
    stored = dict(Organisation.objects.values_list("pk", "venue"))
    assert {stored[obj.pk] for obj in objs} == {"只改场所"}
    assert dict(Organisation.objects.values_list("pk", "business_scope")) == before
    assert Organisation.history.filter(history_type="~").count() == 0


def test_history_only_update(method, officer):
    objs = create_with_history(organisations(), Organisation, method="orm")
    update_with_history(objs, Organisation, [], default_user=officer, method=method)
    assert Organisation.history.filter(history_type="~").count() == len(objs)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_is_binary_for_the_ledger_tables_and_text_for_other_types():
    for model in (Organisation, Organisation.history.model, Activity, Activity.history.model):
        columns = [f.column for f in model._meta.concrete_fields]
        assert core.db._binary_types(connection, model._meta.db_table, columns) is not None
    table = Organisation._meta.db_table
    assert core.db._binary_types(connection, table, ["id", "not_a_column"]) is None


def test_history_rows_are_recorded_now_whatever_their_valid_time(method, officer):
    """``history_date`` is the valid time given; ``history_recorded_at`` the moment of writing."""
    with transaction.atomic():
        objs = create_with_history(
            organisations(), Organisation, default_user=officer, default_date=WHEN, method=method
        )
        history = Organisation.history.filter(id__in=[obj.pk for obj in objs])
        times = list(history.values_list("history_date", "history_recorded_at"))
        transaction.set_rollback(True)
    assert times and {valid for valid, _recorded in times} == {WHEN}
    assert all(abs(timezone.now() - recorded).total_seconds() < 600 for _valid, recorded in times)
