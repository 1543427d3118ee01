"""API shapes of place names (answers only; input is parsed by the services, which own the rules)."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from .models import NamingApplication, NamingBatch


class ProblemSerializer(serializers.Serializer):
    code = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    message = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["road", "application"])
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()


class AlternativeSerializer(serializers.Serializer):
    char = serializers.CharField()
    index = serializers.IntegerField()
    reading = serializers.CharField()
    current = serializers.CharField()
    pinyin = serializers.CharField()
    sign_text = serializers.CharField()
    phrase = serializers.CharField(help_text="专名：审定读音的词语")
    syllables = serializers.CharField(help_text="以此读音审定时的音节")
    current_syllables = serializers.CharField()


@extend_schema_serializer(component_name="NameCheck")  # "Check" is the boundary marker check's
class CheckSerializer(serializers.Serializer):
    name = serializers.CharField()
    zhuanming = serializers.CharField(help_text="专名")
    tongming = serializers.CharField(help_text="通名")
    modifier = serializers.CharField()
    ordinal = serializers.IntegerField(allow_null=True)
    pinyin = serializers.CharField()
    sign_text = serializers.CharField()
    sound = serializers.CharField()
    alternatives = AlternativeSerializer(many=True)
    fixed_readings = serializers.ListField(child=serializers.DictField())
    duplicates = ConflictSerializer(many=True)
    homophones = ConflictSerializer(many=True)
    problems = ProblemSerializer(many=True)
    errors = serializers.IntegerField()
    warnings = serializers.IntegerField()
    spelled_numbers = serializers.BooleanField()


class ReadingInputSerializer(serializers.Serializer):
    phrase = serializers.CharField(allow_blank=True)
    syllables = serializers.CharField(allow_blank=True, help_text="chao yang")


class ReadingSerializer(serializers.Serializer):
    phrase = serializers.CharField()
    syllables = serializers.CharField()


class BatchSerializer(serializers.ModelSerializer):
    counts = serializers.SerializerMethodField()

    class Meta:
        model = NamingBatch
        fields = ["id", "code", "title", "note", "created_at", "counts"]

    def get_counts(self, batch) -> dict:
        return dict(self.context.get("counts", {}).get(batch.pk, {}))


class BatchInputSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True, required=False)


class ApplicationSerializer(serializers.ModelSerializer):
    batch = serializers.CharField(source="batch.code")
    road = serializers.CharField(source="road.code", allow_null=True)
    state_label = serializers.CharField(source="get_state_display")
    deadline_status = serializers.SerializerMethodField()

    class Meta:
        model = NamingApplication
        fields = ["id", "batch", "road", "name", "specific", "generic", "pinyin", "applicant", "reasons", "meaning", "location", "priority",
                  "difficulty", "state", "state_label", "deadline", "deadline_status", "check_errors", "check_warnings", "check_result",
                  "notice_start", "notice_end", "approving_body", "approved_on", "filing_due", "filed_on", "announcement_due", "announced_on",
                  "announcement_no"]

    def get_deadline_status(self, app) -> str:
        from .services import deadline_status

        return deadline_status(app) or ""


class ApplicationInputSerializer(serializers.Serializer):
    batch = serializers.IntegerField()
    road = serializers.CharField(required=False, allow_blank=True, help_text="道路编码")
    geom = serializers.JSONField(required=False, help_text="新道路的中心线（GeoJSON，CGCS2000 经纬度）")
    name = serializers.CharField(allow_blank=True)
    applicant = serializers.CharField(allow_blank=True)
    reasons = serializers.CharField(required=False, allow_blank=True)
    meaning = serializers.CharField(required=False, allow_blank=True)
    location = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.IntegerField(required=False)
    difficulty = serializers.IntegerField(required=False)


class NamingTransitionInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    notice_start = serializers.CharField(required=False, allow_blank=True)
    approving_body = serializers.CharField(required=False, allow_blank=True)
    approved_on = serializers.CharField(required=False, allow_blank=True)
    filed_on = serializers.CharField(required=False, allow_blank=True)
    announced_on = serializers.CharField(required=False, allow_blank=True)
    announcement_no = serializers.CharField(required=False, allow_blank=True)


class GazetteerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    pinyin = serializers.CharField()
    category = serializers.CharField()
    area = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    distance_m = serializers.FloatField(allow_null=True)
    score = serializers.IntegerField()
    geometry = serializers.DictField()


# --- road-name sign patrols --------------------------------------------------------------------------
class SignPatrolStartSerializer(serializers.Serializer):
    road = serializers.CharField(required=False, allow_blank=True, help_text=_("道路编码"))
    area = serializers.CharField(required=False, allow_blank=True, help_text=_("街道或社区的统计用区划代码"))
    client_key = serializers.UUIDField(required=False, allow_null=True, help_text=_(
        "手机为本次路名牌巡查生成的编号（UUID）：离线排队的记录、结束可用它代替 id 指向本巡查；同一编号再次开始返回原巡查"))
    started_at = serializers.DateTimeField(required=False, allow_null=True, help_text=_(
        "手机上点“开始”的时间（离线开始、稍后发送时）；不早于 48 小时前、不晚于收到时"))


class SignInspectionCreateSerializer(serializers.Serializer):
    sign = serializers.CharField(help_text=_("路牌编号"))
    condition = serializers.ChoiceField(choices=["good", "dirty", "faded", "damaged", "tilted", "missing", "wrong"])
    cleaned = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    photo = serializers.ImageField(required=False, allow_null=True)
    inspected_at = serializers.DateTimeField(required=False, allow_null=True, help_text=_(
        "手机上记录的时间（离线记录、稍后发送时）；不早于巡查开始、不晚于收到时"))


class SignPatrolEndSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)
    track = serializers.JSONField(required=False, allow_null=True, help_text=_("[[经度, 纬度], …]"))
    crs = serializers.CharField(required=False, allow_blank=True, default="")
    ended_at = serializers.DateTimeField(required=False, allow_null=True, help_text=_(
        "手机上点“结束”的时间（离线结束、稍后发送时）；不早于开始时间、不晚于收到时"))


class SignInspectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sign = serializers.CharField(source="sign.code")
    patrol = serializers.IntegerField(source="patrol_id")
    inspector = serializers.CharField(source="inspector.username")
    inspected_at = serializers.DateTimeField()
    condition = serializers.CharField()
    condition_label = serializers.CharField(source="get_condition_display")
    cleaned = serializers.BooleanField()
    note = serializers.CharField()
    photo = serializers.SerializerMethodField()
    repair = serializers.IntegerField(source="repair_id", allow_null=True)
    repair_created = serializers.SerializerMethodField()
    sign_condition = serializers.CharField(source="sign.condition", help_text=_("记录后路名牌的现状况"))
    sign_condition_label = serializers.CharField(source="sign.get_condition_display")

    def get_photo(self, obj) -> bool:
        return bool(obj.photo)

    def get_repair_created(self, obj) -> bool:
        return bool(getattr(obj, "repair_created", False))


class SignStopSerializer(serializers.Serializer):
    """One sign of a patrol, in order."""

    order = serializers.IntegerField()
    sign = serializers.CharField()
    road = serializers.CharField()
    name_text = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    condition = serializers.CharField()
    visited_at = serializers.DateTimeField(allow_null=True)
    inspection = SignInspectionSerializer(allow_null=True)


class SignPatrolListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField(source="user.username")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()
    signs = serializers.IntegerField(source="n_signs")
    visited = serializers.IntegerField(source="n_visited")


class SignPatrolSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    client_key = serializers.UUIDField(allow_null=True)
    user = serializers.CharField(source="user.username")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()
    stops = serializers.SerializerMethodField()

    def get_stops(self, obj) -> SignStopSerializer(many=True):
        from .signpatrol import walk

        out = []
        for t, sign, insp in walk(obj):
            out.append({"order": t.order, "sign": sign.code, "road": str(sign.road), "name_text": sign.name_text, "lon": round(sign.geom.x, 7),
                        "lat": round(sign.geom.y, 7), "condition": sign.condition, "visited_at": t.visited_at, "inspection": insp})
        return SignStopSerializer(out, many=True).data


class SignFiguresSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    inspected = serializers.IntegerField(help_text=_("当年巡查的路名牌块数（同一块只计一次）"))
    cleaned = serializers.IntegerField(help_text=_("当年清洗的路名牌块数（同一块只计一次）"))
    dispatched = serializers.IntegerField(help_text=_("当年派出的维修工单数"))
    repaired = serializers.IntegerField(help_text=_("当年验收的维修工单数"))
