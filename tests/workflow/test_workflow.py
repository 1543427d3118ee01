"""The workflow core (geogrid.workflow) with the incident table: the table itself, the one
transition function (409 / 403 / 400, nothing written when refused, audit events), and deadlines
with green / yellow / red status as time moves."""
from datetime import timedelta

import pytest
from django.utils import timezone

from geogrid.audit.models import AuditEvent
from geogrid.incidents.models import Incident
from geogrid.incidents.services import INCIDENT_TRANSITIONS, WORKFLOW, deadline_filter, deadline_status, stage_hours, transition
from geogrid.workflow import deadlines
from geogrid.workflow.drf import exception_handler
from geogrid.workflow.engine import T, Workflow
from geogrid.workflow.exceptions import InvalidTransition, MissingFields, TransitionForbidden, UnknownAction
from tests.support.world import report, walk, world

S = Incident.State
HAPPY = [("register", "cs1"), ("dispatch", "cs1", {"assignee": None}), ("accept", "m_a"),
         ("report", "m_a", {"note": "已清理"}), ("verify", "cs1"), ("close", "cs1")]


def happy(w, upto=None):
    steps = [(a, u, dict(f[0], assignee=w["m_a"]) if a == "dispatch" else (f[0] if f else {})) for a, u, *f in HAPPY]
    return steps[:upto]


# --- the table -------------------------------------------------------------------------------
def test_the_table_reads_like_the_domain():
    table = {(s, t.action): t.target for t in INCIDENT_TRANSITIONS for s in t.sources}
    assert table[S.REPORTED, "register"] == S.REGISTERED
    assert table[S.REPORTED, "reject"] == S.REJECTED
    assert table[S.REGISTERED, "dispatch"] == S.DISPATCHED
    assert table[S.DISPATCHED, "accept"] == S.HANDLING
    assert table[S.HANDLING, "report"] == S.HANDLED
    assert table[S.HANDLED, "verify"] == S.VERIFIED
    assert table[S.HANDLED, "rework"] == S.HANDLING
    assert table[S.VERIFIED, "close"] == S.CLOSED
    assert table[S.HANDLING, "escalate"] == S.REGISTERED
    assert table[S.HANDLING, "urge"] is None  # stays
    # Every state is reachable from reported; the terminal states have no way out.
    reach, todo = {S.REPORTED}, [S.REPORTED]
    while todo:
        s = todo.pop()
        for t in INCIDENT_TRANSITIONS:
            if s in t.sources and t.target and t.target not in reach:
                reach.add(t.target)
                todo.append(t.target)
    assert reach == set(S.values)
    # A rejected case has no way out; a closed one only its evaluation (综合评价), which may send it
    # back to handling (its effect, not the table's target: the table keeps the state).
    assert not [t for t in INCIDENT_TRANSITIONS if S.REJECTED in t.sources]
    assert [(t.action, t.target) for t in INCIDENT_TRANSITIONS if S.CLOSED in t.sources] == [("evaluate", None)]
    assert set(WORKFLOW.actions) >= {"register", "reject", "dispatch", "accept", "report", "verify", "rework", "close", "escalate", "urge"}


def test_an_action_declared_twice_from_one_state_is_refused_at_import():
    with pytest.raises(ValueError, match="declared twice"):
        Workflow("bad", [T("a", "go", "b", ["x"]), T(("a", "c"), "go", "d", ["x"])])


# --- performing transitions ------------------------------------------------------------------
@pytest.mark.django_db
def test_happy_path_from_report_to_close_writes_one_audit_event_per_step():
    w = world()
    inc = report(w)
    assert inc.state == S.REPORTED and inc.deadline is not None
    inc = walk(w, inc, *happy(w))
    inc.refresh_from_db()
    assert inc.state == S.CLOSED and inc.closed_at is not None and inc.deadline is None
    events = list(AuditEvent.objects.filter(object_id=str(inc.pk)).order_by("id"))
    assert [e.action for e in events] == ["open", "register", "dispatch", "accept", "report", "verify", "close"]
    assert [(e.from_state, e.to_state) for e in events][1:3] == [("reported", "registered"), ("registered", "dispatched")]
    assert events[4].note == "已清理" and events[4].actor == w["m_a"]
    assert events[2].data["assignee"] == w["m_a"].pk


