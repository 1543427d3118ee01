"""The boundaries API: POST a check → 201 with displacement_m (3 m east → 3.0 ± 0.05 m, also sent
in GCJ-02), refusals with their status and nothing written, the scope matrix, the OpenAPI schema,
and a fixed number of queries."""
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geogrid.boundaries import services as b
from geogrid.boundaries.models import BoundaryLine, BoundaryMarker, JointInspection, MarkerCheck, MarkerPhoto
from geogrid.geo import gcj02
from tests.boundaries.builders import boundary_world, east_of, in_field, marker_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return boundary_world()


def url(insp):
    return f"/api/boundaries/inspections/{insp.pk}/checks/"


def post(client, user, insp, **body):
    client.force_login(user)
    return client.post(url(insp), body, content_type="application/json")


def test_post_a_check_3_m_east_answers_201_with_its_displacement(client, w):
    insp = in_field(w)
    m1, m2 = w["markers"][:2]
    lon, lat = east_of(m1.geom, 3.0)
    r = post(client, w["ins_b"], insp, marker=m1.number, condition="moved", lon=lon, lat=lat, notes="向东移位")
    assert r.status_code == 201, r.content
    assert r.json()["displacement_m"] == pytest.approx(3.0, abs=0.05)
    assert r.json()["marker"] == m1.number and r.json()["side"] == "b" and r.json()["agreed"] is False
    assert r.json()["far_from_marker"] is False
    glon, glat = gcj02.wgs84_to_gcj02(*east_of(m2.geom, 3.0))
    r = post(client, w["ins_b"], insp, marker=m2.number, condition="moved", lon=glon, lat=glat, crs="gcj02")
    assert r.status_code == 201 and r.json()["displacement_m"] == pytest.approx(3.0, abs=0.05) and r.json()["input_crs"] == "gcj02"
    # Stored in CGCS2000: the position answered is the converted one, not the GCJ-02 input.
    assert r.json()["position"]["lon"] == pytest.approx(east_of(m2.geom, 3.0)[0], abs=1e-6)
    # 80 km off (a slip, or the fix of another place sent later from the offline queue): kept, flagged.
    m3 = w["markers"][2]
    r = post(client, w["ins_b"], insp, marker=m3.number, condition="intact", lon=east_of(m3.geom, 80_000)[0], lat=m3.geom.y)
    assert r.status_code == 201 and r.json()["far_from_marker"] is True and r.json()["displacement_m"] > 79_000
    client.force_login(w["ins_a"])  # the other side sees the flag where it confirms, and the report marks it
    assert "位置可疑" in client.get(f"/boundaries/inspections/{insp.pk}/").content.decode()
    assert re.search(rf'data-marker="{m3.number}">.*?（位置可疑）', client.get(f"/boundaries/inspections/{insp.pk}/report/").content.decode(), re.S)
    client.force_login(w["ins_b"])  # on the phone page, when opened again
    assert f'far-off" data-marker="{m3.number}"' in client.get(f"/boundaries/inspections/{insp.pk}/walk/").content.decode()


def test_the_same_client_id_twice_is_one_check(client, w):
    insp = in_field(w)
    m = w["markers"][0]
    body = dict(marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y, client_id="phone-1")
    assert post(client, w["ins_b"], insp, **body).status_code == 201
    r = post(client, w["ins_b"], insp, **body)
    assert r.status_code == 200 and MarkerCheck.objects.count() == 1


@pytest.mark.parametrize("who, body, status", [
    ("ins_b", {"condition": "broken"}, 400),
    ("ins_b", {"lon": 999}, 400),
    ("ins_b", {"crs": "BD09"}, 400),
    ("ins_b", {"marker": "nope"}, 400),
    ("ins_far", {}, 404),  # not a party: the inspection is out of scope
    ("m_a", {}, 404),
    ("da", {}, 403),  # district admins read inspections but do not enter checks
])
def test_refusals_have_their_status_and_write_nothing(client, w, who, body, status):
    insp = in_field(w)
    m = w["markers"][0]
    r = post(client, w[who], insp, **({"marker": m.number, "condition": "intact", "lon": m.geom.x, "lat": m.geom.y} | body))
    assert r.status_code == status, r.content
    assert "error" in r.json() or "detail" in r.json() or r.json()
    assert not MarkerCheck.objects.exists()


def test_a_check_before_fieldwork_is_409(client, w):
    from tests.boundaries.builders import plan

    insp = plan(w)
    m = w["markers"][0]
    r = post(client, w["ins_a"], insp, marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y)
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"


