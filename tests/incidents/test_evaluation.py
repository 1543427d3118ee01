"""综合评价 (issue #8): after closing, the reporter or staff of the case's community records
satisfaction (satisfied / basically satisfied / dissatisfied) and a comment. The first
"dissatisfied" sends the case back to handling, with the reason in the timeline; a second one is
recorded and the case stays closed. One transition (`evaluate`) of the workflow table, the same for
the page and the API; refusals are 403 / 409 / 400 and change nothing; the database refuses an
evaluation the model forbids. Also: 不予立案 is one word in Chinese but two in English (the state
"Rejected", the action "Reject"), so the two labels carry different contexts."""
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from rest_framework.test import APIClient

from geogrid.audit.models import AuditEvent
from geogrid.incidents.models import Incident
from geogrid.incidents.services import WORKFLOW, available_actions, stage_hours, timeline, transition
from geogrid.workflow.exceptions import InvalidTransition, MissingFields, TransitionForbidden
from tests.support.world import P_G5A, report, walk, world

pytestmark = pytest.mark.django_db

@pytest.fixture
def w():
    return world()


def closed(w, who="m_a", at=P_G5A):
    """A case reported by `who` in G5a (community C1), handled by m_a and closed by cs1."""
    return walk(w, report(w, who, at=at), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["m_a"]}), ("accept", "m_a"),
                ("report", "m_a", {"note": "已清运"}), ("verify", "cs1"), ("close", "cs1"))


def api(user):
    c = APIClient()
    c.force_login(user)
    return c


def fresh(case):
    return Incident.objects.get(pk=case.pk)


# --- the rule -------------------------------------------------------------------------------------------
def test_the_reporter_evaluates_a_closed_case_and_it_stays_closed(w):
    case = closed(w)
    assert [a["action"] for a in available_actions(case, w["m_a"])] == ["evaluate"]
    t0 = timezone.now()
    transition(case, "evaluate", w["m_a"], "处理及时", satisfaction="satisfied", now=t0)
    case = fresh(case)
    assert (case.state, case.satisfaction, case.evaluation_comment, case.evaluated_at) == ("closed", "satisfied", "处理及时", t0)
    assert case.evaluation_reworks == 0 and case.closed_at is not None and case.deadline is None
    event = AuditEvent.objects.get(object_id=str(case.pk), action="evaluate")
    assert (event.actor, event.from_state, event.to_state, event.note) == (w["m_a"], "closed", "closed", "处理及时")
    assert event.data["satisfaction"] == "satisfied" and event.data["rework"] is False
    last = timeline(case)[-1]
    assert (last["action_label"], last["satisfaction_label"], last["note"]) == ("综合评价", "满意", "处理及时")
    # One evaluation per closing.
    assert available_actions(case, w["m_a"]) == []
    with pytest.raises(InvalidTransition, match="此案卷已评价（满意）"):
        transition(case, "evaluate", w["m_a"], satisfaction="dissatisfied", note="又不满意了")
    assert fresh(case).satisfaction == "satisfied"


def test_community_staff_of_the_cases_community_evaluate_and_no_one_else(w):
    case = closed(w, who="head_a")
    # Street and district staff, the grid's other members and the assignee see the case, but may not evaluate it.
    for who in ("sd1", "da", "m_a"):
        assert not WORKFLOW.can(case, "evaluate", w[who]), who
        with pytest.raises(TransitionForbidden, match="只有上报人或案卷所在社区的工作人员可以评价"):
            transition(case, "evaluate", w[who], satisfaction="satisfied")
    with pytest.raises(TransitionForbidden, match="您的角色不能执行「综合评价」"):
        transition(case, "evaluate", w["pn"], satisfaction="satisfied")
    assert fresh(case).satisfaction == ""
    transition(case, "evaluate", w["cs1"], "回访群众，基本满意", satisfaction="basically_satisfied")
    assert fresh(case).satisfaction == "basically_satisfied"


def test_staff_of_another_community_may_not_evaluate(w):
    case = closed(w)
    w["cs2"].area = w["c1"].parent  # sees C1's cases as street-level staff, but is not C1's community staff
    w["cs2"].save()
    assert api(w["cs2"]).get(f"/api/incidents/{case.pk}/").status_code == 200
    with pytest.raises(TransitionForbidden):
        transition(case, "evaluate", w["cs2"], satisfaction="satisfied")


