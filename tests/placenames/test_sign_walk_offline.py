"""A road-sign walk started on a phone without a network (issue #16): the start page carries what
the phone needs (every sign in walking order, each area's signs), the phone names the walk by a
client key (UUID), and the outbox later sends start → records → end, each addressed by that key.

    start    POST /api/placenames/sign-patrols/ {road|area, client_key, started_at}
             the same client key again → the same walk (200); the same Idempotency-Key → the first answer
    record   POST /api/placenames/sign-patrols/<key>/inspections/ {sign, condition, …, inspected_at}
    end      POST /api/placenames/sign-patrols/<key>/end/ {ended_at}

Refusals write nothing: a malformed key or body (400), an unknown key or someone else's walk named
by its key (404, alike), the same Idempotency-Key with another body (409)."""
import json
import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from geogrid.audit.models import AuditEvent
from geogrid.patrols.models import Patrol, PatrolTarget
from geogrid.placenames import signpatrol
from geogrid.placenames.models import RoadSign, SignInspection, SignRepair
from tests.placenames.builders import user
from tests.placenames.test_sign_patrol import jpeg, sign, world

pytestmark = pytest.mark.django_db
API = "/api/placenames/sign-patrols/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def post(client, url, data, key=None, **kw):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    if "multipart" in kw:
        return client.post(url, data, **extra)
    return client.post(url, data, content_type="application/json", **extra)


def page_config(client):
    body = client.get("/placenames/signs/patrol/").content.decode()
    return json.loads(re.search(r'<script id="sign-walk-config" type="application/json">(.*?)</script>', body, re.S).group(1))


def test_the_start_page_carries_every_sign_in_walking_order_and_each_areas_signs(client):
    w = world()
    client.force_login(w["pn"])
    config = page_config(client)
    assert config["apiUrl"] == API
    assert [(s["code"], s["road"]) for s in config["signs"]] == [("S1", "370112DL001"), ("S2", "370112DL001"), ("S3", "370112DL001"),
                                                                 ("R1", "370112DL002")]
    s1 = config["signs"][0]
    assert (s1["name"], s1["pinyin"], s1["condition"], s1["lon"]) == ("泉城路", "QUANCHENG LU", "good", 116.712)
    # An area's signs in the order the server's walk of it takes (start_sign_patrol: road by road).
    assert config["areas"] == {w["street"].code: ["S1", "S2", "S3", "R1"]}
    assert {f["properties"]["code"] for f in config["roads"]["features"]} == {"370112DL001", "370112DL002"}
    assert config["conditions"]["damaged"] and config["colours"]["damaged"]
    server = signpatrol.start_sign_patrol(w["pn"], area=w["street"].code)
    assert [s.code for _t, s, _i in signpatrol.walk(server)] == config["areas"][w["street"].code]
    assert "<script>" not in client.get("/placenames/signs/patrol/").content.decode()  # no inline code (CSP)


