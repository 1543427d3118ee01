"""Open311 GeoReport v2: every JSON answer validated against the schemas of
../shared/conformance/open311/ ($ref "request.json" resolved in that folder with `referencing`);
reporting (form, JSON, GCJ-02, media), scoping, filters, errors as Open311 error arrays with
nothing stored, XML, and a real `requests` client against the live server."""
import hashlib
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
import requests
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from geogrid.audit.models import AuditEvent
from geogrid.geo import gcj02
from geogrid.incidents.models import Incident, IncidentCategory, IncidentPhoto, Open311Key
from geogrid.incidents.open311 import views as open311
from geogrid.incidents.open311.keys import issue_key, key_problem
from tests.support import data_path
from tests.support.world import P_G4A, P_G4B, P_G4C, P_G4D, P_G5A, P_OUT, jpeg_upload, report, walk, world

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"

# Open311 has no schema file for errors; this is the shape the spec's error responses have.
ERRORS = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["code", "description"], "additionalProperties": False,
    "properties": {"code": {"type": "integer"}, "description": {"type": "string", "minLength": 1}}}}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(scope="module")
def schemas():
    """Validators by file name; relative $refs are retrieved from the conformance folder."""
    folder = data_path("conformance", "open311")

    def load(name):
        return json.loads((folder / name).read_text(encoding="utf-8"))

    registry = Registry(retrieve=lambda uri: Resource.from_contents(load(uri), default_specification=DRAFT202012))
    out = {name: Draft202012Validator(load(name), registry=registry)
           for name in ("request.json", "requests.json", "service.json", "services.json", "service-definition.json")}
    # The POST answer: swagger.json's RequestResponse. Swagger 2.0 cannot say "nullable", and the
    # spec's own example has "account_id": null, so null is allowed there.
    created = load("swagger.json")["definitions"]["RequestResponse"]
    created["properties"]["account_id"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    out["created"] = Draft202012Validator({"type": "array", "minItems": 1, "items": {**created, "required": ["service_request_id"]}})
    out["errors"] = Draft202012Validator(ERRORS)
    return out


def valid(schemas, name, body):
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in schemas[name].iter_errors(body)]
    assert not errors, errors
    return body


def assert_iso_with_offset(value):
    dt = datetime.fromisoformat(value)
    assert dt.tzinfo is not None and ("+" in value[10:] or value.endswith("Z")), value
    return dt


def key(user):
    """An Open311 client key acting as `user`, as an administrator issues it (for an account that
    may not report: a key issued before it lost that right)."""
    if key_problem(user) is None:
        return issue_key(user, "测试客户端")[1]
    secret = "s" * 43
    Open311Key.objects.create(name="旧客户端", user=user, prefix=f"old{user.pk}", hashed=hashlib.sha256(secret.encode()).hexdigest())
    return f"old{user.pk}.{secret}"


def login_token(user):
    return Token.objects.get_or_create(user=user)[0].key


def token_client(user):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {login_token(user)}")
    return c


def form(w, who="m_a", **fields):
    """An Open311 POST body as a client sends it (form fields, api_key among them)."""
    body = {"api_key": key(w[who]), "service_code": "environment", "lat": P_G5A[1], "long": P_G5A[0], "description": "垃圾堆放"}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def post_form(body, fmt="json"):
    return APIClient().post(f"{BASE}/requests.{fmt}", body)  # multipart, like a form with files


def post_urlencoded(body, fmt="json"):
    from urllib.parse import urlencode

    return APIClient().generic("POST", f"{BASE}/requests.{fmt}", urlencode(body), content_type="application/x-www-form-urlencoded")


def nothing_stored():
    assert Incident.objects.count() == 0 and AuditEvent.objects.filter(action="open").count() == 0


# --- services and discovery ------------------------------------------------------------------------
def test_services_list_the_active_categories_and_validate(schemas):
    world()
    IncidentCategory.objects.filter(code="other").update(active=False)
    r = APIClient().get(f"{BASE}/services.json")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    services = valid(schemas, "services.json", r.json())
    for s in services:
        valid(schemas, "service.json", s)
    by_code = {s["service_code"]: s for s in services}
    assert set(by_code) == set(IncidentCategory.objects.filter(active=True).values_list("code", flat=True))
    assert "other" not in by_code
    env = by_code["environment"]
    assert (env["service_name"], env["metadata"], env["type"], env["group"]) == ("环境卫生", True, "realtime", "网格事件")
    assert env["keywords"] == "环境卫生,立即办"


