"""API rate limits (issue #13, geogrid/workflow/throttling.py): per signed-in user (reads and writes
apart), per address for visitors; 429 + Retry-After in the API's error shape (Open311 in its own);
counted in a table every server process shares; an offline phone's replay goes through; the map's
tiles and layers are never counted."""
import json
import os
import subprocess
import sys
import uuid
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.views import APIView

from tests.support import REPO, rate_limits
from tests.support.world import P_G5A, world

pytestmark = pytest.mark.django_db

REPORT = {"category": "environment", "description": "垃圾堆放", "lon": P_G5A[0], "lat": P_G5A[1]}
LOCATE = f"/api/locate?lon={P_G5A[0]}&lat={P_G5A[1]}"


@pytest.fixture
def rates(settings):
    """Set some rates for a test (the others stay as configured)."""
    return lambda **new: rate_limits(settings, **new)


@pytest.fixture
def w():
    return world()


def token_client(user, **kw):
    c = APIClient(**kw)
    c.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return c


def assert_throttled(r, within=60):
    assert r.status_code == 429, (r.status_code, r.content[:300])
    body = r.json()
    assert body["code"] == "throttled" and "请求过于频繁" in body["error"] and "秒后再试" in body["error"], body
    assert 1 <= int(r["Retry-After"]) <= within, r["Retry-After"]
    return body


def test_the_default_rates_are_the_documented_ones():
    """README "Operating it" states these; env variables change them (GEOGRID_API_*_RATE)."""
    rates = django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert {k: rates[k] for k in ("user_read", "user_write", "anon", "open311_key")} == {
        "user_read": "600/min", "user_write": "60/min", "anon": "1200/min", "open311_key": "120/min"}
    assert django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == ["geogrid.workflow.throttling.ApiRateThrottle"]


def test_writes_past_the_rate_get_429_in_the_api_shape_with_retry_after_and_reads_go_on(w, rates):
    rates(user_write="2/min")
    c = token_client(w["m_a"])
    assert [c.post("/api/incidents/", REPORT, format="json").status_code for _ in range(2)] == [201, 201]
    body = assert_throttled(c.post("/api/incidents/", REPORT, format="json"))
    assert set(body) <= {"error", "code", "detail", "fields"}
    assert c.get("/api/incidents/").status_code == 200  # reads are a bucket of their own
    assert token_client(w["m_b"]).post("/api/patrols/", {"grid": w["g4b"].code}, format="json").status_code == 201  # per user
    # The session of the same user (the pages' fetches) is the same user: refused too.
    s = Client()
    s.force_login(w["m_a"])
    assert_throttled(s.post("/api/incidents/", REPORT, content_type="application/json"))


def test_reads_per_user_and_visitors_per_address(w, rates):
    rates(user_read="3/min", anon="2/min")
    c = token_client(w["m_a"])
    assert [c.get(LOCATE).status_code for _ in range(3)] == [200] * 3
    assert_throttled(c.get(LOCATE))
    a = Client(REMOTE_ADDR="10.0.0.1")
    assert [a.get(LOCATE).status_code for _ in range(2)] == [200, 200]
    assert_throttled(a.get(LOCATE))
    assert Client(REMOTE_ADDR="10.0.0.2").get(LOCATE).status_code == 200  # another address
    assert token_client(w["m_b"]).get(LOCATE).status_code == 200  # another user


def test_open311_keeps_its_own_429_body(w, rates):
    rates(anon="1/min")
    a = Client(REMOTE_ADDR="10.0.0.3")
    assert a.get("/open311/v2/services.json").status_code == 200
    r = a.get("/open311/v2/services.json")
    assert r.status_code == 429 and 1 <= int(r["Retry-After"]) <= 60
    errors = r.json()
    assert isinstance(errors, list) and errors[0]["code"] == 429 and any("请求过于频繁" in e["description"] for e in errors), errors


