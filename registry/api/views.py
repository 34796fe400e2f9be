from core.api import ScopedReadOnlyModelViewSet
from registry.api.serializers import DivisionSerializer
from registry.filters import DivisionFilterSet
from registry.models import Division


class DivisionViewSet(ScopedReadOnlyModelViewSet):
    """The division tree, restricted to the caller's jurisdiction."""

    queryset = Division.objects.all()
    serializer_class = DivisionSerializer
    filterset_class = DivisionFilterSet
    ordering_fields = ["code", "name", "path"]
    ordering = ["path"]
    lookup_field = "code"
