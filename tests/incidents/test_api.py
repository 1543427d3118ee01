"""The incident API: token and session auth, report (JSON and multipart with photos), categories,
scoped filterable list, detail with timeline and the actions the user may take, transitions with
200 / 409 / 403 / 400, and the OpenAPI schema."""
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from geogrid.geo import gcj02
from geogrid.incidents.models import Incident
from tests.support.world import P_G4A, P_G4C, P_G5A, P_OUT, jpeg_upload, report, world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def token_client(user):
    out = io.StringIO()
    call_command("drf_create_token", user.username, stdout=out)
    key = out.getvalue().split()[2]
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return c


def session_client(user):
    c = APIClient()
    c.force_login(user)
    return c


def post_report(c, **body):
    body = {"category": "environment", "description": "垃圾堆放", "lon": P_G5A[0], "lat": P_G5A[1], **body}
    return c.post("/api/incidents/", body, format="json")


def test_report_with_a_token_returns_the_case_and_its_codes():
    w = world()
    c = token_client(w["m_a"])
    r = post_report(c)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "reported" and body["number"].startswith(str(timezone.localtime().year))
    assert (body["grid5"], body["grid4"], body["community"], body["street"]) == (
        "3701120010010101", "37011200100101", "370112001001", "370112001000")
    assert Incident.objects.get(pk=body["id"]).reporter == w["m_a"]


def test_anonymous_and_bad_tokens_are_refused():
    w = world()
    r = APIClient().post("/api/incidents/", {"category": "environment"}, format="json")
    assert r.status_code == 401 and r["WWW-Authenticate"] == "Token"
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token nope")
    assert c.get("/api/incidents/").status_code == 401
    assert APIClient().get("/api/incidents/").status_code == 401
    assert Incident.objects.count() == 0 and w


def test_a_point_outside_the_district_is_400_with_a_clear_message():
    w = world()
    r = post_report(session_client(w["m_a"]), lon=P_OUT[0], lat=P_OUT[1])
    assert r.status_code == 400
    assert "不在本区" in r.json()["error"] and "location" in r.json()["fields"]
    assert Incident.objects.count() == 0


@pytest.mark.parametrize("body", [{"lon": "abc"}, {"category": "nope"}, {"crs": "bd09"}, {"mode": "later"}, {"description": ""}])
def test_bad_reports_are_400(body):
    w = world()
    r = post_report(session_client(w["m_a"]), **body)
    assert r.status_code == 400, r.content
    assert Incident.objects.count() == 0


def test_a_user_without_a_reporting_role_gets_403():
    w = world()
    r = post_report(session_client(w["pn"]))
    assert r.status_code == 403 and "上报" in r.json()["error"]
    assert Incident.objects.count() == 0


def test_gcj02_report_through_the_api():
    w = world()
    glon, glat = gcj02.wgs84_to_gcj02(*P_G4A)
    r = post_report(session_client(w["m_a"]), lon=glon, lat=glat, crs="gcj02")
    assert r.status_code == 201 and r.json()["grid4"] == "37011200100101" and r.json()["grid5"] is None


