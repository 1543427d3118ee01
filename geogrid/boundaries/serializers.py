"""Serializers of the boundaries API: output shapes and typed input; the rules are in services.py.
Positions go out as lon/lat (CGCS2000 ≈ WGS84 at this accuracy, as in geo.crs)."""
from django.urls import reverse
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from .models import BoundaryLine, BoundaryMarker, JointInspection, MarkerCheck, SectionRecord


def lonlat(geom):
    return {"lon": round(geom.x, 7), "lat": round(geom.y, 7)} if geom is not None else None


class LineSerializer(serializers.ModelSerializer):
    geometry = serializers.SerializerMethodField()

    class Meta:
        model = BoundaryLine
        fields = ["id", "code", "name", "level", "side_a_code", "side_a_name", "side_b_code", "side_b_name", "length_m", "description", "geometry"]

    def get_geometry(self, obj) -> dict:
        """GeoJSON MultiLineString (lon, lat)."""
        return {"type": "MultiLineString", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in part] for part in obj.geom.coords]}


class MarkerSerializer(serializers.ModelSerializer):
    line = serializers.SlugRelatedField(slug_field="code", read_only=True)
    position = serializers.SerializerMethodField()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = BoundaryMarker
        fields = ["id", "number", "line", "marker_type", "material", "year_installed", "description", "position", "photos"]

    def get_position(self, obj) -> dict:
        """Registered position, CGCS2000 lon/lat."""
        return lonlat(obj.geom)

    def get_photos(self, obj) -> list[str]:
        """URLs of the marker's registration photos (登记照片), for anyone signed in."""
        return [reverse("boundary_photo", args=[p.pk]) for p in obj.photos.all()]


class CheckSerializer(serializers.ModelSerializer):
    marker = serializers.SlugRelatedField(slug_field="number", read_only=True)
    position = serializers.SerializerMethodField()
    checked_by = serializers.StringRelatedField()
    confirmed_a_by = serializers.StringRelatedField()
    confirmed_b_by = serializers.StringRelatedField()
    agreed = serializers.BooleanField(read_only=True)
    far_from_marker = serializers.BooleanField(read_only=True, help_text=gettext_lazy(
        "位置可疑：实测位置距登记位置超过设定距离（默认 1000 米）。检查照收，但联检报告须待复测，或现状改为移位或丢失"))

    class Meta:
        model = MarkerCheck
        fields = ["id", "inspection", "marker", "side", "condition", "position", "input_crs", "displacement_m", "far_from_marker", "notes",
                  "checked_by", "checked_at", "confirmed_a_by", "confirmed_a_at", "confirmed_b_by", "confirmed_b_at", "agreed", "client_id"]

    def get_position(self, obj) -> dict | None:
        """Measured position, CGCS2000 lon/lat (null: not found)."""
        return lonlat(obj.geom)


class InspectionSerializer(serializers.ModelSerializer):
    line = serializers.SlugRelatedField(slug_field="code", read_only=True)
    team_a = serializers.SerializerMethodField()
    team_b = serializers.SerializerMethodField()
    signed_a_by = serializers.StringRelatedField()
    signed_b_by = serializers.StringRelatedField()

    class Meta:
        model = JointInspection
        fields = ["id", "line", "year", "party_a_code", "party_a_name", "party_b_code", "party_b_name", "planned_start", "planned_end",
                  "state", "team_a", "team_b", "report", "signed_a_by", "signed_a_at", "signed_b_by", "signed_b_at", "filed_at"]

    def get_team_a(self, obj) -> list[str]:
        return [str(m.user) for m in obj.members.all() if m.side == "a"]

    def get_team_b(self, obj) -> list[str]:
        return [str(m.user) for m in obj.members.all() if m.side == "b"]


class WalkStartSerializer(serializers.Serializer):
    client_key = serializers.UUIDField(required=False, allow_null=True, help_text=gettext_lazy(
        "手机为本次界桩巡查生成的编号（UUID）：离线排队的结束可用 /api/patrols/<client_key>/end/ 指向它；同一编号再次开始返回原巡查"))
    started_at = serializers.DateTimeField(required=False, allow_null=True, help_text=gettext_lazy(
        "手机上点“开始”的时间（离线开始、稍后发送时）；不早于 48 小时前、不晚于收到时"))


class CheckCreateSerializer(serializers.Serializer):
    marker = serializers.CharField(help_text=gettext_lazy("界桩编号（或 id）"))
    condition = serializers.ChoiceField(choices=MarkerCheck.Condition.choices)
    lon = serializers.FloatField(required=False, allow_null=True, help_text=gettext_lazy("实测经度；界桩丢失或掩埋时可省略"))
    lat = serializers.FloatField(required=False, allow_null=True, help_text=gettext_lazy("实测纬度"))
    crs = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("EPSG:4490（默认）、WGS84/EPSG:4326（手机定位）、gcj02（高德/腾讯/微信）"))
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    client_id = serializers.CharField(required=False, allow_blank=True, max_length=64, help_text=gettext_lazy("离线录入的客户端编号：重发同一编号不会重复"))
    photos = serializers.ListField(child=serializers.FileField(allow_empty_file=True), required=False, help_text=gettext_lazy("最多 3 张（multipart）"))


class TransitionSerializer(serializers.Serializer):
    action = serializers.CharField()
    note = serializers.CharField(required=False, allow_blank=True)
    report = serializers.CharField(required=False, allow_blank=True)


class SectionSerializer(serializers.ModelSerializer):
    from_marker = serializers.SlugRelatedField(slug_field="number", read_only=True)
    to_marker = serializers.SlugRelatedField(slug_field="number", read_only=True)
    recorded_by = serializers.StringRelatedField()

    class Meta:
        model = SectionRecord
        fields = ["id", "inspection", "from_marker", "to_marker", "references_complete", "references_notes", "identifiable", "notes", "side",
                  "recorded_by", "recorded_at"]


class SectionCreateSerializer(serializers.Serializer):
    from_marker = serializers.CharField(help_text=gettext_lazy("起始界桩编号"))
    to_marker = serializers.CharField(help_text=gettext_lazy("终止界桩编号"))
    references_complete = serializers.BooleanField(help_text=gettext_lazy("方位物完好"))
    references_notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    identifiable = serializers.BooleanField(help_text=gettext_lazy("界线清晰可辨"))
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