def test_a_walk_started_by_its_client_key_takes_records_and_end_by_that_key(client):
    w = world()
    client.force_login(w["pn"])
    key, phone_start = str(uuid.uuid4()), timezone.now() - timedelta(minutes=40)
    body = {"road": w["quancheng"].code, "client_key": key, "started_at": phone_start.isoformat()}
    r = post(client, API, body, "start-1")
    assert r.status_code == 201, r.content
    d = r.json()
    assert d["client_key"] == key and [s["sign"] for s in d["stops"]] == ["S1", "S2", "S3"]
    patrol = Patrol.objects.get()
    assert abs((patrol.started_at - phone_start).total_seconds()) < 1  # the phone's time, not the replay's
    # The outbox's replay (same Idempotency-Key, same body): the first answer. Another key (a second
    # tab): the same walk. The same Idempotency-Key with another body: 409.
    again = post(client, API, body, "start-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json()["id"] == d["id"]
    other = post(client, API, body, "start-2")
    assert other.status_code == 200 and other.json()["id"] == d["id"]
    assert post(client, API, dict(body, road="370112DL002"), "start-1").status_code == 409
    assert Patrol.objects.count() == 1 and PatrolTarget.objects.count() == 3
    assert AuditEvent.objects.filter(action="start_patrol").count() == 1

    url = f"{API}{key}/inspections/"
    seen = timezone.now() - timedelta(minutes=30)
    rec = dict(sign="S2", condition="damaged", note="撞弯", inspected_at=seen.isoformat())
    r = client.post(url, dict(rec, photo=jpeg()), HTTP_IDEMPOTENCY_KEY="s2")
    assert r.status_code == 201, r.content
    assert r.json()["photo"] and r.json()["repair_created"] and r.json()["patrol"] == d["id"]
    replay = client.post(url, dict(rec, photo=jpeg()), HTTP_IDEMPOTENCY_KEY="s2")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true" and replay.json()["id"] == r.json()["id"]
    assert client.post(url, dict(rec, condition="good"), HTTP_IDEMPOTENCY_KEY="s2").status_code == 409
    assert SignInspection.objects.count() == 1 and SignRepair.objects.count() == 1
    insp = SignInspection.objects.get()
    assert abs((insp.inspected_at - seen).total_seconds()) < 1
    # A time before the walk's start is held at the start (a phone's wrong clock).
    r = post(client, url, {"sign": "S1", "condition": "dirty", "cleaned": True, "inspected_at": (phone_start - timedelta(hours=3)).isoformat()}, "s1")
    assert r.status_code == 201 and SignInspection.objects.get(sign__code="S1").inspected_at == patrol.started_at

    ended = timezone.now() - timedelta(minutes=5)
    r = post(client, f"{API}{key}/end/", {"ended_at": ended.isoformat()}, "end-1")
    assert r.status_code == 200 and r.json()["ended_at"]
    patrol.refresh_from_db()
    assert abs((patrol.ended_at - ended).total_seconds()) < 1
    assert post(client, f"{API}{key}/end/", {"ended_at": ended.isoformat()}, "end-1")["Idempotent-Replayed"] == "true"
    assert client.get(f"{API}{key}/").json()["id"] == d["id"]
    # Started again after its end (a stale copy of the start): still that walk, no second one.
    assert post(client, API, body, "start-3").json()["id"] == d["id"] and Patrol.objects.count() == 1


def test_an_area_walk_started_by_key():
    w = world()
    from django.test import Client

    c = Client()
    c.force_login(w["pn"])
    key = str(uuid.uuid4())
    r = post(c, API, {"area": w["street"].code, "client_key": key}, "a-1")
    assert r.status_code == 201 and [s["sign"] for s in r.json()["stops"]] == ["S1", "S2", "S3", "R1"]
    assert post(c, f"{API}{key}/inspections/", {"sign": "R1", "condition": "good"}, "r1").status_code == 201


def test_bad_input_unknown_keys_and_someone_elses_walk(client):
    w = world()
    pn2 = user("pn2", "placename_staff")
    client.force_login(w["pn"])
    events = AuditEvent.objects.count()
    for body in ({"road": w["quancheng"].code, "client_key": "not-a-uuid"}, {"road": w["quancheng"].code, "started_at": "yesterday"},
                 {"client_key": str(uuid.uuid4())}, {"road": "NOPE", "client_key": str(uuid.uuid4())}):
        r = post(client, API, body)
        assert r.status_code == 400, (body, r.content)
    assert not Patrol.objects.exists() and AuditEvent.objects.count() == events

    key = str(uuid.uuid4())
    assert post(client, API, {"road": w["quancheng"].code, "client_key": key}).status_code == 201
    url = f"{API}{key}/inspections/"
    for body in ({"sign": "S1"}, {"sign": "S1", "condition": "good", "inspected_at": "soon"}, {"sign": "NOPE", "condition": "good"}):
        assert post(client, url, body).status_code == 400, body
    assert post(client, f"{API}{key}/end/", {"ended_at": "later"}).status_code == 400
    # An unknown key, and someone else's walk by its key: the same 404.
    missing = post(client, f"{API}{uuid.uuid4()}/inspections/", {"sign": "S1", "condition": "good"})
    assert missing.status_code == 404
    client.force_login(pn2)
    theirs = post(client, url, {"sign": "S1", "condition": "good"})
    assert theirs.status_code == 404 and theirs.json() == missing.json()
    assert post(client, f"{API}{key}/end/", {}).status_code == 404
    assert client.get(f"{API}{key}/").status_code == 404
    # pn2's own walk under the same key (keys are the phone's, per user): a walk of pn2's, not pn's.
    assert post(client, API, {"road": w["quancheng"].code, "client_key": key}).status_code == 201
    assert Patrol.objects.filter(client_key=key).count() == 2
    for path in (f"{API}zzz/end/", f"{API}{key[:-3]}/end/", f"{API}{key}x/end/"):
        assert post(client, path, {}).status_code == 404, path
    assert not SignInspection.objects.exists() and Patrol.objects.filter(ended_at__isnull=False).count() == 0
    assert set(RoadSign.objects.values_list("condition", flat=True)) == {"good"}


def test_the_page_start_takes_the_phones_key_once(client):
    w = world()
    client.force_login(w["pn"])
    key = str(uuid.uuid4())
    for _ in range(2):  # a double tap with a network: one walk
        assert client.post("/placenames/signs/patrol/start/", {"road": w["quancheng"].code, "client_key": key}).status_code == 302
    patrol = Patrol.objects.get()
    assert str(patrol.client_key) == key
    config = page_config(client)
    assert config["key"] == key and config["keyUrl"] == f"{API}{key}/inspections/" and config["inspectionsUrl"] == f"{API}{patrol.pk}/inspections/"
    assert client.post("/placenames/signs/patrol/start/", {"road": w["quancheng"].code, "client_key": "junk"}).status_code == 302
    assert Patrol.objects.count() == 1


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200
    return len(ctx)


def test_the_start_page_runs_a_fixed_number_of_queries_with_more_and_fewer_signs(client):
    w = world()
    client.force_login(w["pn"])
    client.get("/placenames/signs/patrol/")  # warm caches (content types, scope)
    few = queries(client, "/placenames/signs/patrol/")
    for i in range(30):
        sign(w["quancheng"] if i % 2 else w["retired"], f"M{i:02d}", 116.711 + i * 0.0009)
    many = queries(client, "/placenames/signs/patrol/")
    assert few == many, (few, many)
    assert len(page_config(client)["signs"]) == 34
