"""Road-name sign patrols: a patrol of the patrols app whose targets are the signs of a road (in order
along it) or of an area; a record per sign (condition, cleaned, photo, note) that sets the sign's
condition, marks the target visited and opens (or links) a repair order for a damaged, missing or
wrong sign; the API with Idempotency-Key; who may do it; refusals that write nothing; the yearly
figures; the phone page; fixed query counts."""
import io

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from geogrid.audit.models import AuditEvent
from geogrid.patrols.models import Patrol, PatrolTarget
from geogrid.placenames import signpatrol, signrepair
from geogrid.placenames.models import RoadSign, SignInspection, SignRepair
from geogrid.workflow.exceptions import InvalidTransition, TransitionForbidden
from tests.placenames.builders import town, user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # photos of these tests go nowhere shared


def sign(road, code, x, condition="good"):
    return RoadSign.objects.create(code=code, road=road, geom=Point(x, road.geom[0][0][1] + 0.0001, srid=4490), name_text=road.name or "x",
                                   pinyin_text=(road.pinyin or "X").upper(), condition=condition)


def jpeg(name="p.jpg"):
    """A photo as a phone camera writes it: with EXIF (camera and GPS position)."""
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x8825] = {1: "N", 2: (36.0, 31.0, 12.0), 3: "E", 4: (116.0, 42.0, 18.0)}
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def world():
    w = town()
    road = w["quancheng"]  # 116.71 → 116.74 at 36.58
    # Created out of order: the patrol walks them along the road (west to east).
    w["signs"] = [sign(road, "S3", 116.735), sign(road, "S1", 116.712), sign(road, "S2", 116.725)]
    w["other"] = sign(w["retired"], "R1", 116.72)
    return w


def started(w, who="pn"):
    return signpatrol.start_sign_patrol(w[who], road=w["quancheng"].code)


# --- services ------------------------------------------------------------------------------------------
def test_a_road_patrol_walks_its_signs_in_order_along_the_road():
    w = world()
    p = started(w)
    assert p.grid_id is None and p.user == w["pn"]
    assert [t.label.split()[0] for t in PatrolTarget.objects.filter(patrol=p).order_by("order")] == ["S1", "S2", "S3"]
    assert [s.code for _t, s, _i in signpatrol.walk(p)] == ["S1", "S2", "S3"]
    assert signpatrol.open_sign_patrol(w["pn"]) == p
    with pytest.raises(InvalidTransition):  # one open patrol a person (the patrols app's rule)
        started(w)


def test_an_area_patrol_takes_the_signs_inside_road_by_road():
    w = world()
    p = signpatrol.start_sign_patrol(w["pn"], area=w["street"].code)
    assert [s.code for _t, s, _i in signpatrol.walk(p)] == ["S1", "S2", "S3", "R1"]  # 370112DL001 then DL002


def test_recording_sets_the_condition_marks_the_visit_and_counts(client):
    w = world()
    s1, s2, s3 = sorted(w["signs"], key=lambda s: s.code)
    p = started(w)
    a = signpatrol.record_inspection(p, w["pn"], sign="S1", condition="good", cleaned=True, note="擦洗", photo=jpeg())
    b = signpatrol.record_inspection(p, w["pn"], sign=s2, condition="dirty", cleaned=True)
    c = signpatrol.record_inspection(p, w["pn"], sign="S3", condition="tilted")
    assert (a.condition, a.cleaned, a.note, bool(a.photo), a.repair) == ("good", True, "擦洗", True, None)
    assert a.photo.name.startswith(f"placenames/signs/{s1.pk}/") and a.photo.name.endswith(".jpg")
    with Image.open(a.photo.path) as im:  # kept without the phone's EXIF (camera, GPS)
        assert im.size == (8, 8) and not im.getexif()
    conditions = dict(RoadSign.objects.values_list("code", "condition"))
    assert conditions == {"S1": "good", "S2": "good", "S3": "tilted", "R1": "good"}  # dirty, cleaned on the spot: good again
    assert (b.condition, c.condition) == ("dirty", "tilted")
    assert PatrolTarget.objects.filter(patrol=p, visited_at__isnull=False).count() == 3
    assert AuditEvent.objects.filter(action="inspect_sign").count() == 3
    assert SignRepair.objects.count() == 0
    year = timezone.localdate().year
    assert signrepair.yearly_figures() == [{"year": year, "inspected": 3, "cleaned": 2, "dispatched": 0, "repaired": 0}]
    signpatrol.end_sign_patrol(p, w["pn"])
    client.force_login(w["da"])
    assert client.get("/api/placenames/signs/figures").json() == signrepair.yearly_figures()
    client.force_login(w["gm"])
    assert client.get("/api/placenames/signs/figures").status_code == 403
    # A second patrol the same year: the same signs count once.
    p2 = started(w)
    signpatrol.record_inspection(p2, w["pn"], sign="S1", condition="good", cleaned=True)
    assert signrepair.yearly_figures()[0]["inspected"] == 3 and signrepair.yearly_figures()[0]["cleaned"] == 2


