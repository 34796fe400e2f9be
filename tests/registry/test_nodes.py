"""``registry.nodes``: the nodes a user may see and the one their pages open on."""

import pytest

from core.exceptions import OutOfJurisdiction
from core.scoping import CHANGE
from registry.models import Division
from registry.nodes import default_node, node_in_scope, visible_nodes
from tests.conftest import MALUAN_STREET, PINGSHAN_COMMUNITY, PINGSHAN_STREET

pytestmark = pytest.mark.django_db


def test_visible_nodes_are_the_users_subtree(street_officer, city_officer):
    codes = set(visible_nodes(street_officer).values_list("code", flat=True))
    assert codes == set(
        Division.objects.get(code=PINGSHAN_STREET).subtree().values_list("code", flat=True)
    )
    assert visible_nodes(city_officer).filter(pk=MALUAN_STREET).exists()
    assert not visible_nodes(city_officer, CHANGE).exists()


def test_node_in_scope_by_code_or_division(street_officer):
    node = node_in_scope(PINGSHAN_COMMUNITY, user=street_officer)
    assert node.pk == PINGSHAN_COMMUNITY and node.parent.pk == PINGSHAN_STREET
    assert node_in_scope(node, user=street_officer) == node
    for code in (MALUAN_STREET, "", None, "4403\x00", "9" * 40, "nothing"):
        with pytest.raises(OutOfJurisdiction):
            node_in_scope(code, user=street_officer)


def test_default_node(street_officer, make_user, django_user_model):
    assert default_node(street_officer).pk == PINGSHAN_STREET
    superuser = django_user_model.objects.create_superuser("root", password="pw")
    assert default_node(superuser) == Division.objects.get(parent__isnull=True)
    assert default_node(make_user()) is None
