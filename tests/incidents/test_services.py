"""Reporting an incident: located in PostGIS (grid rows valid at that moment), numbered, GCJ-02
aware, photos checked by content; bad input refused with nothing written; duplicate suggestion."""
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from geogrid.audit.models import AuditEvent
from geogrid.geo import gcj02
from geogrid.geo.measure import distance_m
from geogrid.grids.models import Grid
from geogrid.incidents.models import Incident, IncidentCategory, IncidentPhoto
from geogrid.incidents.services import mark_duplicate, report_incident, similar_open_incidents, timeline, transition
from geogrid.workflow.exceptions import TransitionForbidden
from tests.support.world import P_G4A, P_G4D, P_G5A, P_OUT, category, jpeg_bytes, jpeg_upload, pt, report, world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_the_seeded_categories_are_there_with_modes_and_limits():
    world()
    cats = {c.code: c for c in IncidentCategory.objects.all()}
    assert {"safety_hazard", "fire_hazard", "dispute", "person_in_need", "environment", "damaged_facility", "illegal_construction",
            "other"} <= set(cats)
    assert cats["person_in_need"].default_mode == "visit" and cats["person_in_need"].name == "困难群众求助"
    assert cats["fire_hazard"].time_limits["handling"] == 12


def test_report_locates_grids_areas_and_numbers_the_case():
    w = world()
    inc = report(w, at=P_G5A, mode=None)
    assert (inc.grid5, inc.grid4, inc.community, inc.street) == (w["g5a"], w["g4a"], w["c1"], w["s1"])
    assert inc.state == "reported" and inc.mode == "immediate"  # environment's default mode
    assert inc.number == f"{timezone.localtime().year}000001" and inc.reporter == w["m_a"]
    assert inc.input_crs == "EPSG:4490" and inc.responsible_level == "grid"
    second = report(w, at=P_G4A)
    assert second.number == f"{timezone.localtime().year}000002"
    assert second.grid5 is None and second.grid4 == w["g4a"]
    east = report(w, who="m_d", at=P_G4D)
    assert (east.grid4, east.community, east.street) == (w["g4d"], w["c3"], w["s2"])
    ev = AuditEvent.objects.get(object_id=str(inc.pk), action="open")
    assert ev.to_state == "reported" and ev.actor == w["m_a"] and ev.data["number"] == inc.number


def test_numbers_restart_each_year():
    w = world()
    a = report(w, now=timezone.now().replace(year=2030, month=6))
    b = report(w, now=timezone.now().replace(year=2031, month=6))
    assert (a.number, b.number) == ("2030000001", "2031000001")


def test_the_case_keeps_the_grid_version_of_its_report_time():
    w = world()
    t_old = timezone.now() - timedelta(days=10)
    g = w["g4a"]
    Grid.objects.filter(pk=g.pk).update(valid_from=t_old - timedelta(days=1))
    old = report(w, at=P_G4A, now=t_old)
    assert old.grid4.pk == g.pk
    # Redraw G4a: close the row, make version 2.
    cut = timezone.now() - timedelta(days=1)
    Grid.objects.filter(pk=g.pk).update(valid_to=cut)
    v2 = Grid.objects.create(code=g.code, name=g.name, level=4, community=g.community, geom=g.geom, version=2, valid_from=cut)
    new = report(w, at=P_G4A)
    old.refresh_from_db()
    assert old.grid4.pk == g.pk and old.grid4.version == 1
    assert new.grid4.pk == v2.pk
    backdated = report(w, at=P_G4A, now=t_old + timedelta(hours=1))
    assert backdated.grid4.pk == g.pk  # grids_at(point, when): the row valid then


def test_gcj02_input_is_converted_and_lands_in_the_right_grid():
    w = world()
    glon, glat = gcj02.wgs84_to_gcj02(*P_G4A)
    inc = report(w, at=(glon, glat), crs="gcj02")
    assert inc.input_crs == "gcj02"
    assert distance_m(inc.geom, pt(P_G4A)) < 1.0
    assert inc.grid4 == w["g4a"]
    # The same numbers taken as WGS84 would be ~500 m off.
    raw = report(w, at=(glon, glat), crs="EPSG:4326")
    assert raw.input_crs == "EPSG:4326" and distance_m(raw.geom, pt(P_G4A)) > 300


