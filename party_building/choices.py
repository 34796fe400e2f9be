"""Choice sets of party building (NetBox ``choices.py`` style)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.choices import DivisionLevel


class PartyOrganisationKind(models.TextChoices):
    """The kinds of grass-roots party organisation that cover community social organisations."""

    INDEPENDENT_BRANCH = "independent_branch", _("Independent party branch")  # 独立党支部
    JOINT_BRANCH = "joint_branch", _("Joint party branch")  # 联合党支部
    GENERAL_BRANCH = "general_branch", _("General party branch")  # 党总支

    #: kinds that cover organisations other than their own (joint coverage, 归口管理)
    JOINT_KINDS: frozenset
    #: the division levels whose party committee may guide each kind
    GUIDING_LEVELS: dict


PartyOrganisationKind.JOINT_KINDS = frozenset(
    {PartyOrganisationKind.JOINT_BRANCH, PartyOrganisationKind.GENERAL_BRANCH}
)
PartyOrganisationKind.GUIDING_LEVELS = {
    # The district bureau guides registered organisations, the street party working committee
    # filed ones, the community party committee activity groups (item 19).
    PartyOrganisationKind.INDEPENDENT_BRANCH: (
        DivisionLevel.DISTRICT,
        DivisionLevel.STREET,
        DivisionLevel.COMMUNITY,
    ),
    # Joint branches are set up by the street party working committee or the community party
    # committee (item 19).
    PartyOrganisationKind.JOINT_BRANCH: (DivisionLevel.STREET, DivisionLevel.COMMUNITY),
    # One general branch per street (一街道一总支).
    PartyOrganisationKind.GENERAL_BRANCH: (DivisionLevel.STREET,),
}


class CoverageMode(models.TextChoices):
    """How an organisation's party work is covered, derived from the party records (never typed).

    In order of precedence: an organisation with its own branch is ``OWN`` even when a joint
    branch or an instructor also looks after it.
    """

    OWN = "own", _("Own party organisation")
    JOINT = "joint", _("Joint or general branch")
    INSTRUCTOR = "instructor", _("Party-building instructor only")
    NONE = "none", _("Not covered")

    #: modes that count for organisation coverage (党的组织覆盖)
    ORGANISATION_COVERED: frozenset
    #: modes that count for work coverage (党的工作覆盖)
    WORK_COVERED: frozenset


CoverageMode.ORGANISATION_COVERED = frozenset({CoverageMode.OWN, CoverageMode.JOINT})
CoverageMode.WORK_COVERED = frozenset(
    {CoverageMode.OWN, CoverageMode.JOINT, CoverageMode.INSTRUCTOR}
)


class CoverageFigure(models.TextChoices):
    """The four party-coverage figures (DOMAIN.md section 5)."""

    ORGANISATION_COVERAGE = "organisation_coverage", _("Organisation coverage")
    WORK_COVERAGE = "work_coverage", _("Work coverage")
    STREETS_WITH_GENERAL_BRANCH = "streets_with_general_branch", _("Streets with a general branch")
    COMMUNITIES_WITH_BRANCH = "communities_with_branch", _("Communities with a branch")

    #: figures whose units are organisations (the others count divisions)
    ORGANISATION_FIGURES: frozenset


CoverageFigure.ORGANISATION_FIGURES = frozenset(
    {CoverageFigure.ORGANISATION_COVERAGE, CoverageFigure.WORK_COVERAGE}
)
