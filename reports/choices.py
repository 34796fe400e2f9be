"""The KPIs' stable keys (English identifiers used in JSON, the API and the targets table)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class KpiKey(models.TextChoices):
    HUB_COVERAGE = "hub_coverage", _("Hub coverage of streets")
    BRAND_COVERAGE = "brand_coverage", _("Brand-project coverage of districts")
    DENSITY = "density", _("Organisations per community")
    PARTY_ORGANISATION_COVERAGE = "party_organisation_coverage", _("Party organisation coverage")
    PARTY_WORK_COVERAGE = "party_work_coverage", _("Party work coverage")
    PARTY_STREETS_WITH_GENERAL_BRANCH = (
        "party_streets_with_general_branch",
        _("Streets with a general party branch"),
    )
    PARTY_COMMUNITIES_WITH_BRANCH = (
        "party_communities_with_branch",
        _("Communities with a party organisation"),
    )
    ANNUAL_REPORTS = "annual_reports", _("Annual reports accepted by the deadline")
    DORMANCY_SUSPECTS = "dormancy_suspects", _("Open dormancy suspects")
    EXITS = "exits", _("Exits this year")
    GRADED_3A_PLUS = "graded_3a_plus", _("Organisations graded 3A or above")
    GRADES_EXPIRING = "grades_expiring", _("Grades expiring within 6 months")
    FILINGS_APPROVED = "filings_approved", _("Filings approved this year")
    REGISTRATIONS_APPROVED = "registrations_approved", _("Registrations approved this year")
    FILING_REVIEW_DAYS = "filing_review_days", _("Median days to decide a filing")
    REGISTRATION_REVIEW_DAYS = "registration_review_days", _("Median days to decide a registration")
    # --- support programmes (defined in reports/kpis_support.py) ---
    SUPPORT_PLATFORMS = "support_platforms", _("Support platforms")
    PLATFORM_STREET_COVERAGE = "platform_street_coverage", _("Streets with a support platform")
    ORGANISATIONS_INCUBATED = "organisations_incubated", _("Organisations incubated")
    ORGANISATIONS_GRADUATED = "organisations_graduated", _("Organisations graduated")
    FUNDING_APPROVED = "funding_approved", _("Funding approved")
    FUNDING_DISBURSED = "funding_disbursed", _("Funding disbursed")
    PROJECTS_FUNDED = "projects_funded", _("Projects funded")
    BENEFICIARIES = "beneficiaries", _("People served by funded projects (person-times)")
    LEADERS_TRAINED = "leaders_trained", _("Leaders trained this year")
    PAIRING_COVERAGE = "pairing_coverage", _("Filed organisations in a pairing")
    # --- selection campaigns (defined in reports/kpis_selection.py) ---
    SELECTION_ENTRIES = "selection_entries", _("Case entries submitted this year")
    SELECTION_SHORTLISTED = "selection_shortlisted", _("Case entries shortlisted this year")
    SELECTION_HIGH_GRADE_SHARE = (
        "selection_high_grade_share",
        _("3A+ organisations taking part in selection"),
    )


class TargetKey(models.TextChoices):
    """What a target can be set for: any KPI, and density per kind of community."""

    HUB_COVERAGE = KpiKey.HUB_COVERAGE.value, KpiKey.HUB_COVERAGE.label
    BRAND_COVERAGE = KpiKey.BRAND_COVERAGE.value, KpiKey.BRAND_COVERAGE.label
    DENSITY_URBAN = "density_urban", _("Organisations per urban community (residents' committee)")
    DENSITY_RURAL = "density_rural", _("Organisations per rural community (villagers' committee)")
    PARTY_ORGANISATION_COVERAGE = (
        KpiKey.PARTY_ORGANISATION_COVERAGE.value,
        KpiKey.PARTY_ORGANISATION_COVERAGE.label,
    )
    PARTY_WORK_COVERAGE = KpiKey.PARTY_WORK_COVERAGE.value, KpiKey.PARTY_WORK_COVERAGE.label
    PARTY_STREETS_WITH_GENERAL_BRANCH = (
        KpiKey.PARTY_STREETS_WITH_GENERAL_BRANCH.value,
        KpiKey.PARTY_STREETS_WITH_GENERAL_BRANCH.label,
    )
    PARTY_COMMUNITIES_WITH_BRANCH = (
        KpiKey.PARTY_COMMUNITIES_WITH_BRANCH.value,
        KpiKey.PARTY_COMMUNITIES_WITH_BRANCH.label,
    )
    ANNUAL_REPORTS = KpiKey.ANNUAL_REPORTS.value, KpiKey.ANNUAL_REPORTS.label
    DORMANCY_SUSPECTS = KpiKey.DORMANCY_SUSPECTS.value, KpiKey.DORMANCY_SUSPECTS.label
    EXITS = KpiKey.EXITS.value, KpiKey.EXITS.label
    GRADED_3A_PLUS = KpiKey.GRADED_3A_PLUS.value, KpiKey.GRADED_3A_PLUS.label
    GRADES_EXPIRING = KpiKey.GRADES_EXPIRING.value, KpiKey.GRADES_EXPIRING.label
    FILINGS_APPROVED = KpiKey.FILINGS_APPROVED.value, KpiKey.FILINGS_APPROVED.label
    REGISTRATIONS_APPROVED = (
        KpiKey.REGISTRATIONS_APPROVED.value,
        KpiKey.REGISTRATIONS_APPROVED.label,
    )
    FILING_REVIEW_DAYS = KpiKey.FILING_REVIEW_DAYS.value, KpiKey.FILING_REVIEW_DAYS.label
    REGISTRATION_REVIEW_DAYS = (
        KpiKey.REGISTRATION_REVIEW_DAYS.value,
        KpiKey.REGISTRATION_REVIEW_DAYS.label,
    )


class KpiUnit(models.TextChoices):
    RATIO = "ratio", _("Share (0 to 1, shown as a percentage)")
    COUNT = "count", _("Count")
    PER_COMMUNITY = "per_community", _("Per community")
    DAYS = "days", _("Days")
    YUAN = "yuan", _("Yuan")


class DrillPart(models.TextChoices):
    NUMERATOR = "numerator", _("Numerator")
    DENOMINATOR = "denominator", _("Denominator")
