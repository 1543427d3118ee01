"""Administrative boundary lines (行政区域界线), their markers (界桩), joint inspections (联检) with
per-marker checks, sections and rectification items, 平安边界 agreements and the dispute register.

The rules live in services.py (derivation, marker numbers and import, checks and confirmation,
agreements, disputes) and inspections.py (the inspection workflow on geogrid.workflow); who may see
and do what is accounts.scope (Scope.boundary_side)."""
import re

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
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

    def clean(self):
        validate_marker_number(self.number, self.line.code if self.line_id else None, self.marker_type)


# Type letters of a marker number by marker type (STANDARDS: Q single, A/B paired, C/D/E triple).
TYPE_LETTERS = {"single": "Q", "paired": "AB", "triple": "CDE"}


def marker_number_pattern():
    """The pattern a marker number must match, a setting: {line} is the line's code."""
    return getattr(settings, "GEOGRID_MARKER_NUMBER_PATTERN", r"^{line}\d{{3}}[QABCDE]$")


def validate_marker_number(number, line_code=None, marker_type=None):
    """The one rule of a marker number: the configured pattern (default line code + 3-digit
    sequence + type letter) and a type letter that fits the marker type."""
    number = number or ""
    pattern = marker_number_pattern().format(line=re.escape(line_code or "") if line_code else r"\d+")
    if not re.match(pattern, number):
        raise ValidationError({"number": _("界桩编号 %(n)s 不符合编号规则（界线编号 %(line)s + 3 位序号 + 类型字母 Q/A/B/C/D/E）")
                               % {"n": number, "line": line_code or ""}})
    letters = TYPE_LETTERS.get(marker_type or "")
    if letters and number[-1:].isalpha() and number[-1] not in letters:
        raise ValidationError({"number": _("界桩编号 %(n)s 的类型字母 %(l)s 与界桩类型不符（单立 Q，双立 A/B，三立 C/D/E）")
                               % {"n": number, "l": number[-1]}})


def boundary_upload_path(instance, filename):
    return f"boundaries/{timezone.localdate():%Y/%m}/{filename}"


class MarkerPhoto(models.Model):
    """A photo of a marker (its registration record) or of a check in the field."""

    marker = models.ForeignKey(BoundaryMarker, verbose_name=_("界桩"), null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    marker_check = models.ForeignKey("MarkerCheck", verbose_name=_("界桩检查"), null=True, blank=True, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=boundary_upload_path)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("界桩照片")
        verbose_name_plural = _("界桩照片")
        constraints = [models.CheckConstraint(condition=Q(marker__isnull=False) | Q(marker_check__isnull=False), name="markerphoto_has_owner")]


class Side(models.TextChoices):
    A = "a", _("甲方")
    B = "b", _("乙方")


class JointInspection(models.Model):
    """联检: the joint inspection of one line in one year by its two parties (districts)."""

    class State(models.TextChoices):
        PLANNED = "planned", _("已计划")
        FIELDWORK = "fieldwork", _("外业检查")
        DRAFTED = "drafted", _("报告已起草")
        SIGNED = "signed", _("双方已签署")
        FILED = "filed", _("已归档")

    line = models.ForeignKey(BoundaryLine, verbose_name=_("界线"), on_delete=models.PROTECT, related_name="inspections")
    year = models.PositiveSmallIntegerField(_("年度"))
    party_a_code = models.CharField(_("甲方区划代码"), max_length=12)
    party_a_name = models.CharField(_("甲方"), max_length=50)
    party_b_code = models.CharField(_("乙方区划代码"), max_length=12)
    party_b_name = models.CharField(_("乙方"), max_length=50)
    planned_start = models.DateField(_("计划开始"))
    planned_end = models.DateField(_("计划结束"))
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.PLANNED)
    state_entered_at = models.DateTimeField(_("进入状态时间"), default=timezone.now)
    report = models.TextField(_("联检报告"), blank=True)
    signed_a_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("甲方签署人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_a_at = models.DateTimeField(_("甲方签署时间"), null=True, blank=True)
    signed_b_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("乙方签署人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_b_at = models.DateTimeField(_("乙方签署时间"), null=True, blank=True)
    filed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("界线联检")
        verbose_name_plural = _("界线联检")
        ordering = ["-year", "line__code"]
        constraints = [
            models.UniqueConstraint(fields=["line", "year"], name="jointinspection_one_per_line_year"),
            models.CheckConstraint(condition=Q(planned_end__gte=models.F("planned_start")), name="jointinspection_dates_ordered"),
            models.CheckConstraint(condition=Q(state__in=["planned", "fieldwork", "drafted", "signed", "filed"]), name="jointinspection_state_valid"),
            models.CheckConstraint(condition=~Q(party_a_code=models.F("party_b_code")), name="jointinspection_two_parties"),
            models.CheckConstraint(condition=~Q(state__in=["signed", "filed"]) | (Q(signed_a_at__isnull=False) & Q(signed_b_at__isnull=False)),
                                   name="jointinspection_signed_by_both"),
        ]

    def __str__(self):
        return f"{self.year} {self.line.name}"

    def party_name(self, side):
        return self.party_a_name if side == Side.A else self.party_b_name


class InspectionMember(models.Model):
    """A member of one side's team (联检组成员)."""

    inspection = models.ForeignKey(JointInspection, verbose_name=_("联检"), on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("成员"), on_delete=models.PROTECT, related_name="+")
    side = models.CharField(_("所属方"), max_length=1, choices=Side.choices)
    leader = models.BooleanField(_("组长"), default=False)

    class Meta:
        verbose_name = _("联检组成员")
        verbose_name_plural = _("联检组成员")
        ordering = ["side", "-leader", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "user"], name="inspectionmember_once"),
            models.CheckConstraint(condition=Q(side__in=["a", "b"]), name="inspectionmember_side_valid"),
        ]


