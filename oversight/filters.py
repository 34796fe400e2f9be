"""Filter sets of the oversight models, and the credit-list filters that oversight adds to the
registry's organisation filters (``registry.extensions``, filled in ``OversightConfig.ready()``)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from oversight.choices import CaseStatus, CreditListKind, DormancySignal, ReportStatus
from oversight.models import AnnualReport, CreditListEntry, DormancyCase
from oversight.selectors import filter_on_abnormal_list, filter_on_serious_list
from registry.choices import OrgStatus
from registry.filters import division_filters


def _list_filter(select, label):
    return django_filters.BooleanFilter(
        method=lambda queryset, name, value: select(queryset, value), label=label
    )


#: ``?on_abnormal_list=true`` / ``?on_serious_list=true`` on every organisation filter set
#: (``registry.extensions.register_organisation_filter``, in ``OversightConfig.ready()``)
ORGANISATION_FILTERS = {
    "on_abnormal_list": _list_filter(filter_on_abnormal_list, _("on the abnormal-activity list")),
    "on_serious_list": _list_filter(filter_on_serious_list, _("on the serious-dishonesty list")),
}


# --- filter sets of the oversight models ------------------------------------------------------


class WithinFilterSet(django_filters.FilterSet):
    """``?within=<division code>`` (and ``district``, ``street``, ``community``): rows of
    organisations in that subtree, through the registry's one scoped ``division_filters`` (a
    code outside the user's jurisdiction matches nothing)."""

    within, district, street, community = division_filters("organisation__community__path")


class AnnualReportFilterSet(WithinFilterSet):
    year = django_filters.NumberFilter(label=_("year"))
    status = django_filters.MultipleChoiceFilter(choices=ReportStatus.choices, label=_("status"))
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_("not submitted by the deadline")
    )
    outstanding = django_filters.BooleanFilter(
        method="filter_outstanding", label=_("overdue and not yet accepted")
    )
    organisation = django_filters.NumberFilter(
        field_name="organisation_id", label=_("organisation (id)")
    )
    q = django_filters.CharFilter(
        field_name="organisation__name", lookup_expr="icontains", label=_("organisation name")
    )

    class Meta:
        model = AnnualReport
        fields = []

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_since__isnull=not value)

    def filter_outstanding(self, queryset, name, value):
        outstanding = Q(overdue_since__isnull=False) & ~Q(status=ReportStatus.ACCEPTED)
        return queryset.filter(outstanding if value else ~outstanding)


class CreditListEntryFilterSet(WithinFilterSet):
    kind = django_filters.ChoiceFilter(choices=CreditListKind.choices, label=_("list"))
    current = django_filters.BooleanFilter(
        field_name="removed_on", lookup_expr="isnull", label=_("still listed")
    )
    organisation = django_filters.NumberFilter(
        field_name="organisation_id", label=_("organisation (id)")
    )
    report_year = django_filters.NumberFilter(label=_("annual report year"))
    listed_after = django_filters.DateFilter(
        field_name="listed_on", lookup_expr="gte", label=_("listed on or after")
    )
    listed_before = django_filters.DateFilter(
        field_name="listed_on", lookup_expr="lte", label=_("listed on or before")
    )
    q = django_filters.CharFilter(
        field_name="organisation__name", lookup_expr="icontains", label=_("organisation name")
    )

    class Meta:
        model = CreditListEntry
        fields = []


#: the statuses an organisation has when each tier owns it (the inverse of OWNER_LEVEL)
OWNED_STATUSES = {
    level: {status for status, owner in OrgStatus.OWNER_LEVEL.items() if owner == level}
    for level in set(OrgStatus.OWNER_LEVEL.values())
}


def owned_by_tier_q(level: str, prefix: str = "") -> Q:
    """Organisations (through ``prefix``) that the tier at ``level`` owns: by their status, or
    for an exited one by the status it left from."""
    statuses = OWNED_STATUSES.get(level, set())
    return Q(**{f"{prefix}status__in": statuses}) | Q(
        **{f"{prefix}status": OrgStatus.EXITED, f"{prefix}status_before_exit__in": statuses}
    )


class DormancyCaseFilterSet(WithinFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices, label=_("status"))
    pending = django_filters.BooleanFilter(method="filter_pending", label=_("awaiting a decision"))
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_("owned by my tier (my inbox)")
    )
    signal = django_filters.ChoiceFilter(
        choices=DormancySignal.choices, method="filter_signal", label=_("signal")
    )
    organisation = django_filters.NumberFilter(
        field_name="organisation_id", label=_("organisation (id)")
    )
    q = django_filters.CharFilter(
        field_name="organisation__name", lookup_expr="icontains", label=_("organisation name")
    )

    class Meta:
        model = DormancyCase
        fields = []

    def filter_pending(self, queryset, name, value):
        condition = Q(status__in=CaseStatus.PENDING)
        return queryset.filter(condition if value else ~condition)

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None or user.is_superuser:
            return queryset
        # The queryset is already the user's subtree; what their tier owns in it is the inbox.
        return queryset.filter(owned_by_tier_q(user.tier_level or "", "organisation__"))

    def filter_signal(self, queryset, name, value):
        return queryset.filter(signals__contains=f",{value},")
