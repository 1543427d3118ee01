"""Notifications (通知): one message to one user about one record, read or not.

Who is told what is decided in cases.py (the case workflow and the nightly deadline check); how a
notification is stored, counted, read and mailed in services.py."""
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """通知. `key` makes a notification happen once per recipient: a workflow step's is its audit
    event ("urge:123"), the deadline check's names the case, the colour and the stage's deadline
    ("due:45:2026-05-01T02:30:00+00:00"), so running the check twice tells nobody twice."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("新派遣")
        REWORK = "rework", _("返工")
        URGED = "urged", _("督办")
        DUE_SOON = "due_soon", _("临期")
        OVERDUE = "overdue", _("超期")
        CLOSED = "closed", _("已结案")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE,
                                  related_name="notifications")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    # The record it is about, as audit events name theirs.
    content_type = models.ForeignKey(ContentType, verbose_name=_("记录类型"), on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(_("记录 ID"), max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    key = models.CharField(_("去重键"), max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recipient_time"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["assigned", "rework", "urged", "due_soon", "overdue", "closed"]),
                                   name="notification_kind_valid"),
            models.CheckConstraint(condition=~Q(title=""), name="notification_has_title"),
            models.UniqueConstraint(fields=["recipient", "key"], condition=~Q(key=""), name="notification_once_per_key"),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.title}"

    @property
    def unread(self):
        return self.read_at is None
