"""Deadlines of workflow stages and their traffic-light status.

green: less than GEOGRID_DEADLINE_YELLOW_AT (default 80 %) of the allowed time used;
yellow: at or past that fraction but not past the deadline; red: past the deadline.
Time is counted on the working-time clock (worktime.py) or round the clock, as the stage says;
the moment a stage turns yellow is computed with its deadline and stored beside it.
"""
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import worktime

GREEN, YELLOW, RED = "green", "yellow", "red"
STATUS_LABELS = {GREEN: _("正常"), YELLOW: _("临期"), RED: _("超期")}


def yellow_fraction():
    return float(getattr(settings, "GEOGRID_DEADLINE_YELLOW_AT", 0.8))


def deadline_after(start, hours, working=False):
    """The deadline `hours` (may be fractional) after start, in working time or on the clock;
    None when there is no time limit."""
    if hours is None or start is None:
        return None
    return worktime.add_hours(start, hours, working)


def warning_after(start, hours, working=False):
    """When a stage of `hours` begun at start turns yellow (the yellow fraction of its time used)."""
    if hours is None or start is None:
        return None
    return worktime.add_hours(start, float(hours) * yellow_fraction(), working)


def deadline_status(started_at, deadline, now=None, warn_at=None):
    """green / yellow / red for a stage begun at started_at with this deadline (and, when stored,
    the moment it turns yellow); None without a deadline."""
    if deadline is None or started_at is None:
        return None
    now = now or timezone.now()
    if now > deadline:
        return RED
    if warn_at is not None:
        return YELLOW if now >= warn_at else GREEN
    allowed = (deadline - started_at).total_seconds()
    if allowed <= 0:
        return YELLOW
    used = (now - started_at).total_seconds() / allowed
    return YELLOW if used >= yellow_fraction() else GREEN


def remaining(deadline, now=None):
    """Time left (negative when overdue), or None."""
    if deadline is None:
        return None
    return deadline - (now or timezone.now())
