"""Serializers of the patrol API; the rules are in services.py."""
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Patrol
from .services import MAX_TRACK_POINTS


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


class TrackField(serializers.ListField):
    """Counts the points before validating each one: a 70 000-point track is refused at once."""

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > MAX_TRACK_POINTS:
            self.fail("max_length", max_length=MAX_TRACK_POINTS)
        return super().to_internal_value(data)


class PatrolEndSerializer(serializers.Serializer):
    track = TrackField(child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=3),
                       required=False, max_length=MAX_TRACK_POINTS, help_text=_("[[经度, 纬度], …]"))
    crs = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True)
