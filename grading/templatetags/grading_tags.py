"""Template helpers of grading: the grading panel of an organisation's page, band labels."""

from django import template

from grading.choices import grade_label
from grading.models import Sanction
from grading.selectors import current_award, published_results

register = template.Library()


@register.simple_tag
def grading_facts(organisation) -> dict:
    """What the organisation's page shows of grading: its grade in force today, its results in
    published comprehensive evaluations, its rewards and penalties. The page has already
    checked that the reader may see the organisation."""
    return {
        "award": current_award(organisation),
        "results": list(published_results(organisation)[:10]),
        "sanctions": list(Sanction.objects.filter(organisation=organisation)[:10]),
    }


@register.filter
def band_text(band: dict) -> str:
    """``{"level": 4, "lower_bound": "900.00", "inclusive": false}`` as "4A > 900.00"."""
    sign = "≥" if band.get("inclusive") else ">"
    return f"{grade_label(band['level'])} {sign} {band['lower_bound']}"


@register.filter
def grade(level) -> str:
    """A level (1-5) as 1A-5A; an empty level as "—"."""
    return grade_label(int(level)) if level else "—"