@pytest.mark.django_db
def test_not_valid_from_the_current_state_is_409_and_changes_nothing():
    w = world()
    inc = report(w)
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidTransition) as err:
        transition(inc, "close", w["cs1"])
    assert err.value.status_code == 409 and "已上报" in err.value.message and "结案" in err.value.message
    inc.refresh_from_db()
    assert inc.state == S.REPORTED and AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_a_stale_instance_still_gets_409_the_row_is_reread_under_lock():
    w = world()
    inc = report(w)
    stale = Incident.objects.get(pk=inc.pk)
    transition(inc, "register", w["cs1"])
    with pytest.raises(InvalidTransition):
        transition(stale, "register", w["sd1"])  # stale.state still says reported
    assert Incident.objects.get(pk=inc.pk).state == S.REGISTERED


@pytest.mark.django_db
def test_a_role_that_may_not_is_403():
    w = world()
    inc = report(w)
    with pytest.raises(TransitionForbidden) as err:
        transition(inc, "register", w["m_a"])  # a grid member does not register cases
    assert err.value.status_code == 403
    with pytest.raises(TransitionForbidden):
        transition(inc, "register", w["pn"])
    # Staff of another community: right role, wrong scope → 403 too.
    with pytest.raises(TransitionForbidden, match="辖区"):
        transition(inc, "register", w["cs2"])
    assert Incident.objects.get(pk=inc.pk).state == S.REPORTED


@pytest.mark.django_db
def test_only_the_assignee_accepts_and_reports_back():
    w = world()
    inc = walk(w, report(w), *happy(w, 2))
    with pytest.raises(TransitionForbidden, match="承办人"):
        transition(inc, "accept", w["m_b"])
    with pytest.raises(TransitionForbidden):
        transition(inc, "accept", w["cs1"])
    transition(inc, "accept", w["m_a"])
    assert inc.state == S.HANDLING


@pytest.mark.django_db
def test_missing_required_fields_are_400_and_change_nothing():
    w = world()
    inc = walk(w, report(w), ("register", "cs1"))
    with pytest.raises(MissingFields) as err:
        transition(inc, "dispatch", w["cs1"])
    assert err.value.status_code == 400 and "assignee" in err.value.fields
    with pytest.raises(MissingFields, match="承办人"):
        transition(inc, "dispatch", w["cs1"], assignee=999999)
    with pytest.raises(MissingFields):
        transition(inc, "dispatch", w["cs1"], assignee=w["pn"].pk)  # no role to handle cases
    with pytest.raises(MissingFields, match="note"):
        transition(report(w), "reject", w["cs1"], note="  ")
    inc.refresh_from_db()
    assert inc.state == S.REGISTERED and inc.assignee is None


@pytest.mark.django_db
def test_unknown_action_is_404():
    w = world()
    with pytest.raises(UnknownAction) as err:
        transition(report(w), "explode", w["da"])
    assert err.value.status_code == 404


@pytest.mark.django_db
def test_rework_sends_the_case_back_to_the_assignee():
    w = world()
    inc = walk(w, report(w), *happy(w, 4), ("rework", "cs1", {"note": "还有残留"}))
    assert inc.state == S.HANDLING and inc.assignee == w["m_a"]
    inc = walk(w, inc, ("report", "m_a", {"note": "彻底清理"}), ("verify", "cs1"), ("rework", "sd1", {"note": "复查不合格"}))
    assert inc.state == S.HANDLING


@pytest.mark.django_db
def test_escalation_goes_grid_community_street_district_and_the_level_decides_who_acts():
    w = world()
    inc = walk(w, report(w), *happy(w, 3))  # handling by m_a at grid level
    assert inc.responsible_level == "grid"
    inc = walk(w, inc, ("escalate", "m_a", {"note": "需社区协调"}))
    assert (inc.state, inc.responsible_level, inc.assignee) == (S.REGISTERED, "community", None)
    with pytest.raises(TransitionForbidden):
        transition(inc, "escalate", w["m_a"], note="again")  # no longer at grid level
    inc = walk(w, inc, ("escalate", "cs1", {"note": "需街道协调"}))
    assert inc.responsible_level == "street"
    with pytest.raises(TransitionForbidden, match="上级"):
        transition(inc, "dispatch", w["cs1"], assignee=w["m_a"])  # the street's case now
    inc = walk(w, inc, ("escalate", "sd1", {"note": "需区城管局"}))
    assert inc.responsible_level == "district"
    with pytest.raises(InvalidTransition, match="区级"):
        transition(inc, "escalate", w["da"], note="no higher")
    inc = walk(w, inc, ("dispatch", "da", {"assignee": w["da"]}))
    assert inc.state == S.DISPATCHED
    ev = [e for e in WORKFLOW_history(inc) if e.action == "escalate"]
    assert [(e.data["from_level"], e.data["to_level"]) for e in ev] == [("grid", "community"), ("community", "street"), ("street", "district")]


def WORKFLOW_history(inc):
    return AuditEvent.objects.filter(object_id=str(inc.pk), action__in=["escalate"]).order_by("id")


