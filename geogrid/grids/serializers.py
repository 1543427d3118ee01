"""Serializers of the 4+N team API; the rules are in teams.py."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import GridMember


class GridMemberSerializer(serializers.ModelSerializer):
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    user_name = serializers.CharField(source="user.__str__", read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = GridMember
        fields = ["id", "grid", "grid_name", "user", "user_name", "role", "role_label", "other_kind", "phone", "start_date", "end_date"]


class GridMemberInputSerializer(serializers.Serializer):
    grid = serializers.CharField(help_text=_("网格编码（现行版本）"))
    user = serializers.IntegerField()
    role = serializers.ChoiceField(choices=GridMember.Role.choices)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False, allow_null=True)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    other_kind = serializers.CharField(required=False, allow_blank=True, max_length=50)


class EndMembershipSerializer(serializers.Serializer):
    end_date = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True)
