"""Administrative areas, level-4/5 grids (versioned), and the 4+N teams of the grids."""
import re

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geogrid.geo.measure import area_m2


class AdminArea(models.Model):
    """行政区划: district (区县), street/town (街道/镇), community/village (社区/村)."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("区县")
        STREET = "street", _("街道/乡镇")
        COMMUNITY = "community", _("社区/村")

    code = models.CharField(_("统计用区划代码"), max_length=12, unique=True, help_text=_("12 位"))
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    geom = models.MultiPolygonField(_("范围"), srid=4490)
    area_m2 = models.FloatField(_("面积（平方米）"), default=0, editable=False)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^\d{12}$"), name="adminarea_code_12_digits"),
            models.CheckConstraint(condition=Q(level__in=["district", "street", "community"]), name="adminarea_level_valid"),
            models.CheckConstraint(condition=Q(level="district") | Q(parent__isnull=False), name="adminarea_parent_required"),
            models.CheckConstraint(condition=Q(geom__isvalid=True), name="adminarea_geom_valid"),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs):
        self.area_m2 = area_m2(self.geom)
        super().save(*args, **kwargs)


class GridQuerySet(models.QuerySet):
    def current(self):
        return self.filter(valid_to__isnull=True)

    def valid_at(self, when):
        return self.filter(Q(valid_from__lte=when), Q(valid_to__isnull=True) | Q(valid_to__gt=when))


def validate_grid_code(code, level):
    pattern = settings.GEOGRID_GRID_CODE_PATTERNS.get(int(level))
    if pattern and not re.match(pattern, code or ""):
        raise ValidationError({"code": _("网格编码 %(code)s 不符合第 %(level)s 级网格编码规则 %(pattern)s") % {"code": code, "level": level, "pattern": pattern}})


class Grid(models.Model):
    """网格: a level-4 grid (四级网格) within a community, or a level-5 grid (五级网格) within a
    level-4 one. Versioned: redrawing a grid closes this row (valid_to) and creates a new row with
    the same code and version + 1; records made earlier keep pointing at the row they were made in."""

    class Level(models.IntegerChoices):
        L4 = 4, _("四级网格")
        L5 = 5, _("五级网格")

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("基础网格")
        DEDICATED = "dedicated", _("专属网格")

    class DedicatedType(models.TextChoices):
        NONE = "", _("—")
        SCHOOL = "school", _("学校")
        MARKET = "market", _("市场")
        ENTERPRISE = "enterprise", _("企业")
        HOSPITAL = "hospital", _("医院")
        PARK = "park", _("园区")
        OTHER = "other", _("其他")

    code = models.CharField(_("网格编码"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.ORDINARY)
    dedicated_type = models.CharField(_("专属网格类别"), max_length=12, choices=DedicatedType.choices, blank=True, default="")
    parent = models.ForeignKey("self", verbose_name=_("上级网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    community = models.ForeignKey(AdminArea, verbose_name=_("所属社区/村"), on_delete=models.PROTECT, related_name="grids")
    households = models.PositiveIntegerField(_("户数"), default=0)
    population = models.PositiveIntegerField(_("人口"), default=0)
    geom = models.MultiPolygonField(_("范围"), srid=4490)
    area_m2 = models.FloatField(_("面积（平方米）"), default=0, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    valid_from = models.DateTimeField(_("生效时间"), default=timezone.now)
    valid_to = models.DateTimeField(_("失效时间"), null=True, blank=True)

    objects = GridQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="grid_code_version_unique"),
            models.UniqueConstraint(fields=["code"], condition=Q(valid_to__isnull=True), name="grid_code_current_unique"),
            models.CheckConstraint(condition=Q(level__in=[4, 5]), name="grid_level_4_or_5"),
            models.CheckConstraint(condition=Q(kind__in=["ordinary", "dedicated"]), name="grid_kind_valid"),
            models.CheckConstraint(condition=Q(level=4) | Q(parent__isnull=False), name="grid_l5_has_parent"),
            models.CheckConstraint(condition=Q(code__regex=r"^\d+$"), name="grid_code_digits"),
            models.CheckConstraint(
                condition=Q(kind="ordinary", dedicated_type="") | (Q(kind="dedicated") & ~Q(dedicated_type="")),
                name="grid_dedicated_type_matches_kind",
            ),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")), name="grid_validity_range"),
            models.CheckConstraint(condition=Q(geom__isvalid=True), name="grid_geom_valid"),
        ]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def is_current(self):
        return self.valid_to is None

    def clean(self):
        validate_grid_code(self.code, self.level)
        if self.parent_id and self.parent.level != 4:
            raise ValidationError({"parent": _("五级网格的上级必须是四级网格")})
        if self.level == 4 and self.parent_id:
            raise ValidationError({"parent": _("四级网格没有上级网格")})

    def save(self, *args, **kwargs):
        self.area_m2 = area_m2(self.geom)
        super().save(*args, **kwargs)


class GridMember(models.Model):
    """"4+N" team member of a grid: 网格长, 专职网格员, 楼道长, 志愿者, plus others (N)."""

    class Role(models.TextChoices):
        HEAD = "head", _("网格长")
        FULLTIME = "fulltime", _("专职网格员")
        BUILDING = "building", _("楼道长")
        VOLUNTEER = "volunteer", _("志愿者")
        OTHER = "other", _("其他力量")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="grid_memberships")
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="members")
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    other_kind = models.CharField(_("其他力量类别"), max_length=50, blank=True, help_text=_("如党员、民警、物业、社会组织"))
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    start_date = models.DateField(_("起始日期"), default=timezone.localdate)
    end_date = models.DateField(_("终止日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("网格成员")
        verbose_name_plural = _("网格成员（4+N）")
        ordering = ["grid__code", "role"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=["head", "fulltime", "building", "volunteer", "other"]), name="gridmember_role_valid"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")), name="gridmember_dates"),
        ]

    def __str__(self):
        return f"{self.grid.name} {self.get_role_display()} {self.user}"


# --- Incidents (事件/案卷) and patrols ----------------------------------------------------------
# The rules live in incidents.py (report, numbering, transitions, duplicates), photos.py,
# patrols.py, teams.py and permissions.py (who sees what); the workflow core in geogrid.workflow.


class IncidentMode(models.TextChoices):
    """五办: how a case is to be handled."""

    IMMEDIATE = "immediate", _("立即办")
    HELP = "help", _("帮助办")
    VISIT = "visit", _("上门办")
    EXPEDITE = "expedite", _("加快办")
    PROACTIVE = "proactive", _("主动办")


class IncidentCategory(models.Model):
    """事件类别: data, editable in the admin. time_limits: hours allowed per stage (state code →
    hours), overriding GEOGRID_INCIDENT_STAGE_HOURS; the 五办 mode then scales them
    (GEOGRID_INCIDENT_MODE_FACTORS)."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    description = models.TextField(_("说明"), blank=True)
    default_mode = models.CharField(_("默认办理方式"), max_length=10, choices=IncidentMode.choices, default=IncidentMode.IMMEDIATE)
    time_limits = models.JSONField(_("各环节时限（小时）"), default=dict, blank=True,
                                   help_text=_('如 {"reported": 2, "registered": 4, "handling": 72}'))
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("事件类别")
        verbose_name_plural = _("事件类别")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name

    def clean(self):
        if not isinstance(self.time_limits, dict):
            raise ValidationError({"time_limits": _("时限必须是 {环节: 小时} 形式")})
        for state, hours in self.time_limits.items():
            if state not in Incident.State.values:
                raise ValidationError({"time_limits": _("未知环节 %(s)s") % {"s": state}})
            if not isinstance(hours, (int, float)) or isinstance(hours, bool) or hours <= 0:
                raise ValidationError({"time_limits": _("环节 %(s)s 的时限必须是正数（小时）") % {"s": state}})