def test_an_open311_key_is_counted_by_its_own_rate_not_its_users(w, rates):
    from geogrid.incidents.open311.keys import issue_key

    rates(user_write="1/min", open311_key="3/min")
    _key, text = issue_key(w["m_a"], "12345 热线")
    c = Client()
    body = {"service_code": "environment", "lat": P_G5A[1], "long": P_G5A[0], "description": "垃圾堆放", "api_key": text}
    assert [c.post("/open311/v2/requests.json", body).status_code for _ in range(4)] == [201, 201, 201, 429]


def test_a_replayed_idempotency_key_is_not_refused_for_the_writes_before_it(w, rates):
    """The outbox sends again after a lost answer: an already-answered key gets its answer back even
    when the user's writes are used up (it counts as a read); a new write is refused."""
    rates(user_write="3/min")
    c = token_client(w["m_a"])
    keys = [str(uuid.uuid4()) for _ in range(3)]
    first = [c.post("/api/incidents/", REPORT, format="json", HTTP_IDEMPOTENCY_KEY=k) for k in keys]
    assert [r.status_code for r in first] == [201] * 3
    assert_throttled(c.post("/api/incidents/", REPORT, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())))
    for k, r in zip(keys, first):
        again = c.post("/api/incidents/", REPORT, format="json", HTTP_IDEMPOTENCY_KEY=k)
        assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json()["id"] == r.json()["id"]
    rates(user_read="2/min")  # replays are reads: bounded by the read rate
    assert_throttled(c.post("/api/incidents/", REPORT, format="json", HTTP_IDEMPOTENCY_KEY=keys[0]))


def test_an_offline_queue_of_50_goes_through_with_the_default_rates_and_again_when_replayed(w):
    """A phone back online sends its queue in a burst (reports and a patrol's track batches, 50 items),
    then, its answers lost, the whole queue again: nothing refused, nothing made twice."""
    c = token_client(w["m_a"])
    patrol = c.post("/api/patrols/", {"grid": w["g4a"].code}, format="json", HTTP_IDEMPOTENCY_KEY="start").json()["id"]
    items = [("/api/incidents/", {**REPORT, "description": f"离线上报 {i}"}) for i in range(20)]
    items += [(f"/api/patrols/{patrol}/track/", {"offset": 2 * i, "points": [[116.705, 36.52 + i / 1e4], [116.706, 36.52 + i / 1e4]]})
              for i in range(29)]
    queue = [(f"item-{i}", url, body) for i, (url, body) in enumerate(items)]
    assert [c.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=k).status_code for k, url, body in queue] == [201] * 20 + [200] * 29
    again = [c.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=k) for k, url, body in queue]
    assert all(r.status_code in (200, 201) and r["Idempotent-Replayed"] == "true" for r in again)
    from geogrid.incidents.models import Incident
    assert Incident.objects.filter(description__startswith="离线上报").count() == 20


def test_the_maps_tiles_and_layers_are_never_counted(w, rates):
    """The map page fires dozens of tile and layer requests: those views are not DRF, so no limit
    applies even at one request a minute, while the API's is reached at once."""
    rates(user_read="1/min", anon="1/min")
    for c in (Client(REMOTE_ADDR="10.0.0.4"), token_client(w["m_a"])):
        for _ in range(5):
            for url in ("/tiles/grids_l4/12/3375/1601.pbf", "/layers/grids_l4.geojson", "/layers/", "/map/",
                        f"/layers/at?lon={P_G5A[0]}&lat={P_G5A[1]}"):
                assert c.get(url).status_code in (200, 204), url
        assert c.get(LOCATE).status_code == 200
        assert c.get(LOCATE).status_code == 429