def test_service_definition_describes_the_mode_attribute(schemas):
    world()
    r = APIClient().get(f"{BASE}/services/dispute.json")
    assert r.status_code == 200
    d = valid(schemas, "service-definition.json", r.json())
    [attr] = d["attributes"]
    assert d["service_code"] == "dispute" and attr["code"] == "mode" and attr["datatype"] == "singlevaluelist"
    assert attr["required"] is False and "上门办" in attr["description"]  # the category's default mode
    assert [v["key"] for v in attr["values"]] == ["immediate", "help", "visit", "expedite", "proactive"]
    r = APIClient().get(f"{BASE}/services/nope.json")
    assert r.status_code == 404 and valid(schemas, "errors", r.json())[0]["code"] == 404
    assert "nope" in r.json()[0]["description"]


def test_discovery_points_at_the_endpoint():
    r = APIClient().get(f"{BASE}/discovery.json")
    assert r.status_code == 200
    d = r.json()
    [ep] = d["endpoints"]
    assert ep["url"] == "http://testserver/open311/v2/" and ep["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert ep["formats"] == ["application/json", "text/xml"] and ep["type"] == "production"
    assert_iso_with_offset(d["changeset"]) and "drf_create_token" in d["key_service"]


# --- reporting -------------------------------------------------------------------------------------
def test_form_encoded_post_creates_exactly_one_incident_in_the_right_grid(schemas):
    w = world()
    r = post_urlencoded(form(w, address_string="幸福路 1 号", **{"attribute[mode]": "visit"}))
    assert r.status_code == 201, r.content
    [created] = valid(schemas, "created", r.json())
    assert created["account_id"] is None and "已上报" in created["service_notice"] and "甲一小网格" in created["service_notice"]
    [incident] = Incident.objects.all()
    assert created["service_request_id"] == incident.number
    assert (incident.grid5, incident.grid4, incident.community, incident.street) == (w["g5a"], w["g4a"], w["c1"], w["s1"])
    assert (incident.reporter, incident.mode, incident.input_crs, incident.address) == (w["m_a"], "visit", "EPSG:4326", "幸福路 1 号")
    assert incident.geom.equals_exact(Point(*P_G5A, srid=4490), 1e-9)


def test_json_post_with_an_authorization_header_and_the_nested_attribute():
    w = world()
    c = token_client(w["m_d"])
    body = {"service_code": "dispute", "lat": P_G4D[1], "long": P_G4D[0], "description": "邻里纠纷", "attribute": {"mode": "help"}}
    r = c.post(f"{BASE}/requests.json", body, format="json")
    assert r.status_code == 201, r.content
    incident = Incident.objects.get(number=r.json()[0]["service_request_id"])
    assert (incident.grid4, incident.street, incident.mode, incident.reporter) == (w["g4d"], w["s2"], "help", w["m_d"])


def test_gcj02_extension_converts_phone_map_points(schemas):
    w = world()
    glon, glat = gcj02.wgs84_to_gcj02(*P_G4C)
    r = post_form(form(w, who="cs2", lat=glat, long=glon, crs="gcj02"))
    assert r.status_code == 201, r.content
    incident = Incident.objects.get()
    assert incident.grid4 == w["g4c"] and incident.input_crs == "gcj02"
    # Back within a centimetre of the WGS84 point (~1e-7°), ~500 m from where the raw GCJ-02 numbers lie.
    assert abs(incident.geom.x - P_G4C[0]) < 1e-7 and abs(incident.geom.y - P_G4C[1]) < 1e-7
    assert Point(glon, glat, srid=4490).transform(4548, clone=True).distance(incident.geom.transform(4548, clone=True)) > 300
    [item] = valid(schemas, "requests.json", token_client(w["cs2"]).get(f"{BASE}/requests/{incident.number}.json").json())
    assert (item["lat"], item["long"]) == (round(P_G4C[1], 7), round(P_G4C[0], 7))


def test_media_files_become_photos_and_media_url_is_noted_not_fetched(schemas):
    w = world()
    r = post_form(form(w, media=jpeg_upload("a.jpg"), media_url="http://example.invalid/a.jpg"))
    assert r.status_code == 201, r.content
    assert "media_url 未下载" in r.json()[0]["service_notice"]
    incident = Incident.objects.get()
    photo = IncidentPhoto.objects.get(incident=incident)
    owner = token_client(w["m_a"])
    [item] = valid(schemas, "requests.json", owner.get(f"{BASE}/requests/{incident.number}.json").json())
    assert item["media_url"] == f"http://testserver/api/incidents/{incident.pk}/photos/{photo.pk}/full/"
    assert owner.get(item["media_url"]).status_code == 200  # the scoped photo, with the same token


# --- errors: an Open311 array, the right status, nothing stored -------------------------------------
@pytest.mark.parametrize("change, status, words", [
    ({"service_code": None}, 400, "缺少 service_code"),
    ({"service_code": "nope"}, 400, "nope"),
    ({"lat": None}, 400, "lat/long"),
    ({"long": "abc"}, 400, "lat/long：经纬度必须是数字"),
    ({"lat": 95}, 400, "坐标超出范围"),
    ({"lat": P_OUT[1], "long": P_OUT[0]}, 400, "不在本区"),
    ({"description": ""}, 400, "description：请填写事件描述"),
    ({"attribute[mode]": "later"}, 400, "attribute[mode]：办理方式无效"),
    ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
    ({"crs": "bd09"}, 400, "未知坐标系"),
    ({"address_string": "路" * 5000}, 400, "地址不能超过 200 字（现有 5000 字）"),  # refused, not cut to 200
    ({"api_key": None}, 401, "api_key"),
    ({"api_key": "not-a-token"}, 401, "无效或已吊销"),
])
def test_bad_posts_are_open311_errors_and_store_nothing(schemas, change, status, words):
    w = world()
    r = post_form(form(w, **change))
    assert r.status_code == status, r.content
    errors = valid(schemas, "errors", r.json())
    assert all(e["code"] == status for e in errors)
    assert any(words in e["description"] for e in errors), errors
    if status == 401:
        assert r["WWW-Authenticate"] == "Token"
    nothing_stored()


def test_every_problem_of_a_request_is_listed():
    w = world()
    r = post_form(form(w, service_code="nope", lat=None, **{"attribute[x]": "1"}))
    assert r.status_code == 400 and len(r.json()) == 2  # no service: its attributes cannot be judged
    r = post_form(form(w, lat=None, **{"attribute[x]": "1"}))
    assert r.status_code == 400 and [e["description"].split("：")[0] for e in r.json()] == ["缺少 lat/long", "attribute[x]"]
    nothing_stored()


def test_a_user_who_may_not_report_gets_403(schemas):
    w = world()
    r = post_form(form(w, who="pn"))
    assert r.status_code == 403 and "上报" in valid(schemas, "errors", r.json())[0]["description"]
    nothing_stored()


def test_bad_json_unknown_format_and_wrong_method(schemas):
    w = world()
    r = token_client(w["m_a"]).generic("POST", f"{BASE}/requests.json", "{oops", content_type="application/json")
    assert r.status_code == 400 and valid(schemas, "errors", r.json())
    r = APIClient().get(f"{BASE}/services.html")
    assert r.status_code == 400 and ".json 或 .xml" in valid(schemas, "errors", r.json())[0]["description"]
    r = token_client(w["m_a"]).delete(f"{BASE}/requests.json")
    assert r.status_code == 405 and valid(schemas, "errors", r.json())[0]["code"] == 405
    nothing_stored()


# --- reading: scope, status mapping, filters ---------------------------------------------------------
def test_outside_their_scope_callers_read_only_the_public_status(schemas):
    w = world()
    case = report(w, "m_a", at=P_G4A, address="幸福路 1 号")
    number = case.number
    full_fields = {"description": "垃圾堆放", "address": "幸福路 1 号", "lat": round(case.geom.y, 7)}
    public = {"description": None, "address": None, "status_notes": None, "media_url": None,
              "lat": round(case.geom.y, 3), "long": round(case.geom.x, 3)}  # rounded to ~100 m
    for c in (token_client(w["m_b"]), token_client(w["m_d"]), APIClient()):  # another grid, another street, no key
        for r in (c.get(f"{BASE}/requests/{number}.json"), c.get(f"{BASE}/requests.json", {"service_request_id": number})):
            assert r.status_code == 200
            [item] = valid(schemas, "requests.json", r.json())
            assert item["service_request_id"] == number and item["status"] == "open" and item["service_code"] == "environment"
            assert {k: item[k] for k in public} == public
    for who in ("m_a", "head_a", "cs1", "sd1", "da"):  # reporter, same grid, community, street, district
        r = token_client(w[who]).get(f"{BASE}/requests/{number}.json")
        [item] = valid(schemas, "requests.json", r.json())
        assert {k: item[k] for k in full_fields} == full_fields, who
    assert APIClient().get(f"{BASE}/requests/0000000000.json").status_code == 404


def test_without_the_public_status_view_reads_need_a_key(schemas, settings):
    settings.GEOGRID_OPEN311_PUBLIC_STATUS = False
    w = world()
    number = report(w, "m_a", at=P_G4A).number
    r = APIClient().get(f"{BASE}/requests/{number}.json")
    assert r.status_code == 401 and valid(schemas, "errors", r.json())
    r = token_client(w["m_b"]).get(f"{BASE}/requests/{number}.json")
    assert r.status_code == 404 and valid(schemas, "errors", r.json())[0]["code"] == 404
    assert token_client(w["m_b"]).get(f"{BASE}/requests.json").json() == []
    assert APIClient().get(f"{BASE}/requests.json", {"api_key": key(w["m_a"])}).json()[0]["service_request_id"] == number


def test_status_mapping_notes_agency_and_times(schemas):
    w = world()
    done = walk(w, report(w, "m_a", at=P_G4A), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["m_a"]}), ("accept", "m_a"),
                ("report", "m_a", {"note": "已清理完毕"}), ("verify", "cs1"), ("close", "cs1"))
    rejected = walk(w, report(w, "m_a", at=P_G4A), ("reject", "cs1", {"note": "不属于网格事项"}))
    up = walk(w, report(w, "m_a", at=P_G4B), ("register", "cs1"), ("escalate", "cs1", {"note": "需街道协调"}))
    fresh = report(w, "m_a", at=P_G5A)
    items = valid(schemas, "requests.json", token_client(w["da"]).get(f"{BASE}/requests.json").json())
    by = {i["service_request_id"]: i for i in items}
    for item in items:
        valid(schemas, "request.json", item)
        assert_iso_with_offset(item["requested_datetime"]) and assert_iso_with_offset(item["updated_datetime"])
        assert item["requested_datetime"].endswith("+08:00")
    d, rj, u, f = by[done.number], by[rejected.number], by[up.number], by[fresh.number]
    assert (d["status"], d["status_notes"]) == ("closed", "已清理完毕")
    assert assert_iso_with_offset(d["updated_datetime"]) == done.closed_at.replace(microsecond=0)
    assert (rj["status"], rj["status_notes"]) == ("closed", "不属于网格事项")
    assert (u["status"], u["status_notes"], u["agency_responsible"]) == ("open", "需街道协调", "一社区")
    assert (f["status"], f["status_notes"], f["agency_responsible"]) == ("open", None, "甲一小网格")
    assert d["agency_responsible"] == "甲网格" and f["service_code"] == "environment" and f["service_name"] == "环境卫生"
    assert "已上报" in f["service_notice"] and f["description"] == "垃圾堆放"
    walk(w, up, ("escalate", "sd1", {"note": "区级部门处理"}))
    assert token_client(w["da"]).get(f"{BASE}/requests/{up.number}.json").json()[0]["agency_responsible"] == "一街道"


