"""The care API: the access matrix of personal data (own grid, another grid, community, street,
district, anonymous), masking on the server, the audited reveal, visits (201, a need → its case
number; bad input 4xx and nothing written), my due list, the export and the OpenAPI schema."""
import json

import pytest
from django.test import Client

from geogrid.audit.models import AuditEvent
from geogrid.care.models import CareVisit
from geogrid.incidents.models import Incident
from tests.care.builders import care_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return care_world()


def client(w, who):
    c = Client()
    if who:
        c.force_login(w[who])
    return c


# who: (names in the list, detail status, reveal status)
MATRIX = {
    "m_a": (["李建国", "王秀英"], 200, 200),  # own grid's member (on G4a, G5a's parent)
    "head_a": (["李建国", "王秀英"], 200, 200),  # own grid's 网格长
    "m_b": ([], 404, 404),  # another grid's member, same community
    "m_d": (["赵德明"], 404, 404),  # another street's member
    "cs1": (["李建国", "王秀英"], 200, 200),  # the community supervisor
    "cs2": ([], 404, 404),  # another community
    "sd1": (["李建国", "王秀英"], 200, 403),  # the street: masked only
    "da": ([], 404, 404),  # the district: aggregate counts only
    "dp_um": ([], 404, 404),  # a department user
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_access_matrix_of_personal_data(w, who):
    names, detail, reveal = MATRIX[who]
    c = client(w, who)
    r = c.get("/api/care/subjects/")
    assert r.status_code == 200
    assert sorted(s["name"] for s in r.json()["results"]) == names
    assert c.get(f"/api/care/subjects/{w['sub1'].pk}/").status_code == detail
    r = c.get(f"/api/care/subjects/{w['sub1'].pk}/?reveal=1")
    assert r.status_code == reveal
    revealed = AuditEvent.objects.filter(action="care_reveal", actor=w[who])
    assert revealed.count() == (1 if reveal == 200 else 0)
    if reveal == 200:
        assert r.json()["id_number"] == w["sub1"].id_number and r.json()["phone"] == "13812345678"
        assert r.json()["masked"] is False
    if reveal == 403:
        assert "完整信息" in r.json()["error"] and w["sub1"].id_number not in r.content.decode()


def test_anonymous_gets_nothing(w):
    c = Client()
    for url in ("/api/care/subjects/", f"/api/care/subjects/{w['sub1'].pk}/?reveal=1", "/api/care/due/"):
        assert c.get(url).status_code in (401, 403)
    assert c.post("/api/care/visits/", {"subject": w["sub1"].pk, "seen": True, "situation": "x"}).status_code in (401, 403)
    assert CareVisit.objects.count() == 0 and AuditEvent.objects.filter(action="care_reveal").count() == 0


def test_numbers_are_masked_on_the_server(w):
    r = client(w, "m_a").get("/api/care/subjects/")
    body = r.content.decode()
    s1 = next(s for s in r.json()["results"] if s["name"] == "王秀英")
    assert s1["id_number"] == w["sub1"].id_number[:6] + "********" + w["sub1"].id_number[-4:]
    assert s1["phone"] == "138****5678" and s1["masked"] is True
    assert w["sub1"].id_number not in body and "13812345678" not in body
    assert w["sub2"].id_number not in body and "053188886666" not in body
    assert AuditEvent.objects.filter(action="care_reveal").count() == 0  # a masked view is not a reveal
    detail = client(w, "m_a").get(f"/api/care/subjects/{w['sub1'].pk}/").json()
    assert detail["phone"] == "138****5678"


def test_record_a_visit_with_a_need_returns_the_case_number(w):
    c = client(w, "m_a")
    r = c.post("/api/care/visits/", json.dumps({"subject": w["sub1"].pk, "seen": True, "situation": "老人腿脚不便",
                                                 "needs": "申请助餐"}), content_type="application/json")
    assert r.status_code == 201, r.content
    case = Incident.objects.get()
    assert r.json()["incident"] == case.number and case.grid5 == w["g5a"] and case.mode == "visit"
    assert r.json()["subject_status"] == "green"
    assert CareVisit.objects.get().incident == case
    r = c.post("/api/care/visits/", {"subject": w["sub2"].pk, "seen": "false", "situation": "不在家"})
    assert r.status_code == 201 and r.json()["incident"] is None


SUB = "sub1"  # replaced by 王秀英's id


@pytest.mark.parametrize("who, body, status", [
    ("m_a", {"seen": True, "situation": "x"}, 400),  # no subject
    ("m_a", {"subject": "abc", "seen": True, "situation": "x"}, 400),
    ("m_a", {"subject": SUB, "situation": "x"}, 400),  # seen missing
    ("m_a", {"subject": SUB, "seen": True, "situation": ""}, 400),
    ("m_a", {"subject": SUB, "seen": True, "situation": "x", "needs": "修门", "need_mode": "immediate"}, 400),
    ("m_a", {"subject": SUB, "seen": True, "situation": "x", "visited_at": "yesterday"}, 400),
    ("m_a", {"subject": 999999, "seen": True, "situation": "x"}, 404),
    ("m_b", {"subject": SUB, "seen": True, "situation": "x"}, 404),  # another grid: as if missing
    ("sd1", {"subject": SUB, "seen": True, "situation": "x"}, 403),  # sees the subject, does not visit
])
def test_bad_visits_are_refused_and_nothing_is_written(w, who, body, status):
    body = {k: (w[SUB].pk if v == SUB else v) for k, v in body.items()}
    r = client(w, who).post("/api/care/visits/", json.dumps(body), content_type="application/json")
    assert r.status_code == status, r.content
    assert CareVisit.objects.count() == 0 and Incident.objects.count() == 0


def test_a_visit_whose_need_fails_writes_nothing(w):
    from geogrid.incidents.models import IncidentCategory

    IncidentCategory.objects.filter(code="person_in_need").update(active=False)
    r = client(w, "m_a").post("/api/care/visits/", json.dumps({"subject": w["sub1"].pk, "seen": True, "situation": "正常",
                                                                "needs": "需要轮椅"}), content_type="application/json")
    assert r.status_code == 400 and "category" in r.json()["fields"]
    assert CareVisit.objects.count() == 0 and Incident.objects.count() == 0


def test_my_due_visits(w):
    from datetime import timedelta

    from geogrid.care.models import CareSubject

    # 王秀英 overdue (in care 10 days, weekly); 李建国 (monthly, nobody's) and 赵德明 (another grid) not this week.
    r = client(w, "m_a").get("/api/care/due/")
    assert r.status_code == 200
    assert [(s["name"], s["status"], s["days_overdue"]) for s in r.json()] == [("王秀英", "red", 3)]
    assert r.json()[0]["phone"] == "138****5678"
    CareSubject.objects.filter(pk=w["sub2"].pk).update(since=w["t0"] - timedelta(days=19))
    # 李建国 is now due tomorrow: listed this week after 王秀英 (most overdue first), not with days=0.
    assert [s["name"] for s in client(w, "m_a").get("/api/care/due/").json()] == ["王秀英", "李建国"]
    assert [s["name"] for s in client(w, "m_a").get("/api/care/due/?days=0").json()] == ["王秀英"]
    assert client(w, "m_b").get("/api/care/due/").json() == []


def test_the_due_list_and_the_due_page_answer_alike(w):
    """One rule (accounts.scope.Scope.oversees_grids): a grid's team and the staff with an area read
    due visits (the district: counts on the page, no one in the list); nobody else, on either."""
    for who, status in (("m_b", 200), ("cs2", 200), ("da", 200), ("pn", 403), ("dp_um", 403)):
        c = client(w, who)
        r = c.get("/api/care/due/")
        assert (r.status_code, c.get("/care/due/").status_code) == (status, status), who
        if status == 200:
            assert r.json() == []  # another grid's, another community's, the district: no one of theirs is due
        else:
            assert "网格人员" in r.json()["error"]
    assert client(w, "m_a").get("/api/care/due/?days=x").status_code == 400
    assert client(w, "m_a").get("/api/care/due/?days=999").status_code == 400


def test_export_needs_a_role_and_is_logged(w):
    assert client(w, "m_a").get("/care/export.csv").status_code == 403
    assert client(w, "sd1").get("/care/export.csv").status_code == 403
    assert client(w, "da").get("/care/export.csv").status_code == 403
    assert AuditEvent.objects.filter(action="care_export").count() == 0
    r = client(w, "cs1").get("/care/export.csv")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    assert w["sub1"].id_number in text and "13812345678" in text and "赵德明" not in text
    e = AuditEvent.objects.get(action="care_export")
    assert e.actor == w["cs1"] and sorted(e.data["subjects"]) == sorted([w["sub1"].pk, w["sub2"].pk])


def test_the_schema_has_the_care_api(w):
    schema = client(w, "m_a").get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for p in ("/api/care/subjects/", "/api/care/subjects/{id}/", "/api/care/visits/", "/api/care/due/"):
        assert p in paths, p
    assert any(p["name"] == "reveal" for p in paths["/api/care/subjects/{id}/"]["get"]["parameters"])
    assert "201" in paths["/api/care/visits/"]["post"]["responses"]


def test_a_visit_with_a_photo_kept_in_the_care_scope(w, settings, tmp_path):
    from geogrid.care.models import CareVisitPhoto
    from tests.support.world import jpeg_upload

    settings.MEDIA_ROOT = tmp_path / "media"
    r = client(w, "m_a").post("/api/care/visits/", {"subject": w["sub1"].pk, "seen": "true", "situation": "屋顶漏水",
                                                     "photos": [jpeg_upload()]})
    assert r.status_code == 201, r.content
    photo = CareVisitPhoto.objects.get()
    assert photo.visit_id == r.json()["id"] and photo.width == 640
    url = f"/care/visits/{photo.visit_id}/photos/{photo.pk}/thumb/"
    assert client(w, "m_a").get(url).status_code == 200
    assert client(w, "cs1").get(f"/care/subjects/{w['sub1'].pk}/").content.decode().count(url) == 1
    assert client(w, "m_b").get(url).status_code == 404 and client(w, "da").get(url).status_code == 404
    # With a need, the case gets the photo too; a file that is no image is refused and nothing is written.
    r = client(w, "m_a").post("/api/care/visits/", {"subject": w["sub1"].pk, "seen": "true", "situation": "x", "needs": "修屋顶",
                                                     "photos": [jpeg_upload()]})
    assert r.status_code == 201 and Incident.objects.get().photos.count() == 1
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    r = client(w, "m_a").post("/api/care/visits/", {"subject": w["sub1"].pk, "seen": "true", "situation": "x", "photos": [bad]})
    assert r.status_code == 400 and "photos" in r.json()["fields"]
    assert CareVisit.objects.count() == 2 and CareVisitPhoto.objects.count() == 2


def test_subjects_by_status_and_public_statistics(w):
    c = client(w, "cs1")
    assert [s["name"] for s in c.get("/api/care/subjects/?status=red").json()["results"]] == ["王秀英"]
    assert [s["name"] for s in c.get("/api/care/subjects/?status=green").json()["results"]] == ["李建国"]
    assert c.get("/api/care/subjects/?status=purple").status_code == 400
    r = Client().get("/api/care/stats/")
    assert r.status_code == 200
    body = r.json()
    assert body["total"]["subjects"] == 3 and body["total"]["overdue"] == 1 and body["min_cell"] == 3
    grids = {g["code"]: g for g in body["grids"]}
    # G5a (2 subjects) and G5d (1) are small: the public learns neither how many nor of which category.
    for g in grids.values():
        assert g["subjects"] is None and set(g["per_category"].values()) == {None} and "subjects" in g["hidden"]
    assert "王秀英" not in r.content.decode() and "甲路" not in r.content.decode()
    # The community of G5a reads its grid exactly; G5d stays hidden, and so does the district total
    # (3 minus G5a's 2 would give G5d's 1).
    body = c.get("/api/care/stats/").json()
    grids = {g["code"]: g for g in body["grids"]}
    assert grids["3701120010010101"]["per_category"]["独居/空巢老人"] == 1 and grids["3701120010010101"]["subjects"] == 2
    assert grids["3701120020010101"]["subjects"] is None and body["total"]["subjects"] is None and "subjects" in body["hidden"]
    assert {g["code"]: g["subjects"] for g in client(w, "m_d").get("/api/care/stats/").json()["grids"]} == {
        "3701120010010101": None, "3701120020010101": 1}
    assert Client().get("/api/care/stats/?days=0").status_code == 400
