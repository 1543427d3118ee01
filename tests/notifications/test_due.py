"""The nightly deadline check (`manage.py notify_due`, notifications.cases.notify_due): whoever holds
an open case whose stage entered its warning window (临期) or passed its deadline (超期) is told once
per stage deadline and colour — twice run, once told; yellow then red, told twice; a new stage, a new
deadline to be told of. It reads the console's colours (incidents.services.deadline_filter) and costs
the same few queries for 2 cases as for 12.

Cases of world() are environment/immediate, round the clock: the reported stage has 2 h, yellow
after 1.6 h; the dispatched stage 2 h too."""
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from geogrid.grids.models import Grid
from geogrid.incidents.services import deadline_status
from geogrid.notifications.cases import notify_due
from geogrid.notifications.models import Notification
from tests.support.world import P_G4B, P_G4C, P_G5A, report, step, world

pytestmark = pytest.mark.django_db
K = Notification.Kind
H = timedelta(hours=1)


@pytest.fixture
def w():
    w = world()
    w["t0"] = timezone.now() - timedelta(hours=12)
    Grid.objects.update(valid_from=w["t0"] - timedelta(days=1))  # cases reported then find their grids
    return w


def told():
    return [(n.recipient.username, n.kind) for n in Notification.objects.select_related("recipient").order_by("created_at", "id")]


def test_twice_run_once_told(w):
    inc = report(w, now=w["t0"])
    at = w["t0"] + 1.7 * H
    assert deadline_status(inc, at) == "yellow"
    assert notify_due(at) == {"due_soon": 1, "overdue": 0, "new": 1, "told_before": 0}
    assert notify_due(at + 0.1 * H) == {"due_soon": 1, "overdue": 0, "new": 0, "told_before": 1}
    assert told() == [("cs1", K.DUE_SOON)]
    n = Notification.objects.get()
    assert n.target == inc and inc.number in n.title and n.created_at == at


def test_yellow_then_red_tells_twice(w):
    report(w, now=w["t0"])
    notify_due(w["t0"] + 1.7 * H)
    assert notify_due(w["t0"] + 2.5 * H) == {"due_soon": 0, "overdue": 1, "new": 1, "told_before": 0}
    assert notify_due(w["t0"] + 5 * H)["new"] == 0
    assert told() == [("cs1", K.DUE_SOON), ("cs1", K.OVERDUE)]


def test_green_and_finished_cases_tell_nobody(w):
    report(w, now=w["t0"])
    rejected = report(w, at=P_G4B, now=w["t0"])
    step(rejected, "reject", w["cs1"], w["t0"] + 0.5 * H, note="不属实")
    assert notify_due(w["t0"] + 1 * H) == {"due_soon": 0, "overdue": 0, "new": 0, "told_before": 0}
    assert notify_due(w["t0"] + 9 * H)["overdue"] == 1  # the open one only
    assert told() == [("cs1", K.OVERDUE)]


def test_a_new_stage_is_a_new_deadline_to_tell_of_and_the_assignee_holds_it(w):
    inc = report(w, now=w["t0"])
    notify_due(w["t0"] + 2.5 * H)  # the reported stage overdue: the community staff
    inc = step(inc, "register", w["cs1"], w["t0"] + 3 * H)
    inc = step(inc, "dispatch", w["cs1"], w["t0"] + 3.1 * H, assignee=w["head_a"])
    notify_due(w["t0"] + 5.5 * H)  # the dispatched stage (2 h) overdue: the assignee
    assert told() == [("cs1", K.OVERDUE), ("head_a", K.ASSIGNED), ("head_a", K.OVERDUE)]
    inc = step(inc, "accept", w["head_a"], w["t0"] + 6 * H)
    inc = step(inc, "report", w["head_a"], w["t0"] + 7 * H, note="已处理")
    notify_due(w["t0"] + 7 * H + 24 * H)  # handled, awaiting verification: the staff's move
    assert told()[-1] == ("cs1", K.OVERDUE) and len(told()) == 4


def test_the_command_prints_what_it_did(w):
    report(w, now=timezone.now() - 3 * H)
    out = io.StringIO()
    call_command("notify_due", stdout=out)
    assert "超期案卷 1 件" in out.getvalue() and "新通知 1，已通知过 0" in out.getvalue()
    out = io.StringIO()
    call_command("notify_due", stdout=out)
    assert "新通知 0，已通知过 1" in out.getvalue()


def queries_of_a_check(w, n, at):
    places = [P_G5A, P_G4B, P_G4C]
    for i in range(n):
        inc = report(w, at=places[i % 3], now=w["t0"] - 3 * H)
        if i % 2:
            step(inc, "register", w["cs1"] if places[i % 3] != P_G4C else w["cs2"], w["t0"])
    with CaptureQueriesContext(connection) as ctx:
        counts = notify_due(at)
    return len(ctx.captured_queries), counts


def test_the_check_costs_the_same_for_few_cases_and_many(w):
    few, counts = queries_of_a_check(w, 2, w["t0"] + 20 * H)
    assert counts["new"] == 2
    Notification.objects.all().delete()
    many, counts = queries_of_a_check(w, 12, w["t0"] + 40 * H)
    assert counts["overdue"] == 14 and counts["new"] == 14
    assert few == many
