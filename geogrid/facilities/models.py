from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FacilityType(models.TextChoices):
    ELDERLY_CENTRE = "elderly_centre", _("养老服务中心")
    NURSING_HOME = "nursing_home", _("养老机构")
    DAY_CARE = "day_care", _("日间照料中心")
    MEAL_POINT = "meal_point", _("助餐站点")
    RURAL_HAPPINESS = "rural_happiness", _("农村幸福院")
    CEMETERY = "cemetery", _("公益性公墓")
    MARRIAGE_REGISTRY = "marriage_registry", _("婚姻登记处")
    SOCIAL_WORK = "social_work", _("社工站")
    CHILD_WELFARE = "child_welfare", _("儿童之家")


class Facility(models.Model):
    """民政服务设施: a civil-affairs facility as a map point."""

    Type = FacilityType

    facility_type = models.CharField(_("设施类型"), max_length=20, choices=Type.choices)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    geom = models.PointField(_("位置"), srid=4490)
    capacity = models.PositiveIntegerField(_("容量（床位/座位/人）"), null=True, blank=True)
    operator = models.CharField(_("运营单位"), max_length=100, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    area = models.ForeignKey("grids.AdminArea", verbose_name=_("所在行政区"), null=True, blank=True, on_delete=models.SET_NULL, related_name="facilities")

    class Meta:
        verbose_name = _("民政设施")
        verbose_name_plural = _("民政设施")
        ordering = ["facility_type", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(facility_type__in=FacilityType.values), name="facility_type_valid"),
        ]

    def __str__(self):
        return self.name
