"""The work calendar of the working-time clock (worktime.py): days whose kind the State Council's
yearly notice sets, entered by an administrator. A row wins over the chinese-calendar library."""
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WorkCalendarDay(models.Model):
    """工作日历: a statutory holiday (法定节假日) or an adjusted working day (调休上班日)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("节假日（不上班）")
        WORKDAY = "workday", _("调休上班日")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=40, blank=True, help_text=_("如 春节、国庆节、国庆节调休"))

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历（节假日与调休）")
        ordering = ["date"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=["holiday", "workday"]), name="workcalendarday_kind_valid")]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}".strip()


class IdempotentRequest(models.Model):
    """A write request sent with an Idempotency-Key header and the answer it got (idempotency.py):
    the same key again returns that answer instead of doing the work twice."""

    user = models.ForeignKey("accounts.User", verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("幂等键"), max_length=255)
    fingerprint = models.CharField(_("请求指纹"), max_length=64, help_text=_("方法、路径和内容的 SHA-256"))
    status = models.PositiveSmallIntegerField(_("状态码"), default=0)
    response = models.JSONField(_("应答"), null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("幂等请求")
        verbose_name_plural = _("幂等请求")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotent_request_user_key")]

    def __str__(self):
        return f"{self.user_id} {self.key}"
