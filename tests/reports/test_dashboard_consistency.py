"""The dashboard, the API and the Excel export show the same numbers.

One test reads each KPI of a node (and each charted KPI of its child nodes) off the dashboard
page, off ``/api/v1/kpis/?scope=`` and off the ``.xlsx`` export, for several users, nodes and
days, and compares them all.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from reports.charts import format_value
from reports.kpis import kpi_definitions
from tests.conftest import PINGSHAN_DISTRICT, PINGSHAN_STREET
from tests.reports.conftest import PAST
from tests.reports.test_dashboard import kpi_rows, parse

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def xlsx_numbers(content: bytes) -> dict[str, dict[str, dict]]:
    """``code -> key -> {numerator, denominator, value, target, met}`` of an export."""
    workbook = load_workbook(io.BytesIO(content))
    sheet, notes = workbook.worksheets
    keys = [row[1] for row in notes.iter_rows(min_row=5, values_only=True) if row[1]]
    result = {}
    for row in sheet.iter_rows(min_row=3, values_only=True):
        code, numbers = row[0], row[4:]
        result[code] = {
            key: dict(
                zip(
                    ("numerator", "denominator", "value", "target", "met"),
                    numbers[i * 5 : i * 5 + 5],
                    strict=True,
                )
            )
            for i, key in enumerate(keys)
        }
    return result


def shown_count(number) -> str:
    return "" if number is None else str(number)


@pytest.mark.parametrize(
    "who, scope, as_of",
    [
        ("city", "4403", None),
        ("district", PINGSHAN_DISTRICT, None),
        ("district", PINGSHAN_DISTRICT, PAST),
        ("ps_officer", PINGSHAN_STREET, None),
    ],
)
def test_dashboard_api_and_export_agree(
    at_now, scenario, people, client_for, api_for, who, scope, as_of
):
    user = people[who]
    query = {"as_of": as_of.isoformat()} if as_of else {}
    page = client_for(user).get(reverse("reports:dashboard", args=[scope]), query, **EN)
    api = api_for(user).get("/api/v1/kpis/", {"scope": scope, **query})
    export = client_for(user).get(reverse("reports:export", args=[scope]), query)
    assert page.status_code == api.status_code == export.status_code == 200

    data = api.json()
    workbook = xlsx_numbers(export.content)
    rows = kpi_rows(page)
    definitions = {d.key: d for d in kpi_definitions()}
    assert data["as_of"] == (as_of.isoformat() if as_of else "2026-11-23")
    assert list(rows) == list(data["scope"]["kpis"]) == list(workbook[scope])

    for key, api_value in data["scope"]["kpis"].items():
        excel = workbook[scope][key]
        unit = definitions[key].unit
        # the API and the workbook: the same raw numbers
        assert excel["numerator"] == api_value["numerator"], key
        assert excel["denominator"] == api_value["denominator"], key
        assert excel["value"] == api_value["value"], key
        assert excel["target"] == api_value["target"], key
        assert (excel["met"] is None) == (api_value["met"] is None), key
        # the page: the same numbers, as people read them
        _label, value, numerator, denominator, _target, mark = rows[key]
        assert value == format_value(api_value["value"], unit), key
        if unit == "yuan":  # money: the page keeps the cents ("0.00"), JSON has a number
            assert Decimal(numerator) == Decimal(str(api_value["numerator"])), key
        elif unit != "days":
            assert numerator == shown_count(api_value["numerator"]), key
        assert denominator == shown_count(api_value["denominator"]), key
        if api_value["met"] is not None:
            assert mark == ("✓ reached" if api_value["met"] else "✗ not reached"), key

    # the child nodes: the same nodes everywhere, and the charted KPIs agree
    children = {row_id: cells for row_id, cells in parse(page).rows.items()}
    api_children = {child["code"]: child for child in data["children"]}
    assert list(workbook)[1:] == list(api_children)
    charted = [
        key
        for key, value in data["scope"]["kpis"].items()
        if value["target"] is not None and value["value"] is not None
    ]
    for code, child in api_children.items():
        for key in charted:
            assert workbook[code][key]["value"] == child["kpis"][key]["value"]
        if f"child-{code}" in children:
            cells = children[f"child-{code}"][1:]
            shown = [
                format_value(child["kpis"][key]["value"], definitions[key].unit)
                for key in charted
                if any(c["kpis"][key]["value"] is not None for c in data["children"])
            ]
            assert [cell.split(" ")[0] for cell in cells] == shown
    assert any(f"child-{code}" in children for code in api_children) or not api_children
