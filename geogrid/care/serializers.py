"""Serializers of the care API. Masking is done here, on the server: a subject leaves masked unless
the view was asked to reveal it (services.reveal_subject allowed and audited it first)."""
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import CareSubject, CareVisit
from .privacy import mask_id_number, mask_phone
from .services import schedule


class CareSubjectSerializer(serializers.ModelSerializer):
    """A subject with its ID and phone numbers masked (370102********1234, 138****5678)."""

    grid = serializers.CharField(source="household.grid.code", read_only=True)
    grid_name = serializers.CharField(source="household.grid.name", read_only=True)
    address = serializers.CharField(source="household.address", read_only=True)
    household_size = serializers.IntegerField(source="household.size", read_only=True)
    categories = serializers.SerializerMethodField()
    responsible = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    masked = serializers.SerializerMethodField()
    lon = serializers.SerializerMethodField()
    lat = serializers.SerializerMethodField()
    due_at = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    days_overdue = serializers.SerializerMethodField()

    class Meta:
        model = CareSubject
        fields = ["id", "name", "grid", "grid_name", "address", "household_size", "categories", "responsible", "id_number", "phone",
                  "masked", "interval_days", "last_visited_at", "due_at", "status", "days_overdue", "lon", "lat"]

    @property
    def revealed(self):
        return bool(self.context.get("reveal"))

    def _schedule(self, obj):
        if not hasattr(obj, "_schedule"):
            obj._schedule = schedule(obj, self.context.get("now") or timezone.now())
        return obj._schedule

    def get_categories(self, obj) -> list[str]:
        return [c.name for c in obj.categories.all()]

    def get_responsible(self, obj) -> str | None:
        return str(obj.responsible) if obj.responsible_id else None

    def get_id_number(self, obj) -> str:
        return obj.id_number if self.revealed else mask_id_number(obj.id_number)

    def get_phone(self, obj) -> str:
        return obj.phone if self.revealed else mask_phone(obj.phone)

    def get_masked(self, obj) -> bool:
        return not self.revealed

    def get_lon(self, obj) -> float:
        return round(obj.household.geom.x, 7)

    def get_lat(self, obj) -> float:
        return round(obj.household.geom.y, 7)

    def get_due_at(self, obj) -> str:
        return serializers.DateTimeField().to_representation(self._schedule(obj)["due_at"])

    def get_status(self, obj) -> str:
        return self._schedule(obj)["status"]

    def get_days_overdue(self, obj) -> int:
        return self._schedule(obj)["days_overdue"]


class CareVisitCreateSerializer(serializers.Serializer):
    subject = serializers.IntegerField(help_text=_("关爱对象 id"))
    visited_at = serializers.CharField(required=False, allow_blank=True, help_text=_("ISO 8601；缺省为现在"))
    seen = serializers.BooleanField(help_text=_("是否见到本人"))
    situation = serializers.CharField(allow_blank=True, help_text=_("走访情况"))
    needs = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("发现需求：填写后转为事件"))
    need_mode = serializers.ChoiceField(choices=[("visit", _("上门办")), ("help", _("帮助办"))], required=False, default="visit",
                                        help_text=_("需求的办理方式"))


class CareVisitSerializer(serializers.ModelSerializer):
    incident = serializers.SlugRelatedField(slug_field="number", read_only=True, help_text=_("需求转成的事件编号"))
    visitor = serializers.StringRelatedField()
    subject_status = serializers.SerializerMethodField()
    next_due_at = serializers.SerializerMethodField()

    class Meta:
        model = CareVisit
        fields = ["id", "subject", "visitor", "visited_at", "seen", "situation", "needs", "incident", "due_at", "on_time",
                  "next_due_at", "subject_status"]

    def get_subject_status(self, obj) -> str:
        return schedule(obj.subject, self.context.get("now") or timezone.now())["status"]

    def get_next_due_at(self, obj) -> str:
        return serializers.DateTimeField().to_representation(schedule(obj.subject, self.context.get("now") or timezone.now())["due_at"])
