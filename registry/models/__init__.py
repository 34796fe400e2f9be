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

__all__ = [
    "PATH_SEPARATOR",
    "Activity",
    "Application",
    "BrandProject",
    "Division",
    "FilingConditions",
    "FilingSequence",
    "Member",
    "Organisation",
    "User",
]