def drf_routes(resolver=None, prefix=""):
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            yield from drf_routes(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            cls = getattr(p.callback, "cls", None)
            yield prefix + str(p.pattern).lstrip("^"), isinstance(cls, type) and issubclass(cls, APIView)


def test_the_limits_are_the_apis_only():
    """The throttle is DRF's: DRF serves exactly /api/ and /open311/, and no page, tile or layer (a
    page moved onto DRF would be counted; this says so by name)."""
    routes = list(drf_routes())
    outside = [r for r, drf in routes if drf and not r.lstrip("^").startswith(("api/", "open311/"))]
    assert outside == []
    assert any(drf for r, drf in routes if r.startswith("tiles/")) is False
    assert sum(drf for _r, drf in routes) > 40


def test_the_counts_are_shared_by_every_server_process(rates):
    """Another process (as another gunicorn worker) uses up a visitor's rate; this process then
    refuses that visitor. A per-process cache (Django's default) would answer 200 here."""
    assert isinstance(caches["throttle"], DatabaseCache)
    rates(anon="3/min")
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"  # its row expires in a minute
    db = connection.settings_dict
    url = (f"postgis://{quote(db['USER'] or '', safe='')}:{quote(db['PASSWORD'] or '', safe='')}@"
           f"{quote(db['HOST'] or '', safe='')}:{db['PORT'] or 5432}/{db['NAME']}")
    script = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        f"c = Client(REMOTE_ADDR={address!r})\n"
        f"print(json.dumps([c.get({LOCATE!r}).status_code for _ in range(4)]))\n")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "geogrid.settings", "GEOGRID_API_ANON_RATE": "3/min"}
    env.pop("GEOGRID_TEST_DB", None)
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    statuses = json.loads(out.stdout.strip().splitlines()[-1])  # nothing at this point in the test database: 404
    assert statuses == [404, 404, 404, 429], statuses
    assert_throttled(Client(REMOTE_ADDR=address).get(LOCATE))
    assert Client(REMOTE_ADDR="10.255.0.1").get(LOCATE).status_code == 404


def test_two_statements_a_request(rates):
    """The count's cost: one read and one upsert of its row (Django's own DatabaseCache writes with five)."""
    from django.test.utils import CaptureQueriesContext

    rates(anon="100/min")
    a = Client(REMOTE_ADDR="10.0.0.5")
    a.get(LOCATE)
    with CaptureQueriesContext(connection) as queries:
        assert a.get(LOCATE).status_code == 404
    counted = [q["sql"] for q in queries if "geogrid_throttle" in q["sql"]]
    assert len(counted) == 2 and "INSERT INTO" in counted[1], counted  # the read, the upsert (a cull rides in it)
    assert not [q for q in queries if "SAVEPOINT" in q["sql"]]


def test_expired_counts_leave_the_table(monkeypatch):
    """The table holds about the callers of the last minutes: expired rows go now and then."""
    from geogrid.workflow.throttling import ThrottleCache

    cache = caches["throttle"]
    with connection.cursor() as cur:
        cur.execute("INSERT INTO geogrid_throttle (cache_key, value, expires) VALUES ('gone', 'x', now() - interval '1 hour')")
    monkeypatch.setattr(ThrottleCache, "CULL_EVERY", 1)
    cache.set("kept", [1.0], 60)
    with connection.cursor() as cur:
        cur.execute("SELECT cache_key FROM geogrid_throttle WHERE cache_key IN ('gone', %s)", [cache.make_key("kept")])
        assert [r[0] for r in cur.fetchall()] == [cache.make_key("kept")]
    assert cache.get("kept") == [1.0]


def test_a_bucket_set_off_is_not_counted(settings):
    """GEOGRID_API_…_RATE=off (the benchmarks' load tools): that bucket is neither refused nor counted."""
    env = {**os.environ, "GEOGRID_API_ANON_RATE": "off", "GEOGRID_API_WRITE_RATE": " OFF "}
    from django.test.utils import CaptureQueriesContext

    out = subprocess.run([sys.executable, "-c", "import json, django; django.setup(); from django.conf import settings; "
                          "print(json.dumps(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']))"], cwd=REPO,
                         env={**env, "DJANGO_SETTINGS_MODULE": "geogrid.settings"}, capture_output=True, text=True, timeout=60)
    rates_seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert rates_seen["anon"] is None and rates_seen["user_write"] is None and rates_seen["user_read"] == "600/min", out.stderr
    rate_limits(settings, anon=None)
    world()
    c = Client()
    with CaptureQueriesContext(connection) as queries:
        answers = {c.get(LOCATE).status_code for _ in range(30)}
    assert answers == {200} and not [q for q in queries if "geogrid_throttle" in q["sql"]]