def test_only_a_closed_case_is_evaluated(w):
    case = walk(w, report(w), ("register", "cs1"))
    with pytest.raises(InvalidTransition, match="当前状态为「已立案」，不能执行「综合评价」"):
        transition(case, "evaluate", w["m_a"], satisfaction="satisfied")
    rejected = walk(w, report(w), ("reject", "cs1", {"note": "不属实"}))
    with pytest.raises(InvalidTransition):
        transition(rejected, "evaluate", w["m_a"], satisfaction="satisfied")
    assert fresh(case).satisfaction == fresh(rejected).satisfaction == ""


def test_dissatisfied_sends_the_case_back_once_then_closes(w):
    case = closed(w)
    t1 = timezone.now()
    transition(case, "evaluate", w["m_a"], "垃圾没有清干净", satisfaction="dissatisfied", now=t1)
    case = fresh(case)
    assert (case.state, case.assignee, case.satisfaction, case.evaluation_reworks) == ("handling", w["m_a"], "dissatisfied", 1)
    assert case.closed_at is None and case.state_entered_at == t1
    assert case.deadline == t1 + timedelta(hours=stage_hours(case, "handling")) == t1 + timedelta(hours=12)  # the stage's limit again
    event = AuditEvent.objects.get(object_id=str(case.pk), action="evaluate")
    assert (event.from_state, event.to_state, event.note, event.data["rework"]) == ("closed", "handling", "垃圾没有清干净", True)
    last = timeline(case)[-1]
    assert (last["from_label"], last["to_label"], last["satisfaction_label"]) == ("已结案", "处置中", "不满意")
    # The assignee handles it again; closed again, it is evaluated again.
    assert [a["action"] for a in available_actions(case, w["m_a"])] == ["report", "escalate"]
    case = walk(w, case, ("report", "m_a", {"note": "已彻底清理"}), ("verify", "cs1"), ("close", "cs1"))
    assert [a["action"] for a in available_actions(case, w["cs1"])] == ["evaluate"]
    t2 = timezone.now()
    transition(case, "evaluate", w["cs1"], "仍有异味", satisfaction="dissatisfied", now=t2)
    case = fresh(case)
    assert (case.state, case.satisfaction, case.evaluation_comment, case.evaluated_at, case.evaluation_reworks) == \
        ("closed", "dissatisfied", "仍有异味", t2, 1)
    assert AuditEvent.objects.filter(object_id=str(case.pk), action="evaluate").order_by("at").last().data["rework"] is False
    assert available_actions(case, w["m_a"]) == []


def test_refusals_change_nothing(w):
    case = closed(w)
    with pytest.raises(MissingFields) as err:
        transition(case, "evaluate", w["m_a"], satisfaction="dissatisfied")  # without the reason
    assert "note" in err.value.fields
    with pytest.raises(MissingFields) as err:
        transition(case, "evaluate", w["m_a"])
    assert "satisfaction" in err.value.fields
    with pytest.raises(MissingFields) as err:
        transition(case, "evaluate", w["m_a"], satisfaction="great")
    assert "satisfaction" in err.value.fields
    case = fresh(case)
    assert (case.state, case.satisfaction, case.evaluated_at) == ("closed", "", None)
    assert not AuditEvent.objects.filter(object_id=str(case.pk), action="evaluate").exists()