def test_multipart_report_with_photos_and_a_bad_photo_is_400_and_no_row():
    w = world()
    c = session_client(w["m_a"])
    data = {"category": "environment", "description": "井盖缺失", "lon": P_G5A[0], "lat": P_G5A[1],
            "photos": [jpeg_upload("a.jpg"), jpeg_upload("b.jpg")]}
    r = c.post("/api/incidents/", data, format="multipart")
    assert r.status_code == 201, r.content
    detail = c.get(f"/api/incidents/{r.json()['id']}/").json()
    assert len(detail["photos"]) == 2 and detail["photos"][0]["thumbnail"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("evil.jpg", b"<?php echo 1; ?>" * 20, content_type="image/jpeg")
    r = c.post("/api/incidents/", dict(data, photos=[fake]), format="multipart")
    assert r.status_code == 400 and "不是有效的图片" in r.json()["error"]
    assert Incident.objects.count() == 1


def test_photo_links_follow_the_case_scope_with_a_token():
    w = world()
    c = session_client(w["m_a"])
    data = {"category": "environment", "description": "井盖缺失", "lon": P_G5A[0], "lat": P_G5A[1], "photos": [jpeg_upload("a.jpg")]}
    case_id = c.post("/api/incidents/", data, format="multipart").json()["id"]
    owner = token_client(w["m_a"])
    photo = owner.get(f"/api/incidents/{case_id}/").json()["photos"][0]
    # Links point at the scoped API, not at a public /media/ path.
    assert "/media/" not in photo["image"] and photo["image"].endswith("/full/") and photo["thumbnail"].endswith("/thumb/")
    full = owner.get(photo["image"])
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert b"".join(full.streaming_content)[:2] == b"\xff\xd8"  # a JPEG
    thumb = owner.get(photo["thumbnail"])
    assert thumb.status_code == 200 and b"".join(thumb.streaming_content)[:2] == b"\xff\xd8"
    # A member of another grid cannot see the case, so not its photos either.
    assert token_client(w["m_b"]).get(photo["image"]).status_code == 404
    assert APIClient().get(photo["image"]).status_code == 401


def test_categories():
    w = world()
    r = session_client(w["m_a"]).get("/api/incidents/categories/")
    assert r.status_code == 200
    cats = {c["code"]: c for c in r.json()}
    assert cats["person_in_need"]["default_mode"] == "visit" and cats["person_in_need"]["name"] == "困难群众求助"
    assert len(cats) == 8


def test_list_is_scoped_filterable_and_paginated():
    w = world()
    a = report(w, at=P_G5A)
    report(w, who="head_a", at=P_G4A, cat="dispute")
    report(w, who="cs2", at=P_G4C)
    c = session_client(w["cs1"])
    body = c.get("/api/incidents/").json()
    assert body["count"] == 2 and {i["community"] for i in body["results"]} == {"370112001001"}
    assert c.get("/api/incidents/", {"category": "dispute"}).json()["count"] == 1
    assert c.get("/api/incidents/", {"grid": "3701120010010101"}).json()["results"][0]["id"] == a.id
    assert c.get("/api/incidents/", {"state": "closed"}).json()["count"] == 0
    assert session_client(w["sd1"]).get("/api/incidents/").json()["count"] == 3
    page = session_client(w["da"]).get("/api/incidents/", {"page": 1}).json()
    assert set(page) >= {"count", "next", "previous", "results"}
    assert c.get("/api/incidents/", {"deadline_status": "green"}).json()["count"] == 2
    assert c.get("/api/incidents/", {"deadline_status": "purple"}).status_code == 400


def test_detail_has_timeline_and_the_actions_the_user_may_take_now():
    w = world()
    inc = report(w)
    d = session_client(w["cs1"]).get(f"/api/incidents/{inc.pk}/").json()
    assert [e["action"] for e in d["timeline"]] == ["open"] and d["timeline"][0]["actor"] == "甲网格员"
    assert {a["action"] for a in d["actions"]} == {"register", "reject", "classify"}
    assert next(a for a in d["actions"] if a["action"] == "reject")["requires"] == ["note"]
    assert session_client(w["m_a"]).get(f"/api/incidents/{inc.pk}/").json()["actions"] == []
    assert d["deadline_status"] == "green" and d["location"] == {"lon": P_G5A[0], "lat": P_G5A[1]}


def test_transitions_through_the_api_200_409_403_400_404():
    w = world()
    inc = report(w)
    cs1, m_a = session_client(w["cs1"]), token_client(w["m_a"])
    url = f"/api/incidents/{inc.pk}/actions/"
    r = cs1.post(url + "register/", {"note": "属实"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "registered" and r.json()["timeline"][-1]["note"] == "属实"
    r = cs1.post(url + "register/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition" and "已立案" in r.json()["error"]
    r = m_a.post(url + "dispatch/", {"assignee": w["m_a"].pk}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = cs1.post(url + "dispatch/", {}, format="json")
    assert r.status_code == 400 and "assignee" in r.json()["fields"]
    r = cs1.post(url + "fly/", {}, format="json")
    assert r.status_code == 404
    r = cs1.post(url + "dispatch/", {"assignee": w["m_a"].pk, "mode": "expedite"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "dispatched" and r.json()["mode"] == "expedite"
    assert [a["action"] for a in m_a.get(f"/api/incidents/{inc.pk}/").json()["actions"]] == ["accept", "escalate"]
    assert m_a.post(url + "accept/", format="json").json()["state"] == "handling"
    assert m_a.post(url + "report/", {"note": "已清运"}, format="json").json()["state"] == "handled"
    assert cs1.post(url + "verify/", format="json").json()["state"] == "verified"
    r = cs1.post(url + "close/", format="json")
    # Closed: what is left is the evaluation (综合评价), by the reporter or the case's community staff.
    assert r.status_code == 200 and r.json()["state"] == "closed" and [a["action"] for a in r.json()["actions"]] == ["evaluate"]
    assert [e["action"] for e in r.json()["timeline"]] == ["open", "register", "dispatch", "accept", "report", "verify", "close"]


def test_urge_on_an_overdue_case_via_the_api():
    w = world()
    inc = report(w, now=timezone.now() - timedelta(hours=6), mode="visit")
    r = session_client(w["sd1"]).post(f"/api/incidents/{inc.pk}/actions/urge/", {"note": "超期未立案"}, format="json")
    assert r.status_code == 200 and r.json()["urge_count"] == 1 and r.json()["deadline_status"] == "red"


def test_similar_before_submitting():
    w = world()
    report(w, at=P_G4A)
    c = session_client(w["m_b"])  # another grid's member still sees the hint, without the description
    r = c.get("/api/incidents/similar/", {"category": "environment", "lon": P_G4A[0] + 0.0002, "lat": P_G4A[1]})
    assert r.status_code == 200 and len(r.json()) == 1 and "description" not in r.json()[0]
    assert 15 < r.json()[0]["distance_m"] < 20
    assert c.get("/api/incidents/similar/", {"category": "dispute", "lon": P_G4A[0], "lat": P_G4A[1]}).json() == []
    assert c.get("/api/incidents/similar/", {"category": "environment", "lon": "x", "lat": 1}).status_code == 400


def test_the_schema_lists_the_incident_api():
    w = world()
    r = session_client(w["da"]).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for p in ["/api/incidents/", "/api/incidents/{id}/", "/api/incidents/categories/", "/api/incidents/{id}/actions/{action_name}/",
              "/api/grid-members/", "/api/patrols/"]:
        assert p in paths, p
    assert "409" in paths["/api/incidents/{id}/actions/{action_name}/"]["post"]["responses"]


def test_similar_is_refused_to_accounts_that_cannot_report():
    """A place-name clerk cannot report, so the hint (case numbers and places outside their scope)
    is not theirs to read."""
    w = world()
    report(w, at=P_G4A)
    for who in ("pn",):
        r = session_client(w[who]).get("/api/incidents/similar/", {"category": "environment", "lon": P_G4A[0], "lat": P_G4A[1]})
        assert r.status_code == 403 and "上报" in r.json()["error"], who