@pytest.mark.parametrize("kwargs, field, words", [
    ({"at": P_OUT}, "location", "不在本区"),
    ({"at": ("abc", 36.5)}, "location", "数字"),
    ({"at": (200, 36.5)}, "location", "超出范围"),
    ({"crs": "bd09"}, "location", "未知坐标系"),
    ({"description": "  "}, "description", "描述"),
    ({"mode": "someday"}, "mode", "办理方式"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_written(kwargs, field, words):
    w = world()
    with pytest.raises(ValidationError) as err:
        report(w, **kwargs)
    assert field in err.value.message_dict and words in " ".join(err.value.message_dict[field])
    assert Incident.objects.count() == 0 and AuditEvent.objects.count() == 0


def test_unknown_or_inactive_category_is_refused():
    w = world()
    IncidentCategory.objects.filter(code="other").update(active=False)
    for cat in ("nope", "other"):
        with pytest.raises(ValidationError, match="类别"):
            report_incident(w["m_a"], category=cat, description="x", lon=P_G5A[0], lat=P_G5A[1])
    assert Incident.objects.count() == 0


def test_only_grid_members_and_staff_report():
    w = world()
    with pytest.raises(TransitionForbidden):
        report(w, who="pn")
    assert Incident.objects.count() == 0


# --- photos --------------------------------------------------------------------------------------
def test_photos_are_stored_with_thumbnails(media):
    w = world()
    inc = report(w, photos=[jpeg_upload("a.jpg", size=(1600, 1200)), jpeg_upload("b.png", fmt="PNG")])
    photos = list(inc.photos.order_by("id"))
    assert len(photos) == 2
    p = photos[0]
    assert (p.width, p.height, p.content_type) == (1600, 1200, "image/jpeg") and p.size > 0 and len(p.sha256) == 64
    from PIL import Image

    with Image.open(p.thumbnail.path) as t:
        assert t.format == "JPEG" and max(t.size) == 320
    assert photos[1].content_type == "image/png" and photos[1].image.name.endswith(".png")  # by content, not by name
    assert str(media) in p.image.path


def test_a_non_image_renamed_jpg_is_refused_and_no_incident_is_left(media):
    w = world()
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 this is not a picture" * 10, content_type="image/jpeg")
    with pytest.raises(ValidationError, match="不是有效的图片"):
        report(w, photos=[jpeg_upload(), fake])
    assert Incident.objects.count() == 0 and IncidentPhoto.objects.count() == 0
    assert not any(media.rglob("*.*"))


def test_a_truncated_jpeg_is_refused():
    w = world()
    data = jpeg_bytes()
    with pytest.raises(ValidationError, match="不是有效的图片"):
        report(w, photos=[SimpleUploadedFile("cut.jpg", data[: len(data) // 2])])
    assert Incident.objects.count() == 0


def test_an_unsupported_format_is_refused():
    w = world()
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "BMP")
    with pytest.raises(ValidationError, match="不支持的图片格式 BMP"):
        report(w, photos=[SimpleUploadedFile("x.jpg", buf.getvalue())])


def test_photo_size_and_count_limits(settings):
    w = world()
    settings.GEOGRID_PHOTO_MAX_BYTES = 2000
    with pytest.raises(ValidationError, match="文件过大"):
        report(w, photos=[jpeg_upload(size=(800, 600), color=None)])
    settings.GEOGRID_PHOTO_MAX_BYTES = 8 * 1024 * 1024
    with pytest.raises(ValidationError, match="最多 3 张"):
        report(w, photos=[jpeg_upload() for _ in range(4)])
    assert Incident.objects.count() == 0


# --- duplicates ------------------------------------------------------------------------------------
def test_similar_open_cases_nearby_and_recent_of_the_same_category():
    w = world()
    now = timezone.now()
    base = report(w, at=P_G4A, cat="environment")
    near = (P_G4A[0] + 0.0003, P_G4A[1])  # ~27 m east
    far = (P_G4A[0] + 0.0012, P_G4A[1])  # ~80 m east of near
    report(w, at=far, cat="environment")
    report(w, at=near, cat="dispute")  # other category
    report(w, at=near, cat="environment", now=now - timedelta(hours=80))  # too old
    closed = report(w, at=near, cat="environment")
    transition(closed, "reject", w["cs1"], note="误报")  # not open
    found = list(similar_open_incidents(category("environment"), pt(near)))
    assert found == [base]
    assert 20 < found[0].distance.m < 35
    # Radius and window are settings / arguments.
    assert len(similar_open_incidents("environment", pt(near), radius_m=100)) == 2
    assert len(similar_open_incidents("environment", pt(near), window_h=100)) == 2


def test_dispatcher_marks_a_duplicate_and_it_is_linked():
    w = world()
    first = report(w, at=P_G4A)
    second = report(w, who="head_a", at=(P_G4A[0] + 0.0001, P_G4A[1]))
    assert list(similar_open_incidents(second.category, second.geom, exclude=second)) == [first]
    third = report(w, at=P_G4A)
    mark_duplicate(second, first, w["cs1"])
    mark_duplicate(third, second, w["cs1"])  # a duplicate of a duplicate links to the original
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.state == "rejected" and second.duplicate_of == first and third.duplicate_of == first
    assert set(first.duplicates.all()) == {second, third}
    assert "重复" in timeline(second)[-1]["note"] and timeline(second)[-1]["data"]["duplicate_of"] == first.number


def test_timeline_names_the_actors():
    w = world()
    inc = report(w)
    transition(inc, "register", w["cs1"], note="属实")
    tl = timeline(inc)
    assert [(e["action"], e["actor"], e["to_label"]) for e in tl] == [("open", "甲网格员", "已上报"), ("register", "一社区干事", "已立案")]
    assert tl[1]["from_label"] == "已上报" and tl[1]["action_label"] == "立案" and tl[1]["note"] == "属实"


def test_incident_admin_pages_open(client):
    from geogrid.accounts.models import User
    from geogrid.patrols.services import start_patrol

    w = world()
    inc = report(w, photos=[jpeg_upload()])
    patrol = start_patrol(w["m_a"], w["g4a"])
    client.force_login(User.objects.create_superuser("boss2", "b@example.cn", "pw-123456"))
    for model, obj in [("incidents/incident", inc), ("incidents/incidentcategory", inc.category), ("patrols/patrol", patrol)]:
        r = client.get(f"/admin/{model}/")
        assert r.status_code == 200, model
        r = client.get(f"/admin/{model}/{obj.pk}/change/")
        assert r.status_code == 200, model
    html = client.get(f"/admin/incidents/incident/{inc.pk}/change/").content.decode()
    assert inc.number in html and "L.GeometryField" in html
    assert client.get("/admin/incidents/incident/add/").status_code == 403  # cases are reported, not typed in
