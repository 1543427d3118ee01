"""The rules of care visits (geogrid.care.services, privacy): schedule and overdue with time moved,
visits and needs → incidents, nothing half-written, masking and ID checks."""
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from geogrid.accounts.roles import Role
from geogrid.audit.models import AuditEvent
from geogrid.care import services as care
from geogrid.care.models import CareCategory, CareSubject, CareVisit, Household
from geogrid.care.privacy import clean_id_number, clean_phone, mask_id_number, mask_name, mask_phone
from geogrid.grids.models import GridMember
from geogrid.incidents.models import Incident, IncidentCategory
from geogrid.workflow.exceptions import TransitionForbidden
from tests.care.builders import care_world, id_number
from tests.support.world import pt, user

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


@pytest.fixture
def w():
    return care_world()


def status(subject, now):
    subject.refresh_from_db()
    return care.schedule(subject, now)


def test_schedule_green_yellow_red_by_the_deadline_rule_time_moved(w):
    s1, t0 = w["sub1"], w["t0"]  # weekly (独居/空巢老人), in care since t0
    assert s1.interval_days == 7
    assert status(s1, t0 + 5 * DAY)["status"] == "green"  # 5/7 = 71 % of the interval used
    assert status(s1, t0 + 6 * DAY)["status"] == "yellow"  # 86 % ≥ 80 %
    at = status(s1, t0 + 7 * DAY + timedelta(hours=1))
    assert (at["status"], at["days_overdue"]) == ("red", 1)
    assert status(s1, t0 + 10 * DAY)["days_overdue"] == 3
    assert status(s1, t0 + 10 * DAY)["due_at"] == t0 + 7 * DAY


def test_a_visit_restarts_the_schedule_an_unseen_one_does_not(w):
    s1, t0 = w["sub1"], w["t0"]
    now = t0 + 10 * DAY
    missed = care.record_visit(w["m_a"], s1, visited_at=t0 + 9 * DAY, seen=False, situation="家中无人", now=now)
    assert status(s1, now)["status"] == "red"
    assert (missed.due_at, missed.on_time) == (t0 + 7 * DAY, False)
    seen = care.record_visit(w["m_a"], s1, visited_at=now, seen=True, situation="身体尚好", now=now)
    assert (seen.on_time, seen.due_at) == (False, t0 + 7 * DAY)
    after = status(s1, now + DAY)
    assert (after["status"], after["due_at"]) == ("green", now + 7 * DAY)
    # On time: the next one within the week.
    nxt = care.record_visit(w["m_a"], s1, visited_at=now + 6 * DAY, seen=True, situation="送菜上门", now=now + 6 * DAY)
    assert (nxt.on_time, nxt.due_at) == (True, now + 7 * DAY)


def test_the_interval_is_the_shortest_of_the_subjects_categories_and_follows_edits(w):
    s2 = w["sub2"]  # 低保对象: monthly
    assert s2.interval_days == 30
    s2.categories.add(CareCategory.objects.get(code="extreme_poverty"))
    assert care.recompute_schedule(s2).interval_days == 14
    CareCategory.objects.filter(code="extreme_poverty").update(visit_interval_days=10)
    assert care.recompute_schedule(s2).interval_days == 10
    s2.refresh_from_db()
    assert status(s2, w["t0"] + 11 * DAY)["status"] == "red"


def test_due_subjects_this_week_and_mine(w):
    now = w["t0"] + 8 * DAY  # s1 overdue (weekly); s2 monthly, due t0+30: not this week
    assert [s.name for s in care.due_subjects(w["m_a"], now=now, mine=True)] == ["王秀英"]
    assert [s.name for s in care.due_subjects(w["m_a"], now=w["t0"] + 24 * DAY, mine=True)] == ["王秀英", "李建国"]
    assert list(care.due_subjects(w["m_b"], now=now)) == []  # another grid
    assert list(care.due_subjects(w["sd2"], now=now)) == []  # 赵德明 is due in a month
    assert [s.name for s in care.due_subjects(w["sd2"], now=w["t0"] + 24 * DAY)] == ["赵德明"]


