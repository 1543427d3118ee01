"""Case time limits on the working-time clock: ordinary categories count office hours on working
days (2026 holidays and adjusted working days from chinese-calendar), round-the-clock categories
(hazards) count plain hours; deadline colours, overdue counts, 督办 and statistics read the same
clock; the console warns when a year's holidays are unknown."""
from datetime import date, datetime

import pytest
from django.utils import timezone

from geogrid.grids.models import Grid
from geogrid.incidents.models import Incident, IncidentCategory
from geogrid.incidents.services import deadline_counts, deadline_status, transition
from geogrid.stats import services as stats
from geogrid.workflow.exceptions import InvalidTransition
from geogrid.workflow.models import WorkCalendarDay
from geogrid.workflow.worktime import uncovered_years
from tests.support.world import category, report, world

pytestmark = pytest.mark.django_db


def at(y, m, d, hh=0, mm=0):
    return timezone.make_aware(datetime(y, m, d, hh, mm))


@pytest.fixture
def w():
    w = world(working_time=True)
    Grid.objects.update(valid_from=at(2026, 1, 1))
    # 上门办 (factor 1): the hours below are the hours allowed.
    IncidentCategory.objects.filter(code="environment").update(time_limits={"reported": 2, "registered": 8})
    IncidentCategory.objects.filter(code="fire_hazard").update(time_limits={"reported": 2}, working_time=False)
    return w


def test_reported_friday_evening_is_due_monday_half_past_ten(w):
    inc = report(w, mode="visit", now=at(2026, 11, 20, 20, 0))
    assert inc.deadline == at(2026, 11, 23, 10, 30)
    assert inc.deadline_warn_at == at(2026, 11, 23, 10, 6)  # 80 % of 2 working hours: 1 h 36 min


def test_a_round_the_clock_category_keeps_clock_time(w):
    inc = report(w, cat="fire_hazard", mode="visit", now=at(2026, 11, 20, 20, 0))
    assert inc.deadline == at(2026, 11, 20, 22, 0)


def test_the_national_day_week_and_the_adjusted_saturday(w):
    inc = report(w, mode="visit", now=at(2026, 9, 30, 9, 0))
    inc = transition(inc, "register", w["cs1"], now=at(2026, 9, 30, 16, 0))
    assert inc.deadline == at(2026, 10, 8, 16, 30)  # 8 working hours over the holiday week
    late = report(w, mode="visit", now=at(2026, 10, 9, 17, 0))
    assert late.deadline == at(2026, 10, 10, 10, 0)  # Saturday 10 October is a working day (调休)


def test_colours_overdue_counts_urge_and_statistics_read_the_same_clock(w):
    inc = report(w, mode="visit", now=at(2026, 11, 20, 20, 0))
    cases = Incident.objects.filter(pk=inc.pk)
    saturday_noon = at(2026, 11, 21, 12, 0)  # 16 clock hours later, not one working minute
    for now, colour in [(saturday_noon, "green"), (at(2026, 11, 23, 10, 0), "green"), (at(2026, 11, 23, 10, 10), "yellow"),
                        (at(2026, 11, 23, 10, 31), "red")]:
        assert deadline_status(inc, now) == colour, now
        counts = {c["code"]: c["n"] for c in deadline_counts(cases, now)["colours"]}
        assert counts == {"red": 0, "yellow": 0, "green": 0, colour: 1}, now
        overdue = stats.summary(w["cs1"], now=now)["overdue_open"]
        assert overdue == (1 if colour == "red" else 0), now
    with pytest.raises(InvalidTransition):
        transition(inc, "urge", w["cs1"], now=saturday_noon)  # not overdue in working time
    transition(inc, "urge", w["cs1"], now=at(2026, 11, 23, 10, 31))
    inc.refresh_from_db()
    assert inc.urge_count == 1


def test_a_stage_left_late_in_working_time_counts_for_the_on_time_rate(w):
    inc = report(w, mode="visit", now=at(2026, 11, 20, 20, 0))
    inc = transition(inc, "register", w["cs1"], now=at(2026, 11, 23, 10, 0))  # within its 2 working hours
    assert inc.overdue_stages == 0
    # 8 working hours from Monday 10:00: 2 h + 4 h on Monday, 2 h on Tuesday → Tuesday 10:30.
    assert inc.deadline == at(2026, 11, 24, 10, 30)
    inc = transition(inc, "dispatch", w["cs1"], now=at(2026, 11, 24, 10, 31), assignee=w["m_a"])
    assert inc.overdue_stages == 1


def test_changing_the_mode_keeps_the_clock_of_the_category(w):
    inc = report(w, mode="visit", now=at(2026, 11, 20, 20, 0))
    inc = transition(inc, "classify", w["cs1"], now=at(2026, 11, 21, 9, 0), mode="help")  # × 2: 4 working hours
    assert inc.deadline == at(2026, 11, 23, 14, 0) and inc.deadline_warn_at == at(2026, 11, 23, 11, 42)  # 3.2 of 4 h


def test_the_categories_api_shows_time_limits_and_the_clock(client, w):
    client.force_login(w["m_a"])
    cats = {c["code"]: c for c in client.get("/api/incidents/categories/").json()}
    assert cats["environment"]["working_time"] is True and cats["environment"]["time_limits"]["reported"] == 2
    assert cats["fire_hazard"]["working_time"] is False


def test_the_console_warns_while_a_year_it_may_reach_is_unknown(client, w):
    client.force_login(w["cs1"])
    missing = uncovered_years()
    html = client.get("/incidents/").content.decode()
    assert ('id="calendar-warning"' in html) == bool(missing)
    for year in missing:
        assert str(year) in html
        WorkCalendarDay.objects.create(date=date(year, 1, 1), kind="holiday", name="元旦")
    assert 'id="calendar-warning"' not in client.get("/incidents/").content.decode()


def test_the_seed_makes_hazards_round_the_clock():
    assert set(IncidentCategory.objects.filter(working_time=False).values_list("code", flat=True)) == {"fire_hazard", "safety_hazard"}
    assert category("dispute").working_time