def test_filters_dates_status_codes_and_the_90_day_window(schemas):
    w = world()
    now = timezone.now()
    old = report(w, "m_a", now=now - timedelta(days=100))
    mid = report(w, "m_a", now=now - timedelta(days=10), cat="dispute")
    new = report(w, "m_a")
    closed = walk(w, report(w, "m_a"), ("reject", "cs1", {"note": "重复"}))
    c = token_client(w["m_a"])

    def numbers(**params):
        r = c.get(f"{BASE}/requests.json", params)
        assert r.status_code == 200, r.content
        return {i["service_request_id"] for i in valid(schemas, "requests.json", r.json())}

    assert numbers() == {mid.number, new.number, closed.number}  # default: the last 90 days
    assert numbers(status="open") == {mid.number, new.number}
    assert numbers(status="closed") == {closed.number}
    assert numbers(status="open,closed", service_code="dispute") == {mid.number}
    local = timezone.localtime(now - timedelta(days=105)).replace(microsecond=0)
    # An unencoded '+' of the offset arrives as a space; it is put back.
    assert numbers(start_date=local.isoformat().replace("+", " ")) == {old.number}
    assert numbers(start_date=local.isoformat(), end_date=(local + timedelta(days=90)).isoformat()) == {old.number}
    assert numbers(end_date=timezone.localdate(now - timedelta(days=5)).isoformat()) == {mid.number}
    # service_request_id overrides the other filters (the window too).
    assert numbers(service_request_id=f"{old.number}, {new.number},nope", status="closed") == {old.number, new.number}
    for params, words in [({"start_date": "yesterday"}, "ISO 8601"), ({"status": "pending"}, "status"),
                          ({"service_code": "nope"}, "nope"), ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "90 天"),
                          ({"start_date": "2026-06-01", "end_date": "2026-05-01"}, "晚于")]:
        r = c.get(f"{BASE}/requests.json", params)
        assert r.status_code == 400 and words in valid(schemas, "errors", r.json())[0]["description"], (params, r.json())


