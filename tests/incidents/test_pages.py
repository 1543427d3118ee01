"""The incident pages with the Django test client: report (success, outside, bad photo, too many
photos), my reports, the console (scope, filters, counts, urgent first), the case page (scope → 404,
actions → 302 / 409 / 403 / 400 with the message, audit events), photos behind the case's scope,
the links, and candidate_assignees."""
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from geogrid.audit.models import AuditEvent
from geogrid.grids.models import Grid, GridMember
from geogrid.incidents.models import Incident, IncidentPhoto
from geogrid.incidents.services import candidate_assignees
from tests.support.world import P_G4A, P_G4B, P_G4D, P_G5A, P_OUT, jpeg_bytes, jpeg_upload, report, walk, world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def w():
    return world()


def login(client, user):
    client.force_login(user)
    return client


def files_under(path):
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def report_body(**kw):
    body = {"category": "environment", "description": "楼道堆放杂物", "lon": P_G5A[0], "lat": P_G5A[1], "crs": "EPSG:4326",
            "address": "一社区 3 号楼"}
    body.update(kw)
    return body


def text(response):
    return response.content.decode()


# --- login and roles ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/incidents/", "/incidents/report/", "/incidents/mine/", "/incidents/1/"])
def test_pages_need_a_login(client, path):
    r = client.get(path)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=")


