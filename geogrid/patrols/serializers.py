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
        fields = ["id", "client_key", "user", "grid", "started_at", "ended_at", "length_m", "note", "track", "findings"]

    def get_track(self, obj) -> list[list[float]] | None:
        return [[round(x, 7), round(y, 7)] for x, y in obj.track.coords] if obj.track else None

    def get_findings(self, obj) -> list[str]:
        return [i.number for i in obj.findings.all()]


class PatrolStartSerializer(serializers.Serializer):
    grid = serializers.CharField(help_text=_("网格编码"))
    note = serializers.CharField(required=False, allow_blank=True)
    client_key = serializers.UUIDField(required=False, allow_null=True, help_text=_(
        "手机为本次巡查生成的编号（UUID）：离线排队的发现、轨迹、结束可用它代替 id 指向本巡查；同一编号再次开始返回原巡查"))
    started_at = serializers.DateTimeField(required=False, allow_null=True, help_text=_(
        "手机上点“开始”的时间（离线开始、稍后发送时）；不早于 48 小时前、不晚于收到时"))


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
    ended_at = serializers.DateTimeField(required=False, allow_null=True, help_text=_(
        "手机上点“结束”的时间（离线结束、稍后发送时）；不早于开始时间、不晚于收到时"))


class PatrolTrackSerializer(serializers.Serializer):
    offset = serializers.IntegerField(min_value=0, help_text=_("此前已发送的轨迹点数（本批第一个点的序号）：已收到的点不会重复追加"))
    points = TrackField(child=serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=3),
                        min_length=1, max_length=MAX_TRACK_POINTS, help_text=_("[[经度, 纬度, 时间(毫秒，可选)], …]，按时间先后"))
    crs = serializers.CharField(required=False, allow_blank=True)


class PatrolTrackAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    points = serializers.IntegerField(help_text=_("轨迹现有点数"))
    added = serializers.IntegerField(help_text=_("本批新追加的点数（重发的批次为 0）"))
    length_m = serializers.FloatField(allow_null=True)