def test_at_most_max_requests_in_a_constant_number_of_queries(monkeypatch):
    w = world()
    c = token_client(w["da"])
    for _ in range(2):
        report(w, "m_a")
    with CaptureQueriesContext(connection) as two:
        assert len(c.get(f"{BASE}/requests.json").json()) == 2
    for at in (P_G4A, P_G4B, P_G4C, P_G4D):
        report(w, "m_a", at=at, photos=[jpeg_upload()])
    with CaptureQueriesContext(connection) as six:
        assert len(c.get(f"{BASE}/requests.json").json()) == 6
    assert len(six) == len(two), [q["sql"][:120] for q in six]
    monkeypatch.setattr(open311, "MAX_REQUESTS", 4)
    items = c.get(f"{BASE}/requests.json").json()
    assert len(items) == 4 and items == sorted(items, key=lambda i: i["requested_datetime"], reverse=True)


# --- XML ---------------------------------------------------------------------------------------------
def test_xml_has_the_open311_elements():
    w = world()
    root = ET.fromstring(APIClient().get(f"{BASE}/services.xml").content)
    assert root.tag == "services" and root.find("service/service_code").text == "safety_hazard"
    assert root.find("service/metadata").text == "true"
    definition = ET.fromstring(APIClient().get(f"{BASE}/services/dispute.xml").content)
    assert [v.text for v in definition.findall("attributes/attribute/values/value/key")][:2] == ["immediate", "help"]
    r = post_form(form(w), fmt="xml")
    assert r.status_code == 201 and r["Content-Type"].startswith("text/xml")
    number = ET.fromstring(r.content).find("request/service_request_id").text
    got = ET.fromstring(token_client(w["m_a"]).get(f"{BASE}/requests/{number}.xml").content)
    assert got.tag == "service_requests" and got.find("request/status").text == "open"
    assert got.find("request/zipcode").text is None and float(got.find("request/long").text) == P_G5A[0]
    bad = post_form(form(w, service_code="nope"), fmt="xml")
    errors = ET.fromstring(bad.content)
    assert bad.status_code == 400 and errors.tag == "errors" and errors.find("error/code").text == "400"
    assert Incident.objects.count() == 1