@pytest.mark.parametrize("condition", ["damaged", "missing", "wrong"])
def test_damaged_missing_or_wrong_opens_a_repair_order(condition):
    w = world()
    p = started(w)
    insp = signpatrol.record_inspection(p, w["pn"], sign="S2", condition=condition, note="牌面")
    repair = SignRepair.objects.get()
    assert insp.repair == repair and insp.repair_created
    assert (repair.sign.code, repair.problem, repair.state, repair.description) == ("S2", condition, "dispatched", "牌面")
    assert RoadSign.objects.get(code="S2").condition == condition
    # The order goes through the existing workflow; the figures count it repaired once accepted.
    signrepair.transition(repair, "repair", w["pn"], "已更换")
    signrepair.transition(repair, "accept", w["pn"])
    assert RoadSign.objects.get(code="S2").condition == "good"
    assert signrepair.yearly_figures()[0]["repaired"] == 1


def test_an_open_repair_order_is_linked_not_doubled():
    w = world()
    s2 = RoadSign.objects.get(code="S2")
    open_order = signrepair.dispatch_repair(w["pn"], s2, "damaged", "上次发现")
    p = started(w)
    insp = signpatrol.record_inspection(p, w["pn"], sign="S2", condition="missing")
    assert insp.repair == open_order and not insp.repair_created and SignRepair.objects.count() == 1
    for condition in ("good", "dirty", "faded", "tilted"):
        assert condition not in signpatrol.REPAIR_CONDITIONS


def test_refusals_write_nothing():
    w = world()
    p = started(w)
    other = user("pn2", "placename_staff")
    before = (SignInspection.objects.count(), SignRepair.objects.count(), AuditEvent.objects.count())
    bad = [dict(sign="NOPE", condition="good"), dict(sign="R1", condition="good"),  # not a sign of this patrol
           dict(sign="S1", condition="broken"), dict(sign="S1", condition="missing", cleaned=True),
           dict(sign="S1", condition="damaged", note="x" * 2001),
           dict(sign="S1", condition="damaged", photo=SimpleUploadedFile("a.jpg", b"not an image"))]
    for kw in bad:
        with pytest.raises(ValidationError):
            signpatrol.record_inspection(p, w["pn"], **kw)
    with pytest.raises(TransitionForbidden):
        signpatrol.record_inspection(p, other, sign="S1", condition="damaged")
    with pytest.raises(TransitionForbidden):
        signpatrol.record_inspection(p, w["da"], sign="S1", condition="damaged")
    assert (SignInspection.objects.count(), SignRepair.objects.count(), AuditEvent.objects.count()) == before
    assert set(RoadSign.objects.values_list("condition", flat=True)) == {"good"}
    assert not PatrolTarget.objects.filter(visited_at__isnull=False).exists()
    signpatrol.record_inspection(p, w["pn"], sign="S1", condition="good")
    with pytest.raises(InvalidTransition):  # once a patrol
        signpatrol.record_inspection(p, w["pn"], sign="S1", condition="damaged")
    signpatrol.end_sign_patrol(p, w["pn"])
    p.refresh_from_db()
    with pytest.raises(InvalidTransition):
        signpatrol.record_inspection(p, w["pn"], sign="S2", condition="good")
    assert SignInspection.objects.count() == 1 and SignRepair.objects.count() == 0