def test_actions_need_a_login(client, w):
    case = report(w)
    r = client.post(f"/incidents/{case.pk}/actions/register/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert Incident.objects.get(pk=case.pk).state == "reported"


def test_a_user_without_a_grid_role_may_not_report_nor_open_the_console(client, w):
    login(client, w["pn"])
    for path in ("/incidents/report/", "/incidents/"):
        r = client.get(path)
        assert r.status_code == 403 and ("只有网格员和工作人员可以上报事件" in text(r) or "仅供网格员和工作人员使用" in text(r))
    r = client.post("/incidents/report/", report_body())
    assert r.status_code == 403 and Incident.objects.count() == 0
    assert client.get("/incidents/mine/").status_code == 200


def test_links_on_home_and_top_bar_follow_the_roles(client, w):
    login(client, w["m_a"])
    page = text(client.get("/"))
    assert page.count('href="/incidents/report/"') == 2 and page.count('href="/incidents/mine/"') == 2
    assert page.count('href="/incidents/"') == 2
    client.force_login(w["pn"])
    page = text(client.get("/"))
    assert "/incidents/report/" not in page and 'href="/incidents/"' not in page
    assert page.count('href="/incidents/mine/"') == 2


# --- 1. report -------------------------------------------------------------------------------------
def test_the_report_page_opens_on_the_members_grid(client, w):
    r = login(client, w["m_a"]).get("/incidents/report/")
    assert r.status_code == 200
    page = text(r)
    assert "使用我的位置" in page and "环境卫生（默认立即办）" in page and 'enctype="multipart/form-data"' in page
    area = r.context["config"]["area"]["features"]
    assert [f["properties"]["code"] for f in area] == ["37011200100101"] and area[0]["properties"]["kind"] == "grid"
    assert r.context["config"]["similarUrl"] == "/api/incidents/similar/"


def test_staff_without_grids_get_their_area(client, w):
    r = login(client, w["sd1"]).get("/incidents/report/")
    area = r.context["config"]["area"]["features"]
    assert r.status_code == 200 and [(f["properties"]["kind"], f["properties"]["code"]) for f in area] == [("area", "370112001000")]


def test_a_report_stores_one_case_in_the_right_grid_and_shows_its_number(client, w, media):
    login(client, w["m_a"])
    photo = SimpleUploadedFile("现场.png", jpeg_bytes(fmt="PNG"), content_type="image/png")
    r = client.post("/incidents/report/", report_body(photos=[photo]))
    case = Incident.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/incidents/{case.pk}/"
    assert (case.grid5, case.grid4, case.community, case.street) == (w["g5a"], w["g4a"], w["c1"], w["s1"])
    assert case.reporter == w["m_a"] and case.input_crs == "EPSG:4326" and case.address == "一社区 3 号楼"
    assert case.mode == "immediate" and case.photos.count() == 1
    page = text(client.get(r["Location"]))
    assert f"已上报，案卷编号 {case.number}" in page and "甲一小网格" in page and "楼道堆放杂物" in page


def test_a_point_outside_the_district_comes_back_with_a_message_and_nothing_stored(client, w, media):
    r = login(client, w["m_a"]).post("/incidents/report/", report_body(lon=P_OUT[0], lat=P_OUT[1], photos=[jpeg_upload()]))
    assert r.status_code == 400
    assert "该点不在本区范围内" in text(r) and "照片需要重新选择" in text(r)
    # The point stays on the form, so the member can move it.
    assert f'value="{P_OUT[0]}"' in text(r)
    assert Incident.objects.count() == 0 and IncidentPhoto.objects.count() == 0 and files_under(media) == []


def test_a_non_image_renamed_jpg_is_refused_and_no_file_is_written(client, w, media):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a picture at all", content_type="image/jpeg")
    r = login(client, w["m_a"]).post("/incidents/report/", report_body(photos=[jpeg_upload("ok.jpg"), fake]))
    assert r.status_code == 400
    assert "photo.jpg：不是有效的图片文件" in text(r)
    assert Incident.objects.count() == 0 and IncidentPhoto.objects.count() == 0 and files_under(media) == []
    assert AuditEvent.objects.count() == 0


def test_too_many_photos_are_refused(client, w, media):
    photos = [jpeg_upload(f"p{i}.jpg") for i in range(4)]
    r = login(client, w["m_a"]).post("/incidents/report/", report_body(photos=photos))
    assert r.status_code == 400 and "每个事件最多 3 张照片" in text(r)
    assert Incident.objects.count() == 0 and files_under(media) == []


@pytest.mark.parametrize("body, message", [
    ({"lon": "", "lat": ""}, "请在地图上点选事件位置"),
    ({"category": ""}, "请选择事件类别"),
    ({"category": "nope"}, "选择一个有效的选项"),
    ({"description": "  "}, "请填写事件描述"),
    ({"crs": "bd09"}, "未知坐标系"),
])
def test_bad_reports_come_back_with_a_message(client, w, body, message):
    r = login(client, w["m_a"]).post("/incidents/report/", report_body(**body))
    assert r.status_code == 400 and message in text(r), text(r)
    assert Incident.objects.count() == 0


# --- 2. my reports ------------------------------------------------------------------------------------
def test_my_reports_lists_only_mine_with_state_and_deadline(client, w):
    mine = report(w, "m_a", description="我报的")
    report(w, "m_b", at=P_G4B, description="别人报的")
    r = login(client, w["m_a"]).get("/incidents/mine/")
    page = text(r)
    assert r.status_code == 200 and "我报的" in page and "别人报的" not in page
    assert mine.number in page and "已上报" in page and "环境卫生" in page and "deadline-green" in page
    assert f'href="/incidents/{mine.pk}/"' in page


# --- 3. console ---------------------------------------------------------------------------------------
def test_the_console_is_scoped_like_the_api(client, w):
    a = report(w, "m_a", description="甲的案")
    b = report(w, "m_b", at=P_G4B, description="乙的案")
    d = report(w, "m_d", at=P_G4D, description="丁的案")
    seen = {}
    for who in ("m_a", "head_a", "cs1", "cs3", "sd1", "sd2", "da"):
        client.force_login(w[who])
        r = client.get("/incidents/")
        assert r.status_code == 200
        seen[who] = {c.number for c in r.context["page"].object_list}
    assert seen["m_a"] == seen["head_a"] == {a.number}
    assert seen["cs1"] == seen["sd1"] == {a.number, b.number}
    assert seen["cs3"] == seen["sd2"] == {d.number}
    assert seen["da"] == {a.number, b.number, d.number}
    # The map draws the open cases of the list, each with its number and link.
    client.force_login(w["cs1"])
    r = client.get("/incidents/")
    props = sorted((f["properties"]["number"], f["properties"]["url"]) for f in r.context["config"]["cases"]["features"])
    assert props == sorted([(a.number, f"/incidents/{a.pk}/"), (b.number, f"/incidents/{b.pk}/")])


def test_console_filters_counts_and_urgent_first(client, w):
    now = timezone.now()
    Grid.objects.update(valid_from=now - timedelta(days=30))  # the grids existed when the late case was reported
    late = report(w, "m_a", description="超期的", now=now - timedelta(hours=10))  # reported stage: 4 h → red
    fresh = report(w, "m_a", at=P_G4A, cat="dispute", description="新的")  # visit mode, green
    done = walk(w, report(w, "m_b", at=P_G4B, description="已处理"), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["m_b"].pk}),
                ("accept", "m_b"), ("report", "m_b", {"note": "已清理"}), ("verify", "cs1"), ("close", "cs1"))
    login(client, w["cs1"])
    r = client.get("/incidents/")
    listed = [c.number for c in r.context["page"].object_list]
    assert listed == [late.number, fresh.number]  # open only by default, overdue first
    assert {c["code"]: c["n"] for c in r.context["state_counts"]} == {
        "open": 2, "all": 3, "reported": 2, "closed": 1, "registered": 0, "rejected": 0, "dispatched": 0, "handling": 0,
        "handled": 0, "verified": 0}
    assert {c["code"]: c["n"] for c in r.context["colour_counts"]} == {"red": 1, "yellow": 0, "green": 1}
    page = text(r)
    assert "deadline-red" in page and "超期" in page

    def numbers(**params):
        resp = client.get("/incidents/", params)
        assert resp.status_code == 200
        return [c.number for c in resp.context["page"].object_list]

    assert numbers(state="all") == [late.number, fresh.number, done.number]
    assert numbers(state="closed") == [done.number]
    assert numbers(deadline="red") == [late.number]
    assert numbers(deadline="green") == [fresh.number]
    assert numbers(mode="visit") == [fresh.number]
    assert numbers(grid="3701120010010101") == [late.number]  # the L5 grid: only the first point lies in it
    assert numbers(grid="37011200100101", state="all") == [late.number, fresh.number]
    assert numbers(state="bogus") == [late.number, fresh.number]  # a bad filter is ignored, not a 500


