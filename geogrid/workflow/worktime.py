"""Working time: the clock of time limits that count office hours on working days only.

A day is a working day when the WorkCalendarDay table says so (an administrator enters each new
year's holidays and adjusted working days from the State Council's notice); else when the
chinese-calendar library says so (statutory holidays and 调休 of the years it knows); else, for a
year neither knows, Monday to Friday (and `year_covered` says so, for a warning). Office hours are
GEOGRID_OFFICE_HOURS in the site's time zone (default 08:30–12:00, 13:30–17:30, Asia/Shanghai).
"""
from datetime import date, datetime, time, timedelta

import chinese_calendar
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

MAX_DAYS = 3 * 366  # no time limit runs longer; a bound against a calendar with no working day
_table = {"generation": 0, "loaded": None, "days": {}}


def _invalidate(*args, **kwargs):
    _table["generation"] += 1


def _table_days():
    """{date: is_working} from WorkCalendarDay, read once until a row changes."""
    if _table["loaded"] != _table["generation"]:
        from .models import WorkCalendarDay

        _table["days"] = {d: k == WorkCalendarDay.Kind.WORKDAY for d, k in WorkCalendarDay.objects.values_list("date", "kind")}
        _table["loaded"] = _table["generation"]
    return _table["days"]


def connect_signals():
    post_save.connect(_invalidate, sender="workflow.WorkCalendarDay", dispatch_uid="worktime-save")
    post_delete.connect(_invalidate, sender="workflow.WorkCalendarDay", dispatch_uid="worktime-delete")


def library_years():
    """The years chinese-calendar knows (its data ends with the latest notice it shipped)."""
    years = {d.year for d in chinese_calendar.holidays}
    return range(min(years), max(years) + 1)


def table_years():
    return sorted({d.year for d in _table_days()})


def year_covered(year):
    return year in library_years() or year in table_years()


def uncovered_years(today=None):
    """The years whose holidays nobody has entered yet that deadlines may reach now: this year, and
    in December the next (the State Council announces it late in the year)."""
    today = today or timezone.localdate()
    years = [today.year] + ([today.year + 1] if today.month == 12 else [])
    return [y for y in years if not year_covered(y)]


def is_working_day(day):
    table = _table_days()
    if day in table:
        return table[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the library does not know yet
        return day.weekday() < 5


def office_hours():
    """[(time, time)] of a working day, from GEOGRID_OFFICE_HOURS (("08:30", "12:00"), …)."""
    return [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in settings.GEOGRID_OFFICE_HOURS]


def _periods(start):
    """Office periods (aware start, aware end) from the day of `start` on, in order."""
    tz = timezone.get_default_timezone()
    day = timezone.localtime(start, tz).date()
    hours = office_hours()
    for _day in range(MAX_DAYS):
        if is_working_day(day):
            for a, b in hours:
                yield timezone.make_aware(datetime.combine(day, a), tz), timezone.make_aware(datetime.combine(day, b), tz)
        day += timedelta(days=1)


def add_hours(start, hours, working=True):
    """The moment `hours` after start: in office hours of working days when `working`, else on the
    clock. A stage begun out of hours starts counting at the next opening."""
    if not working:
        return start + timedelta(hours=float(hours))
    left = timedelta(hours=float(hours))
    for a, b in _periods(start):
        if b <= start:
            continue
        a = max(a, start)
        if b - a >= left:
            return a + left
        left -= b - a
    raise ValueError(f"no working time within {MAX_DAYS} days of {start}")


def hours_between(start, end, working=True):
    """Hours from start to end (negative when end is earlier), counted as add_hours counts them."""
    if end < start:
        return -hours_between(end, start, working)
    if not working:
        return (end - start).total_seconds() / 3600
    total = timedelta()
    for a, b in _periods(start):
        if a >= end:
            break
        a, b = max(a, start), min(b, end)
        if b > a:
            total += b - a
    return total.total_seconds() / 3600


# The dates a person may ask about (filters, reports, Open311 windows). Records start long after
# 2000; past 2099 the working-day calendar knows nothing, and near year 9999 date arithmetic
# overflows: such a date is a typing slip, answered with a 400 instead of a server error.
EARLIEST_DATE, LATEST_DATE = date(2000, 1, 1), date(2099, 12, 31)


def date_out_of_range(d):
    """A message if the date (or datetime) lies outside the supported range, else None."""
    if d is None:
        return None
    day = d.date() if isinstance(d, datetime) else d
    if EARLIEST_DATE <= day <= LATEST_DATE:
        return None
    return _("日期 %(d)s 超出支持范围（%(a)s 至 %(b)s）") % {"d": day.isoformat(), "a": EARLIEST_DATE.isoformat(), "b": LATEST_DATE.isoformat()}
