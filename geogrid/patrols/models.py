"""Patrols (巡查) of a grid by its team, with an optional GPS track. Findings are incidents
(incidents.Incident.patrol); the table keeps its old name (grids_patrol)."""
from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geogrid.grids.models import Grid


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
        db_table = "grids_patrol"
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")), name="patrol_end_after_start"),
            models.UniqueConstraint(fields=["user"], condition=Q(ended_at__isnull=True), name="patrol_one_open_per_user"),
        ]

    def __str__(self):
        return f"{self.grid.name} {self.user} {timezone.localtime(self.started_at):%Y-%m-%d %H:%M}"
