"""The tile front (layers/front.py, wrapped around Django in geogrid/wsgi.py): a stored tile asked
with its version is answered before Django — the same bytes and headers Django gives, in the
request's language, gzip when accepted, 304 on its ETag — and everything else goes to Django."""
import gzip
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geogrid.accounts.models import User
from layers import versions
from layers.front import TileFront
from tests.support.district import small_district

pytestmark = pytest.mark.django_db

Z, X, Y = 14, 13505, 6402

SAME = ("ETag", "Cache-Control", "Vary", "Content-Language", "Content-Type", "Content-Encoding", "X-Frame-Options",
        "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy")


class Behind:
    """What the front passes on: recorded, answered 418."""

    def __init__(self):
        self.calls = []

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        self.calls.append(environ["PATH_INFO"] + (f"?{query}" if query else ""))
        start_response("418 I'm a teapot", [])
        return [b""]


def ask(front, path, **headers):
    target, _, query = path.partition("?")
    environ = {"REQUEST_METHOD": headers.pop("method", "GET"), "PATH_INFO": target, "QUERY_STRING": query, "SERVER_NAME": "testserver",
               "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": BytesIO(), **headers}
    got = {}

    def start_response(status, headers, exc_info=None):
        got["status"], got["headers"] = int(status.split()[0]), dict(headers)

    body = b"".join(front(environ, start_response))
    return got["status"], got["headers"], body


@pytest.fixture
def front(settings, tmp_path):
    settings.GEOGRID_TILE_DIR = tmp_path / "tiles"
    return TileFront(Behind())


def test_a_stored_tile_is_answered_as_django_answers_it(client, front):
    from django.contrib.gis.geos import Point

    from geogrid.facilities.models import Facility
    from layers.publish import tile_lonlat_bounds

    c = small_district()["community"]
    # A tile of a few kB: GZipMiddleware pads its gzip with up to 100 random bytes (against BREACH)
    # and sends a small tile as it is when the padding makes it no smaller; a big one always packed.
    w, s, e, n = tile_lonlat_bounds(Z, X, Y)
    Facility.objects.bulk_create([Facility(name=f"设施{i}", facility_type_id="day_care", address="某路", area=c,
                                           geom=Point(w + (e - w) * (i % 20) / 20, s + (n - s) * (i // 20) / 10, srid=4490))
                                  for i in range(200)])
    versions.bump("facilities")
    v = versions.version("facilities")
    path = f"/tiles/facilities/{Z}/{X}/{Y}.pbf?v={v}"
    assert ask(front, path)[0] == 418 and front.app.calls == [path]  # not stored yet: Django makes it
    for lang in ("zh-hans", "en"):
        for encoding in ("gzip, deflate", ""):
            django = client.get(path, HTTP_ACCEPT_LANGUAGE=lang, HTTP_ACCEPT_ENCODING=encoding)
            with CaptureQueriesContext(connection) as q:
                status, headers, body = ask(front, path, HTTP_ACCEPT_LANGUAGE=lang, HTTP_ACCEPT_ENCODING=encoding)
            assert status == django.status_code == 200 and not q, (lang, encoding)
            assert {k: headers.get(k) for k in SAME} == {k: django.headers.get(k) for k in SAME}, (lang, encoding)
            unpack = gzip.decompress if encoding else bytes
            assert unpack(body) == unpack(django.content) and len(unpack(body)) > 3000
            assert headers["Content-Length"] == str(len(body))
    assert len(front.app.calls) == 1
    # The language cookie wins over the header, as LocaleMiddleware has it.
    _, headers, _ = ask(front, path, HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_COOKIE="django_language=en")
    assert headers["Content-Language"] == "en" and ".en." in headers["ETag"]
    # The ETag revalidates (weak or strong); HEAD has no body.
    etag = client.get(path)["ETag"]
    status, headers, body = ask(front, path, HTTP_IF_NONE_MATCH=f"W/{etag}")
    assert (status, body, headers["ETag"]) == (304, b"", etag)
    assert client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert ask(front, path, method="HEAD")[::2] == (200, b"")


def test_an_empty_stored_tile_is_204(client, front):
    from django.contrib.gis.geos import Point

    from geogrid.facilities.models import Facility
    from layers.publish import tile_lonlat_bounds

    d = small_district()
    Facility.objects.create(facility_type_id="day_care", name="远处中心", address="某路", geom=Point(116.79, 36.59, srid=4490), area=d["community"])
    # z14 tile of 116.77E 36.57N: inside the facilities' extent, no facility in it.
    x, y = 13506, 6401
    w, s, e, n = tile_lonlat_bounds(14, x, y)
    assert w < 116.77 < e and s < 36.57 < n
    path = f"/tiles/facilities/14/{x}/{y}.pbf?v={versions.version('facilities')}"
    django = client.get(path)
    status, headers, body = ask(front, path, HTTP_ACCEPT_ENCODING="gzip")
    assert status == django.status_code == 204 and body == b"" and not front.app.calls
    assert headers["ETag"] == django["ETag"] and headers["Vary"] == django["Vary"]


def test_everything_else_goes_to_django(client, front, settings):
    small_district()
    v = versions.version("grids_l4")
    stored = f"/tiles/grids_l4/{Z}/{X}/{Y}.pbf?v={v}"
    client.get(stored)
    passed = [
        f"/tiles/grids_l4/{Z}/{X}/{Y}.pbf",  # no version: Django looks it up
        f"/tiles/grids_l4/{Z}/{X}/{Y}.pbf?v={v + 1}",  # another version: not stored
        f"/tiles/grids_l4/{Z}/{X}/{Y}.pbf?v={v}&x=1",
        f"/tiles/grids_l4/{Z}/{X + 1}/{Y}.pbf?v={v}",  # not stored yet
        f"/tiles/no_such/{Z}/{X}/{Y}.pbf?v={v}",
        f"/tiles/grids_l4/{Z}/{1 << Z}/{Y}.pbf?v={v}",  # out of range: Django's 400
        f"/layers/?v={v}",
    ]
    for path in passed:
        assert ask(front, path)[0] == 418
    assert ask(front, stored, method="POST")[0] == 418
    assert front.app.calls == [*passed, stored]
    # A layer of signed-in users' own rows is never answered from files, even one left there.
    incidents = versions.version("incidents") or 1
    from layers import tilestore

    tilestore.write("incidents", incidents, "zh-hans", Z, X, Y, b"x" * 300)
    assert ask(front, f"/tiles/incidents/{Z}/{X}/{Y}.pbf?v={incidents}")[0] == 418
    # Where HTTPS is required, plain HTTP goes to Django (its redirect); HTTPS gets HSTS too.
    settings.SECURE_SSL_REDIRECT, settings.SECURE_HSTS_SECONDS = True, 3600
    assert ask(front, stored)[0] == 418
    status, headers, _ = ask(front, stored, **{"wsgi.url_scheme": "https"})
    assert status == 200 and headers["Strict-Transport-Security"].startswith("max-age=3600")


def test_a_signed_in_user_gets_the_same_file(client, front):
    small_district()
    user = User.objects.create_user("front_user", password="x", full_name="甲", phone="13800000009")
    client.force_login(user)
    path = f"/tiles/grids_l4/{Z}/{X}/{Y}.pbf?v={versions.version('grids_l4')}"
    django = client.get(path)
    status, _, body = ask(front, path, HTTP_COOKIE=f"sessionid={client.cookies['sessionid'].value}")
    assert status == 200 and body == django.content


def test_the_served_application_has_the_front():
    from geogrid.wsgi import application

    assert isinstance(application, TileFront)
