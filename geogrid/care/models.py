"""Care visits in the grid (关爱走访): buildings and households of level-5 grids, the people who
need care (care subjects, personal data), their categories with a visit interval, and the visits.

The rules are in services.py (schedule and overdue, recording a visit, a need → an incident) and
privacy.py (masking, who may see what); who is responsible for a grid is accounts.scope."""
from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geogrid.grids.models import Grid, GridMember


class CareCategory(models.Model):
    """关爱类别: data (独居/空巢老人, 低保, 特困, 残疾, 困境儿童, 其他…), each with its visit interval."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    visit_interval_days = models.PositiveSmallIntegerField(_("走访周期（天）"), help_text=_("如每周 7、每月 30"))
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("关爱类别")
        verbose_name_plural = _("关爱类别")
        ordering = ["order", "code"]
        constraints = [models.CheckConstraint(condition=Q(visit_interval_days__gte=1), name="carecategory_interval_positive")]

    def __str__(self):
        return self.name


class Building(models.Model):
    """楼栋/院落 in a level-5 grid: a point (and an outline when drawn), with its 楼道长."""

    grid = models.ForeignKey(Grid, verbose_name=_("五级网格"), on_delete=models.PROTECT, related_name="care_buildings")
    name = models.CharField(_("名称"), max_length=100, help_text=_("如 3号楼、东院"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    geom = models.PointField(_("位置"), srid=4490)
    outline = models.MultiPolygonField(_("轮廓"), srid=4490, null=True, blank=True)
    head = models.ForeignKey(GridMember, verbose_name=_("楼道长"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="care_buildings", limit_choices_to={"role": GridMember.Role.BUILDING})

    class Meta:
        verbose_name = _("楼栋/院落")
        verbose_name_plural = _("楼栋/院落")
        ordering = ["grid__code", "name"]
        constraints = [models.UniqueConstraint(fields=["grid", "name"], name="building_name_unique_in_grid")]

    def __str__(self):
        return self.name

    def clean(self):
        if self.grid_id and self.grid.level != 5:
            raise ValidationError({"grid": _("楼栋须属于五级网格")})
        if self.head_id and self.head.role != GridMember.Role.BUILDING:
            raise ValidationError({"head": _("楼道长须是网格的楼道长成员")})


class Household(models.Model):
    """户: an address in a building (or on its own), its size and location; its level-5 grid is the
    one its point lies in (services.place_household)."""

    grid = models.ForeignKey(Grid, verbose_name=_("五级网格"), on_delete=models.PROTECT, related_name="care_households")
    building = models.ForeignKey(Building, verbose_name=_("楼栋/院落"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="households")
    address = models.CharField(_("地址"), max_length=200, help_text=_("如 3号楼2单元401"))
    size = models.PositiveSmallIntegerField(_("户内人数"), default=1)
    geom = models.PointField(_("位置"), srid=4490)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["grid__code", "address"]
        constraints = [models.CheckConstraint(condition=Q(size__gte=1), name="household_size_positive")]

    def __str__(self):
        return self.address


class CareSubject(models.Model):
    """关爱对象: a person of a household with one or more care categories and the grid member
    responsible for visiting them. Personal data (PIPL): the ID number and phone are kept only
    when needed (blank otherwise), shown masked (privacy.py), every full view audited."""

    household = models.ForeignKey(Household, verbose_name=_("户"), on_delete=models.PROTECT, related_name="subjects")
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True, help_text=_("仅在需要时填写；默认脱敏显示"))
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, help_text=_("仅在需要时填写；默认脱敏显示"))
    categories = models.ManyToManyField(CareCategory, verbose_name=_("关爱类别"), related_name="subjects")
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任网格员"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="care_subjects")
    note = models.TextField(_("情况说明"), blank=True)
    active = models.BooleanField(_("在册"), default=True)
    since = models.DateTimeField(_("纳入时间"), default=timezone.now, help_text=_("首次走访从此时起计"))
    # The schedule, kept by services (recompute_schedule) when a visit or a category changes: the
    # shortest interval of its categories and the last visit at which the person was seen.
    interval_days = models.PositiveSmallIntegerField(_("走访周期（天）"), default=30, editable=False)
    last_visited_at = models.DateTimeField(_("最近走访"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("关爱对象")
        verbose_name_plural = _("关爱对象")
        ordering = ["household__grid__code", "name", "id"]
        constraints = [
            # 18 digits, the last may be X (GB 11643); or nothing (not needed, not stored).
            models.CheckConstraint(condition=Q(id_number="") | Q(id_number__regex=r"^\d{17}[\dX]$"), name="caresubject_id_number_format"),
            models.CheckConstraint(condition=Q(phone="") | Q(phone__regex=r"^[0-9-]{7,20}$"), name="caresubject_phone_format"),
            models.CheckConstraint(condition=Q(interval_days__gte=1), name="caresubject_interval_positive"),
        ]

    def __str__(self):
        return self.name


class CareVisit(models.Model):
    """走访: a visit to a care subject. A need found becomes an incident (上门办/帮助办), linked here."""

    subject = models.ForeignKey(CareSubject, verbose_name=_("关爱对象"), on_delete=models.PROTECT, related_name="visits")
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="care_visits")
    grid = models.ForeignKey(Grid, verbose_name=_("五级网格"), on_delete=models.PROTECT, related_name="care_visits")
    visited_at = models.DateTimeField(_("走访时间"), db_index=True)
    seen = models.BooleanField(_("见到本人"))
    situation = models.TextField(_("走访情况"))
    needs = models.TextField(_("发现需求"), blank=True)
    incident = models.OneToOneField("incidents.Incident", verbose_name=_("转为事件"), null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="care_visit")
    # When this visit was due (by the schedule before it) and whether it came by then.
    due_at = models.DateTimeField(_("应访时间"))
    on_time = models.BooleanField(_("按期"))
    recorded_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(on_time=True, visited_at__lte=models.F("due_at")) | Q(on_time=False, visited_at__gt=models.F("due_at")),
                                   name="carevisit_on_time_by_due"),
            models.CheckConstraint(condition=Q(incident__isnull=True) | ~Q(needs=""), name="carevisit_incident_has_need"),
        ]

    def __str__(self):
        return f"{self.subject} {timezone.localtime(self.visited_at):%Y-%m-%d}"


def visit_photo_path(instance, filename):
    return f"care/{timezone.localdate():%Y/%m}/{filename}"


class CareVisitPhoto(models.Model):
    """A photo of a visit (optional, at most GEOGRID_PHOTO_MAX_COUNT), checked and stripped of its
    metadata like a case photo; it leaves the server only through the care scope (views.visit_photo)."""

    visit = models.ForeignKey(CareVisit, verbose_name=_("走访记录"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=visit_photo_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(_("缩略图"), upload_to=visit_photo_path)
    width = models.PositiveIntegerField(_("宽"), default=0)
    height = models.PositiveIntegerField(_("高"), default=0)
    content_type = models.CharField(_("类型"), max_length=20)
    size = models.PositiveIntegerField(_("字节数"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")
        ordering = ["visit", "id"]

    def __str__(self):
        return f"{self.visit} #{self.pk}"
