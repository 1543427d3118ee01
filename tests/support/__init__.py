"""Helpers every test may import (`from tests.support import box, login, …`): small purpose-built
geometries, the test data files that ship with the repository, and the browser helpers."""
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

REPO = Path(__file__).resolve().parent.parent.parent
DATA = REPO / "tests" / "data"
ARTIFACTS = REPO / "var" / "artifacts"
TEST_PASSWORD = "pw-12345678"  # tests/support/world.py users


def data_path(*parts):
    """A file under tests/data/ (copied into the repository with its provenance README, so a fresh
    clone runs every test). A missing file fails the test: a skip would hide it."""
    p = DATA.joinpath(*parts)
    if not p.exists():
        pytest.fail(f"test data {p} is missing: it is part of the repository (see tests/data/README.md)")
    return p


def square(x0, y0, size, srid=4490):
    """An axis-aligned square MultiPolygon in degrees: small purpose-built test geometry."""
    return MultiPolygon(Polygon.from_bbox((x0, y0, x0 + size, y0 + size)), srid=srid)


def box(x0, y0, x1, y1, srid=4490):
    return MultiPolygon(Polygon.from_bbox((x0, y0, x1, y1)), srid=srid)


# The screenshots the README shows (docs/screenshots/, rewritten by every browser run).
README_SHOTS = {"home_grid_member_phone", "incident_report_phone", "incident_detail_actions_phone", "patrol_live_phone",
                "home_staff_desktop", "incident_console_desktop", "stats_district", "map",
                "care_my_visits_phone", "care_due_staff_desktop", "boundary_walk_phone", "boundary_report_desktop"}
DOCS_SHOTS = REPO / "docs" / "screenshots"


def screenshot(page, name):
    """Keep a screenshot as a test artifact under var/artifacts/, and in docs/screenshots/ when the
    README shows it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if name in README_SHOTS:
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        (DOCS_SHOTS / path.name).write_bytes(path.read_bytes())
    return path


# --- browser helpers (one copy for every browser test) ------------------------------------------
def wait_until(check, timeout=20):
    """Poll a server-side condition (a row the page's queue sends) until it holds or time runs out."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.2)
    return check()


def move(page, lon, lat, points):
    """The phone moves to lon/lat; wait until the patrol page has recorded `points` positions."""
    page.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 8})
    page.wait_for_function(f"window.geogridPatrol.points.length === {points}", timeout=15000)


def watch(page):
    """Collect every request URL and every uncaught page error of a page."""
    requests, errors = [], []
    page.on("request", lambda req: requests.append(req.url))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return requests, errors


def assert_local(requests, live_server):
    """Not one request left the server (the product must work on an intranet)."""
    host = urlparse(live_server.url).netloc
    strangers = [u for u in requests if not u.startswith(("data:", "blob:")) and urlparse(u).netloc != host]
    assert not strangers, strangers


def login(page, live_server, username, path="/"):
    """Signs `username` in with a session cookie, then opens `path` (the home page, as the login
    form would; None: no page, the test opens its own). The form costs a page and a POST per test;
    it is driven in Chromium by login_with_form (the case journey, every demo login under the CSP)
    and through the test client by tests/accounts."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    user = get_user_model().objects.get(username=username)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": live_server.url}])
    if path is not None:
        page.goto(live_server.url + path)


def login_with_form(page, live_server, username, password=TEST_PASSWORD):
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def map_point(page, map_expr, lon, lat):
    """Page coordinates where lon/lat is drawn on the Leaflet map `map_expr` (features are on a
    canvas, not DOM nodes, so tests click by position)."""
    return page.evaluate("([lat, lon]) => { const m = " + map_expr + "; const p = m.latLngToContainerPoint([lat, lon]);"
                         " const r = m.getContainer().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }", [lat, lon])


LIFTED = "1000000/min"


def rate_limits(settings, **rates):
    """Set the API's rate limits (REST_FRAMEWORK's DEFAULT_THROTTLE_RATES, geogrid/workflow/throttling.py)
    for one test through pytest-django's `settings`; without rates, a signed-in user's are lifted (tests
    that send hundreds of requests a minute as one user, the limits themselves: tests/site/test_throttling.py)."""
    rates = rates or {"user_read": LIFTED, "user_write": LIFTED}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}}