class MarkerCheck(models.Model):
    """界桩检查: one marker checked in the field in one inspection, entered by one side and agreed
    when an inspector of each side has confirmed it."""

    class Condition(models.TextChoices):
        INTACT = "intact", _("完好")
        DAMAGED = "damaged", _("损坏")
        MOVED = "moved", _("移位")
        LOST = "lost", _("丢失")
        BURIED = "buried", _("掩埋")
        OTHER = "other", _("其他")

    inspection = models.ForeignKey(JointInspection, verbose_name=_("联检"), on_delete=models.CASCADE, related_name="checks")
    marker = models.ForeignKey(BoundaryMarker, verbose_name=_("界桩"), on_delete=models.PROTECT, related_name="checks")
    side = models.CharField(_("录入方"), max_length=1, choices=Side.choices)
    condition = models.CharField(_("现状"), max_length=10, choices=Condition.choices)
    geom = models.PointField(_("实测位置"), srid=4490, null=True, blank=True)
    input_crs = models.CharField(_("输入坐标系"), max_length=12, blank=True)
    displacement_m = models.FloatField(_("偏移（米）"), null=True, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("检查人"), on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("检查时间"), default=timezone.now)
    confirmed_a_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("甲方确认人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_a_at = models.DateTimeField(_("甲方确认时间"), null=True, blank=True)
    confirmed_b_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("乙方确认人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_b_at = models.DateTimeField(_("乙方确认时间"), null=True, blank=True)
    client_id = models.CharField(_("客户端编号"), max_length=64, null=True, blank=True, unique=True,
                                 help_text=_("手机离线录入时生成，重发不重复"))

    class Meta:
        verbose_name = _("界桩检查")
        verbose_name_plural = _("界桩检查")
        ordering = ["marker__number"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "marker"], name="markercheck_once_per_inspection"),
            models.CheckConstraint(condition=Q(condition__in=["intact", "damaged", "moved", "lost", "buried", "other"]), name="markercheck_condition_valid"),
            models.CheckConstraint(condition=Q(side__in=["a", "b"]), name="markercheck_side_valid"),
            models.CheckConstraint(condition=Q(displacement_m__isnull=True) | Q(displacement_m__gte=0), name="markercheck_displacement_positive"),
            models.CheckConstraint(condition=(Q(geom__isnull=True) & Q(displacement_m__isnull=True)) | (Q(geom__isnull=False) & Q(displacement_m__isnull=False)),
                                   name="markercheck_displacement_with_position"),
        ]

    def __str__(self):
        return f"{self.marker} {self.get_condition_display()}"

    @property
    def agreed(self):
        """双方确认: one inspector of each side has confirmed the check."""
        return self.confirmed_a_at is not None and self.confirmed_b_at is not None

    @property
    def far_from_marker(self):
        """位置可疑: measured further from the registered position than GEOGRID_MARKER_SUSPECT_OFFSET_M,
        more likely a slip than a marker that moved so far. Kept and flagged, not refused (see
        services.FAR_CONDITIONS)."""
        return self.displacement_m is not None and self.displacement_m > settings.GEOGRID_MARKER_SUSPECT_OFFSET_M


