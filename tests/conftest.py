"""Shared fixtures. Every test runs against the real PostGIS of scripts/pg.sh (or DATABASE_URL)."""
import os
import re
from pathlib import Path

import pytest

from tests.support.demo import demo, demo_db, demo_template, django_db_setup  # noqa: F401  (databases migrated once, the demo loaded once per run)


def pytest_addoption(parser):
    # Here, not in tests/reliability/conftest.py: pytest reads options only from the root conftest.
    parser.addoption("--reliability-n", type=int, default=2000,
                     help="reports the 16 clients of tests/reliability submit (default 2000; the larger run: 10000)")


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in zh-hans: the test client's LocaleMiddleware leaves the language of its
    last request active in this thread, which would leak English into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def _tile_store(tmp_path_factory):
    """The run's tiles in a store of its own (layers/tilestore.py), never the shared var/tiles."""
    from django.conf import settings

    settings.GEOGRID_TILE_DIR = tmp_path_factory.mktemp("tiles")


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

    _wait_for_function_without_eval()
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


_FUNCTION = re.compile(r"^\s*(async\s+)?(function\b|\([^()]*\)\s*=>|[A-Za-z_$][\w$]*\s*=>)")


def _wait_for_function_without_eval():
    """The pages' Content-Security-Policy has no 'unsafe-eval', and Playwright's wait_for_function
    re-evaluates a bare expression with eval() on every poll, which the page then refuses. Written as
    an arrow function it is compiled once, by the debugger, so tests may go on writing expressions."""
    from playwright.sync_api import Frame, Page

    for cls in (Page, Frame):
        if getattr(cls.wait_for_function, "_no_eval", False):
            continue
        original = cls.wait_for_function

        def wait_for_function(self, expression, *args, _original=original, **kwargs):
            if not _FUNCTION.match(expression):
                expression = f"() => ({expression})"
            return _original(self, expression, *args, **kwargs)

        wait_for_function._no_eval = True
        cls.wait_for_function = wait_for_function


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


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """A run that skips a test is not a passing run: the suite must run everything in a fresh clone."""
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.write_line(f"{len(skipped)} test(s) skipped: every test must run (see tests/support.data_path)", red=True)


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and reporter.stats.get("skipped") and session.exitstatus == 0:
        session.exitstatus = 1