class IncidentCounter(models.Model):
    """The last case number used in a year (numbers are year + 6-digit sequence, gapless)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("案卷编号计数")
        verbose_name_plural = _("案卷编号计数")


class Patrol(models.Model):
    """巡查: a grid member's patrol of their grid, with an optional GPS track; findings become
    incidents (Incident.patrol)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("巡查人"), on_delete=models.PROTECT, related_name="patrols")
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="patrols")
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    track = models.LineStringField(_("轨迹"), srid=4490, null=True, blank=True)
    length_m = models.FloatField(_("轨迹长度（米）"), null=True, blank=True, editable=False)
    note = models.TextField(_("巡查记录"), blank=True)

    class Meta:
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")), name="patrol_end_after_start"),
            models.UniqueConstraint(fields=["user"], condition=Q(ended_at__isnull=True), name="patrol_one_open_per_user"),
        ]

    def __str__(self):
        return f"{self.grid.name} {self.user} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"


class Incident(models.Model):
    """事件/案卷. The point is located at report time: grid5/grid4 are the grid ROWS (versions)
    valid then, community and street the areas; they do not move when grids are redrawn."""

    class State(models.TextChoices):
        REPORTED = "reported", _("已上报")
        REGISTERED = "registered", _("已立案")
        REJECTED = "rejected", _("不予立案")
        DISPATCHED = "dispatched", _("已派遣")
        HANDLING = "handling", _("处置中")
        HANDLED = "handled", _("已反馈")
        VERIFIED = "verified", _("已核查")
        CLOSED = "closed", _("已结案")

    class Level(models.TextChoices):
        GRID = "grid", _("网格")
        COMMUNITY = "community", _("社区")
        STREET = "street", _("街道")
        DISTRICT = "district", _("区级部门")

    Mode = IncidentMode
    OPEN_STATES = ("reported", "registered", "dispatched", "handling", "handled", "verified")

    number = models.CharField(_("案卷编号"), max_length=20, unique=True, editable=False)
    category = models.ForeignKey(IncidentCategory, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="incidents")
    mode = models.CharField(_("办理方式"), max_length=10, choices=IncidentMode.choices)
    description = models.TextField(_("描述"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    geom = models.PointField(_("位置"), srid=4490)
    input_crs = models.CharField(_("输入坐标系"), max_length=16, default="EPSG:4490")
    grid5 = models.ForeignKey(Grid, verbose_name=_("五级网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="incidents_l5")
    grid4 = models.ForeignKey(Grid, verbose_name=_("四级网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="incidents_l4")
    community = models.ForeignKey(AdminArea, verbose_name=_("社区"), null=True, blank=True, on_delete=models.PROTECT, related_name="incidents_in_community")
    street = models.ForeignKey(AdminArea, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="incidents_in_street")
    responsible_level = models.CharField(_("责任层级"), max_length=10, choices=Level.choices, default=Level.GRID)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上报人"), on_delete=models.PROTECT, related_name="reported_incidents")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_incidents")
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.REPORTED)
    state_entered_at = models.DateTimeField(_("进入本环节时间"), default=timezone.now)
    deadline = models.DateTimeField(_("本环节时限"), null=True, blank=True)
    duplicate_of = models.ForeignKey("self", verbose_name=_("重复于"), null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates")
    patrol = models.ForeignKey(Patrol, verbose_name=_("来自巡查"), null=True, blank=True, on_delete=models.SET_NULL, related_name="findings")
    urge_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    # Stages of the case left after their deadline (set by the transitions); a closed case with
    # none was closed on time (按期结案).
    overdue_stages = models.PositiveSmallIntegerField(_("超期环节数"), default=0, editable=False)
    reported_at = models.DateTimeField(_("上报时间"), default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-reported_at", "-id"]
        indexes = [
            models.Index(fields=["state", "deadline"], name="incident_state_deadline"),
            models.Index(fields=["category", "reported_at"], name="incident_category_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["reported", "registered", "rejected", "dispatched", "handling", "handled", "verified", "closed"]),
                                   name="incident_state_valid"),
            models.CheckConstraint(condition=Q(mode__in=["immediate", "help", "visit", "expedite", "proactive"]), name="incident_mode_valid"),
            models.CheckConstraint(condition=Q(responsible_level__in=["grid", "community", "street", "district"]), name="incident_level_valid"),
            models.CheckConstraint(condition=Q(number__regex=r"^\d{10}$"), name="incident_number_format"),
            models.CheckConstraint(condition=~Q(duplicate_of=models.F("id")), name="incident_not_duplicate_of_itself"),
        ]

    def __str__(self):
        return f"{self.number} {self.category}"

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES


def incident_photo_path(instance, filename):
    return f"incidents/{timezone.localdate():%Y/%m}/{filename}"


class IncidentPhoto(models.Model):
    """A photo of a case (at most GEOGRID_PHOTO_MAX_COUNT), checked by content, with a thumbnail."""

    incident = models.ForeignKey(Incident, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to=incident_photo_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(_("缩略图"), upload_to=incident_photo_path)
    width = models.PositiveIntegerField(_("宽"), default=0)
    height = models.PositiveIntegerField(_("高"), default=0)
    content_type = models.CharField(_("类型"), max_length=20)
    size = models.PositiveIntegerField(_("字节数"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("事件照片")
        verbose_name_plural = _("事件照片")
        ordering = ["incident", "id"]

    def __str__(self):
        return f"{self.incident.number} #{self.pk}"
