from registry.models.accounts import User
from registry.models.applications import Application, FilingConditions
from registry.models.divisions import PATH_SEPARATOR, Division
from registry.models.organisations import (
    Activity,
    BrandProject,
    FilingSequence,
    Member,
    Organisation,
)
from registry.models.oversight import (
    AnnualReport,
    CreditListEntry,
    DormancyCase,
    OversightSettings,
)

__all__ = [
    "PATH_SEPARATOR",
    "Activity",
    "AnnualReport",
    "Application",
    "BrandProject",
    "CreditListEntry",
    "Division",
    "DormancyCase",
    "FilingConditions",
    "FilingSequence",
    "Member",
    "Organisation",
    "OversightSettings",
    "User",
]
