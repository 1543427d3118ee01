from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    unread = serializers.BooleanField(read_only=True)
    record = serializers.SerializerMethodField(help_text=_("所指记录：类型（应用.模型）与 ID"))

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_label", "title", "text", "url", "record", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_record(self, n) -> dict:
        ct = ContentType.objects.get_for_id(n.content_type_id)  # kept by the process: no query per row
        return {"type": f"{ct.app_label}.{ct.model}", "id": n.object_id}


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("标为已读的条数"))
