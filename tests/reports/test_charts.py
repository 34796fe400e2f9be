"""The server-side SVG charts: valid, accessible markup with every value written out."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from reports.charts import (
    Bar,
    Point,
    axis_top,
    bar_chart,
    format_value,
    line_chart,
    met_word,
    nice_ceiling,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


def texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def month_ends(n):
    return [dt.date(2025, m, 28) for m in range(1, n + 1)]


@pytest.mark.parametrize(
    "value, unit, shown",
    [
        (0.853, "ratio", "85.3%"),
        (1, "ratio", "100.0%"),
        (12.345, "per_community", "12.3"),
        (7, "count", "7"),
        (12345, "count", "12,345"),
        (11.6, "days", "12"),
        (None, "ratio", "—"),
    ],
)
def test_format_value(value, unit, shown):
    assert format_value(value, unit) == shown


def test_axis_top_starts_at_zero_and_covers_values_and_target():
    assert axis_top([0.2, 0.5], 0.85, "ratio") == 1.0
    assert axis_top([1.3], None, "ratio") == 2.0
    assert axis_top([3.2, 7.9], 10, "per_community") == 10
    assert axis_top([12.1], 10, "per_community") == 20
    assert axis_top([None], None, "count") == 1.0
    assert [nice_ceiling(v) for v in (0, 0.7, 3, 21, 240)] == [1.0, 1.0, 5, 25, 250]


def test_line_chart_is_accessible_and_writes_every_value():
    points = [
        Point(day, v, v >= 0.85)
        for day, v in zip(month_ends(4), [0.5, 0.7, 0.86, 0.9], strict=True)
    ]
    svg = line_chart(
        points,
        chart_id="trend-hub",
        title="Hub coverage <trend>",
        description="Share of streets with a hub, at each month end",
        unit="ratio",
        target=0.85,
        x_label="Month end",
        y_label="Share of streets",
    )
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "trend-hub-title trend-hub-desc"
    assert root.find(f"{SVG}title").get("id") == "trend-hub-title"
    assert root.find(f"{SVG}title").text == "Hub coverage <trend>"  # escaped, then parsed back
    assert "&lt;trend&gt;" in str(svg)
    assert root.find(f"{SVG}desc").text.startswith("Share of streets")
    assert float(root.get("width")) > 0 and float(root.get("height")) > 0

    [line] = root.findall(f"{SVG}polyline")
    assert len(line.get("points").split()) == 4
    circles = root.findall(f"{SVG}circle")
    assert len(circles) == 4
    # the colour is not the only sign: each value says ✓ or ✗, and the legend says what they mean
    shown = texts(root)
    assert ["50.0%✗", "70.0%✗", "86.0%✓", "90.0%✓"] == [t for t in shown if t.endswith(("✓", "✗"))]
    assert circles[0].find(f"{SVG}title").text == "2025-01-28: 50.0%✗"
    target = [el for el in root.iter(f"{SVG}line") if el.get("class") == "target"]
    assert len(target) == 1 and target[0].get("stroke-dasharray")
    assert any("85.0%" in t for t in shown)
    assert {"Month end", "Share of streets", "2025-01", "2025-04", "0%", "100%"} <= set(shown)


def test_line_chart_breaks_at_missing_values_and_says_when_there_is_nothing():
    values = [0.1, 0.2, None, 0.4, 0.5]
    points = [Point(day, v) for day, v in zip(month_ends(5), values, strict=True)]
    root = parse(line_chart(points, chart_id="c", title="t", description="d", unit="ratio"))
    assert len(root.findall(f"{SVG}polyline")) == 2
    assert len(root.findall(f"{SVG}circle")) == 4
    assert not [el for el in root.iter(f"{SVG}line") if el.get("class") == "target"]
    with translation.override("en"):
        empty = parse(
            line_chart(
                [Point(d, None) for d in month_ends(3)],
                chart_id="e",
                title="t",
                description="d",
                unit="count",
            )
        )
    assert "No data" in texts(empty)
    assert not empty.findall(f"{SVG}circle")


def test_line_chart_labels_a_long_run_of_dates_without_crowding():
    days = [dt.date(2023, 1, 31) + dt.timedelta(days=30 * i) for i in range(36)]
    root = parse(
        line_chart(
            [Point(d, i) for i, d in enumerate(days)],
            chart_id="long",
            title="t",
            description="d",
            unit="count",
        )
    )
    month_labels = [t for t in texts(root) if len(t) == 7 and t[4] == "-"]
    assert 4 <= len(month_labels) <= 9
    assert month_labels[-1] == f"{days[-1]:%Y-%m}"
    assert len(root.findall(f"{SVG}circle")) == 36


def test_bar_chart_links_each_child_and_marks_it_against_the_target():
    bars = [
        Bar("坪山街道", 12.3, True, "/reports/440310001/"),
        Bar("马峦街道", 4.2, False, "/reports/440310002/"),
        Bar("碧岭街道", None, None, "/reports/440310003/"),
        Bar("一个名字特别长的社区居民委员会", 10.0, True, None),
    ]
    with translation.override("en"):
        svg = bar_chart(
            bars,
            chart_id="children-density",
            title="Density of the streets",
            description="Organisations per community",
            unit="per_community",
            target=10,
            x_label="Organisations per community",
        )
    root = parse(svg)
    assert root.get("aria-labelledby") == "children-density-title children-density-desc"
    links = root.findall(f"{SVG}a")
    assert [a.get("href") for a in links] == [
        "/reports/440310001/",
        "/reports/440310002/",
        "/reports/440310003/",
    ]
    rects = root.findall(f".//{SVG}rect")
    assert len(rects) == 3  # nothing drawn for the node without a value
    assert rects[0].get("fill") != rects[1].get("fill")
    assert float(rects[0].get("width")) > float(rects[2].get("width"))
    shown = texts(root)
    assert {"12.3✓", "4.2✗", "—", "10.0✓", "Target 10.0", "✓ reached", "✗ not reached"} <= set(
        shown
    )
    assert "一个名字特别长的社区…" in shown
    titles = [t.text for t in root.iter(f"{SVG}title")]
    assert "一个名字特别长的社区居民委员会: 10.0✓" in titles
    targets = [el for el in root.iter(f"{SVG}line") if el.get("class") == "target"]
    assert len(targets) == 1


def test_bar_chart_draws_each_units_own_target_when_they_differ():
    bars = [Bar("urban", 8, False, target=10), Bar("rural", 6, True, target=5)]
    with translation.override("en"):
        root = parse(
            bar_chart(bars, chart_id="b", title="t", description="d", unit="per_community")
        )
    targets = [el for el in root.iter(f"{SVG}line") if el.get("class") == "target"]
    assert len(targets) == 2
    assert targets[0].get("x1") != targets[1].get("x1")
    assert "Target of each unit" in texts(root)
    assert "urban: 8.0✗ (Target 10.0)" in [t.text for t in root.iter(f"{SVG}title")]


def test_met_words():
    with translation.override("en"):
        assert (met_word(True), met_word(False), met_word(None)) == ("reached", "not reached", "")