def test_the_openapi_schema_lists_open311():
    w = world()
    paths = token_client(w["da"]).get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    for p in ["/open311/v2/services.{fmt}", "/open311/v2/requests.{fmt}", "/open311/v2/requests/{number}.{fmt}"]:
        assert p in paths, p
    assert "201" in paths["/open311/v2/requests.{fmt}"]["post"]["responses"]


# --- a real client ------------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_round_trip_with_requests_against_the_live_server(live_server, schemas):
    w = world()
    base = f"{live_server.url}{BASE}"
    services = requests.get(f"{base}/services.json", timeout=10).json()
    code = valid(schemas, "services.json", services)[0]["service_code"]
    token = key(w["m_a"])
    r = requests.post(f"{base}/requests.json", timeout=10, data={
        "api_key": token, "service_code": code, "lat": P_G5A[1], "long": P_G5A[0], "description": "路灯不亮", "attribute[mode]": "expedite"})
    assert r.status_code == 201, r.text
    number = valid(schemas, "created", r.json())[0]["service_request_id"]
    r = requests.get(f"{base}/requests.json", params={"api_key": token, "service_request_id": number}, timeout=10)
    [item] = valid(schemas, "requests.json", r.json())
    assert (item["service_code"], item["status"], item["description"]) == (code, "open", "路灯不亮")
    r = requests.get(f"{base}/requests/{number}.json", headers={"Authorization": f"Token {login_token(w['m_a'])}"}, timeout=10)
    assert r.json()[0]["service_request_id"] == number
    r = requests.post(f"{base}/requests.json", data={"service_code": code}, timeout=10)
    assert r.status_code == 401 and valid(schemas, "errors", r.json())
    assert Incident.objects.count() == 1
