"""Deadlines of workflow stages and their traffic-light status.

green: less than GEOGRID_DEADLINE_YELLOW_AT (default 80 %) of the allowed time used;
yellow: at or past that fraction but not past the deadline; red: past the deadline.
"""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

GREEN, YELLOW, RED = "green", "yellow", "red"
STATUS_LABELS = {GREEN: _("正常"), YELLOW: _("临期"), RED: _("超期")}


def yellow_fraction():
    return float(getattr(settings, "GEOGRID_DEADLINE_YELLOW_AT", 0.8))


def deadline_after(start, hours):
    """The deadline `hours` (may be fractional) after start; None when there is no time limit."""
    if hours is None or start is None:
        return None
    return start + timedelta(hours=float(hours))


def deadline_status(started_at, deadline, now=None):
    """green / yellow / red for a stage begun at started_at with this deadline; None without one."""
    if deadline is None or started_at is None:
        return None
    now = now or timezone.now()
    if now > deadline:
        return RED
    allowed = (deadline - started_at).total_seconds()
    if allowed <= 0:
        return YELLOW
    used = (now - started_at).total_seconds() / allowed
    return YELLOW if used >= yellow_fraction() else GREEN


def yellow_at(started_at, deadline):
    """The moment a stage turns yellow (for queries: yellow = yellow_at <= now < deadline)."""
    if deadline is None or started_at is None:
        return None
    return started_at + (deadline - started_at) * yellow_fraction()


def remaining(deadline, now=None):
    """Time left (negative when overdue), or None."""
    if deadline is None:
        return None
    return deadline - (now or timezone.now())
