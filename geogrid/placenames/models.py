"""Roads (街路巷) and road-name signs (路名牌). Naming batches and sign workflows come later."""
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from geogrid.geo.measure import length_m


class Road(models.Model):
    """道路: standard name = 专名 (specific) + 通名 (generic); unnamed roads have a working label."""

    class Category(models.TextChoices):
        # Road classes as used in urban road planning; the GB/T 18521 category code is in `category_code`.
        EXPRESSWAY = "expressway", _("快速路")
        ARTERIAL = "arterial", _("主干路")
        SECONDARY = "secondary", _("次干路")
        BRANCH = "branch", _("支路")
        LANE = "lane", _("街巷")
        RURAL = "rural", _("乡村道路")

    class Status(models.TextChoices):
        UNNAMED = "unnamed", _("未命名")
        PROPOSED = "proposed", _("拟命名")
        NAMED = "named", _("已命名")
        RETIRED = "retired", _("已废止")

    code = models.CharField(_("道路编码"), max_length=20, unique=True)
    name = models.CharField(_("标准名称"), max_length=50, blank=True)
    specific = models.CharField(_("专名"), max_length=40, blank=True)
    generic = models.CharField(_("通名"), max_length=10, blank=True)
    pinyin = models.CharField(_("罗马字母拼写"), max_length=120, blank=True)
    working_name = models.CharField(_("工作名称"), max_length=60, blank=True, help_text=_("未命名道路的临时称呼，如“规划一路”"))
    category = models.CharField(_("道路等级"), max_length=12, choices=Category.choices, default=Category.BRANCH)
    category_code = models.CharField(_("地名类别代码"), max_length=5, blank=True)
    geom = models.MultiLineStringField(_("中心线"), srid=4490)
    length_m = models.FloatField(_("长度（米）"), default=0, editable=False)
    area = models.ForeignKey("grids.AdminArea", verbose_name=_("所在行政区"), null=True, blank=True, on_delete=models.SET_NULL, related_name="roads")
    start_point = models.CharField(_("起点"), max_length=100, blank=True)
    end_point = models.CharField(_("止点"), max_length=100, blank=True)
    meaning = models.TextField(_("含义"), blank=True)
    history = models.TextField(_("历史沿革"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.UNNAMED)
    named_on = models.DateField(_("命名日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("道路")
        verbose_name_plural = _("道路")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["unnamed", "proposed"]) | ~Q(name=""), name="road_named_has_name"),
            models.CheckConstraint(condition=Q(status__in=["unnamed", "proposed", "named", "retired"]), name="road_status_valid"),
            models.CheckConstraint(condition=Q(category__in=["expressway", "arterial", "secondary", "branch", "lane", "rural"]), name="road_category_valid"),
            models.CheckConstraint(condition=Q(geom__isvalid=True), name="road_geom_valid"),
        ]

    def __str__(self):
        return self.name or self.working_name or self.code

    def save(self, *args, **kwargs):
        self.length_m = length_m(self.geom)
        super().save(*args, **kwargs)


class RoadSign(models.Model):
    """路名牌: a sign at a point along a road, showing the standard name and its pinyin."""

    class Condition(models.TextChoices):
        GOOD = "good", _("完好")
        DIRTY = "dirty", _("污损")
        FADED = "faded", _("褪色")
        DAMAGED = "damaged", _("损坏")
        TILTED = "tilted", _("倾斜")
        MISSING = "missing", _("缺失")
        WRONG = "wrong", _("内容错误")

    code = models.CharField(_("路牌编号"), max_length=30, unique=True)
    road = models.ForeignKey(Road, verbose_name=_("道路"), on_delete=models.PROTECT, related_name="signs")
    geom = models.PointField(_("位置"), srid=4490)
    facing = models.PositiveSmallIntegerField(_("朝向（度）"), default=0, help_text=_("牌面朝向方位角，0=北，顺时针"))
    name_text = models.CharField(_("牌面名称"), max_length=50)
    pinyin_text = models.CharField(_("牌面拼音"), max_length=120)
    direction_text = models.CharField(_("指向"), max_length=30, blank=True, help_text=_("如“↑北 南↓”"))
    door_range = models.CharField(_("门牌号段"), max_length=30, blank=True)
    condition = models.CharField(_("状况"), max_length=10, choices=Condition.choices, default=Condition.GOOD)
    installed_year = models.PositiveSmallIntegerField(_("设置年份"), null=True, blank=True)

    class Meta:
        verbose_name = _("路名牌")
        verbose_name_plural = _("路名牌")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(facing__gte=0, facing__lt=360), name="roadsign_facing_degrees"),
            models.CheckConstraint(condition=Q(condition__in=["good", "dirty", "faded", "damaged", "tilted", "missing", "wrong"]), name="roadsign_condition_valid"),
        ]

    def __str__(self):
        return f"{self.code} {self.name_text}"
