"""Template tags of the oversight panels."""

from django import template

from oversight.selectors import ReportDue, report_due

register = template.Library()


@register.simple_tag
def annual_report_due(organisation) -> ReportDue | None:
    """``{% annual_report_due organisation as due %}``: the report it still has to submit."""
    return report_due(organisation)
