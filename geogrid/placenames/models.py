"""Roads (街路巷), road-name signs (路名牌), and road naming: the data tables of the name check
(通名, forbidden words, readings fixed by staff) and naming batches of applications (批次/申请), whose
transition table is in workflow.py and whose rules are in services.py."""
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
    # Built (已建成) or only planned: the work queue puts the built unnamed roads first ("urgent first").
    built = models.BooleanField(_("已建成"), default=True)
    # Toneless syllables of the name ("quan cheng lu"), for homophone checks (pinyin.sound_key).
    sound_key = models.CharField(_("读音"), max_length=200, blank=True, db_index=True, editable=False)
    # 20-digit code of the national place-name database, given once at the first export (export.py).
    place_code = models.CharField(_("地名代码"), max_length=20, blank=True, editable=False)

    class Meta:
        verbose_name = _("道路")
        verbose_name_plural = _("道路")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=["unnamed", "proposed"]) | ~Q(name=""), name="road_named_has_name"),
            models.CheckConstraint(condition=Q(status__in=["unnamed", "proposed", "named", "retired"]), name="road_status_valid"),
            models.CheckConstraint(condition=Q(category__in=["expressway", "arterial", "secondary", "branch", "lane", "rural"]), name="road_category_valid"),
            models.CheckConstraint(condition=Q(geom__isvalid=True), name="road_geom_valid"),
            models.UniqueConstraint(fields=["place_code"], condition=~Q(place_code=""), name="road_place_code_unique"),
            models.CheckConstraint(condition=Q(place_code="") | Q(place_code__regex=r"^\d{20}$"), name="road_place_code_20_digits"),
        ]

    def __str__(self):
        return self.name or self.working_name or self.code

    def save(self, *args, **kwargs):
        from .services import sound_of

        self.length_m = length_m(self.geom)
        # The sound of the name as it is now (renamed in the admin, or readings fixed since).
        self.sound_key = sound_of(self.name)
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

    class Material(models.TextChoices):
        ALUMINIUM = "aluminium", _("铝板反光膜")
        STAINLESS = "stainless", _("不锈钢")
        ENAMEL = "enamel", _("搪瓷")
        STONE = "stone", _("石材")
        OTHER = "other", _("其他")

    code = models.CharField(_("路牌编号"), max_length=30, unique=True)
    road = models.ForeignKey(Road, verbose_name=_("道路"), on_delete=models.PROTECT, related_name="signs")
    geom = models.PointField(_("位置"), srid=4490)
    facing = models.PositiveSmallIntegerField(_("朝向（度）"), default=0, help_text=_("牌面朝向方位角，0=北，顺时针"))
    name_text = models.CharField(_("牌面名称"), max_length=50)
    pinyin_text = models.CharField(_("牌面拼音"), max_length=120)
    direction_text = models.CharField(_("指向"), max_length=30, blank=True, help_text=_("如“↑北 南↓”"))
    door_range = models.CharField(_("门牌号段"), max_length=30, blank=True)
    condition = models.CharField(_("状况"), max_length=10, choices=Condition.choices, default=Condition.GOOD)
    material = models.CharField(_("材质"), max_length=10, choices=Material.choices, blank=True)
    # The year: what a sign inventory records (install dates are rarely known to the day).
    installed_year = models.PositiveSmallIntegerField(_("设置年份"), null=True, blank=True)

    class Meta:
        verbose_name = _("路名牌")
        verbose_name_plural = _("路名牌")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(facing__gte=0, facing__lt=360), name="roadsign_facing_degrees"),
            models.CheckConstraint(condition=Q(condition__in=["good", "dirty", "faded", "damaged", "tilted", "missing", "wrong"]), name="roadsign_condition_valid"),
            models.CheckConstraint(condition=Q(material__in=["", "aluminium", "stainless", "enamel", "stone", "other"]), name="roadsign_material_valid"),
        ]

    def __str__(self):
        return f"{self.code} {self.name_text}"


