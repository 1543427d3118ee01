"""Patrols (巡查) of a grid by its team, or of a list of targets (boundary markers, road signs: any
model, by content type, so this app imports none of theirs), with an optional GPS track. Findings
are incidents (incidents.Incident.patrol); the table keeps its old name (grids_patrol)."""
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geogrid.grids.models import Grid


class Patrol(models.Model):
    """巡查: a grid member's patrol of their grid, with an optional GPS track; findings become
    incidents (Incident.patrol)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("巡查人"), on_delete=models.PROTECT, related_name="patrols")
    # A grid patrol has its grid; a patrol of targets (PatrolTarget) may have none.
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="patrols")
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    track = models.LineStringField(_("轨迹"), srid=4490, null=True, blank=True)
    length_m = models.FloatField(_("轨迹长度（米）"), null=True, blank=True, editable=False)
    note = models.TextField(_("巡查记录"), blank=True)
    # The phone's own name for the patrol, made when the member taps "start" (perhaps without a
    # network): the phone's queued findings, track and end address the patrol by it before it has an id.
    client_key = models.UUIDField(_("客户端编号"), null=True, blank=True, editable=False)

    class Meta:
        db_table = "grids_patrol"
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")), name="patrol_end_after_start"),
            models.UniqueConstraint(fields=["user"], condition=Q(ended_at__isnull=True), name="patrol_one_open_per_user"),
            models.UniqueConstraint(fields=["user", "client_key"], name="patrol_client_key_once"),
        ]

    def __str__(self):
        what = self.grid.name if self.grid_id else _("目标巡查")
        return f"{what} {self.user} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"


class PatrolTarget(models.Model):
    """巡查目标: one thing a patrol visits (a boundary marker, a road sign, a grid…), in order; the
    owning app says what was found there (its own check record) and marks the visit here."""

    patrol = models.ForeignKey(Patrol, verbose_name=_("巡查"), on_delete=models.CASCADE, related_name="targets")
    target_type = models.ForeignKey(ContentType, verbose_name=_("目标类型"), on_delete=models.PROTECT, related_name="+")
    target_id = models.PositiveBigIntegerField(_("目标编号"))
    target = GenericForeignKey("target_type", "target_id")
    order = models.PositiveIntegerField(_("顺序"), default=0)
    label = models.CharField(_("目标名称"), max_length=100, blank=True)
    visited_at = models.DateTimeField(_("到达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("巡查目标")
        verbose_name_plural = _("巡查目标")
        ordering = ["patrol", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["patrol", "target_type", "target_id"], name="patroltarget_once")]
        indexes = [models.Index(fields=["target_type", "target_id"], name="patroltarget_target")]

    def __str__(self):
        return self.label or f"{self.target_type.model} {self.target_id}"
