"""What a case tells whom (geogrid.notifications.cases): each step of the workflow that concerns
someone — dispatch, rework, urge (督办), close — makes exactly one notification for the right person,
none for whoever took the step, and a refused or rolled-back step makes none. The database refuses
a notification of an unknown kind or a second one under the same key to the same person."""
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from geogrid.grids.models import Grid
from geogrid.incidents.models import Incident
from geogrid.incidents.services import transition
from geogrid.notifications.cases import holders
from geogrid.notifications.models import Notification
from geogrid.notifications.services import notify
from geogrid.workflow.exceptions import InvalidTransition, MissingFields, TransitionForbidden
from tests.support.world import P_G4C, P_G4D, P_G5A, report, walk, world

pytestmark = pytest.mark.django_db
K = Notification.Kind


@pytest.fixture
def w():
    w = world()
    Grid.objects.update(valid_from=timezone.now() - timedelta(days=2))  # cases reported hours ago find their grids
    return w


def told():
    """[(recipient username, kind)] of every notification, oldest first."""
    return [(n.recipient.username, n.kind) for n in Notification.objects.select_related("recipient").order_by("created_at", "id")]


def overdue_case(w, who="m_a", at=P_G5A):
    """A case reported 3 h ago: its first stage (2 h) is overdue."""
    return report(w, who=who, at=at, now=timezone.now() - timedelta(hours=3))


def test_reporting_and_registering_tell_nobody(w):
    walk(w, report(w), ("register", "cs1"))
    assert told() == []


def test_dispatch_tells_the_new_assignee_once(w):
    inc = walk(w, report(w), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["head_a"]}))
    assert told() == [("head_a", K.ASSIGNED)]
    n = Notification.objects.get()
    assert n.target == inc and n.url == f"/incidents/{inc.pk}/" and inc.number in n.title and "环境卫生" in n.text
    # Dispatched again to someone else: only the new assignee hears of it.
    walk(w, inc, ("dispatch", "cs1", {"assignee": w["m_a"]}))
    assert told() == [("head_a", K.ASSIGNED), ("m_a", K.ASSIGNED)]


def test_whoever_takes_the_step_is_not_told(w):
    walk(w, report(w), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["cs1"]}))
    assert told() == []


def test_rework_tells_the_assignee_with_the_reason(w):
    inc = walk(w, report(w), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["m_a"]}), ("accept", "m_a"),
               ("report", "m_a", {"note": "已清理"}), ("rework", "cs1", {"note": "仍有垃圾"}))
    assert told() == [("m_a", K.ASSIGNED), ("m_a", K.REWORK)]
    n = Notification.objects.get(kind=K.REWORK)
    assert "仍有垃圾" in n.text and "一社区干事" in n.text and n.target == inc


def test_urge_of_an_assigned_case_tells_the_assignee(w):
    inc = overdue_case(w)
    walk(w, inc, ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["head_a"]}))
    Notification.objects.all().delete()
    Incident.objects.filter(pk=inc.pk).update(deadline=timezone.now() - timedelta(minutes=5))  # the stage ran late
    inc.refresh_from_db()
    walk(w, inc, ("urge", "sd1", {"note": "请今日办结"}))
    assert told() == [("head_a", K.URGED)]
    assert "请今日办结" in Notification.objects.get().text


def test_urge_of_an_unassigned_case_tells_the_community_staff_not_the_urger(w):
    inc = overdue_case(w)
    walk(w, inc, ("urge", "sd1"))
    assert told() == [("cs1", K.URGED)]
    # Urged by the community's only staff member: nobody else holds the case.
    walk(w, inc, ("urge", "cs1"))
    assert told() == [("cs1", K.URGED)]


def test_with_no_community_staff_the_next_level_up_is_told(w):
    w["cs1"].is_active = False
    w["cs1"].save()
    inc = overdue_case(w)
    assert holders(inc) == [w["sd1"]]
    walk(w, inc, ("urge", "da"))
    assert told() == [("sd1", K.URGED)]


def test_a_case_escalated_to_the_street_is_held_by_its_dispatchers(w):
    up = ("escalate", "cs2", {"note": "需上级协调"})
    inc = walk(w, report(w, at=P_G4C), ("register", "cs2"), up)
    assert inc.responsible_level == "community" and holders(inc) == [w["cs2"]]
    inc = walk(w, inc, up)
    assert inc.responsible_level == "street" and holders(inc) == [w["sd1"]]
    up = ("escalate", "sd2", {"note": "需区级部门"})
    inc = walk(w, report(w, who="m_d", at=P_G4D), ("register", "sd2"), up, up, up)
    assert inc.responsible_level == "district" and holders(inc) == [w["da"]]


def test_an_inactive_assignee_is_replaced_by_the_staff(w):
    inc = walk(w, report(w), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["head_a"]}))
    w["head_a"].is_active = False
    w["head_a"].save()
    inc.refresh_from_db()
    assert holders(inc) == [w["cs1"]]


def test_close_tells_the_reporter(w):
    inc = walk(w, report(w, who="m_b"), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["m_a"]}),
               ("accept", "m_a"), ("report", "m_a", {"note": "已清理"}), ("verify", "cs1"), ("close", "sd1"))
    assert told() == [("m_a", K.ASSIGNED), ("m_b", K.CLOSED)]
    assert Notification.objects.get(kind=K.CLOSED).target == inc


def test_closing_ones_own_report_tells_nobody(w):
    walk(w, report(w, who="cs1"), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["m_a"]}), ("accept", "m_a"),
         ("report", "m_a", {"note": "好了"}), ("verify", "cs1"), ("close", "cs1"))
    assert told() == [("m_a", K.ASSIGNED)]