def test_the_console_paginates(client, w, settings):
    for i in range(27):
        report(w, "m_a", description=f"第{i}件")
    r = login(client, w["cs1"]).get("/incidents/")
    assert len(r.context["page"].object_list) == 25 and "第 1 / 2 页" in text(r)
    r = client.get("/incidents/", {"page": 2})
    assert len(r.context["page"].object_list) == 2


# --- 4. case page ---------------------------------------------------------------------------------------
def test_a_case_out_of_scope_is_404_like_the_api(client, w):
    case = report(w, "m_a")
    for who in ("m_b", "cs2", "cs3", "sd2", "pn"):
        client.force_login(w[who])
        assert client.get(f"/incidents/{case.pk}/").status_code == 404, who
        assert client.get(f"/api/incidents/{case.pk}/").status_code == 404, who
        assert client.post(f"/incidents/{case.pk}/actions/register/").status_code == 404, who
    assert Incident.objects.get(pk=case.pk).state == "reported"
    client.force_login(w["m_a"])
    assert client.get("/incidents/999999/").status_code == 404


def test_the_case_page_shows_facts_timeline_map_and_only_the_users_actions(client, w):
    case = report(w, "m_a", photos=[jpeg_upload()], address="路口")
    r = login(client, w["m_a"]).get(f"/incidents/{case.pk}/")
    page = text(r)
    assert r.status_code == 200
    for words in (case.number, "环境卫生", "立即办", "已上报", "网格", "甲一小网格", "甲网格", "一社区", "一街道", "甲网格员", "路口",
                  "信息采集上报"):
        assert words in page, words
    assert r.context["action_forms"] == []  # the reporter has nothing to do now
    kinds = [f["properties"]["kind"] for f in r.context["config"]["features"]["features"]]
    assert kinds == ["grid", "case"]
    photo = case.photos.get()
    assert f'/incidents/{case.pk}/photos/{photo.pk}/thumb/' in page and f'/incidents/{case.pk}/photos/{photo.pk}/full/' in page

    r = login(client, w["cs1"]).get(f"/incidents/{case.pk}/")
    assert [a["action"] for a in r.context["action_forms"]] == ["register", "reject", "classify"]
    assert 'action="/incidents/%d/actions/register/"' % case.pk in text(r)


def test_photos_are_served_only_to_those_who_see_the_case(client, w):
    case = report(w, "m_a", photos=[jpeg_upload()])
    photo = case.photos.get()
    login(client, w["m_a"])
    r = client.get(f"/incidents/{case.pk}/photos/{photo.pk}/thumb/")
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg" and b"".join(r.streaming_content)[:2] == b"\xff\xd8"
    assert client.get(f"/incidents/{case.pk}/photos/{photo.pk}/full/").status_code == 200
    assert client.get(f"/incidents/{case.pk}/photos/{photo.pk}/huge/").status_code == 404
    client.force_login(w["m_b"])
    assert client.get(f"/incidents/{case.pk}/photos/{photo.pk}/thumb/").status_code == 404