# --- page and API ----------------------------------------------------------------------------------------
def test_the_api_evaluates_with_200_403_409_400(w):
    case = closed(w)
    url = f"/api/incidents/{case.pk}/actions/evaluate/"
    d = api(w["m_a"]).get(f"/api/incidents/{case.pk}/").json()
    assert [a["action"] for a in d["actions"]] == ["evaluate"] and d["actions"][0]["requires"] == ["satisfaction"]
    assert (d["satisfaction"], d["evaluated_at"]) == ("", None)
    assert api(w["sd1"]).post(url, {"satisfaction": "satisfied"}, format="json").status_code == 403
    r = api(w["m_a"]).post(url, {"satisfaction": "dissatisfied"}, format="json")
    assert r.status_code == 400 and "note" in r.json()["fields"]
    r = api(w["m_a"]).post(url, {"satisfaction": "so-so"}, format="json")
    assert r.status_code == 400 and "satisfaction" in r.json()
    assert fresh(case).satisfaction == ""
    r = api(w["m_a"]).post(url, {"satisfaction": "basically_satisfied", "note": "还行"}, format="json")
    assert r.status_code == 200
    d = r.json()
    assert (d["state"], d["satisfaction"], d["satisfaction_label"], d["evaluation_comment"]) == ("closed", "basically_satisfied", "基本满意", "还行")
    assert d["timeline"][-1]["satisfaction_label"] == "基本满意" and d["timeline"][-1]["data"]["satisfaction"] == "basically_satisfied"
    r = api(w["cs1"]).post(url, {"satisfaction": "satisfied"}, format="json")
    assert r.status_code == 409 and "已评价" in r.json()["error"]


def test_the_case_page_offers_the_evaluation_form_and_posts_it(client, w):
    case = closed(w)
    client.force_login(w["m_a"])
    page = client.get(f"/incidents/{case.pk}/")
    forms = page.context["action_forms"]
    assert [f["action"] for f in forms] == ["evaluate"]
    assert [v for v, _label in forms[0]["form"].fields["satisfaction"].choices] == ["", "satisfied", "basically_satisfied", "dissatisfied"]
    assert 'name="evaluate-satisfaction"' in page.content.decode()
    r = client.post(f"/incidents/{case.pk}/actions/evaluate/", {"evaluate-satisfaction": "dissatisfied"})
    assert r.status_code == 400 and "评价为不满意时请写明原因" in r.content.decode()
    assert fresh(case).state == "closed"
    client.force_login(w["sd1"])
    r = client.post(f"/incidents/{case.pk}/actions/evaluate/", {"evaluate-satisfaction": "satisfied"})
    assert r.status_code == 403 and "只有上报人或案卷所在社区的工作人员可以评价" in r.content.decode()
    client.force_login(w["m_a"])
    r = client.post(f"/incidents/{case.pk}/actions/evaluate/", {"evaluate-satisfaction": "dissatisfied", "evaluate-note": "没修好"})
    assert r.status_code == 302
    html = client.get(r["Location"]).content.decode()
    assert fresh(case).state == "handling"
    assert 'id="case-evaluation"' in html and "没修好" in html and "满意度：不满意（退回重新处置）" in html
    r = client.post(f"/incidents/{case.pk}/actions/evaluate/", {"evaluate-satisfaction": "satisfied"})
    assert r.status_code == 409


# --- the database's own rules ------------------------------------------------------------------------------
def refused(case, constraint, **values):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Incident.objects.filter(pk=case.pk).update(**values)


def test_the_database_refuses_an_evaluation_the_model_forbids(w):
    case = closed(w)
    now = timezone.now()
    refused(case, "incident_satisfaction_valid", satisfaction="great", evaluated_at=now)
    refused(case, "incident_evaluated_at_with_satisfaction", satisfaction="satisfied")
    refused(case, "incident_evaluated_at_with_satisfaction", evaluated_at=now)
    open_case = report(w)
    refused(open_case, "incident_evaluation_of_a_closed_case", satisfaction="satisfied", evaluated_at=now)
    Incident.objects.filter(pk=open_case.pk).update(satisfaction="dissatisfied", evaluated_at=now)  # reworked: allowed


# --- 不予立案: a state and an action ---------------------------------------------------------------------------
def test_the_rejected_state_and_the_reject_action_have_their_own_english(monkeypatch):
    """The English catalogue can say "Rejected" for the state and "Reject" for the action: the two
    labels are looked up under different contexts (msgctxt "case state" / "case action")."""
    monkeypatch.setattr(translation._trans, "pgettext", lambda context, message: f"{context}|{message}")
    assert WORKFLOW.label_of_state("rejected") == str(Incident.State.REJECTED.label) == "case state|不予立案"
    assert WORKFLOW.label_of_action("reject") == "case action|不予立案"