def test_starting_needs_one_road_or_area_with_signs_and_the_staff():
    w = world()
    for kw in [{}, {"road": w["quancheng"].code, "area": w["street"].code}, {"road": "NOPE"}, {"area": "999"},
               {"road": w["unnamed1"].code}, {"area": w["district"].code}]:
        with pytest.raises(ValidationError):
            signpatrol.start_sign_patrol(w["pn"], **kw)
    for who in ("da", "gm"):
        with pytest.raises(TransitionForbidden):
            signpatrol.start_sign_patrol(w[who], road=w["quancheng"].code)
    assert not Patrol.objects.exists()


# --- API -------------------------------------------------------------------------------------------------
def api_start(client, road):
    return client.post("/api/placenames/sign-patrols/", {"road": road}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="start-1")


def test_the_api_walks_a_road_with_idempotent_writes(client):
    w = world()
    client.force_login(w["pn"])
    r = api_start(client, w["quancheng"].code)
    assert r.status_code == 201, r.content
    body = r.json()
    assert [s["sign"] for s in body["stops"]] == ["S1", "S2", "S3"] and body["stops"][0]["inspection"] is None
    again = api_start(client, w["quancheng"].code)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and Patrol.objects.count() == 1
    url = f"/api/placenames/sign-patrols/{body['id']}/inspections/"
    send = dict(sign="S2", condition="damaged", cleaned="false", note="撞弯", photo=jpeg())
    r = client.post(url, send, HTTP_IDEMPOTENCY_KEY="k-s2")
    assert r.status_code == 201, r.content
    d = r.json()
    assert (d["sign"], d["condition"], d["cleaned"], d["photo"], d["repair_created"], d["sign_condition"]) == ("S2", "damaged", False, True, True, "damaged")
    # The phone resends after a timeout: the first answer, no second record or order.
    r2 = client.post(url, dict(send, photo=jpeg()), HTTP_IDEMPOTENCY_KEY="k-s2")
    assert r2.status_code == 201 and r2["Idempotent-Replayed"] == "true" and r2.json()["id"] == d["id"]
    assert SignInspection.objects.count() == 1 and SignRepair.objects.count() == 1
    assert client.post(url, dict(sign="S3", condition="good"), HTTP_IDEMPOTENCY_KEY="k-s2").status_code == 409  # same key, other body
    r = client.post(url, {"sign": "S1", "condition": "dirty", "cleaned": True}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-s1")
    assert r.status_code == 201 and r.json()["sign_condition"] == "good"
    detail = client.get(f"/api/placenames/sign-patrols/{body['id']}/").json()
    assert [(s["sign"], s["condition"], s["visited_at"] is not None) for s in detail["stops"]] == [
        ("S1", "good", True), ("S2", "damaged", True), ("S3", "good", False)]
    assert detail["stops"][1]["inspection"]["note"] == "撞弯"
    listed = client.get("/api/placenames/sign-patrols/").json()
    assert [(p["signs"], p["visited"]) for p in listed] == [(3, 2)]
    r = client.post(f"/api/placenames/sign-patrols/{body['id']}/end/", {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="end-1")
    assert r.status_code == 200 and r.json()["ended_at"]
    assert client.post(f"/api/placenames/sign-patrols/{body['id']}/end/", {}, content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="end-1")["Idempotent-Replayed"] == "true"
    assert client.post(f"/api/placenames/sign-patrols/{body['id']}/end/", {}, content_type="application/json").status_code == 409


def test_api_bad_input_is_a_4xx_and_writes_nothing(client):
    w = world()
    client.force_login(w["pn"])
    assert client.post("/api/placenames/sign-patrols/", {}, content_type="application/json").status_code == 400
    assert client.post("/api/placenames/sign-patrols/", {"road": "NOPE"}, content_type="application/json").status_code == 400
    assert not Patrol.objects.exists()
    pid = api_start(client, w["quancheng"].code).json()["id"]
    url = f"/api/placenames/sign-patrols/{pid}/inspections/"
    events = AuditEvent.objects.count()
    for data in [{"sign": "S1"}, {"sign": "S1", "condition": "broken"}, {"sign": "NOPE", "condition": "good"},
                 {"sign": "R1", "condition": "good"}, {"sign": "S1", "condition": "missing", "cleaned": "true"},
                 {"sign": "S1", "condition": "damaged", "photo": SimpleUploadedFile("x.jpg", b"GIF89a not really")}]:
        r = client.post(url, data, HTTP_IDEMPOTENCY_KEY="same-key-corrected-later")
        assert r.status_code == 400, (data, r.content)
    assert client.post("/api/placenames/sign-patrols/999999/inspections/", {"sign": "S1", "condition": "good"}).status_code == 404
    assert SignInspection.objects.count() == 0 and SignRepair.objects.count() == 0 and AuditEvent.objects.count() == events
    assert set(RoadSign.objects.values_list("condition", flat=True)) == {"good"}
    # A refused request did not use up its key: the corrected request goes through with it.
    assert client.post(url, {"sign": "S1", "condition": "good"}, HTTP_IDEMPOTENCY_KEY="same-key-corrected-later").status_code == 201


@pytest.mark.parametrize("who,start,read", [("pn", 201, 200), ("da", 403, 200), ("gm", 403, 403), (None, 401, 401)])
def test_api_scope_matrix(client, who, start, read):
    w = world()
    p = started(w)
    if who:
        client.force_login(w[who])
    assert client.get("/api/placenames/sign-patrols/").status_code == read
    assert client.get(f"/api/placenames/sign-patrols/{p.pk}/").status_code == read
    pn2 = user("pn2", "placename_staff") if who == "pn" else None
    if who == "pn":  # the owner of the open patrol starts no second one; another place-name staff member may
        client.force_login(pn2)
    r = client.post("/api/placenames/sign-patrols/", {"road": w["quancheng"].code}, content_type="application/json")
    assert r.status_code == start
    r = client.post(f"/api/placenames/sign-patrols/{p.pk}/inspections/", {"sign": "S1", "condition": "damaged"})
    assert r.status_code == (403 if who else 401)  # only the patrol's own inspector records in it
    assert client.post(f"/api/placenames/sign-patrols/{p.pk}/end/", {}, content_type="application/json").status_code == (403 if who else 401)
    assert not SignInspection.objects.exists() and not SignRepair.objects.exists()


def test_the_schema_lists_the_sign_patrol_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in ("/api/placenames/sign-patrols/", "/api/placenames/sign-patrols/{id}/", "/api/placenames/sign-patrols/{id}/inspections/",
                 "/api/placenames/sign-patrols/{id}/end/", "/api/placenames/signs/figures"):
        assert path in paths, path
    for path in ("/api/placenames/sign-patrols/", "/api/placenames/sign-patrols/{id}/inspections/", "/api/placenames/sign-patrols/{id}/end/"):
        assert "Idempotency-Key" in [p["name"] for p in paths[path]["post"].get("parameters", [])], path


# --- pages ---------------------------------------------------------------------------------------------
def test_the_phone_page_starts_walks_and_ends(client):
    w = world()
    client.force_login(w["pn"])
    body = client.get("/placenames/signs/patrol/").content.decode()
    assert 'id="patrol-road"' in body and w["quancheng"].code in body and w["street"].code in body
    assert client.post("/placenames/signs/patrol/start/", {"road": "NOPE"}).status_code == 302 and not Patrol.objects.exists()
    r = client.post("/placenames/signs/patrol/start/", {"road": w["quancheng"].code})
    assert r.status_code == 302
    body = client.get("/placenames/signs/patrol/").content.decode()
    assert [body.index(f'data-sign="{c}"') for c in ("S1", "S2", "S3")] == sorted(body.index(f'data-sign="{c}"') for c in ("S1", "S2", "S3"))
    assert 'id="sign-walk-map"' in body and "sign-walk-config" in body and "Idempotency" not in body
    assert "/static/placenames/signpatrol.js" in body and "cdn" not in body.lower()
    p = Patrol.objects.get()
    signpatrol.record_inspection(p, w["pn"], sign="S1", condition="damaged")
    body = client.get("/placenames/signs/patrol/").content.decode()
    assert body.count('class="walk-form"') == 2 and '<b id="done-count">1</b>' in body
    assert client.post(f"/placenames/signs/patrol/{p.pk}/end/").status_code == 302
    assert Patrol.objects.get().ended_at is not None
    assert 'id="patrol-road"' in client.get("/placenames/signs/patrol/").content.decode()
    body = client.get("/placenames/signs/").content.decode()
    assert 'class="inspected">1<' in body and 'id="sign-patrol-link"' in body
    for who, code in (("da", 403), ("gm", 403)):
        client.force_login(w[who])
        assert client.get("/placenames/signs/patrol/").status_code == code
        assert client.post("/placenames/signs/patrol/start/", {"road": w["quancheng"].code}).status_code == code
    assert Patrol.objects.count() == 1


def test_a_grid_patrol_or_marker_walk_is_not_taken_for_a_sign_patrol(client):
    w = world()
    from geogrid.patrols import services as patrols

    patrols.start_target_patrol(w["pn"], [w["street"]])  # a patrol of something else
    assert signpatrol.open_sign_patrol(w["pn"]) is None
    client.force_login(w["pn"])
    assert 'id="patrol-road"' in client.get("/placenames/signs/patrol/").content.decode()


def test_photos_leave_only_to_place_name_users(client):
    w = world()
    p = started(w)
    insp = signpatrol.record_inspection(p, w["pn"], sign="S1", condition="dirty", photo=jpeg())
    plain = signpatrol.record_inspection(p, w["pn"], sign="S2", condition="good")
    client.force_login(w["pn"])
    body = client.get("/placenames/signs/").content.decode()
    assert f'data-inspection="{insp.pk}"' in body and f"/placenames/signs/inspections/{insp.pk}/photo/" in body
    assert f'data-inspection="{plain.pk}"' in body and f"/placenames/signs/inspections/{plain.pk}/photo/" not in body
    assert client.get(f"/placenames/signs/inspections/{plain.pk}/photo/").status_code == 404
    client.force_login(w["gm"])
    assert client.get(f"/placenames/signs/inspections/{insp.pk}/photo/").status_code == 403
    client.force_login(w["da"])
    r = client.get(f"/placenames/signs/inspections/{insp.pk}/photo/")
    assert r.status_code == 200 and b"".join(r.streaming_content)[:2] == b"\xff\xd8"


# --- fixed query counts -----------------------------------------------------------------------------------
def many_signs(w, n):
    road = w["quancheng"]
    for i in range(n):
        sign(road, f"M{i:02d}", 116.711 + i * 0.0008, condition=["good", "dirty", "tilted"][i % 3])


def queries(client, method, url, **kw):
    with CaptureQueriesContext(connection) as ctx:
        r = getattr(client, method)(url, **kw)
    assert r.status_code < 400, r.content
    return len(ctx)


def measure(client, w):
    counts = {"start page": queries(client, "get", "/placenames/signs/patrol/")}
    counts["start"] = queries(client, "post", "/api/placenames/sign-patrols/", data={"road": w["quancheng"].code}, content_type="application/json")
    patrol = Patrol.objects.get(ended_at__isnull=True)
    signpatrol.record_inspection(patrol, w["pn"], sign="S1", condition="dirty", cleaned=True)
    counts["walk page"] = queries(client, "get", "/placenames/signs/patrol/")
    counts["detail"] = queries(client, "get", f"/api/placenames/sign-patrols/{patrol.pk}/")
    counts["list"] = queries(client, "get", "/api/placenames/sign-patrols/")
    counts["record"] = queries(client, "post", f"/api/placenames/sign-patrols/{patrol.pk}/inspections/", data={"sign": "S2", "condition": "tilted"})
    counts["signs page"] = queries(client, "get", "/placenames/signs/")
    counts["end"] = queries(client, "post", f"/api/placenames/sign-patrols/{patrol.pk}/end/", data={}, content_type="application/json")
    return counts


def test_pages_and_api_run_a_fixed_number_of_queries_with_more_and_fewer_signs(client):
    w = world()
    client.force_login(w["pn"])
    client.get("/placenames/signs/patrol/")  # warm caches (content types, scope)
    few = measure(client, w)
    many_signs(w, 25)
    many = measure(client, w)
    assert Patrol.objects.get(ended_at__isnull=False, targets__label__startswith="M24") and PatrolTarget.objects.count() == 3 + 28
    assert few == many, (few, many)
