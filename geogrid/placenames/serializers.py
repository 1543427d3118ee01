"""API shapes of place names (answers only; input is parsed by the services, which own the rules)."""
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
    note = serializers.CharField(required=False, allow_blank=True)
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
