"""The division-tree nodes a user may see, and the one their pages open on.

Every page, endpoint and KPI that takes a node (a division or its code) looks it up here, so
"which nodes may this user see" is decided once, by ``restrict()``.
"""

from __future__ import annotations

from django.db.models import QuerySet

from core.exceptions import OutOfJurisdiction
from core.scoping import VIEW
from registry.models import Division

#: longer than any division code (a code longer than this is refused before the database)
_MAX_CODE_LENGTH = 12


def visible_nodes(user, action: str = VIEW) -> QuerySet[Division]:
    """The divisions ``user`` may ``action`` (view, by default)."""
    return Division.objects.restrict(user, action)


def node_in_scope(node: Division | str | None, *, user, action: str = VIEW) -> Division:
    """The division (or the division with this code) if ``user`` may ``action`` it, with its
    parent; ``OutOfJurisdiction`` (404) otherwise, also for a code no division can have (a NUL
    byte would be a database error in PostgreSQL, not a miss)."""
    code = node.pk if isinstance(node, Division) else str(node or "")
    if not code or len(code) > _MAX_CODE_LENGTH or "\x00" in code:
        raise OutOfJurisdiction()
    found = visible_nodes(user, action).select_related("parent").filter(pk=code).first()
    if found is None:
        raise OutOfJurisdiction()
    return found


def default_node(user) -> Division | None:
    """The node a user's pages open on: their own division, or the top of the tree for a
    superuser; ``None`` for anyone else (an organisation leader has no node)."""
    if user.division_id:
        return user.division
    if user.is_superuser:
        return Division.objects.filter(parent__isnull=True).order_by("path").first()
    return None
