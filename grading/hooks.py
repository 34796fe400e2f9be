"""What grading shows on the registry's pages, endpoints and exports, through the hooks of
``registry.extensions`` (registered in ``GradingConfig.ready()``): the current grade as an
organisation filter, an annotation (exports, the public register), API fields, and a panel on
the organisation's page."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from grading.selectors import annotate_current_grade, current_grades, filter_grade_at_least
from registry.extensions import (
    OrganisationAnnotation,
    OrganisationApiFields,
    register_organisation_annotation,
    register_organisation_api_fields,
    register_organisation_filter,
    register_organisation_panel,
)

#: assessment grades, 1A-5A (``grading.choices.GradeLevel``), for the grade filters
GRADE_CHOICES = [(str(level), f"{level}A") for level in range(1, 6)]


def _grade_min(queryset, name, value):
    return filter_grade_at_least(queryset, int(value))


def _grade_3a_plus(queryset, name, value):
    if value is None:
        return queryset
    graded = filter_grade_at_least(queryset, 3)
    return graded if value else queryset.exclude(pk__in=graded.values("pk"))


def _grade_display(level) -> str:
    return f"{level}A" if level else ""


def _api_values(organisation_ids) -> dict[int, dict]:
    return {
        pk: {
            "current_grade": level,
            "current_grade_valid_until": until.isoformat() if until else None,
        }
        for pk, (level, until) in current_grades(organisation_ids).items()
    }


def register() -> None:
    register_organisation_filter(
        "grade_min",
        django_filters.ChoiceFilter(
            choices=GRADE_CHOICES, method=_grade_min, label=_("current grade at least")
        ),
    )
    register_organisation_filter(
        "grade_3a_plus",
        django_filters.BooleanFilter(method=_grade_3a_plus, label=_("current grade 3A and above")),
    )
    register_organisation_annotation(
        OrganisationAnnotation(
            name="current_grade",
            label=_("Grade"),
            annotate=annotate_current_grade,
            display=_grade_display,
            public_template="grading/includes/public_grade_cell.html",
        )
    )
    register_organisation_api_fields(
        OrganisationApiFields(
            key="grading",
            fields={
                "current_grade": (
                    {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 5,
                        "nullable": True,
                        "readOnly": True,
                    },
                    _("The assessment grade in force today (1 to 5 for 1A to 5A), or null."),
                ),
                "current_grade_valid_until": (
                    {"type": "string", "format": "date", "nullable": True, "readOnly": True},
                    _("The last day the current grade is valid, or null."),
                ),
            },
            load=_api_values,
        )
    )
    register_organisation_panel("grading/includes/org_panel.html")
