from rest_framework import serializers

from registry.models import Division


class DivisionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Division
        fields = ["code", "name", "level", "parent", "path", "is_residential", "is_statistical"]
        read_only_fields = fields
