"""Shared fixtures. Every test runs against the real PostGIS of scripts/pg.sh (or DATABASE_URL)."""
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
ARTIFACTS = REPO / "var" / "artifacts"


def shared_path(*parts):
    """A file under ../shared/, or skip the test with the reason when that folder is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is absent (the shared folder sits beside the checkout in CI and dev)")
    return p


def square(x0, y0, size, srid=4490):
    """An axis-aligned square MultiPolygon in degrees: small purpose-built test geometry."""
    return MultiPolygon(Polygon.from_bbox((x0, y0, x0 + size, y0 + size)), srid=srid)


def box(x0, y0, x1, y1, srid=4490):
    return MultiPolygon(Polygon.from_bbox((x0, y0, x1, y1)), srid=srid)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in zh-hans: the test client's LocaleMiddleware leaves the language of its
    last request active in this thread, which would leak English into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 costs ~0.3 s a user; tests make hundreds. MD5 for new test users, PBKDF2 kept so
    the demo's stored hashes still verify."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (its own browser download does not work here)."""
    # Playwright's sync API runs an event loop in this thread; the ORM calls of live_server
    # fixtures happen in other threads, so Django's async guard is a false alarm here.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    exe = "/usr/bin/chromium"
    if not Path(exe).exists():
        pytest.fail("Debian's chromium is missing: scripts/bootstrap.sh --test installs it")
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=exe,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    pg = ctx.new_page()
    yield pg
    ctx.close()


@pytest.fixture
def phone_page(browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN",
                              geolocation={"longitude": 116.75, "latitude": 36.55}, permissions=["geolocation"])
    pg = ctx.new_page()
    yield pg
    ctx.close()


def screenshot(page, name):
    """Keep a screenshot as a test artifact under var/artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- browser helpers (one copy for every browser test) ------------------------------------------
TEST_PASSWORD = "pw-12345678"  # tests/incident_world.py users


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


def login(page, live_server, username, password=TEST_PASSWORD):
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