# --- data of the name check --------------------------------------------------------------------
class GenericName(models.Model):
    """通名 of road names and their spelling (路 Lu, 大街 Dajie…): the check knows only these."""

    name = models.CharField(_("通名"), max_length=10, unique=True)
    spelling = models.CharField(_("拼写"), max_length=20)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("通名")
        verbose_name_plural = _("通名表")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} {self.spelling}"


class ForbiddenWord(models.Model):
    """A word a place name must not contain: a foreign place name, a company name or a trademark
    (地名管理条例: 不以外国人名、地名, 不以企业名称或商标名称命名)."""

    class Kind(models.TextChoices):
        FOREIGN = "foreign", _("外国人名、地名")
        COMPANY = "company", _("企业名称")
        TRADEMARK = "trademark", _("商标名称")
        OTHER = "other", _("其他禁用词")

    word = models.CharField(_("词语"), max_length=30, unique=True)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("禁用词")
        verbose_name_plural = _("禁用词表")
        ordering = ["kind", "word"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=["foreign", "company", "trademark", "other"]), name="forbiddenword_kind_valid")]

    def __str__(self):
        return self.word


class FixedReading(models.Model):
    """A reading of a phrase fixed by staff (多音字审定): remembered for every later name."""

    phrase = models.CharField(_("词语"), max_length=20, unique=True)
    syllables = models.CharField(_("读音"), max_length=120, help_text=_("无声调拼音，音节间用空格分隔，如 chao yang"))
    fixed_by = models.ForeignKey("accounts.User", verbose_name=_("审定人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    fixed_at = models.DateTimeField(_("审定时间"), auto_now=True)

    class Meta:
        verbose_name = _("审定读音")
        verbose_name_plural = _("审定读音")
        ordering = ["phrase"]

    def __str__(self):
        return f"{self.phrase} {self.syllables}"


# --- naming batches and applications -----------------------------------------------------------
class NamingBatch(models.Model):
    """命名批次: applications handled together ("urgent first, easy first")."""

    code = models.CharField(_("批次编号"), max_length=20, unique=True)
    title = models.CharField(_("批次名称"), max_length=100)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey("accounts.User", verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("命名批次")
        verbose_name_plural = _("命名批次")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.code} {self.title}"


class NamingApplication(models.Model):
    """命名申请: a proposed name for a road (or a new road drawn on the map), through the workflow
    draft → submitted → reviewed → expert review → consultation → public notice → approved → filed
    → announced (workflow.py)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        REVIEWED = "reviewed", _("已综合评估")
        EXPERT_REVIEWED = "expert_reviewed", _("已专家论证")
        CONSULTED = "consulted", _("已征求意见")
        NOTICE = "notice", _("公示中")
        APPROVED = "approved", _("已批准")
        FILED = "filed", _("已备案")
        ANNOUNCED = "announced", _("已公告")
        WITHDRAWN = "withdrawn", _("已撤回")

    OPEN_STATES = ("draft", "submitted", "reviewed", "expert_reviewed", "consulted", "notice", "approved", "filed")

    class Level(models.IntegerChoices):
        HIGH = 1, _("高")
        MEDIUM = 2, _("中")
        LOW = 3, _("低")

    batch = models.ForeignKey(NamingBatch, verbose_name=_("批次"), on_delete=models.PROTECT, related_name="applications")
    road = models.ForeignKey(Road, verbose_name=_("道路"), null=True, blank=True, on_delete=models.PROTECT, related_name="applications")
    geom = models.MultiLineStringField(_("新道路中心线"), srid=4490, null=True, blank=True)
    name = models.CharField(_("拟用名称"), max_length=50)
    specific = models.CharField(_("专名"), max_length=40, blank=True)
    generic = models.CharField(_("通名"), max_length=10, blank=True)
    pinyin = models.CharField(_("罗马字母拼写"), max_length=120, blank=True)
    sound_key = models.CharField(_("读音"), max_length=200, blank=True, db_index=True, editable=False)
    applicant = models.CharField(_("申请单位"), max_length=100)
    reasons = models.TextField(_("命名理由"), blank=True)
    meaning = models.TextField(_("含义"), blank=True)
    location = models.CharField(_("位置描述"), max_length=200, blank=True)
    priority = models.PositiveSmallIntegerField(_("紧急程度"), choices=Level.choices, default=Level.MEDIUM)
    difficulty = models.PositiveSmallIntegerField(_("难易程度"), choices=Level.choices, default=Level.MEDIUM,
                                                  help_text=_("高=难，低=易"))
    check_result = models.JSONField(_("检查结果"), default=dict, blank=True, editable=False)
    check_errors = models.PositiveSmallIntegerField(_("检查错误数"), default=0, editable=False)
    check_warnings = models.PositiveSmallIntegerField(_("检查提示数"), default=0, editable=False)
    assessment_report = models.TextField(_("综合评估报告"), blank=True)
    expert_report = models.TextField(_("专家论证报告"), blank=True)
    consultation_report = models.TextField(_("征求意见报告"), blank=True)
    notice_start = models.DateField(_("公示开始"), null=True, blank=True)
    notice_end = models.DateField(_("公示结束"), null=True, blank=True)
    approving_body = models.CharField(_("批准机关"), max_length=100, blank=True)
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    filing_due = models.DateField(_("备案期限"), null=True, blank=True)
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    announcement_due = models.DateField(_("公告期限"), null=True, blank=True)
    announced_on = models.DateField(_("公告日期"), null=True, blank=True)
    announcement_no = models.CharField(_("公告文号"), max_length=50, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.DRAFT)
    state_entered_at = models.DateTimeField(_("进入本环节时间"), null=True, blank=True)
    deadline = models.DateTimeField(_("本环节期限"), null=True, blank=True)
    deadline_warn_at = models.DateTimeField(_("临期提醒时间"), null=True, blank=True)
    overdue_stages = models.PositiveSmallIntegerField(_("超期环节数"), default=0)
    created_by = models.ForeignKey("accounts.User", verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("命名申请")
        verbose_name_plural = _("命名申请")
        ordering = ["priority", "difficulty", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(road__isnull=False) | Q(geom__isnull=False), name="namingapp_road_or_geom"),
            models.CheckConstraint(condition=Q(state__in=["draft", "submitted", "reviewed", "expert_reviewed", "consulted", "notice",
                                                          "approved", "filed", "announced", "withdrawn"]), name="namingapp_state_valid"),
            models.CheckConstraint(condition=Q(priority__in=[1, 2, 3], difficulty__in=[1, 2, 3]), name="namingapp_levels_valid"),
            models.CheckConstraint(condition=Q(notice_end__isnull=True) | Q(notice_start__lte=models.F("notice_end")), name="namingapp_notice_order"),
            models.CheckConstraint(condition=~Q(state__in=["approved", "filed", "announced"]) | (Q(approved_on__isnull=False) & ~Q(approving_body="")),
                                   name="namingapp_approved_has_approval"),
            models.CheckConstraint(condition=~Q(state="announced") | Q(announced_on__isnull=False), name="namingapp_announced_has_date"),
            # One open application per road at a time.
            models.UniqueConstraint(fields=["road"], condition=Q(state__in=["draft", "submitted", "reviewed", "expert_reviewed", "consulted",
                                                                           "notice", "approved", "filed"]), name="namingapp_one_open_per_road"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES


def attachment_path(instance, filename):
    import uuid
    from pathlib import PurePath

    return f"placenames/{instance.application_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:8]}"


class ApplicationAttachment(models.Model):
    """附件 of a naming application (plans, letters, reports); served only through the application's page."""

    application = models.ForeignKey(NamingApplication, verbose_name=_("命名申请"), on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path)
    name = models.CharField(_("文件名"), max_length=120)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey("accounts.User", verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("申请附件")
        verbose_name_plural = _("申请附件")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name


# --- road-name sign repairs ----------------------------------------------------------------------------
class SignRepair(models.Model):
    """路名牌维修工单: dispatched → repaired → accepted (signrepair.py, on the workflow core)."""

    class State(models.TextChoices):
        DISPATCHED = "dispatched", _("已派单")
        REPAIRED = "repaired", _("已维修")
        ACCEPTED = "accepted", _("已验收")

    sign = models.ForeignKey(RoadSign, verbose_name=_("路名牌"), on_delete=models.PROTECT, related_name="repairs")
    problem = models.CharField(_("问题"), max_length=10, choices=RoadSign.Condition.choices)
    description = models.TextField(_("问题描述"), blank=True)
    contractor = models.CharField(_("维修单位"), max_length=100, blank=True)
    dispatched_by = models.ForeignKey("accounts.User", verbose_name=_("派单人"), null=True, on_delete=models.SET_NULL, related_name="+")
    dispatched_at = models.DateTimeField(_("派单时间"))
    repaired_at = models.DateTimeField(_("维修时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DISPATCHED)
    state_entered_at = models.DateTimeField(_("进入本环节时间"), null=True, blank=True)
    deadline = models.DateTimeField(_("本环节期限"), null=True, blank=True)
    deadline_warn_at = models.DateTimeField(_("临期提醒时间"), null=True, blank=True)
    overdue_stages = models.PositiveSmallIntegerField(_("超期环节数"), default=0)

    class Meta:
        verbose_name = _("路名牌维修工单")
        verbose_name_plural = _("路名牌维修工单")
        ordering = ["-dispatched_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["dispatched", "repaired", "accepted"]), name="signrepair_state_valid"),
            models.CheckConstraint(condition=~Q(state="accepted") | Q(accepted_at__isnull=False, repaired_at__isnull=False),
                                   name="signrepair_accepted_has_dates"),
            models.UniqueConstraint(fields=["sign"], condition=~Q(state="accepted"), name="signrepair_one_open_per_sign"),
        ]

    def __str__(self):
        return f"{self.sign.code} {self.get_problem_display()}"


# --- road-name sign patrols: one inspection record a sign a patrol ----------------------------------------
def inspection_photo_path(instance, filename):
    import uuid
    from pathlib import PurePath

    return f"placenames/signs/{instance.sign_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()[:8]}"


class SignInspection(models.Model):
    """路名牌巡查记录: what an inspector found at a sign during a sign patrol (a patrol of the patrols
    app whose targets are signs; signpatrol.py). `condition` is what was found; recording it sets the
    sign's current condition (a dirty sign cleaned on the spot is good again)."""

    sign = models.ForeignKey(RoadSign, verbose_name=_("路名牌"), on_delete=models.PROTECT, related_name="inspections")
    patrol = models.ForeignKey("patrols.Patrol", verbose_name=_("巡查"), on_delete=models.PROTECT, related_name="sign_inspections")
    inspector = models.ForeignKey("accounts.User", verbose_name=_("巡查人"), on_delete=models.PROTECT, related_name="+")
    inspected_at = models.DateTimeField(_("巡查时间"))
    condition = models.CharField(_("状况"), max_length=10, choices=RoadSign.Condition.choices)
    cleaned = models.BooleanField(_("已清洗"), default=False)
    photo = models.ImageField(_("照片"), upload_to=inspection_photo_path, blank=True)
    note = models.TextField(_("备注"), blank=True)
    # The repair order this record opened (or found open) for a damaged, missing or wrong sign.
    repair = models.ForeignKey(SignRepair, verbose_name=_("维修工单"), null=True, blank=True, on_delete=models.SET_NULL, related_name="inspections")

    class Meta:
        verbose_name = _("路名牌巡查记录")
        verbose_name_plural = _("路名牌巡查记录")
        ordering = ["-inspected_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["patrol", "sign"], name="signinspection_once_per_patrol"),
            models.CheckConstraint(condition=Q(condition__in=["good", "dirty", "faded", "damaged", "tilted", "missing", "wrong"]),
                                   name="signinspection_condition_valid"),
            models.CheckConstraint(condition=~Q(condition="missing", cleaned=True), name="signinspection_missing_not_cleaned"),
        ]
        indexes = [models.Index(fields=["inspected_at"], name="signinspection_at")]

    def __str__(self):
        return f"{self.sign.code} {self.get_condition_display()}"


# --- national place-name database ---------------------------------------------------------------------
class PlaceCategoryCode(models.Model):
    """地名类别代码 (5 digits) of the national database, per road category; the road code is not
    verified in a public text, so it is a table the bureau edits."""

    category = models.CharField(_("道路等级"), max_length=12, unique=True, choices=Road.Category.choices)
    code = models.CharField(_("类别代码"), max_length=5)
    name = models.CharField(_("类别名称"), max_length=30)

    class Meta:
        verbose_name = _("地名类别代码")
        verbose_name_plural = _("地名类别代码")
        ordering = ["category"]
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^\d{5}$"), name="placecategorycode_five_digits")]

    def __str__(self):
        return f"{self.code} {self.name}"


# --- residential-area and building names -------------------------------------------------------------
class BuildingName(models.Model):
    """居住区、建筑物名称: approved by the housing department after consulting civil affairs (地名管理条例);
    the bureau gives its opinion, then records the approval, the filing and the announcement
    (buildingnames.py, a lighter workflow on the core)."""

    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("居住区")
        BUILDING = "building", _("建筑物")

    class State(models.TextChoices):
        RECEIVED = "received", _("已收到征求意见函")
        OPINION = "opinion", _("已回复意见")
        APPROVED = "approved", _("住建部门已批准")
        FILED = "filed", _("已备案")
        ANNOUNCED = "announced", _("已公告")

    name = models.CharField(_("拟用名称"), max_length=50)
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices, default=Kind.RESIDENTIAL)
    pinyin = models.CharField(_("罗马字母拼写"), max_length=120, blank=True)
    sound_key = models.CharField(_("读音"), max_length=200, blank=True, db_index=True, editable=False)
    developer = models.CharField(_("建设单位"), max_length=100)
    location = models.CharField(_("位置描述"), max_length=200, blank=True)
    geom = models.PointField(_("位置"), srid=4490, null=True, blank=True)
    check_result = models.JSONField(_("检查结果"), default=dict, blank=True, editable=False)
    check_errors = models.PositiveSmallIntegerField(_("检查错误数"), default=0, editable=False)
    opinion = models.TextField(_("意见"), blank=True)
    approved_on = models.DateField(_("批准日期"), null=True, blank=True)
    filed_on = models.DateField(_("备案日期"), null=True, blank=True)
    announced_on = models.DateField(_("公告日期"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.RECEIVED)
    state_entered_at = models.DateTimeField(_("进入本环节时间"), null=True, blank=True)
    deadline = models.DateTimeField(_("本环节期限"), null=True, blank=True)
    deadline_warn_at = models.DateTimeField(_("临期提醒时间"), null=True, blank=True)
    overdue_stages = models.PositiveSmallIntegerField(_("超期环节数"), default=0)
    created_by = models.ForeignKey("accounts.User", verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("居住区和建筑物名称")
        verbose_name_plural = _("居住区和建筑物名称")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["received", "opinion", "approved", "filed", "announced"]), name="buildingname_state_valid"),
            models.CheckConstraint(condition=Q(kind__in=["residential", "building"]), name="buildingname_kind_valid"),
            models.CheckConstraint(condition=~Q(state__in=["approved", "filed", "announced"]) | Q(approved_on__isnull=False),
                                   name="buildingname_approved_has_date"),
        ]

    def __str__(self):
        return self.name
