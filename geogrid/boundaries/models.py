"""Administrative boundary lines (行政区域界线) and their markers (界桩). Joint inspections,
agreements and disputes come with their own issue."""
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from geogrid.geo.measure import length_m


class BoundaryLine(models.Model):
    """界线: the common line of two administrative areas. The neighbour is usually outside our
    data, so each side is stored by code and name, with a link when the area is in the database."""

    class Level(models.TextChoices):
        PROVINCIAL = "provincial", _("省级界线")
        CITY = "city", _("市级界线")
        COUNTY = "county", _("县级界线")

    code = models.CharField(_("界线编号"), max_length=20, unique=True)
    name = models.CharField(_("界线名称"), max_length=100)
    level = models.CharField(_("界线级别"), max_length=12, choices=Level.choices, default=Level.COUNTY)
    side_a_code = models.CharField(_("甲方区划代码"), max_length=12)
    side_a_name = models.CharField(_("甲方"), max_length=50)
    side_b_code = models.CharField(_("乙方区划代码"), max_length=12)
    side_b_name = models.CharField(_("乙方"), max_length=50)
    area_a = models.ForeignKey("grids.AdminArea", verbose_name=_("甲方区划"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    area_b = models.ForeignKey("grids.AdminArea", verbose_name=_("乙方区划"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    geom = models.MultiLineStringField(_("界线走向"), srid=4490)
    length_m = models.FloatField(_("长度（米）"), default=0, editable=False)
    description = models.TextField(_("界线走向说明"), blank=True)

    class Meta:
        verbose_name = _("界线")
        verbose_name_plural = _("界线")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=~Q(side_a_code=models.F("side_b_code")), name="boundaryline_two_sides"),
            models.CheckConstraint(condition=Q(level__in=["provincial", "city", "county"]), name="boundaryline_level_valid"),
            models.CheckConstraint(condition=Q(geom__isvalid=True), name="boundaryline_geom_valid"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.length_m = length_m(self.geom)
        super().save(*args, **kwargs)


class BoundaryMarker(models.Model):
    """界桩: numbered line code + sequence + type letter (Q single; A/B paired; C/D/E triple)."""

    class Type(models.TextChoices):
        SINGLE = "single", _("单立")
        PAIRED = "paired", _("双立")
        TRIPLE = "triple", _("三立")

    class Material(models.TextChoices):
        GRANITE = "granite", _("花岗岩")
        CONCRETE = "concrete", _("钢筋混凝土")
        METAL = "metal", _("金属")
        OTHER = "other", _("其他")

    number = models.CharField(_("界桩编号"), max_length=30, unique=True)
    line = models.ForeignKey(BoundaryLine, verbose_name=_("界线"), on_delete=models.PROTECT, related_name="markers")
    marker_type = models.CharField(_("界桩类型"), max_length=10, choices=Type.choices, default=Type.SINGLE)
    geom = models.PointField(_("登记位置"), srid=4490)
    material = models.CharField(_("材质"), max_length=10, choices=Material.choices, default=Material.GRANITE)
    year_installed = models.PositiveSmallIntegerField(_("埋设年份"), null=True, blank=True)
    description = models.TextField(_("位置说明"), blank=True)

    class Meta:
        verbose_name = _("界桩")
        verbose_name_plural = _("界桩")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=Q(marker_type__in=["single", "paired", "triple"]), name="boundarymarker_type_valid"),
            models.CheckConstraint(condition=Q(material__in=["granite", "concrete", "metal", "other"]), name="boundarymarker_material_valid"),
        ]

    def __str__(self):
        return self.number