def test_a_need_becomes_an_incident_in_the_subjects_grid_in_one_step(w):
    now = w["t0"] + 8 * DAY
    visit = care.record_visit(w["m_a"], w["sub1"], visited_at=now, seen=True, situation="行动不便", needs="需要助浴服务",
                              need_mode="help", now=now)
    case = visit.incident
    assert case is not None and Incident.objects.count() == 1
    assert (case.grid5, case.grid4, case.community, case.street) == (w["g5a"], w["g4a"], w["c1"], w["s1"])
    assert (case.mode, case.category.code, case.state, case.reporter) == ("help", "person_in_need", "reported", w["m_a"])
    assert "需要助浴服务" in case.description and "王*" in case.description
    assert "王秀英" not in case.description and w["sub1"].id_number not in case.description  # no personal data in the case
    assert case.address == "甲路1号1单元101"
    assert AuditEvent.objects.filter(action="care_visit", object_id=str(visit.pk)).get().data["incident"] == case.number
    plain = care.record_visit(w["m_a"], w["sub1"], visited_at=now, seen=True, situation="无", needs="有需求", now=now)
    assert plain.incident.mode == "visit"  # 上门办 by default


@pytest.mark.parametrize("kwargs, field", [
    ({"situation": "  "}, "situation"),
    ({"visited_at": "next tuesday"}, "visited_at"),
    ({"needs": "要修门", "need_mode": "immediate"}, "need_mode"),
    ({"seen": "yes"}, "seen"),
])
def test_bad_input_is_refused_and_nothing_is_written(w, kwargs, field):
    args = {"seen": True, "situation": "正常", **kwargs}
    with pytest.raises(ValidationError) as exc:
        care.record_visit(w["m_a"], w["sub1"], **args)
    assert field in exc.value.message_dict
    assert CareVisit.objects.count() == 0 and Incident.objects.count() == 0


def test_a_visit_in_the_future_is_refused(w):
    now = w["t0"] + DAY
    with pytest.raises(ValidationError) as exc:
        care.record_visit(w["m_a"], w["sub1"], visited_at=now + DAY, seen=True, situation="正常", now=now)
    assert "visited_at" in exc.value.message_dict


def test_a_need_that_cannot_become_a_case_leaves_no_visit(w):
    IncidentCategory.objects.filter(code="person_in_need").update(active=False)
    with pytest.raises(ValidationError) as exc:
        care.record_visit(w["m_a"], w["sub1"], seen=True, situation="正常", needs="需要轮椅")
    assert "category" in exc.value.message_dict
    assert CareVisit.objects.count() == 0 and Incident.objects.count() == 0
    w["sub1"].refresh_from_db()
    assert w["sub1"].last_visited_at is None
    # A 楼道长 on the team without a reporting role: the visit may be recorded, the case may not → neither.
    building_head = user("bh_a")
    GridMember.objects.create(user=building_head, grid=w["g4a"], role="building")
    IncidentCategory.objects.filter(code="person_in_need").update(active=True)
    with pytest.raises(TransitionForbidden):
        care.record_visit(building_head, w["sub1"], seen=True, situation="正常", needs="需要轮椅")
    assert CareVisit.objects.count() == 0 and Incident.objects.count() == 0
    assert care.record_visit(building_head, w["sub1"], seen=True, situation="正常").pk  # without a need: fine


def test_only_the_grid_team_or_its_community_records_visits(w):
    for who in ("m_b", "m_d", "cs2", "da", "sd1"):
        with pytest.raises(TransitionForbidden):
            care.record_visit(w[who], w["sub1"], seen=True, situation="正常")
    assert care.record_visit(w["head_a"], w["sub1"], seen=True, situation="正常")
    assert care.record_visit(w["cs1"], w["sub1"], seen=True, situation="正常")
    assert CareVisit.objects.count() == 2


def test_a_households_grid_is_where_its_point_lies(w):
    h = Household(address="甲路9号", geom=pt((116.71, 36.51)))
    assert care.place_household(h).grid == w["g5a"]
    with pytest.raises(ValidationError):
        care.place_household(Household(address="乙路1号", geom=pt((116.74, 36.52))))  # in G4b: no level-5 grid


def test_masking_and_number_checks():
    assert mask_id_number("370102194501011234") == "370102********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("053188886666") == "********6666"
    assert mask_id_number("") == mask_phone("") == ""
    assert mask_name("王秀英") == "王**"
    good = id_number("37010219450101123")
    assert clean_id_number(good.lower()) == good
    with pytest.raises(ValidationError):
        clean_id_number(good[:-1] + ("0" if good[-1] != "0" else "1"))  # wrong check digit
    with pytest.raises(ValidationError):
        clean_id_number("12345")
    assert clean_phone("138 1234 5678") == "13812345678"
    with pytest.raises(ValidationError):
        clean_phone("call me")


