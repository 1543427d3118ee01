"""Bad input, one table over every write operation of the API (issue 13): each operation of the
OpenAPI schema that writes (POST/PUT/PATCH) has a row here — a new one fails
test_every_write_operation_has_a_row until it gets one — saying which kinds of bad input apply to
it. Each bad request must get a 4xx with a message a person can read (Chinese, or naming the field),
and leave every table of the database as it was (nothing half-written).

Many of these inputs are tested in more depth per app (tests/incidents/test_api.py,
tests/site/test_request_guard.py, tests/placenames/test_workflow.py, tests/boundaries/test_api.py…);
this table is the floor every write operation stands on."""
import json
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from geogrid.accounts.models import User
from geogrid.accounts.roles import Role
from geogrid.care.models import CareCategory, Household
from geogrid.care.seed import seed as seed_care
from geogrid.grids.models import GridMember
from geogrid.incidents.models import Incident
from geogrid.patrols.services import start_patrol
from geogrid.placenames.models import NamingBatch, RoadSign
from geogrid.placenames.services import create_application, create_batch
from geogrid.placenames.signpatrol import start_sign_patrol
from tests.boundaries.builders import boundary_world, in_field
from tests.care.builders import subject
from tests.placenames.builders import road
from tests.support.records import module_scene
from tests.support.world import P_G5A, jpeg_bytes, report, user

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
SQL = "'; DROP TABLE incidents_incident; --"
LONG = "长" * 10_000
SWAPPED = (36.52, 116.705)  # P_G5A typed lat first
# Tables a refused request may touch: none of the product's. Sessions and axes' login log are not data.
NOT_DATA = {"django_session", "axes_accessattempt", "axes_accesslog", "axes_accessfailurelog", "spatial_ref_sys",
            "geogrid_throttle"}  # the API rate limits' counts (workflow/throttling.py)


# --- the scene: one of everything a write operation acts on, built once for the module --------------------
def build_scene():
    w = boundary_world()
    w["inspection"] = in_field(w)
    seed_care(CareCategory)
    h = Household.objects.create(grid=w["g5a"], address="甲路1号", size=1, geom=Point(*P_G5A, srid=4490))
    w["subject"] = subject(h, "王秀英", ["elderly_alone"], w["m_a"], since=timezone.now() - timedelta(days=10))
    w["case"] = report(w)
    w["patrol"] = start_patrol(w["m_a"], w["g4a"])
    w["road"] = road("370112DL001", "泉城路", 36.58, area=w["s1"], pinyin="Quancheng Lu")
    w["sign"] = RoadSign.objects.create(code="S1", road=w["road"], geom=Point(116.72, 36.5801, srid=4490), name_text="泉城路",
                                        pinyin_text="QUANCHENG LU", condition="good")
    w["sign_patrol"] = start_sign_patrol(w["pn"], road=w["road"].code)
    w["batch"] = create_batch(w["pn"], "2026 年第一批")
    w["application"] = create_application(w["pn"], w["batch"], name="新安街", applicant="区住建局", road=None,
                                           geom={"type": "LineString", "coordinates": [[116.71, 36.57], [116.74, 36.57]]})
    w["pn2"] = user("pn2", Role.PLACENAME_STAFF, full_name="地名科二")
    w["member"] = GridMember.objects.create(user=w["m_b"], grid=w["g4c"], role="volunteer")
    for u in [v for v in w.values() if isinstance(v, User)]:
        Token.objects.get_or_create(user=u)
    return w


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    """Built once in a transaction of its own, rolled back after the module; each test runs in a
    savepoint inside it (pytest-django's db), so what one test writes the next does not see."""
    with module_scene(django_db_blocker):
        yield build_scene()


