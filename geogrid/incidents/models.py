"""Incidents (事件/案卷): categories, the 五办 modes, cases, their numbers and photos.

The rules live in services.py (report, numbering, transitions, duplicates), photos.py and
permissions.py; the workflow core in geogrid.workflow. Tables keep the names they had when these
models lived in grids/ (state-only move, see migrations/0001_initial.py)."""
from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from geogrid.grids.models import AdminArea, Grid


class IncidentMode(models.TextChoices):
    """五办: how a case is to be handled."""

    IMMEDIATE = "immediate", _("立即办")
    HELP = "help", _("帮助办")
    VISIT = "visit", _("上门办")
    EXPEDITE = "expedite", _("加快办")
    PROACTIVE = "proactive", _("主动办")


class Satisfaction(models.TextChoices):
    """综合评价: how the reporter (or the case's community) judges the handling of a closed case."""

    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


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
    working_time = models.BooleanField(_("按工作时间计时"), default=True,
                                       help_text=_("时限只计工作日的办公时间；消防、安全隐患等须随时处置的类别取消勾选，按自然时间计时"))
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        db_table = "grids_incidentcategory"
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


class CategoryQuestion(models.Model):
    """A question a report of this category must or may answer (Open311 service attributes: the
    same datatypes). Answers are kept on the case (Incident.answers, by code)."""

    class Datatype(models.TextChoices):
        STRING = "string", _("单行文本")
        NUMBER = "number", _("数字")
        DATETIME = "datetime", _("日期时间")
        TEXT = "text", _("多行文本")
        SINGLE = "singlevaluelist", _("单选")
        MULTI = "multivaluelist", _("多选")

    LISTS = ("singlevaluelist", "multivaluelist")

    category = models.ForeignKey(IncidentCategory, verbose_name=_("事件类别"), on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(_("编码"), max_length=40, help_text=_("Open311 的 attribute[编码]"))
    question = models.CharField(_("问题"), max_length=200)
    datatype = models.CharField(_("类型"), max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    required = models.BooleanField(_("必答"), default=False)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    values = models.JSONField(_("选项"), default=list, blank=True, help_text=_('单选、多选的选项：[{"key": "a", "name": "甲"}, …]'))

    class Meta:
        db_table = "grids_categoryquestion"
        verbose_name = _("类别问题")
        verbose_name_plural = _("类别问题")
        ordering = ["category", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="categoryquestion_code_unique"),
            # "mode" is the 五办 attribute every category has.
            models.CheckConstraint(condition=~Q(code="mode"), name="categoryquestion_code_not_mode"),
            models.CheckConstraint(condition=Q(datatype__in=["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]),
                                   name="categoryquestion_datatype_valid"),
        ]

    def __str__(self):
        return f"{self.category} · {self.question}"

    def keys(self):
        return [str(v.get("key")) for v in self.values if isinstance(v, dict)]

    def clean(self):
        if self.datatype in self.LISTS:
            ok = isinstance(self.values, list) and self.values and all(isinstance(v, dict) and v.get("key") not in (None, "") and v.get("name")
                                                                       for v in self.values)
            if not ok:
                raise ValidationError({"values": _("单选、多选须有选项，每项有 key 和 name")})
            if len(set(self.keys())) != len(self.keys()):
                raise ValidationError({"values": _("选项的 key 不能重复")})
        elif self.values:
            raise ValidationError({"values": _("只有单选、多选有选项")})


class IncidentCounter(models.Model):
    """The last case number used in a year (numbers are year + 6-digit sequence, gapless)."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "grids_incidentcounter"
        verbose_name = _("案卷编号计数")
        verbose_name_plural = _("案卷编号计数")


class Incident(models.Model):
    """事件/案卷. The point is located at report time: grid5/grid4 are the grid ROWS (versions)
    valid then, community and street the areas; they do not move when grids are redrawn."""

    class State(models.TextChoices):
        REPORTED = "reported", _("已上报")
        REGISTERED = "registered", _("已立案")
        # As a state "Rejected", as an action (services: reject) "Reject": one Chinese word, two contexts.
        REJECTED = "rejected", pgettext_lazy("case state", "不予立案")
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
    Satisfaction = Satisfaction
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
    # The district functional department the case was passed to (services: to_department); its
    # users see the case and one of them handles it.
    department = models.ForeignKey("accounts.Department", verbose_name=_("承办部门"), null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="incidents")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上报人"), on_delete=models.PROTECT, related_name="reported_incidents")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("承办人"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_incidents")
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.REPORTED)
    state_entered_at = models.DateTimeField(_("进入本环节时间"), default=timezone.now)
    deadline = models.DateTimeField(_("本环节时限"), null=True, blank=True)
    # When the stage turns yellow (临期): counted on the same clock as the deadline.
    deadline_warn_at = models.DateTimeField(_("临期时间"), null=True, blank=True, editable=False)
    duplicate_of = models.ForeignKey("self", verbose_name=_("重复于"), null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates")
    patrol = models.ForeignKey("patrols.Patrol", verbose_name=_("来自巡查"), null=True, blank=True, on_delete=models.SET_NULL, related_name="findings")
    urge_count = models.PositiveSmallIntegerField(_("督办次数"), default=0)
    # Stages of the case left after their deadline (set by the transitions); a closed case with
    # none was closed on time (按期结案).
    overdue_stages = models.PositiveSmallIntegerField(_("超期环节数"), default=0, editable=False)
    reported_at = models.DateTimeField(_("上报时间"), default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # 综合评价 (services: evaluate): the latest evaluation; a first "dissatisfied" sends the case
    # back to handling and keeps standing until the case is closed and evaluated again.
    satisfaction = models.CharField(_("满意度"), max_length=20, choices=Satisfaction.choices, blank=True, default="")
    evaluation_comment = models.TextField(_("评价意见"), blank=True, default="")
    evaluated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    evaluation_reworks = models.PositiveSmallIntegerField(_("因不满意返工次数"), default=0, editable=False)
    # Answers to the category's questions (CategoryQuestion), by question code.
    answers = models.JSONField(_("问题回答"), default=dict, blank=True, db_default={})

    class Meta:
        db_table = "grids_incident"
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
            models.CheckConstraint(condition=Q(satisfaction__in=["", "satisfied", "basically_satisfied", "dissatisfied"]),
                                   name="incident_satisfaction_valid"),
            # An evaluation has its moment; a case without one has neither.
            models.CheckConstraint(condition=Q(satisfaction="", evaluated_at__isnull=True) | (~Q(satisfaction="") & Q(evaluated_at__isnull=False)),
                                   name="incident_evaluated_at_with_satisfaction"),
            # Only a closed case is evaluated; a dissatisfied one may be back in handling (rework).
            models.CheckConstraint(condition=Q(satisfaction__in=["", "dissatisfied"]) | Q(state="closed"),
                                   name="incident_evaluation_of_a_closed_case"),
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
        db_table = "grids_incidentphoto"
        verbose_name = _("事件照片")
        verbose_name_plural = _("事件照片")
        ordering = ["incident", "id"]

    def __str__(self):
        return f"{self.incident.number} #{self.pk}"


class Open311Key(models.Model):
    """An Open311 client's own key (a hotline system, a mini-program): it acts as `user`, who must
    be allowed to report. Only the prefix and a SHA-256 of the secret are stored (the secret is 32
    random bytes, so a fast hash is enough); the key is shown once, when it is issued."""

    name = models.CharField(_("客户端名称"), max_length=100, help_text=_("如 12345 热线、微信小程序"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("代表用户"), on_delete=models.PROTECT, related_name="open311_keys")
    prefix = models.CharField(_("前缀"), max_length=12, unique=True, editable=False)
    hashed = models.CharField(_("密钥摘要"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        db_table = "grids_open311key"
        verbose_name = _("Open311 客户端密钥")
        verbose_name_plural = _("Open311 客户端密钥")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"

    @property
    def active(self):
        return self.revoked_at is None