def test_database_constraints(w):
    with pytest.raises(IntegrityError), transaction.atomic():
        CareSubject.objects.filter(pk=w["sub1"].pk).update(id_number="37010219450101")
    with pytest.raises(IntegrityError), transaction.atomic():
        CareCategory.objects.filter(code="other").update(visit_interval_days=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Household.objects.filter(pk=w["h1"].pk).update(size=0)
    t = w["t0"]
    with pytest.raises(IntegrityError), transaction.atomic():  # "on time" after the due date
        CareVisit.objects.create(subject=w["sub1"], visitor=w["m_a"], grid=w["g5a"], visited_at=t + 9 * DAY, seen=True,
                                 situation="x", due_at=t + 7 * DAY, on_time=True)


def test_reveal_and_export_are_audited_and_limited_by_role(w):
    care.reveal_subject(w["m_a"], w["sub1"])
    event = AuditEvent.objects.get(action="care_reveal")
    assert (event.actor, event.object_id) == (w["m_a"], str(w["sub1"].pk))
    with pytest.raises(TransitionForbidden):
        care.reveal_subject(w["sd1"], w["sub1"])  # the street sees masked numbers only
    with pytest.raises(TransitionForbidden):
        care.export_subjects(w["m_a"])  # a grid member may not export
    rows = care.export_subjects(w["cs1"])
    assert [s.name for s in rows] == ["李建国", "王秀英"]
    export = AuditEvent.objects.get(action="care_export")
    assert export.actor == w["cs1"] and export.data["count"] == 2
    assert Role.COMMUNITY_STAFF.value in w["cs1"].groups.values_list("name", flat=True)


def test_the_nightly_check_tells_responsible_members_once(w):
    from io import StringIO

    from django.core.management import call_command

    from geogrid.notifications.models import Notification

    t0 = w["t0"]
    got = care.notify_due_visits(now=t0 + 6 * DAY)  # 王秀英 yellow (m_a); 李建国 nobody's; 赵德明 green
    assert got == {"due_soon": 1, "overdue": 0, "new": 1, "told_before": 0}
    n = Notification.objects.get()
    assert (n.recipient, n.kind, n.url) == (w["m_a"], "due_soon", f"/care/subjects/{w['sub1'].pk}/")
    assert "王**" in n.title and "王秀英" not in n.title
    assert care.notify_due_visits(now=t0 + 6 * DAY)["new"] == 0  # twice tells nobody twice
    from django.test import Client

    c = Client()
    c.force_login(w["m_a"])
    assert "王**" in c.get("/notifications/").content.decode()
    assert c.get(f"/notifications/{n.pk}/").url == n.url
    assert care.notify_due_visits(now=t0 + 8 * DAY) == {"due_soon": 0, "overdue": 1, "new": 1, "told_before": 0}
    care.record_visit(w["m_a"], w["sub1"], visited_at=t0 + 9 * DAY, seen=True, situation="正常", now=t0 + 9 * DAY)
    assert care.notify_due_visits(now=t0 + 9 * DAY)["overdue"] == 0
    out = StringIO()
    call_command("notify_care_due", stdout=out)
    assert "临期走访 0 人，超期走访 0 人" in out.getvalue()  # now (t0 + 10 days) 王秀英 was visited yesterday


def test_a_building_belongs_to_a_level5_grid_and_its_head_is_a_building_head(w):
    from geogrid.care.models import Building

    with pytest.raises(ValidationError) as exc:
        Building(grid=w["g4a"], name="2号楼", geom=pt((116.705, 36.52))).full_clean()
    assert "grid" in exc.value.message_dict
    member = GridMember.objects.get(user=w["m_a"])  # a 网格员, not the building's 楼道长
    with pytest.raises(ValidationError) as exc:
        Building(grid=w["g5a"], name="2号楼", geom=pt((116.705, 36.52)), head=member).full_clean(exclude=["head"])
    assert "head" in exc.value.message_dict
    head = GridMember.objects.create(user=user("bh_b"), grid=w["g4a"], role="building")
    Building(grid=w["g5a"], name="2号楼", geom=pt((116.705, 36.52)), head=head).full_clean()