def test_a_refused_step_tells_nobody(w):
    inc = walk(w, report(w), ("register", "cs1"))
    with pytest.raises(MissingFields):
        transition(inc, "dispatch", w["cs1"])  # no assignee
    with pytest.raises(TransitionForbidden):
        transition(inc, "dispatch", w["cs3"], assignee=w["m_b"])  # another community
    with pytest.raises(InvalidTransition):
        transition(inc, "urge", w["sd1"])  # not overdue
    with pytest.raises(InvalidTransition):
        transition(inc, "close", w["cs1"])  # not verified
    assert told() == []


def test_a_rolled_back_step_tells_nobody(w):
    inc = walk(w, report(w), ("register", "cs1"))
    with pytest.raises(RuntimeError), transaction.atomic():
        transition(inc, "dispatch", w["cs1"], assignee=w["head_a"])
        raise RuntimeError("what happened after the step failed")
    assert told() == []


def test_notify_skips_inactive_users_and_a_repeated_key(w):
    inc = report(w)
    assert notify(w["m_b"], K.URGED, inc, "标题", key="k1") is not None
    assert notify(w["m_b"], K.URGED, inc, "标题", key="k1") is None
    assert notify(w["m_a"], K.URGED, inc, "标题", key="k1") is not None  # the key is per recipient
    assert notify(w["m_b"], K.URGED, inc, "无键") is not None and notify(w["m_b"], K.URGED, inc, "无键") is not None
    w["m_d"].is_active = False
    assert notify(w["m_d"], K.URGED, inc, "标题") is None
    assert Notification.objects.count() == 4


def refused(make, constraint):
    with pytest.raises(IntegrityError) as err, transaction.atomic():
        make()
    assert constraint in str(err.value)


def test_the_database_refuses_a_bad_kind_an_empty_title_and_a_repeated_key(w):
    inc = report(w)
    base = dict(recipient=w["m_a"], target=inc, title="标题")
    refused(lambda: Notification.objects.create(**{**base, "kind": "gossip"}), "notification_kind_valid")
    refused(lambda: Notification.objects.create(**{**base, "kind": "urged", "title": ""}), "notification_has_title")
    Notification.objects.create(**base, kind="urged", key="urge:1")
    refused(lambda: Notification.objects.create(**base, kind="urged", key="urge:1"), "notification_once_per_key")
    Notification.objects.create(**{**base, "recipient": w["m_b"]}, kind="urged", key="urge:1")
    Notification.objects.create(**base, kind="urged")
    Notification.objects.create(**base, kind="urged")  # no key: as many as made
    assert Notification.objects.count() == 4


def test_a_dissatisfied_evaluation_tells_the_assignee_of_the_rework(w):
    inc = walk(w, report(w), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["head_a"]}), ("accept", "head_a"),
               ("report", "head_a", {"note": "已清理"}), ("verify", "cs1"), ("close", "cs1"))
    inc = walk(w, inc, ("evaluate", "m_a", {"note": "没清干净", "satisfaction": "dissatisfied"}))
    assert inc.state == "handling"
    assert told() == [("head_a", K.ASSIGNED), ("m_a", K.CLOSED), ("head_a", K.REWORK)]
    assert "没清干净" in Notification.objects.get(kind=K.REWORK).text
    # Closed again and evaluated satisfied: the case stays closed, nobody is told of the evaluation.
    inc = walk(w, inc, ("report", "head_a", {"note": "再次清理"}), ("verify", "cs1"), ("close", "cs1"),
               ("evaluate", "m_a", {"satisfaction": "satisfied"}))
    assert inc.state == "closed" and told()[-1] == ("m_a", K.CLOSED) and len(told()) == 4


def test_any_step_that_sends_a_closed_case_back_to_handling_is_rework(w):
    """A dissatisfied evaluation (综合评价) reopens a closed case: its assignee hears of it as rework,
    whatever the action is called; an evaluation that leaves the case closed tells nobody."""
    from geogrid.audit.models import AuditEvent
    from geogrid.notifications.cases import on_transition

    inc = walk(w, report(w), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["head_a"]}), ("accept", "head_a"),
               ("report", "head_a", {"note": "已清理"}), ("verify", "cs1"), ("close", "cs1"))
    Notification.objects.all().delete()
    Incident.objects.filter(pk=inc.pk).update(state="handling")
    inc.refresh_from_db()
    reopened = AuditEvent.objects.create(target=inc, action="evaluate", from_state="closed", to_state="handling", note="没清干净")
    on_transition(Incident, workflow=None, obj=inc, action="evaluate", user=w["m_a"], event=reopened)
    kept = AuditEvent.objects.create(target=inc, action="evaluate", from_state="closed", to_state="closed")
    on_transition(Incident, workflow=None, obj=inc, action="evaluate", user=w["m_a"], event=kept)
    assert told() == [("head_a", K.REWORK)]
    assert "没清干净" in Notification.objects.get().text


def test_a_failure_to_notify_is_logged_and_the_step_stands(w, monkeypatch, caplog):
    import geogrid.notifications.cases as cases

    def broken(*args, **kwargs):
        raise RuntimeError("notifications are broken")

    monkeypatch.setattr(cases, "notify_all", broken)
    inc = walk(w, report(w), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["head_a"]}))
    assert Incident.objects.get(pk=inc.pk).state == "dispatched" and told() == []
    assert "notifications are broken" in caplog.text


def test_a_case_passed_to_a_department_tells_its_staff_who_then_hold_it(w):
    case = walk(w, report(w, "m_a", mode="help"), ("register", "cs1"))
    transition(case, "to_department", w["cs1"], "需城管执法", department=w["dept_um"])
    assert told() == [(w["dp_um"].username, "assigned")]
    assert holders(Incident.objects.get(pk=case.pk)) == [w["dp_um"]]  # not the community staff: the department's move
