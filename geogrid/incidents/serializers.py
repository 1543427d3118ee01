"""Serializers of the incident API. Input serializers only shape and type the request; the rules
are in services.py."""
from django.urls import reverse
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from .models import Incident, IncidentCategory, IncidentMode, IncidentPhoto, Satisfaction
from .services import available_actions, deadline_status, timeline


def _code(obj):
    return obj.code if obj is not None else None


def wgs84(geom):
    """lon/lat for output (CGCS2000 ≈ WGS84 at this accuracy, as in geo.crs)."""
    return {"lon": round(geom.x, 7), "lat": round(geom.y, 7)} if geom is not None else None


class CategorySerializer(serializers.ModelSerializer):
    default_mode_label = serializers.CharField(source="get_default_mode_display", read_only=True)

    class Meta:
        model = IncidentCategory
        fields = ["code", "name", "default_mode", "default_mode_label", "description", "time_limits", "working_time"]


class IncidentCreateSerializer(serializers.Serializer):
    category = serializers.CharField(help_text=gettext_lazy("类别编码（见 /api/incidents/categories/）"))
    description = serializers.CharField(max_length=2000)
    lon = serializers.FloatField(help_text=gettext_lazy("经度"))
    lat = serializers.FloatField(help_text=gettext_lazy("纬度"))
    crs = serializers.CharField(required=False, allow_blank=True, help_text=gettext_lazy("EPSG:4490（默认）、EPSG:4326（浏览器定位）、gcj02（高德/腾讯/微信）"))
    mode = serializers.ChoiceField(choices=IncidentMode.choices, required=False, allow_blank=True, help_text=gettext_lazy("五办方式；缺省用类别默认"))
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    photos = serializers.ListField(child=serializers.FileField(allow_empty_file=True), required=False, help_text=gettext_lazy("最多 3 张（multipart）"))
    answers = serializers.DictField(required=False, help_text=gettext_lazy("类别问题的回答，按问题编码（见 Open311 服务定义）"))


class IncidentCreatedSerializer(serializers.ModelSerializer):
    grid5 = serializers.SerializerMethodField()
    grid4 = serializers.SerializerMethodField()
    community = serializers.SerializerMethodField()
    street = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = ["id", "number", "state", "mode", "grid5", "grid4", "community", "street", "deadline"]

    def get_grid5(self, obj) -> str | None:
        return _code(obj.grid5)

    def get_grid4(self, obj) -> str | None:
        return _code(obj.grid4)

    def get_community(self, obj) -> str | None:
        return _code(obj.community)

    def get_street(self, obj) -> str | None:
        return _code(obj.street)


class IncidentListSerializer(IncidentCreatedSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    mode_label = serializers.CharField(source="get_mode_display", read_only=True)
    responsible_level_label = serializers.CharField(source="get_responsible_level_display", read_only=True)
    reporter = serializers.StringRelatedField()
    assignee = serializers.StringRelatedField(allow_null=True)
    location = serializers.SerializerMethodField()
    deadline_status = serializers.SerializerMethodField()
    satisfaction_label = serializers.CharField(source="get_satisfaction_display", read_only=True)
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    department_name = serializers.SerializerMethodField()

    class Meta(IncidentCreatedSerializer.Meta):
        fields = ["id", "number", "category", "category_name", "mode", "mode_label", "state", "state_label", "responsible_level",
                  "responsible_level_label", "description", "address", "location", "input_crs", "grid5", "grid4", "community",
                  "street", "reporter", "assignee", "reported_at", "state_entered_at", "deadline", "deadline_status", "urge_count",
                  "closed_at", "satisfaction", "satisfaction_label", "evaluation_comment", "evaluated_at", "department", "department_name"]

    def get_location(self, obj) -> dict:
        return wgs84(obj.geom)

    def get_deadline_status(self, obj) -> str | None:
        return deadline_status(obj)

    def get_department_name(self, obj) -> str | None:
        return obj.department.name if obj.department_id else None


class PhotoSerializer(serializers.ModelSerializer):
    """Links go through the case's scope (api photo action), never to a public /media/ path."""

    image = serializers.SerializerMethodField()
    thumbnail = serializers.SerializerMethodField()

    class Meta:
        model = IncidentPhoto
        fields = ["id", "image", "thumbnail", "width", "height", "content_type", "size", "uploaded_at"]

    def _url(self, obj, size) -> str:
        path = reverse("incident-photo", kwargs={"pk": obj.incident_id, "photo_id": obj.pk, "size": size})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_image(self, obj) -> str:
        return self._url(obj, "full")

    def get_thumbnail(self, obj) -> str:
        return self._url(obj, "thumb")


class TimelineEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField()
    action = serializers.CharField()
    action_label = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    from_label = serializers.CharField()
    to_label = serializers.CharField()
    note = serializers.CharField()
    data = serializers.DictField()
    satisfaction_label = serializers.CharField(help_text=gettext_lazy("综合评价：满意度（其他操作为空）"))


class ActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    requires = serializers.ListField(child=serializers.CharField())


class IncidentRefSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "number", "state", "state_label", "reported_at"]


class IncidentDetailSerializer(IncidentListSerializer):
    photos = PhotoSerializer(many=True, read_only=True)
    duplicate_of = IncidentRefSerializer(read_only=True, allow_null=True)
    timeline = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(IncidentListSerializer.Meta):
        fields = IncidentListSerializer.Meta.fields + ["answers", "photos", "duplicate_of", "timeline", "actions"]

    def get_timeline(self, obj) -> list[dict]:
        return TimelineEventSerializer(timeline(obj), many=True).data

    def get_actions(self, obj) -> list[dict]:
        request = self.context.get("request")
        return available_actions(obj, request.user) if request else []


class SimilarSerializer(serializers.ModelSerializer):
    """What a reporter may see of a possible duplicate before submitting (no description: the case
    may be outside their grid)."""

    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    distance_m = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = ["id", "number", "category", "state", "state_label", "reported_at", "distance_m", "location"]

    def get_distance_m(self, obj) -> float:
        return round(obj.distance.m, 1)

    def get_location(self, obj) -> dict:
        return wgs84(obj.geom)


class SimilarQuerySerializer(serializers.Serializer):
    category = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    crs = serializers.CharField(required=False, allow_blank=True)


class TransitionInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text=gettext_lazy("说明（不予立案、反馈、返工、上报时必填；综合评价时为评价意见，不满意时必填）"))
    assignee = serializers.IntegerField(required=False, help_text=gettext_lazy("派遣：承办人用户 id"))
    mode = serializers.ChoiceField(choices=IncidentMode.choices, required=False, help_text=gettext_lazy("立案/派遣/调整办理方式：五办方式"))
    duplicate_of = serializers.IntegerField(required=False, help_text=gettext_lazy("不予立案：重复的原案卷 id"))
    department = serializers.CharField(required=False, help_text=gettext_lazy("转交职能部门：部门编码或 id（见管理后台“职能部门”）"))
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False,
                                           help_text=gettext_lazy("综合评价：satisfied 满意、basically_satisfied 基本满意、dissatisfied 不满意（首次不满意退回处置）"))
