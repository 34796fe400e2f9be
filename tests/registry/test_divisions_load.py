"""Loading the division tree: the real fixture, idempotence, renames, national files, bad files."""

import gzip
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from registry.choices import DivisionLevel
from registry.models import Division
from registry.services.divisions import DEFAULT_FILE, DivisionFileError, divisions_load

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


DAPENG_STREETS = {"440307009": "葵涌街道", "440307010": "大鹏街道", "440307011": "南澳街道"}


def snapshot():
    return list(
        Division.objects.order_by("code").values_list(
            "code", "name", "level", "parent_id", "path", "is_residential", "is_statistical"
        )
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shenzhen_has_ten_district_level_units_79_streets_788_communities(divisions):
    counts = {level: Division.objects.filter(level=level).count() for level in DivisionLevel.values}
    assert counts == {"province": 0, "city": 1, "district": 10, "street": 79, "community": 788}


def test_every_unit_hangs_under_the_right_parent(divisions):
    for division in Division.objects.exclude(level=DivisionLevel.CITY).select_related("parent"):
        assert division.parent is not None, division.code
        assert DivisionLevel.rank(division.parent.level) == DivisionLevel.rank(division.level) - 1
        assert division.path == division.parent.path + division.code + "/"
    # Statistical communities sit under the street whose code they extend.
    for community in Division.objects.filter(level=DivisionLevel.COMMUNITY):
        assert community.code.startswith(community.parent_id)


def test_dapeng_is_a_district_level_unit_of_its_own(divisions):
    dapeng = Division.objects.get(code="4403DP")
    assert dapeng.name == "大鹏新区"
    assert dapeng.level == DivisionLevel.DISTRICT
    assert dapeng.parent_id == "4403"
    assert not dapeng.is_statistical
    assert dict(dapeng.children.values_list("code", "name")) == DAPENG_STREETS
    longgang = Division.objects.get(code="440307")
    assert longgang.children.count() == 11
    assert not longgang.subtree().filter(code__in=DAPENG_STREETS).exists()
    # Dapeng's communities follow their streets.
    assert dapeng.subtree().filter(level=DivisionLevel.COMMUNITY).count() == 25
    assert not longgang.subtree().filter(parent_id__in=DAPENG_STREETS).exists()


def test_non_residential_units_are_marked(divisions):
    streets = set(
        Division.objects.filter(level="street", is_residential=False).values_list("name", flat=True)
    )
    assert streets == {
        "福田保税区",
        "前海合作区",
        "深圳市宝安国际机场",
        "深圳盐田综合保税区",
        "深圳坪山综合保税区",
    }
    communities = Division.objects.filter(level="community", is_residential=False)
    assert communities.count() == 5
    assert all("虚拟社区" in c.name for c in communities)
    assert Division.objects.filter(level="street", is_residential=True).count() == 74


def test_reloading_changes_nothing(divisions):
    before, history = snapshot(), Division.history.count()
    result = divisions_load()
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged == 878
    assert snapshot() == before
    assert Division.history.count() == history


def test_management_command_loads_and_reports(divisions, capsys):
    call_command("load_divisions", "--no-progress")
    assert "0 created, 0 updated, 878 unchanged" in capsys.readouterr().out


def test_a_renamed_unit_is_updated_with_history(divisions, tmp_path):
    text = DEFAULT_FILE.read_text(encoding="utf-8").replace(
        "street,440310002,马峦街道,", "street,440310002,马峦新街道,"
    )
    result = divisions_load(paths=[write(tmp_path, "renamed.csv", text)])
    assert (result.created, result.updated) == (0, 1)
    maluan = Division.objects.get(code="440310002")
    assert maluan.name == "马峦新街道"
    latest = maluan.history.first()
    assert latest.history_type == "~"
    assert latest.prev_record.name == "马峦街道"
    assert "renamed.csv" in latest.history_change_reason
    assert [c.field for c in latest.diff_against(latest.prev_record).changes] == ["name"]


def test_partial_file_adds_a_community_under_a_loaded_street(divisions, tmp_path):
    path = write(
        tmp_path,
        "new.csv",
        "level,code,name,parent_code\ncommunity,440310002999,新社区,440310002\n",
    )
    result = divisions_load(paths=[path])
    assert result.created == 1
    new = Division.objects.get(code="440310002999")
    assert new.path == "4403/440310/440310002/440310002999/"
    assert new.is_residential


NATIONAL_SAMPLE = """level,code,name,parent_code
province,44,广东省,
city,4403,深圳市,44
district,440310,坪山区,4403
street,440310001,坪山街道,440310
community,440310001003,坪山社区居委会,440310001
province,11,北京市,
city,1101,市辖区,11
district,110101,东城区,1101
street,110101001,东华门街道,110101
community,110101001001,多福巷社区居委会,110101001
"""


def test_national_style_gz_file_moves_shenzhen_under_its_province(divisions, tmp_path):
    path = tmp_path / "china-sample.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(NATIONAL_SAMPLE)
    result = divisions_load(paths=[path])
    assert (
        Division.objects.get(code="110101001001").path == "11/1101/110101/110101001/110101001001/"
    )
    assert Division.objects.get(code="4403").path == "44/4403/"
    # Units below Shenzhen that weren't in the file follow the city to its new path.
    assert Division.objects.get(code="440307009").path == "44/4403/4403DP/440307009/"
    assert Division.objects.get(code="440303001001").path.startswith("44/4403/440303/")
    assert Division.objects.get(code="4403").is_residential
    assert result.overlay_applied is False  # the sample has none of Dapeng's streets
    assert Division.objects.get(code="440307009").parent_id == "4403DP"
    again = divisions_load(paths=[path])
    assert (again.created, again.updated) == (0, 0)


BAD_FILE = """level,code,name,parent_code
city,4403,深圳市,44
district,440310,坪山区,4403
street,440310001,坪山街道,440310
street,440310001,坪山街道重复,440310
county,440399,某县,4403
community,44031000100X,坏社区,440310001
street,440399009,无主街道,440399
community,440310001777,,440310001
community,440310001888,错层社区,440310
street,440312001,前缀不符街道,440310
"""


def test_bad_file_lists_every_problem_with_its_line_and_changes_nothing(divisions, tmp_path):
    before, history = snapshot(), Division.history.count()
    with pytest.raises(DivisionFileError) as caught:
        divisions_load(paths=[write(tmp_path, "bad.csv", BAD_FILE)])
    problems = caught.value.problems
    assert problems == [
        "bad.csv line 5: duplicate code '440310001' (first on bad.csv line 4)",
        "bad.csv line 6: unknown level 'county' (expected one of province, city, district, "
        "street, community)",
        "bad.csv line 7: malformed code '44031000100X': a community code is 12 digits",
        "bad.csv line 8: parent '440399' is neither in the file nor already loaded",
        "bad.csv line 9: name is empty",
        "bad.csv line 10: a community cannot sit under '440310', which is a district",
        "bad.csv line 11: code '440312001' does not start with its parent's code '440310'",
    ]
    assert snapshot() == before
    assert Division.history.count() == history


def test_command_reports_all_problems_and_fails(divisions, tmp_path):
    with pytest.raises(CommandError) as caught:
        call_command(
            "load_divisions", "--no-progress", "--file", str(write(tmp_path, "bad.csv", BAD_FILE))
        )
    message = str(caught.value)
    assert message.startswith("7 problem(s); nothing was loaded")
    assert "bad.csv line 8: parent '440399'" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("code,name\n4403,深圳市\n", "missing column(s) level, parent_code"),
        ("level,code,name,parent_code\n", "no divisions in the file"),
        ("level,code,name,parent_code\nprovince,44,广东省,4\n", "a province has no parent"),
        ("level,code,name,parent_code\ncity,4403,深圳市,\n", "parent_code is empty"),
    ],
)
def test_malformed_files_are_refused(divisions, tmp_path, content, expected):
    before = snapshot()
    with pytest.raises(DivisionFileError) as caught:
        divisions_load(paths=[write(tmp_path, "f.csv", content)])
    assert any(expected in p for p in caught.value.problems), caught.value.problems
    assert snapshot() == before


def test_a_file_that_is_not_csv_text_is_refused(divisions, tmp_path):
    path = tmp_path / "binary.csv.gz"
    path.write_bytes(b"\x00\x01 not gzip at all")
    with pytest.raises(DivisionFileError) as caught:
        divisions_load(paths=[path])
    assert "cannot be read" in caught.value.problems[0]


def test_problems_are_reported_in_chinese_by_default(divisions, tmp_path):
    with translation.override("zh-hans"), pytest.raises(DivisionFileError) as caught:
        divisions_load(paths=[write(tmp_path, "bad.csv", BAD_FILE)])
    assert (
        caught.value.problems[0]
        == "bad.csv 第 5 行：代码“440310001”重复（首次出现于 bad.csv 第 4 行）"
    )
