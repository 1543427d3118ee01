"""The working-time clock (geogrid.workflow.worktime): office hours on working days, China's
statutory holidays and adjusted working days from chinese-calendar (2026), the admin's work
calendar before the library, Monday–Friday for a year neither knows."""
from datetime import date, datetime

import pytest
from django.utils import timezone

from geogrid.workflow import worktime
from geogrid.workflow.models import WorkCalendarDay

pytestmark = pytest.mark.django_db


def at(y, m, d, hh=0, mm=0):
    return timezone.make_aware(datetime(y, m, d, hh, mm))


def test_friday_evening_plus_two_working_hours_is_monday_half_past_ten():
    assert date(2026, 11, 20).weekday() == 4  # a Friday of an ordinary week
    assert worktime.add_hours(at(2026, 11, 20, 20, 0), 2) == at(2026, 11, 23, 10, 30)


def test_office_hours_and_the_lunch_break():
    assert worktime.add_hours(at(2026, 11, 23, 11, 0), 2) == at(2026, 11, 23, 14, 30)  # 1 h before lunch, 1 h after
    assert worktime.add_hours(at(2026, 11, 23, 7, 0), 3.5) == at(2026, 11, 23, 12, 0)  # counting starts at opening
    assert worktime.add_hours(at(2026, 11, 23, 12, 30), 0.5) == at(2026, 11, 23, 14, 0)
    assert worktime.add_hours(at(2026, 11, 23, 17, 30), 7.5) == at(2026, 11, 24, 17, 30)  # one full working day


def test_the_national_day_week_is_not_working_time():
    # Wednesday 30 September 16:00 + 8 h: 1.5 h that day, 1–7 October off, then 3.5 h + 3 h on Thursday 8 October.
    assert worktime.add_hours(at(2026, 9, 30, 16, 0), 8) == at(2026, 10, 8, 16, 30)
    assert worktime.hours_between(at(2026, 9, 30, 16, 0), at(2026, 10, 8, 16, 30)) == 8


def test_an_adjusted_working_saturday_is_working_time():
    assert date(2026, 10, 10).weekday() == 5 and worktime.is_working_day(date(2026, 10, 10))  # 国庆节调休
    assert worktime.add_hours(at(2026, 10, 9, 17, 0), 2) == at(2026, 10, 10, 10, 0)
    assert not worktime.is_working_day(date(2026, 10, 17))  # an ordinary Saturday


def test_round_the_clock_counts_plain_hours():
    assert worktime.add_hours(at(2026, 9, 30, 16, 0), 8, working=False) == at(2026, 10, 1, 0, 0)
    assert worktime.hours_between(at(2026, 9, 30, 16, 0), at(2026, 10, 1, 0, 0), working=False) == 8


def test_the_work_calendar_wins_over_the_library():
    monday, saturday = date(2026, 11, 23), date(2026, 11, 28)
    assert worktime.is_working_day(monday) and not worktime.is_working_day(saturday)
    WorkCalendarDay.objects.create(date=monday, kind="holiday", name="示例假日")
    WorkCalendarDay.objects.create(date=saturday, kind="workday", name="示例调休")
    assert not worktime.is_working_day(monday) and worktime.is_working_day(saturday)
    assert worktime.add_hours(at(2026, 11, 20, 17, 0), 1) == at(2026, 11, 24, 9, 0)  # Monday skipped


def test_a_year_nobody_entered_falls_back_to_monday_to_friday_and_says_so():
    assert 2026 in worktime.library_years() and 2027 not in worktime.library_years()
    assert not worktime.year_covered(2027)
    assert worktime.uncovered_years(date(2026, 12, 1)) == [2027]  # December: next year's deadlines are near
    assert worktime.uncovered_years(date(2026, 11, 30)) == []
    assert worktime.is_working_day(date(2027, 1, 1))  # New Year's Day, unknown: a Friday counts
    assert not worktime.is_working_day(date(2027, 1, 2))
    WorkCalendarDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦")
    assert worktime.year_covered(2027) and not worktime.is_working_day(date(2027, 1, 1))
    assert worktime.uncovered_years(date(2026, 12, 1)) == []


def test_office_hours_are_a_setting(settings):
    settings.GEOGRID_OFFICE_HOURS = (("09:00", "17:00"),)
    assert worktime.add_hours(at(2026, 11, 23, 8, 0), 8) == at(2026, 11, 23, 17, 0)


def test_the_admin_says_which_years_are_covered(client):
    from geogrid.accounts.models import User

    client.force_login(User.objects.create_superuser("boss", "b@example.cn", "pw-123456"))
    WorkCalendarDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦")
    html = client.get("/admin/workflow/workcalendarday/").content.decode()
    assert "2004–2026（chinese-calendar 库）" in html and "本表录入：2027" in html
    missing = worktime.uncovered_years()
    assert ("尚未录入" in html) == bool(missing)