def test_allowed_actions_change_the_state_and_write_the_audit_event(client, w):
    case = report(w, "m_a")
    login(client, w["cs1"])
    r = client.post(f"/incidents/{case.pk}/actions/register/", {"register-mode": "visit", "register-note": "入户核实"})
    assert r.status_code == 302 and r["Location"] == f"/incidents/{case.pk}/"
    case.refresh_from_db()
    assert case.state == "registered" and case.mode == "visit"
    event = AuditEvent.objects.get(object_id=str(case.pk), action="register")
    assert event.actor == w["cs1"] and (event.from_state, event.to_state, event.note) == ("reported", "registered", "入户核实")

    # The dispatch form offers the grid's team first, then the community's and street's staff.
    page = client.get(r["Location"])
    choices = [label for value, label in page.context["action_forms"][0]["form"].fields["assignee"].choices if value]
    assert choices == ["甲网格长（甲网格 网格长）", "甲网格员（甲网格 专职网格员）", "一社区干事（一社区 社区工作人员）", "一街道调度（一街道 街道调度员）",
                       "区管理员（测试区 区级管理员）"]
    r = client.post(f"/incidents/{case.pk}/actions/dispatch/", {"dispatch-assignee": w["head_a"].pk})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.state == "dispatched" and case.assignee == w["head_a"]
    assert "已完成「派遣」，当前状态：已派遣" in text(client.get(r["Location"]))


def test_a_wrong_state_is_409_with_the_message_and_nothing_changes(client, w):
    case = report(w, "m_a")
    r = login(client, w["cs1"]).post(f"/incidents/{case.pk}/actions/close/")
    assert r.status_code == 409
    assert "当前状态为「已上报」，不能执行「结案」" in text(r)
    assert Incident.objects.get(pk=case.pk).state == "reported"
    assert not AuditEvent.objects.filter(action="close").exists()


def test_a_wrong_role_is_403_with_the_message(client, w):
    case = report(w, "m_a")
    r = login(client, w["m_a"]).post(f"/incidents/{case.pk}/actions/register/")
    assert r.status_code == 403 and "您的角色不能执行「立案」" in text(r)
    # In scope but not the assignee: accept is refused by the workflow's own rule.
    walk(w, case, ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["head_a"].pk}))
    r = client.post(f"/incidents/{case.pk}/actions/accept/")
    assert r.status_code == 403 and "只有承办人可以执行此操作" in text(r)
    assert Incident.objects.get(pk=case.pk).state == "dispatched"


def test_missing_fields_are_400_and_an_unknown_action_404(client, w):
    case = report(w, "m_a")
    login(client, w["cs1"])
    r = client.post(f"/incidents/{case.pk}/actions/reject/", {"reject-note": ""})
    assert r.status_code == 400 and "「不予立案」缺少必填项" in text(r)
    walk(w, case, ("register", "cs1"))
    r = client.post(f"/incidents/{case.pk}/actions/dispatch/", {"dispatch-assignee": w["m_d"].pk})  # not on the list
    assert r.status_code == 400 and "选择一个有效的选项" in text(r)
    assert client.post(f"/incidents/{case.pk}/actions/teleport/").status_code == 404
    assert Incident.objects.get(pk=case.pk).state == "registered"
    assert client.get(f"/incidents/{case.pk}/actions/register/").status_code == 405


def test_marking_a_duplicate_links_both_cases(client, w):
    first = report(w, "m_a", description="第一次")
    second = report(w, "head_a", at=(P_G5A[0] + 0.0001, P_G5A[1]), description="又报一次")
    login(client, w["cs1"])
    page = client.get(f"/incidents/{second.pk}/")
    reject = next(a for a in page.context["action_forms"] if a["action"] == "reject")
    assert [v for v, _label in reject["form"].fields["duplicate_of"].choices if v] == [first.pk]
    r = client.post(f"/incidents/{second.pk}/actions/reject/", {"reject-duplicate_of": first.pk})
    assert r.status_code == 302
    second.refresh_from_db()
    assert second.state == "rejected" and second.duplicate_of == first
    assert f"重复上报，已并入 {first.number}" in text(client.get(f"/incidents/{second.pk}/"))
    assert second.number in text(client.get(f"/incidents/{first.pk}/"))


# --- candidate assignees ----------------------------------------------------------------------------
def test_candidate_assignees_are_the_grid_team_then_the_staff_on_duty(w):
    case = report(w, "m_a")
    assert [(u.username, d) for u, d in candidate_assignees(case)] == [
        ("head_a", "甲网格 网格长"), ("m_a", "甲网格 专职网格员"), ("cs1", "一社区 社区工作人员"), ("sd1", "一街道 街道调度员"),
        ("da", "测试区 区级管理员")]
    # An ended membership and a deactivated user drop out.
    GridMember.objects.filter(user=w["m_a"]).update(end_date=timezone.localdate() - timedelta(days=1),
                                                      start_date=timezone.localdate() - timedelta(days=30))
    w["sd1"].is_active = False
    w["sd1"].save()
    assert [u.username for u, _d in candidate_assignees(case)] == ["head_a", "cs1", "da"]
    d = report(w, "m_d", at=P_G4D)
    assert [u.username for u, _d in candidate_assignees(d)] == ["m_d", "cs3", "sd2", "da"]