def test_scope_matrix(client, w):
    """Both parties see and act on the line's inspection; the other side confirms but does not edit
    our side's check; district admins read; other users read lines and markers only."""
    insp = in_field(w)
    m = w["markers"][0]
    assert post(client, w["ins_b"], insp, marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y).status_code == 201
    check = MarkerCheck.objects.get()
    expect = {
        # who: (sees inspection, edits b's check, confirms b's check)
        "ins_b2": (True, 200, 409),  # our side: edits; its own side has confirmed already
        "ins_a": (True, 403, 200),  # other side: cannot edit, confirms
        "da": (True, 403, 403),
        "ins_far": (False, 404, 404),
        "m_a": (False, 404, 404),
        "cs1": (False, 404, 404),
        "pn": (False, 404, 404),
    }
    for who, (sees, edit, confirm) in expect.items():
        client.force_login(w[who])
        assert client.get("/api/boundaries/lines/").json()["count"] == 1, who
        assert client.get(f"/api/boundaries/markers/?line={w['line'].code}").json()["count"] == 4, who
        listed = [x["id"] for x in client.get("/api/boundaries/inspections/").json()["results"]]
        assert (listed == [insp.pk]) is sees and (client.get(f"/api/boundaries/inspections/{insp.pk}/").status_code == 200) is sees, who
        r = client.post(url(insp), {"marker": m.number, "condition": "damaged", "lon": m.geom.x, "lat": m.geom.y}, content_type="application/json")
        assert r.status_code == edit, (who, r.content)
        if edit == 200:  # our side changed it: the other side has to confirm again; put it back
            assert r.json()["condition"] == "damaged"
        r = client.post(f"/api/boundaries/checks/{check.pk}/confirm/")
        assert r.status_code == confirm, (who, r.content)
    check.refresh_from_db()
    assert check.agreed and check.confirmed_a_by == w["ins_a"]
    # Nobody signed in reads nothing.
    client.logout()
    assert client.get("/api/boundaries/lines/").status_code in (401, 403)


def test_transitions_through_the_api(client, w):
    insp = in_field(w)
    client.force_login(w["ins_a"])
    r = client.post(f"/api/boundaries/inspections/{insp.pk}/transition/", {"action": "draft_report", "report": "x"}, content_type="application/json")
    assert r.status_code == 409 and "未检查" in r.json()["error"]
    r = client.post(f"/api/boundaries/inspections/{insp.pk}/transition/", {"action": "fly"}, content_type="application/json")
    assert r.status_code == 404
    client.force_login(w["m_a"])
    r = client.post(f"/api/boundaries/inspections/{insp.pk}/transition/", {"action": "draft_report"}, content_type="application/json")
    assert r.status_code == 404
    assert JointInspection.objects.get().state == "fieldwork"


