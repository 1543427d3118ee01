"""Naming applications on the workflow core: the whole way from draft to announcement (the road gets
its standard name), submission blocked by check errors, the notice period from the setting, filing
and announcement due 15 days after approval (red when late), and the refusals: 403 role, 409 state,
400 fields, 404 action — each leaving nothing changed."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from geogrid.audit.models import AuditEvent
from geogrid.placenames.models import NamingApplication, Road
from geogrid.placenames.services import create_application, create_batch, overdue_q, transition
from geogrid.placenames.workflow import WORKFLOW
from geogrid.workflow.exceptions import InvalidTransition, MissingFields, TransitionForbidden, UnknownAction
from tests.placenames.builders import town

pytestmark = pytest.mark.django_db
S = NamingApplication.State
TODAY = datetime.date.today


def days_ago(n):
    return (timezone.localdate() - datetime.timedelta(days=n)).isoformat()


def draft(w, name="明德路", road="unnamed1", **kw):
    batch = kw.pop("batch", None) or create_batch(w["pn"], "第一批")
    return create_application(w["pn"], batch, road=w[road] if road else None, name=name, applicant="区住建局", **kw)


def walk_to(app, user, state, notice_days_ago=40, approved_days_ago=3):
    steps = [("submit", {}), ("review", {"note": "综合评估：符合规划"}), ("expert_review", {"note": "专家论证：同意"}),
             ("consult", {"note": "征求意见：无异议"}), ("start_notice", {"notice_start": days_ago(notice_days_ago)}),
             ("approve", {"approving_body": "济南市人民政府", "approved_on": days_ago(approved_days_ago)}),
             ("file", {"filed_on": days_ago(min(approved_days_ago, 1))}), ("announce", {"announced_on": days_ago(0), "announcement_no": "历民公告〔2026〕3号"})]
    for action, fields in steps:
        if app.state == state:
            break
        if WORKFLOW.find(action, app.state) is None:  # a step already taken
            continue
        fields = dict(fields)
        note = fields.pop("note", "")
        transition(app, action, user, note, **fields)
    assert app.state == state
    return app


def test_from_draft_to_announcement_the_road_gets_its_standard_name():
    w = town()
    app = draft(w)
    road = Road.objects.get(pk=w["unnamed1"].pk)
    assert road.status == "unnamed" and app.pinyin == "Mingde Lu"
    walk_to(app, w["pn"], S.ANNOUNCED)
    app.refresh_from_db()
    road.refresh_from_db()
    assert (road.name, road.specific, road.generic, road.pinyin, road.status) == ("明德路", "明德", "路", "Mingde Lu", "named")
    assert road.named_on == app.approved_on and road.sound_key == "ming de lu"
    # Its national place code is given now, at the announcement (the export only reads it).
    assert road.place_code == "370112001" + "25114" + "000001"
    assert app.expert_report == "专家论证：同意" and app.consultation_report == "征求意见：无异议" and app.assessment_report
    assert app.filing_due == app.approved_on + datetime.timedelta(days=15) == app.announcement_due
    actions = list(AuditEvent.objects.filter(object_id=str(app.pk), content_type__model="namingapplication").order_by("at", "pk")
                   .values_list("action", flat=True))
    assert actions == ["create", "submit", "review", "expert_review", "consult", "start_notice", "approve", "file", "announce"]
    assert AuditEvent.objects.filter(action="named", object_id=str(road.pk)).exists()
    # Now the name is taken: the check finds it as a duplicate.
    assert draft(w, road="unnamed2").check_errors == 1


def test_a_new_road_drawn_on_the_map_is_created_when_announced():
    w = town()
    batch = create_batch(w["pn"], "新路")
    app = create_application(w["pn"], batch, geom='{"type": "LineString", "coordinates": [[116.71, 36.52], [116.74, 36.52]]}',
                             name="新安街", applicant="开发区管委会")
    walk_to(app, w["pn"], S.ANNOUNCED)
    road = Road.objects.get(name="新安街")
    assert road.status == "named" and road.pinyin == "Xin'an Jie" and road.code == "370112DL013" and road.length_m > 2000
    assert road.area == w["street"] and road.place_code == "370112001" + "25114" + "000001"  # the street it lies in, coded
    assert NamingApplication.objects.get(pk=app.pk).road_id == road.pk


def test_errors_block_submission_and_warnings_do_not():
    w = town()
    bad = draft(w, name="纽约路")
    with pytest.raises(InvalidTransition) as exc:
        transition(bad, "submit", w["pn"])
    assert exc.value.status_code == 409 and "外国" in exc.value.message
    assert NamingApplication.objects.get(pk=bad.pk).state == S.DRAFT
    homophone = draft(w, name="权成路", road="unnamed2")
    assert homophone.check_warnings == 1 and homophone.check_errors == 0
    transition(homophone, "submit", w["pn"])
    assert homophone.state == S.SUBMITTED


def test_a_duplicate_proposed_after_the_draft_blocks_its_submission():
    w = town()
    first = draft(w, name="明德路")
    second = draft(w, name="明德路", road="unnamed2", batch=first.batch)
    assert second.check_errors == 1  # the first application's name
    transition(first, "withdraw", w["pn"], "改名")
    assert not NamingApplication.objects.filter(road=w["unnamed1"], state__in=NamingApplication.OPEN_STATES).exists()  # back in the queue
    transition(second, "submit", w["pn"])  # checked again: the first one is withdrawn
    assert second.state == S.SUBMITTED


def test_the_notice_period_comes_from_the_setting_and_approval_waits_for_its_end(settings):
    settings.GEOGRID_PLACENAME_NOTICE_DAYS = 10
    w = town()
    app = walk_to(draft(w), w["pn"], S.CONSULTED)
    transition(app, "start_notice", w["pn"], notice_start=TODAY().isoformat())
    assert (app.notice_end - app.notice_start).days == 9
    assert WORKFLOW.deadline_status(app) is None  # a wait, not a time limit
    with pytest.raises(InvalidTransition):
        transition(app, "approve", w["pn"], approving_body="市政府", approved_on=TODAY().isoformat())
    assert NamingApplication.objects.get(pk=app.pk).state == S.NOTICE


def test_filing_and_announcement_overdue_are_red():
    w = town()
    app = walk_to(draft(w), w["pn"], S.APPROVED, notice_days_ago=60, approved_days_ago=20)
    assert WORKFLOW.deadline_status(app) == "red"
    assert NamingApplication.objects.filter(overdue_q()).get() == app
    on_time = walk_to(draft(w, name="德兴路", road="unnamed2"), w["pn"], S.APPROVED, approved_days_ago=2)
    assert WORKFLOW.deadline_status(on_time) == "green"
    transition(app, "file", w["pn"], filed_on=days_ago(0))
    assert app.overdue_stages == 1  # filed late
    assert WORKFLOW.deadline_status(app) == "red"  # the announcement is late too (15 days after approval)
    transition(on_time, "file", w["pn"], filed_on=days_ago(0))
    assert WORKFLOW.deadline_status(on_time) == "green" and on_time.overdue_stages == 0


def test_refusals_change_nothing():
    w = town()
    app = draft(w)
    with pytest.raises(TransitionForbidden) as exc:
        transition(app, "submit", w["da"])
    assert exc.value.status_code == 403
    with pytest.raises(InvalidTransition) as exc:
        transition(app, "approve", w["pn"], approving_body="市政府", approved_on=days_ago(1))
    assert exc.value.status_code == 409
    with pytest.raises(UnknownAction) as exc:
        transition(app, "dance", w["pn"])
    assert exc.value.status_code == 404
    transition(app, "submit", w["pn"])
    with pytest.raises(MissingFields) as exc:
        transition(app, "review", w["pn"], "")
    assert exc.value.status_code == 400 and "note" in exc.value.fields
    walk_to(app, w["pn"], S.NOTICE)
    for fields in ({"approving_body": "", "approved_on": days_ago(1)}, {"approving_body": "市政府", "approved_on": "2026-13-01"},
                   {"approving_body": "市政府", "approved_on": (TODAY() + datetime.timedelta(days=3)).isoformat()},
                   {"approving_body": "市政府", "approved_on": days_ago(39)}):  # inside the notice period
        with pytest.raises(MissingFields):
            transition(app, "approve", w["pn"], **fields)
    fresh = NamingApplication.objects.get(pk=app.pk)
    assert (fresh.state, fresh.approved_on, fresh.approving_body) == (S.NOTICE, None, "")
    assert AuditEvent.objects.filter(object_id=str(app.pk), action="approve").count() == 0


def test_bad_applications_are_refused_whole():
    w = town()
    batch = create_batch(w["pn"], "批")
    for kw, field in [(dict(road=w["quancheng"], name="新路", applicant="单位"), "road"), (dict(name="新路", applicant="单位"), "road"),
                      (dict(road=w["unnamed1"], name="", applicant="单位"), "name"), (dict(road=w["unnamed1"], name="新路", applicant=""), "applicant"),
                      (dict(geom="not json", name="新路", applicant="单位"), "geom"),
                      (dict(road=w["unnamed1"], name="新路", applicant="单位", priority=7), "priority")]:
        with pytest.raises(ValidationError) as exc:
            create_application(w["pn"], batch, **kw)
        assert field in exc.value.message_dict, (kw, exc.value.message_dict)
    assert NamingApplication.objects.count() == 0
    assert Road.objects.get(pk=w["unnamed1"].pk).status == "unnamed"
    draft(w, batch=batch)
    with pytest.raises(ValidationError) as exc:  # one open application per road
        draft(w, name="别的路", batch=batch)
    assert "road" in exc.value.message_dict


def test_the_database_refuses_what_the_rules_refuse():
    from django.db import IntegrityError, transaction

    w = town()
    batch = create_batch(w["pn"], "批")
    base = dict(batch=batch, name="路", applicant="单位")
    for kw in (dict(), dict(road=w["unnamed1"], state="approved"), dict(road=w["unnamed1"], priority=9),
               dict(road=w["unnamed1"], state="announced", approved_on=TODAY(), approving_body="市政府")):
        with pytest.raises(IntegrityError), transaction.atomic():
            NamingApplication.objects.create(**base, **kw)
    NamingApplication.objects.create(**base, road=w["unnamed1"])
    with pytest.raises(IntegrityError), transaction.atomic():
        NamingApplication.objects.create(**base, road=w["unnamed1"])


def test_the_api_walks_and_refuses(client):
    w = town()
    client.force_login(w["pn"])
    batch = client.post("/api/placenames/batches/", {"title": "第二批"}, content_type="application/json").json()
    r = client.post("/api/placenames/applications/", {"batch": batch["id"], "road": "370112DL010", "name": "权成路", "applicant": "单位"},
                    content_type="application/json")
    assert r.status_code == 201, r.content
    app = r.json()
    assert app["check_warnings"] == 1 and app["pinyin"] == "Quancheng Lu"
    url = f"/api/placenames/applications/{app['id']}/actions/"
    assert client.post(url + "submit/", {}, content_type="application/json").json()["state"] == "submitted"
    r = client.post(url + "review/", {}, content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_fields"
    assert client.post(url + "approve/", {"approving_body": "x", "approved_on": "2026-01-01"}, content_type="application/json").status_code == 409
    assert client.post(url + "fly/", {}, content_type="application/json").status_code == 404
    listed = client.get("/api/placenames/batches/").json()
    assert listed[0]["counts"] == {"submitted": 1}
    drawn = client.post("/api/placenames/applications/", {"batch": batch["id"], "name": "新安街", "applicant": "单位",
                                                          "geom": {"type": "LineString", "coordinates": [[116.71, 36.52], [116.74, 36.52]]}},
                        content_type="application/json")
    assert drawn.status_code == 201 and drawn.json()["road"] is None and drawn.json()["pinyin"] == "Xin'an Jie"
    for geom in ({"type": "Point"}, {"type": "Point", "coordinates": [116.7, 36.5]}, {"type": "LineString", "coordinates": [[500, 36], [501, 36]]},
                 {"type": "LineString", "coordinates": [[116.7, 36.5], [116.7, 36.5]]}, "garbage"):
        bad = client.post("/api/placenames/applications/", {"batch": batch["id"], "name": "新安街", "applicant": "单位", "geom": geom},
                          content_type="application/json")
        assert bad.status_code == 400 and "geom" in bad.json()["fields"], (geom, bad.content)
    client.force_login(w["da"])
    assert client.post(url + "review/", {"note": "x"}, content_type="application/json").status_code == 403
    assert client.get(f"/api/placenames/applications/{app['id']}/").status_code == 200
    client.force_login(w["gm"])
    assert client.get(f"/api/placenames/applications/{app['id']}/").status_code == 403
    r = client.post("/api/placenames/applications/", {"batch": 999, "road": "370112DL011", "name": "新路", "applicant": "单位"},
                    content_type="application/json")
    assert r.status_code == 403

