"""Jurisdiction scoping: the one place that decides which rows a user may see or change.

Every queryset that a page, endpoint, export, history view or KPI touches goes through
``RestrictedQuerySet.restrict(user, action)`` (after NetBox's ``RestrictedQuerySet``). A model
says how its rows hang off the division tree (``scope_path_field``) and, where an organisation
leader may see it, how it hangs off an organisation (``scope_organisation_field``). The user
model says what the user's jurisdiction is (``user.jurisdiction``). Nothing in here knows the
domain's roles or division levels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from django.db import models
from django.db.models import Q

#: the separator of the division tree's materialised paths ("4403/4403DP/")
PATH_SEPARATOR = "/"

VIEW = "view"
CHANGE = "change"


@dataclass(frozen=True)
class Jurisdiction:
    """What a user may touch: a subtree of divisions, or one organisation, and which actions.

    ``path`` is the materialised path of the user's division node (every row whose scope path
    starts with it is inside); ``organisation_id`` binds a user to one organisation instead.
    ``binding`` binds a user to one object of some other kind, ``(kind, id)`` (a support
    platform's operator: ``("platform", 7)``): each model says in ``scope_bindings`` how its rows
    hang off an object of that kind, and a model that doesn't shows such a user nothing.
    ``unrestricted`` is for superusers.
    """

    actions: frozenset[str] = field(default_factory=frozenset)
    path: str | None = None
    organisation_id: int | None = None
    binding: tuple[str, int] | None = None
    unrestricted: bool = False

    def allows(self, action: str) -> bool:
        return self.unrestricted or action in self.actions


NOTHING = Jurisdiction()
EVERYTHING = Jurisdiction(unrestricted=True)


def jurisdiction_of(user) -> Jurisdiction:
    """The jurisdiction of ``user``; anonymous and inactive users get nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    return getattr(user, "jurisdiction", NOTHING)


class RestrictedQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW) -> RestrictedQuerySet:
        """Only the rows ``user`` may perform ``action`` on."""
        jurisdiction = jurisdiction_of(user)
        if jurisdiction.unrestricted:
            return self
        if not jurisdiction.allows(action):
            return self.none()
        return self.filter(self.model.jurisdiction_q(jurisdiction))


class ScopedModel(models.Model):
    """Abstract base for every model whose rows belong to a place in the division tree."""

    #: lookup from this model to the materialised path of the division it belongs to
    scope_path_field: ClassVar[str | None] = None
    #: lookup from this model to the organisation it belongs to, for organisation leaders
    scope_organisation_field: ClassVar[str | None] = None
    #: binding kind -> lookup from this model to the bound object's id, or a callable
    #: ``(id) -> Q`` (see ``Jurisdiction.binding``)
    scope_bindings: ClassVar[dict] = {}

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def jurisdiction_q(cls, jurisdiction: Jurisdiction) -> Q:
        if jurisdiction.unrestricted:
            return Q()
        if jurisdiction.organisation_id is not None:
            if cls.scope_organisation_field is None:
                return Q(pk__in=[])
            return Q(**{cls.scope_organisation_field: jurisdiction.organisation_id})
        if jurisdiction.binding is not None:
            kind, bound_id = jurisdiction.binding
            lookup = cls.scope_bindings.get(kind)
            if lookup is None:
                return Q(pk__in=[])
            return lookup(bound_id) if callable(lookup) else Q(**{lookup: bound_id})
        if jurisdiction.path is None or cls.scope_path_field is None:
            return Q(pk__in=[])
        return Q(**{f"{cls.scope_path_field}__startswith": jurisdiction.path})

    def is_within(self, user, action: str = VIEW) -> bool:
        """Whether this saved row is inside ``user``'s jurisdiction for ``action``."""
        return type(self)._default_manager.restrict(user, action).filter(pk=self.pk).exists()
