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


def validate_grid_code(code, level, community_code=None, parent_code=None):
    """The one rule of a grid code (ValidationError on "code", in words a person can act on):

    - its length pattern, a local setting (GEOGRID_GRID_CODE_PATTERNS: 14 digits for level 4, 16–17
      for level 5 by default);
    - its structure (STANDARDS.md, after GB/T 30428): a level-4 code starts with the 12-digit code of
      its community, a level-5 code with the code of its level-4 parent. Checked when that code is
      given (the import and Grid.clean give it; a code alone can only be checked for its pattern).

    Only "digits" is a database CHECK (grid_code_digits): the pattern is a setting, and the prefix
    compares two rows (the grid and its community or parent), which a CHECK constraint cannot do;
    check_topology lists stored codes whose prefix is wrong (finding "code")."""
    code = code or ""
    if level in (None, ""):
        return  # no level yet: the form reports the missing level
    level = int(level)
    pattern = settings.GEOGRID_GRID_CODE_PATTERNS.get(level)
    if pattern and not re.match(pattern, code):
        raise ValidationError({"code": _("网格编码 %(code)s 不符合第 %(level)s 级网格编码规则 %(pattern)s") % {"code": code, "level": level, "pattern": pattern}})
    prefix = community_code if level == 4 else parent_code
    if prefix and not code.startswith(prefix):
        message = (_("四级网格编码 %(code)s 应以所属社区/村的代码 %(prefix)s 开头（社区代码 12 位 + 网格序号）") if level == 4 else
                   _("五级网格编码 %(code)s 应以上级四级网格的编码 %(prefix)s 开头（四级网格编码 + 网格序号）"))
        raise ValidationError({"code": message % {"code": code, "prefix": prefix}})


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
            # The code's length pattern is a setting and its prefix (community or parent code) lies in
            # another row, which a CHECK cannot read: both are validate_grid_code's, and
            # check_topology lists stored codes whose prefix is wrong.
            models.CheckConstraint(condition=Q(code__regex=r"^\d+$"), name="grid_code_digits"),
            models.CheckConstraint(
                condition=Q(kind="ordinary", dedicated_type="") | (Q(kind="dedicated") & ~Q(dedicated_type="")),
                name="grid_dedicated_type_matches_kind",
            ),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")), name="grid_validity_range"),
            models.CheckConstraint(condition=Q(geom__isvalid=True), name="grid_geom_valid"),
        ]
        # The current grids of each level in id order, as the layers grids_l4 and grids_l5 select them:
        # a page of their OGC collection starts at its level instead of walking the other level's
        # rows by primary key first (3.6 → 0.07 ms at 10⁵ grids). One index a level, matching the
        # layers' filter exactly: the planner would not pick an index on (level, id) over the key.
        indexes = [models.Index(fields=["id"], condition=Q(valid_to__isnull=True, level=level), name=f"grid_current_l{level}_id")
                   for level in (4, 5)]

    def __str__(self):
        return f"{self.name}（{self.code}）"

    @property
    def is_current(self):
        return self.valid_to is None

    def clean(self):
        if self.parent_id and self.parent.level != 4:
            raise ValidationError({"parent": _("五级网格的上级必须是四级网格")})
        if self.level == 4 and self.parent_id:
            raise ValidationError({"parent": _("四级网格没有上级网格")})
        try:  # with the parent right, the code against it
            validate_grid_code(self.code, self.level, community_code=self.community.code if self.community_id else None,
                               parent_code=self.parent.code if self.parent_id else None)
        except ValidationError as exc:
            if self._state.adding:
                raise
            # A stored grid's code is fixed (it is the grid across versions; forms show it read-only):
            # a code that no longer fits its community or parent is the row's error, not the field's.
            raise ValidationError(exc.message_dict["code"]) from exc

    def save(self, *args, **kwargs):
        self.area_m2 = area_m2(self.geom)
        super().save(*args, **kwargs)


class GridMemberQuerySet(models.QuerySet):
    def on_duty(self, on=None):
        """Memberships in force on date `on` (today): start_date <= on <= end_date (open end)."""
        on = on or timezone.localdate()
        return self.filter(start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))


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

    objects = GridMemberQuerySet.as_manager()

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