def test_lines_markers_inspections_checks_are_in_the_schema(client, w):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for p in ("/api/boundaries/lines/", "/api/boundaries/markers/", "/api/boundaries/inspections/", "/api/boundaries/inspections/{id}/checks/",
              "/api/boundaries/checks/{id}/confirm/", "/api/boundaries/inspections/{id}/transition/"):
        assert p in paths, p
    post_ = paths["/api/boundaries/inspections/{id}/checks/"]["post"]
    assert "201" in post_["responses"]
    body = post_["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert {"marker", "condition", "lon", "lat", "crs", "notes"} <= set(schema["components"]["schemas"][body]["properties"])
    created = post_["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert "displacement_m" in schema["components"]["schemas"][created]["properties"]


def grow(w, n):
    """n more markers on the line, each checked and confirmed, and n more lines of the district."""
    insp = JointInspection.objects.filter(line=w["line"]).get()
    start = BoundaryMarker.objects.count()
    for i in range(start, start + n):
        BoundaryLine.objects.create(code=f"L{i}", name=f"线{i}", side_a_code=f"3799{i:02d}000000", side_a_name="邻区",
                                    side_b_code="370112000000", side_b_name="测试区", geom=w["line"].geom)
        m = BoundaryMarker.objects.create(number=marker_number(w["line"], 100 + i), line=w["line"], geom=w["markers"][0].geom)
        MarkerPhoto.objects.create(marker=m, image=f"boundaries/m{i}.jpg")
        c, _ = b.record_check(insp, w["ins_b"], marker=m.number, condition="intact", lon=m.geom.x, lat=m.geom.y)
        b.confirm_check(c, w["ins_a"])


@pytest.mark.parametrize("path", ["/api/boundaries/lines/", "/api/boundaries/markers/", "/api/boundaries/inspections/",
                                  "/api/boundaries/inspections/{id}/checks/"])
def test_query_counts_do_not_grow(client, w, path):
    insp = in_field(w)
    client.force_login(w["ins_b"])
    u = path.format(id=insp.pk)

    def count():
        client.get(u)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(u).status_code == 200
        return len(ctx.captured_queries)

    grow(w, 2)
    small = count()
    grow(w, 12)
    assert count() == small


def test_a_check_with_photos_by_multipart_and_a_bad_photo_refused(client, w, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from geogrid.boundaries.models import MarkerPhoto
    from tests.support.world import jpeg_bytes

    settings.MEDIA_ROOT = tmp_path
    insp = in_field(w)
    m = w["markers"][0]
    client.force_login(w["ins_b"])
    bad = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    r = client.post(url(insp), {"marker": m.number, "condition": "damaged", "lon": m.geom.x, "lat": m.geom.y, "photos": [bad]})
    assert r.status_code == 400 and "photos" in r.json()["fields"]
    assert not MarkerCheck.objects.exists() and not MarkerPhoto.objects.exists()
    photo = SimpleUploadedFile("p.jpg", jpeg_bytes(gps=True), content_type="image/jpeg")
    r = client.post(url(insp), {"marker": m.number, "condition": "damaged", "lon": m.geom.x, "lat": m.geom.y, "photos": [photo]})
    assert r.status_code == 201, r.content
    assert MarkerCheck.objects.get().photos.count() == 1
    # Kept without the phone's EXIF (camera, GPS), like every photo the product stores.
    from PIL import Image
    with Image.open(MarkerPhoto.objects.get().image.path) as im:
        assert im.format == "JPEG" and not im.getexif()
    # The photo leaves the server through the inspection's scope only; the report links it.
    p = MarkerPhoto.objects.get()
    assert client.get(f"/boundaries/photos/{p.pk}/").status_code == 200
    assert f"/boundaries/photos/{p.pk}/" in client.get(f"/boundaries/inspections/{insp.pk}/report/").content.decode()
    client.force_login(w["m_a"])
    assert client.get(f"/boundaries/photos/{p.pk}/").status_code == 404


def test_sections_through_the_api(client, w):
    insp = in_field(w)
    m1, m2 = w["markers"][:2]
    client.force_login(w["ins_a"])
    u = f"/api/boundaries/inspections/{insp.pk}/sections/"
    r = client.post(u, {"from_marker": m1.number, "to_marker": m2.number, "references_complete": False, "identifiable": True,
                        "references_notes": "3 号电杆已拆除"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["side"] == "a" and r.json()["references_complete"] is False
    r = client.post(u, {"from_marker": m1.number, "to_marker": m1.number, "references_complete": True, "identifiable": True},
                    content_type="application/json")
    assert r.status_code == 400
    client.force_login(w["ins_far"])
    assert client.post(u, {"from_marker": m1.number, "to_marker": m2.number, "references_complete": True, "identifiable": True},
                       content_type="application/json").status_code == 404
    assert insp.sections.count() == 1
    assert "/api/boundaries/inspections/{id}/sections/" in client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]


def test_marker_photos_are_checked_in_the_admin_and_listed_for_everyone(client, w, settings, tmp_path):
    """登记照片: uploaded in the marker's admin page (checked by content, kept without EXIF like every
    photo), listed by the markers API and served to anyone signed in."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from geogrid.boundaries.admin import MarkerPhotoForm
    from tests.support.world import jpeg_bytes

    settings.MEDIA_ROOT = tmp_path
    m = w["markers"][0]
    form = MarkerPhotoForm(data={}, files={"image": SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")},
                           instance=MarkerPhoto(marker=m))
    assert not form.is_valid() and "image" in form.errors
    form = MarkerPhotoForm(data={}, files={"image": SimpleUploadedFile("p.jpg", jpeg_bytes(gps=True), content_type="image/jpeg")},
                           instance=MarkerPhoto(marker=m))
    assert form.is_valid(), form.errors
    photo = form.save()
    with Image.open(photo.image.path) as im:
        assert im.format == "JPEG" and not im.getexif()
    client.force_login(w["m_a"])  # a grid member: reads markers and their photos, not inspections
    listed = {x["number"]: x["photos"] for x in client.get(f"/api/boundaries/markers/?line={w['line'].code}").json()["results"]}
    assert listed[m.number] == [f"/boundaries/photos/{photo.pk}/"] and listed[w["markers"][1].number] == []
    assert client.get(f"/boundaries/photos/{photo.pk}/").status_code == 200