@pytest.mark.django_db
def test_the_wrong_state_wins_over_a_missing_field():
    w = world()
    inc = walk(w, report(w), *happy(w, 4))
    with pytest.raises(InvalidTransition):
        transition(inc, "reject", w["cs1"])  # reject needs a note, but the state is wrong first


# --- deadlines -------------------------------------------------------------------------------
def test_deadline_status_green_yellow_red():
    t0 = timezone.now()
    dl = t0 + timedelta(hours=10)
    assert deadlines.deadline_status(t0, dl, t0 + timedelta(hours=7, minutes=59)) == "green"
    assert deadlines.deadline_status(t0, dl, t0 + timedelta(hours=8)) == "yellow"
    assert deadlines.deadline_status(t0, dl, t0 + timedelta(hours=10)) == "yellow"
    assert deadlines.deadline_status(t0, dl, t0 + timedelta(hours=10, seconds=1)) == "red"
    assert deadlines.deadline_status(t0, None, t0) is None


@pytest.mark.django_db
def test_stage_deadlines_come_from_category_and_mode_and_turn_yellow_then_red():
    w = world()
    t0 = timezone.now() - timedelta(days=10)
    inc = report(w, cat="environment", mode="visit", now=t0)  # environment: 4 h to register; visit ×1.0
    assert inc.deadline == t0 + timedelta(hours=4)
    assert deadline_status(inc, t0 + timedelta(hours=3)) == "green"
    assert deadline_status(inc, t0 + timedelta(hours=3, minutes=12)) == "yellow"  # 80 % of 4 h
    assert deadline_status(inc, t0 + timedelta(hours=4, minutes=1)) == "red"
    t1 = t0 + timedelta(hours=5)
    inc = transition(inc, "register", w["cs1"], now=t1)
    assert inc.state_entered_at == t1 and inc.deadline == t1 + timedelta(hours=8)  # new stage, new clock
    assert deadline_status(inc, t1 + timedelta(hours=1)) == "green"
    # The mode scales the limits (help ×2), and the category's own limit beats the setting.
    fire = report(w, cat="fire_hazard", mode="help", now=t0)
    assert fire.deadline == t0 + timedelta(hours=2)
    assert stage_hours(fire, "handling") == 24
    other = report(w, cat="other", mode="visit", now=t0)  # no own limits: GEOGRID_INCIDENT_STAGE_HOURS
    assert stage_hours(other, "handling") == 72
    # Terminal states have no deadline and no status.
    inc = transition(report(w), "reject", w["cs1"], note="非网格事项")
    assert inc.deadline is None and deadline_status(inc) is None


@pytest.mark.django_db
def test_changing_the_mode_recomputes_the_stage_deadline_on_the_same_clock():
    w = world()
    t0 = timezone.now() - timedelta(hours=1)
    inc = report(w, cat="environment", mode="visit", now=t0)
    inc = transition(inc, "classify", w["cs1"], mode="help")
    assert inc.mode == "help" and inc.state == S.REPORTED
    assert inc.state_entered_at == t0 and inc.deadline == t0 + timedelta(hours=8)
    with pytest.raises(MissingFields):
        transition(inc, "classify", w["cs1"], mode="someday")


@pytest.mark.django_db
def test_deadline_filter_and_urge_only_on_overdue_cases():
    w = world()
    now = timezone.now()
    old = report(w, mode="visit", now=now - timedelta(hours=5))  # 4 h limit: red
    yellow = report(w, mode="visit", now=now - timedelta(hours=3, minutes=30))
    fresh = report(w, mode="visit")
    qs = Incident.objects.all()
    assert list(deadline_filter(qs, "red", now)) == [old]
    assert list(deadline_filter(qs, "yellow", now)) == [yellow]
    assert list(deadline_filter(qs, "green", now)) == [fresh]
    with pytest.raises(InvalidTransition, match="尚未超期"):
        transition(fresh, "urge", w["sd1"], note="快办")
    inc = transition(old, "urge", w["sd1"], note="请尽快立案")
    assert inc.urge_count == 1 and inc.state == S.REPORTED and inc.state_entered_at == old.state_entered_at
    with pytest.raises(TransitionForbidden):
        transition(old, "urge", w["m_a"])


# --- the DRF mapping -------------------------------------------------------------------------
def test_workflow_errors_map_to_their_status_in_drf():
    for exc, status in [(InvalidTransition("x"), 409), (TransitionForbidden("x"), 403), (MissingFields("x", fields={"a": "b"}), 400),
                        (UnknownAction("x"), 404)]:
        r = exception_handler(exc, {})
        assert r.status_code == status and r.data["error"] == "x"