@pytest.fixture
def w(scene, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return scene


# --- the table --------------------------------------------------------------------------------------------
@dataclass
class Row:
    who: str
    url: object  # w -> path
    good: object  # w -> a valid body (the bad inputs change one thing of it)
    # json, lonlat, track, points, geojson, text:<field>, upload:<field>; optional: {} is valid; anywhere: no district check
    kinds: set = field(default_factory=set)
    lonlat: tuple = ("lon", "lat")
    good_status: int = 0  # what the good body gets when not a 2xx


ROWS = {
    "POST /api/incidents/": Row("m_a", lambda w: "/api/incidents/",
                                lambda w: {"category": "environment", "description": "垃圾堆放", "lon": P_G5A[0], "lat": P_G5A[1]},
                                {"json", "lonlat", "text:description", "upload:photos"}),
    "POST /api/patrols/{id}/findings/": Row("m_a", lambda w: f"/api/patrols/{w['patrol'].pk}/findings/",
                                            lambda w: {"category": "environment", "description": "井盖缺失", "lon": P_G5A[0], "lat": P_G5A[1]},
                                            {"json", "lonlat", "text:description", "upload:photos"}),
    "POST /api/incidents/{id}/actions/{action_name}/": Row("sd1", lambda w: f"/api/incidents/{w['case'].pk}/actions/reject/",
                                                           lambda w: {"note": "不属于受理范围"}, {"json", "text:note"}),
    "POST /api/patrols/": Row("m_b", lambda w: "/api/patrols/", lambda w: {"grid": w["g4b"].code}, {"json"}),
    "POST /api/patrols/{id}/track/": Row("m_a", lambda w: f"/api/patrols/{w['patrol'].pk}/track/",
                                         lambda w: {"offset": 0, "points": [[116.705, 36.52], [116.71, 36.52]]}, {"json", "points"}),
    "POST /api/boundaries/inspections/{id}/walk/": Row("ins_b", lambda w: f"/api/boundaries/inspections/{w['inspection'].pk}/walk/",
                                                       lambda w: {"client_key": "0f8e7d6c-5b4a-4321-9876-543210fedcba"}, {"json", "optional"},
                                                       good_status=409),
    "POST /api/patrols/{id}/end/": Row("m_a", lambda w: f"/api/patrols/{w['patrol'].pk}/end/",
                                       lambda w: {"track": [[116.705, 36.52], [116.71, 36.52]]}, {"json", "optional", "track"}),
    "POST /api/grid-members/": Row("da", lambda w: "/api/grid-members/", lambda w: {"grid": w["g4a"].code, "user": w["m_d"].pk, "role": "volunteer"},
                                   {"json"}),
    "POST /api/grid-members/{id}/end/": Row("da", lambda w: f"/api/grid-members/{w['member'].pk}/end/", lambda w: {"end_date": timezone.localdate().isoformat()},
                                            {"json", "optional"}),
    "POST /api/care/visits/": Row("m_a", lambda w: "/api/care/visits/",
                                  lambda w: {"subject": w["subject"].pk, "seen": True, "situation": "身体尚好"}, {"json", "text:situation"}),
    "POST /api/boundaries/inspections/{id}/checks/": Row("ins_b", lambda w: f"/api/boundaries/inspections/{w['inspection'].pk}/checks/",
                                                         lambda w: {"marker": w["markers"][0].number, "condition": "intact",
                                                                    "lon": w["markers"][0].geom.x, "lat": w["markers"][0].geom.y},
                                                         {"json", "lonlat", "anywhere", "text:notes", "upload:photos"}),
    "POST /api/boundaries/inspections/{id}/sections/": Row("ins_b", lambda w: f"/api/boundaries/inspections/{w['inspection'].pk}/sections/",
                                                           lambda w: {"from_marker": w["markers"][0].number, "to_marker": w["markers"][1].number,
                                                                      "references_complete": True, "identifiable": True},
                                                           {"json", "text:notes"}),
    "POST /api/boundaries/inspections/{id}/transition/": Row("ins_b", lambda w: f"/api/boundaries/inspections/{w['inspection'].pk}/transition/",
                                                             lambda w: {"action": "draft_report", "report": "界线清楚"}, {"json", "text:report"},
                                                             good_status=409),  # a valid body; the report waits for every marker's check
    "POST /api/boundaries/checks/{id}/confirm/": Row("ins_a", lambda w: "/api/boundaries/checks/0/confirm/", lambda w: {}, set()),
    "POST /api/notifications/{id}/read/": Row("da", lambda w: "/api/notifications/0/read/", lambda w: {}, set()),
    "POST /api/notifications/read-all/": Row("da", lambda w: "/api/notifications/read-all/", lambda w: {}, set()),
    "POST /api/placenames/batches/": Row("pn", lambda w: "/api/placenames/batches/", lambda w: {"title": "第二批"}, {"json", "text:title"}),
    "POST /api/placenames/applications/": Row("pn", lambda w: "/api/placenames/applications/",
                                              lambda w: {"batch": w["batch"].pk, "name": "新华街", "applicant": "区住建局",
                                                         "geom": {"type": "LineString", "coordinates": [[116.71, 36.56], [116.74, 36.56]]}},
                                              {"json", "geojson", "text:name", "text:reasons"}),
    "POST /api/placenames/applications/{id}/actions/{action_name}/": Row(
        "pn", lambda w: f"/api/placenames/applications/{w['application'].pk}/actions/withdraw/", lambda w: {"note": "撤回"}, {"json", "text:note"}),
    "POST /api/placenames/readings": Row("pn", lambda w: "/api/placenames/readings", lambda w: {"phrase": "泉城", "syllables": "quan cheng"},
                                         {"json", "text:phrase"}),
    "POST /api/placenames/sign-patrols/": Row("pn2", lambda w: "/api/placenames/sign-patrols/",
                                              lambda w: {"road": w["road"].code, "client_key": "0f8e7d6c-5b4a-4321-9876-543210fedcba"}, {"json"}),
    "POST /api/placenames/sign-patrols/{id}/end/": Row("pn", lambda w: f"/api/placenames/sign-patrols/{w['sign_patrol'].pk}/end/",
                                                       lambda w: {"track": [[116.71, 36.58], [116.72, 36.58]]}, {"json", "optional", "track"}),
    "POST /api/placenames/sign-patrols/{id}/inspections/": Row("pn", lambda w: f"/api/placenames/sign-patrols/{w['sign_patrol'].pk}/inspections/",
                                                               lambda w: {"sign": "S1", "condition": "dirty"},
                                                               {"json", "text:note", "upload:photo"}),
    "POST /open311/v2/requests.{fmt}": Row("m_a", lambda w: "/open311/v2/requests.json",
                                           lambda w: {"service_code": "environment", "description": "垃圾堆放", "lat": P_G5A[1], "long": P_G5A[0]},
                                           {"json", "lonlat", "text:description", "upload:media"}, lonlat=("long", "lat")),
}


def write_operations():
    """'METHOD path' of every operation of the served schema that writes."""
    schema = json.loads(Client().get("/api/schema/", HTTP_ACCEPT="application/json").content)
    return {f"{m.upper()} {p}" for p, ops in schema["paths"].items() for m in ops if m in ("post", "put", "patch")}


def test_every_write_operation_has_a_row():
    ops = write_operations()
    assert ops - ROWS.keys() == set(), "write operations without a row in ROWS: add one, saying which bad inputs apply"
    assert ROWS.keys() - ops == set(), "rows of operations that no longer exist"


# --- the bad inputs -----------------------------------------------------------------------------------------
def cases():
    """(row key, build(w, good) -> (body, format), words the message must say), named by the case."""
    out = []

    def add(key, name, fn, says=""):
        out.append(pytest.param(key, fn, says, id=f"{key} · {name}"))

    for key, row in ROWS.items():
        if "json" in row.kinds:
            add(key, "malformed JSON", lambda w, g: ('{"description": "垃圾", ', "raw"))
            add(key, "a list instead of an object", lambda w, g: (json.dumps([g]), "raw"))
            if "optional" not in row.kinds:  # every field optional: {} is a valid body
                add(key, "missing fields", lambda w, g: ({}, "json"))
            add(key, "wrong types", lambda w, g: ({k: {"x": [1]} for k in g}, "json"))
            add(key, "NaN", lambda w, g: (json.dumps(g)[:-1] + ', "x": NaN}', "raw"))
        if "lonlat" in row.kinds:
            lon, lat = row.lonlat
            add(key, "lon/lat not numbers", lambda w, g, lon=lon, lat=lat: ({**g, lon: "东经", lat: "北纬"}, "json"))
            if "anywhere" not in row.kinds:  # a marker check's measured position is not held to the district (see the report)
                add(key, "point outside the district", lambda w, g, lon=lon, lat=lat: ({**g, lon: 117.5, lat: 36.0}, "json"))
            add(key, "lat/lon swapped", lambda w, g, lon=lon, lat=lat: ({**g, lon: SWAPPED[0], lat: SWAPPED[1]}, "json"), "填反")
            add(key, "out of range", lambda w, g, lon=lon, lat=lat: ({**g, lon: 200, lat: -95}, "json"))
            add(key, "Infinity", lambda w, g, lon=lon, lat=lat: (json.dumps({**g, lon: 0})[:-1].replace(f'"{lon}": 0', f'"{lon}": Infinity') + "}", "raw"))
            add(key, "NaN as text in a form", lambda w, g, lon=lon, lat=lat: ({**g, lon: "nan", lat: "inf"}, "multipart"))
        if "track" in row.kinds:
            add(key, "track: lat/lon swapped", lambda w, g: ({**g, "track": [[36.52, 116.705], [36.52, 116.71]]}, "json"), "填反")
            add(key, "track: out of range", lambda w, g: ({**g, "track": [[500, 36.5], [116.7, 95]]}, "json"))
            add(key, "track: not points", lambda w, g: ({**g, "track": [["a", "b"], [1]]}, "json"))
        if "points" in row.kinds:  # a track batch
            add(key, "points: lat/lon swapped", lambda w, g: ({**g, "points": [[36.52, 116.705], [36.52, 116.71]]}, "json"), "填反")
            add(key, "points: out of range", lambda w, g: ({**g, "points": [[500, 36.5], [116.7, 95]]}, "json"))
            add(key, "points: not points", lambda w, g: ({**g, "points": [["a", "b"], [1]]}, "json"))
            add(key, "points: a negative offset", lambda w, g: ({**g, "offset": -1}, "json"))
        if "geojson" in row.kinds:
            add(key, "GeoJSON that is not a geometry", lambda w, g: ({**g, "geom": {"type": "Feature", "properties": {}}}, "json"))
            add(key, "GeoJSON of the wrong kind", lambda w, g: ({**g, "geom": {"type": "Point", "coordinates": [116.72, 36.56]}}, "json"))
            add(key, "GeoJSON lat/lon swapped", lambda w, g: ({**g, "geom": {"type": "LineString", "coordinates": [[36.56, 116.71], [36.56, 116.74]]}},
                                                              "json"), "填反")
            add(key, "GeoJSON out of range", lambda w, g: ({**g, "geom": {"type": "LineString", "coordinates": [[316.71, 36.56], [116.74, 96.56]]}},
                                                           "json"))
        for kind in sorted(row.kinds):
            if kind.startswith("text:"):
                name = kind[5:]
                add(key, f"10 000 characters in {name}", lambda w, g, name=name: ({**g, name: LONG}, "json"))
            if kind.startswith("upload:"):
                name = kind[7:]
                add(key, f"{name}: 20 MB", lambda w, g, name=name: ({**g, name: big_upload()}, "multipart"))
                add(key, f"{name}: not an image named .jpg", lambda w, g, name=name: ({**g, name: fake_jpeg()}, "multipart"))
    return out


def big_upload():
    # A real JPEG padded past 20 MB (JPEG readers stop at the end marker): only the size is wrong.
    return SimpleUploadedFile("big.jpg", jpeg_bytes() + b"\0" * (20 * 2**20), content_type="image/jpeg")


def fake_jpeg():
    return SimpleUploadedFile("photo.jpg", b"#!/bin/sh\necho not a photo\n" * 50, content_type="image/jpeg")


def token_client(user):
    c = APIClient(raise_request_exception=False)
    c.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return c


def send(c, url, body, fmt):
    if fmt == "raw":
        return c.post(url, body, content_type="application/json")
    if fmt == "multipart":
        return c.post(url, {k: v for k, v in body.items() if v is not None and not isinstance(v, (dict, list))}, format="multipart")
    return c.post(url, body, format="json")


def table_counts():
    """Rows of every table of the database, in one query."""
    with connection.cursor() as cur:
        tables = [t for t in connection.introspection.table_names(cur) if t not in NOT_DATA]
        cur.execute("SELECT " + ", ".join(f'(SELECT count(*) FROM "{t}")' for t in tables))
        return dict(zip(tables, cur.fetchone()))


def message_of(r):
    """The message a person reads in a refusal: the API's "error", Open311's descriptions."""
    body = json.loads(r.content)
    if isinstance(body, list):  # Open311
        return "；".join(e["description"] for e in body)
    return body.get("error", "")


def readable(message, body_fields):
    return bool(re.search(r"[\u4e00-\u9fff]", message)) or any(f in message for f in body_fields)


@pytest.mark.parametrize("key,build,says", cases())
def test_bad_input_is_a_4xx_with_a_message_and_writes_nothing(w, key, build, says):
    row = ROWS[key]
    good = row.good(w)
    body, fmt = build(w, good)
    c = token_client(w[row.who])
    before = table_counts()
    r = send(c, row.url(w), body, fmt)
    assert 400 <= r.status_code < 500, (r.status_code, r.content[:500])
    message = message_of(r)
    assert readable(message, good) and says in message, r.content[:500]
    assert table_counts() == before, "a refused request wrote something"


@pytest.mark.parametrize("key", [k for k, row in ROWS.items() if row.kinds])
def test_the_good_body_of_each_row_is_accepted(w, key):
    """The table's bodies are valid, so each bad input above is refused for what it changed."""
    row = ROWS[key]
    r = send(token_client(w[row.who]), row.url(w), row.good(w), "json")
    assert 200 <= r.status_code < 300 or r.status_code == row.good_status, (r.status_code, r.content[:500])


# --- explained, not only refused -------------------------------------------------------------------------
def test_a_swapped_point_is_explained(w):
    r = send(token_client(w["m_a"]), "/api/incidents/", {**ROWS["POST /api/incidents/"].good(w), "lon": 36.6, "lat": 117.0}, "json")
    assert r.status_code == 400 and "填反" in message_of(r), r.content


def test_a_point_outside_the_district_is_explained(w):
    r = send(token_client(w["m_a"]), "/api/incidents/", {**ROWS["POST /api/incidents/"].good(w), "lon": 117.5, "lat": 36.0}, "json")
    assert r.status_code == 400 and "不在本区" in message_of(r), r.content


# --- text stored as text, shown escaped ----------------------------------------------------------------------
def test_a_script_tag_or_sql_in_a_name_is_stored_verbatim_and_escaped_on_output(w):
    c = token_client(w["m_a"])
    text = f"{SCRIPT}{SQL}"
    r = send(c, "/api/incidents/", {**ROWS["POST /api/incidents/"].good(w), "description": text}, "json")
    assert r.status_code == 201, r.content
    case = Incident.objects.get(pk=r.json()["id"])
    assert case.description == text  # verbatim: no stripping, no mangling, the SQL did nothing
    assert Incident.objects.count() == 2
    pn = token_client(w["pn"])
    r = send(pn, "/api/placenames/batches/", {"title": SCRIPT}, "json")
    assert r.status_code == 201, r.content
    assert NamingBatch.objects.get(pk=r.json()["id"]).title == SCRIPT
    pages = Client()
    pages.force_login(w["m_a"])
    html = pages.get(f"/incidents/{case.pk}/").content.decode()
    assert "&lt;script&gt;alert(" in html and SCRIPT not in html
    pages.force_login(w["pn"])
    html = pages.get(f"/placenames/batches/{r.json()['id']}/").content.decode()
    assert "&lt;script&gt;alert(" in html and SCRIPT not in html
    # The API answers JSON (no HTML context); the text comes back as it was stored.
    assert c.get(f"/api/incidents/{case.pk}/").json()["description"] == text


# --- what the API fuzzing found (tests/site/test_fuzz_api.py): each was a 500 --------------------------------
@pytest.mark.parametrize("url", ["/api/patrols/abc/end/", "/api/boundaries/inspections/null,null/checks/", "/api/placenames/sign-patrols/x/end/",
                                 "/api/placenames/sign-patrols/0f8e7d6c-5b4a-4321-9876-543210fedcba/end/",
                                 "/api/grid-members/1.5/end/", "/api/boundaries/checks/a/confirm/"])
def test_a_non_numeric_id_is_a_404(w, url):
    r = token_client(w["da"]).post(url, {}, format="json")
    assert r.status_code == 404


def test_a_multipart_body_without_a_boundary_is_a_400(w):
    r = token_client(w["m_a"]).generic("POST", "/api/incidents/", b"x", content_type="multipart/form-data")
    assert r.status_code == 400 and "multipart" in message_of(r)


def test_an_unknown_open311_format_is_a_400_naming_it():
    r = Client().get("/open311/v2/services.null,null")
    assert r.status_code == 400 and "null,null" in message_of(r)


def test_a_field_named_like_the_error_bodys_own_keys_stays_under_fields(w):
    """A filter called "state" kept at the top level made the body contradict ErrorBody (state: a string)."""
    r = token_client(w["da"]).get("/api/patrols/", {"state": "Þ"})
    body = r.json()
    assert r.status_code == 400 and "state" in body["fields"] and "state" not in body and "state" in body["error"], body