class SectionRecord(models.Model):
    """A section of the line between two markers: reference objects (方位物) and whether the line is
    identifiable on the ground."""

    inspection = models.ForeignKey(JointInspection, verbose_name=_("联检"), on_delete=models.CASCADE, related_name="sections")
    from_marker = models.ForeignKey(BoundaryMarker, verbose_name=_("起始界桩"), on_delete=models.PROTECT, related_name="+")
    to_marker = models.ForeignKey(BoundaryMarker, verbose_name=_("终止界桩"), on_delete=models.PROTECT, related_name="+")
    references_complete = models.BooleanField(_("方位物完好"), default=True)
    references_notes = models.TextField(_("方位物情况"), blank=True)
    identifiable = models.BooleanField(_("界线清晰可辨"), default=True)
    notes = models.TextField(_("备注"), blank=True)
    side = models.CharField(_("录入方"), max_length=1, choices=Side.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("界线段检查")
        verbose_name_plural = _("界线段检查")
        ordering = ["from_marker__number"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "from_marker", "to_marker"], name="sectionrecord_once"),
            models.CheckConstraint(condition=~Q(from_marker=models.F("to_marker")), name="sectionrecord_two_markers"),
        ]


class RectificationItem(models.Model):
    """整改事项: a problem found in an inspection, with the side that owns it, a person and a due date."""

    class State(models.TextChoices):
        OPEN = "open", _("待整改")
        DONE = "done", _("已整改")

    inspection = models.ForeignKey(JointInspection, verbose_name=_("联检"), on_delete=models.CASCADE, related_name="problems")
    marker_check = models.ForeignKey(MarkerCheck, verbose_name=_("界桩检查"), null=True, blank=True, on_delete=models.CASCADE, related_name="problems")
    description = models.TextField(_("问题描述"))
    owner_side = models.CharField(_("责任方"), max_length=1, choices=Side.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("整改期限"))
    state = models.CharField(_("状态"), max_length=6, choices=State.choices, default=State.OPEN)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["open", "done"]), name="rectification_state_valid"),
            models.CheckConstraint(condition=Q(owner_side__in=["a", "b"]), name="rectification_side_valid"),
            models.CheckConstraint(condition=Q(state="open") | Q(done_at__isnull=False), name="rectification_done_has_time"),
        ]

    def __str__(self):
        return self.description[:40]


class BoundaryAgreement(models.Model):
    """平安边界共建协议书: signed by the two sides of a line, valid for a period, renewed before it ends."""

    line = models.ForeignKey(BoundaryLine, verbose_name=_("界线"), on_delete=models.PROTECT, related_name="agreements")
    title = models.CharField(_("协议名称"), max_length=100)
    party_a_name = models.CharField(_("甲方"), max_length=50)
    party_b_name = models.CharField(_("乙方"), max_length=50)
    signed_on = models.DateField(_("签订日期"))
    valid_until = models.DateField(_("有效期至"))
    document = models.FileField(_("协议文本"), upload_to=boundary_upload_path, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("平安边界协议")
        verbose_name_plural = _("平安边界协议")
        ordering = ["valid_until"]
        constraints = [models.CheckConstraint(condition=Q(valid_until__gt=models.F("signed_on")), name="agreement_valid_after_signed")]

    def __str__(self):
        return self.title


class BoundaryDispute(models.Model):
    """涉界矛盾纠纷: a dispute found on or near a line, with its place, parties and state."""

    class State(models.TextChoices):
        OPEN = "open", _("待调处")
        MEDIATING = "mediating", _("调处中")
        RESOLVED = "resolved", _("已化解")

    line = models.ForeignKey(BoundaryLine, verbose_name=_("界线"), null=True, blank=True, on_delete=models.PROTECT, related_name="disputes")
    geom = models.PointField(_("位置"), srid=4490)
    parties = models.CharField(_("当事方"), max_length=200)
    description = models.TextField(_("情况描述"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    reported_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    resolved_at = models.DateTimeField(_("化解时间"), null=True, blank=True)
    resolution = models.TextField(_("调处结果"), blank=True)

    class Meta:
        verbose_name = _("涉界矛盾纠纷")
        verbose_name_plural = _("涉界矛盾纠纷")
        ordering = ["-reported_at"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["open", "mediating", "resolved"]), name="dispute_state_valid"),
            models.CheckConstraint(condition=~Q(state="resolved") | Q(resolved_at__isnull=False), name="dispute_resolved_has_time"),
        ]

    def __str__(self):
        return f"{self.parties}: {self.description[:30]}"
