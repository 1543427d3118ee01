"""Civil-affairs facilities (民政设施): their types (data) and the facility points.

The admin area of a facility is derived from its position (facilities.services.place); rules live
in services.py, the coverage analysis in coverage.py."""
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

COLOR_RE = r"^#[0-9a-fA-F]{6}$"


class FacilityType(models.Model):
    """设施类型: data, edited in the admin (name, the map marker's icon character and colour)."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    icon = models.CharField(_("图标字"), max_length=2, help_text=_("地图标记上显示的一个汉字或符号，如“餐”"))
    color = models.CharField(_("颜色"), max_length=7, default="#6a3d9a", help_text=_("十六进制颜色，如 #e31a1c"))
    description = models.TextField(_("说明"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("设施类型")
        verbose_name_plural = _("设施类型")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(color__regex=COLOR_RE), name="facility_type_color_hex"),
            models.CheckConstraint(condition=~Q(name=""), name="facility_type_name_not_blank"),
            models.CheckConstraint(condition=~Q(icon=""), name="facility_type_icon_not_blank"),
        ]

    def __str__(self):
        return self.name



class Ownership(models.TextChoices):
    PUBLIC = "public", _("公办")
    PUBLIC_PRIVATE = "public_private", _("公建民营")
    PRIVATE = "private", _("民办")


class Status(models.TextChoices):
    OPEN = "open", _("运营中")
    PLANNED = "planned", _("筹建中")
    SUSPENDED = "suspended", _("暂停运营")
    CLOSED = "closed", _("已关闭")


class Facility(models.Model):
    """民政服务设施: a civil-affairs facility as a map point."""

    Ownership = Ownership
    Status = Status

    # to_field code: the column keeps the type's code (as before types were data), readable in exports.
    facility_type = models.ForeignKey(FacilityType, verbose_name=_("设施类型"), to_field="code", on_delete=models.PROTECT,
                                      related_name="facilities")
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    geom = models.PointField(_("位置"), srid=4490)
    capacity = models.PositiveIntegerField(_("容量（床位/座位/人）"), null=True, blank=True)
    operator = models.CharField(_("运营单位"), max_length=100, blank=True)
    ownership = models.CharField(_("性质"), max_length=20, choices=Ownership.choices, default=Ownership.PUBLIC)
    status = models.CharField(_("运营状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    area = models.ForeignKey("grids.AdminArea", verbose_name=_("所在行政区"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="facilities", help_text=_("由位置自动确定"))

    class Meta:
        verbose_name = _("民政设施")
        verbose_name_plural = _("民政设施")
        ordering = ["facility_type__order", "facility_type", "name"]
        constraints = [
            models.UniqueConstraint(fields=["facility_type", "name"], name="facility_type_name_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="facility_name_not_blank"),
            models.CheckConstraint(condition=Q(ownership__in=Ownership.values), name="facility_ownership_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="facility_status_valid"),
        ]

    def __str__(self):
        return self.name
