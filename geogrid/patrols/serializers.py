"""Serializers of the patrol API; the rules are in services.py."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Patrol


class PatrolSerializer(serializers.ModelSerializer):
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True)
    user = serializers.StringRelatedField()
    track = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()

    class Meta:
        model = Patrol
        fields = ["id", "user", "grid", "started_at", "ended_at", "length_m", "note", "track", "findings"]

    def get_track(self, obj) -> list[list[float]] | None:
        return [[round(x, 7), round(y, 7)] for x, y in obj.track.coords] if obj.track else None

    def get_findings(self, obj) -> list[str]:
        return [i.number for i in obj.findings.all()]


class PatrolStartSerializer(serializers.Serializer):
    grid = serializers.CharField(help_text=_("网格编码"))
    note = serializers.CharField(required=False, allow_blank=True)


class PatrolEndSerializer(serializers.Serializer):
    track = serializers.ListField(child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=3),
                                  required=False, help_text=_("[[经度, 纬度], …]"))
    crs = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)
