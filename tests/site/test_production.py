"""Production mode (GEOGRID_ENV=production, geogrid/settings.py) and the Content-Security-Policy of
every mode.

Production settings are read once per process, so they are tested in subprocesses with a clean
environment (only PATH, the database and the production variables): `manage.py check --deploy`
reports nothing, a missing or weak key or missing hosts stop it with a clear message, and gunicorn
started as the README says serves the hashed, compressed static files and the service worker.
The pages' policy allows no inline code: no template has any, and django-leaflet's tags render none."""
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import Client

from tests.support import REPO

PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
HOST = "geogrid.example.gov.cn"


def production_env(**extra):
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "GEOGRID_ENV": "production",
           "GEOGRID_SECRET_KEY": secrets.token_urlsafe(50), "GEOGRID_ALLOWED_HOSTS": HOST}
    if os.environ.get("DATABASE_URL"):  # the database a site configures; else the private cluster of var/
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    env.update(extra)
    return {k: v for k, v in env.items() if v is not None}


def manage(*args, **env):
    return subprocess.run([PYTHON, "manage.py", *args], cwd=REPO, env=production_env(**env), capture_output=True, text=True, timeout=300)


def test_check_deploy_reports_nothing_in_production_mode():
    r = manage("check", "--deploy", "--fail-level", "WARNING")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "System check identified no issues" in r.stdout, r.stdout + r.stderr
    assert "WARNING" not in r.stderr and "ERROR" not in r.stderr, r.stderr


def test_the_demo_mode_is_what_check_deploy_would_refuse():
    """The guard of the test above: the same check fails on the demo mode's settings."""
    r = subprocess.run([PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=REPO, capture_output=True, text=True,
                       timeout=300, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    assert r.returncode != 0
    assert all(f"security.{w}" in r.stderr for w in ("W004", "W008", "W009", "W012", "W016")), r.stderr


@pytest.mark.parametrize("env, message", [
    ({"GEOGRID_SECRET_KEY": None}, "GEOGRID_ENV=production needs GEOGRID_SECRET_KEY"),
    ({"GEOGRID_SECRET_KEY": "short-secret"}, "GEOGRID_ENV=production needs GEOGRID_SECRET_KEY"),
    ({"GEOGRID_SECRET_KEY": "dev-only-insecure-key-change-me-in-production" + "x" * 10}, "GEOGRID_ENV=production needs GEOGRID_SECRET_KEY"),
    ({"GEOGRID_ALLOWED_HOSTS": None}, "GEOGRID_ENV=production needs GEOGRID_ALLOWED_HOSTS"),
    ({"GEOGRID_ALLOWED_HOSTS": " , "}, "GEOGRID_ENV=production needs GEOGRID_ALLOWED_HOSTS"),
    ({"GEOGRID_ENV": "prod"}, "GEOGRID_ENV='prod': use 'production'"),
])
def test_production_mode_refuses_to_start_without_its_key_and_hosts(env, message):
    r = manage("check", **env)
    assert r.returncode == 1
    assert "django.core.exceptions.ImproperlyConfigured: " + message in r.stderr, r.stderr


def test_production_mode_turns_debug_off_even_when_asked():
    r = subprocess.run([PYTHON, "-c", "import django; django.setup(); from django.conf import settings as s; "
                        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, "
                        "s.STORAGES['staticfiles']['BACKEND'], s.ALLOWED_HOSTS)"],
                       cwd=REPO, capture_output=True, text=True, timeout=120,
                       env=production_env(GEOGRID_DEBUG="1", DJANGO_SETTINGS_MODULE="geogrid.settings", GEOGRID_ALLOWED_HOSTS=f"{HOST}, a.example"))
    assert r.stdout.split() == ["False", "True", "True", "True", "31536000", "whitenoise.storage.CompressedManifestStaticFilesStorage",
                                f"['{HOST}',", "'a.example']"], r.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, **headers):
    req = urllib.request.Request(url, headers={"Host": HOST, **headers})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **kw):
            return None
    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.mark.django_db
def test_gunicorn_serves_production_mode_with_hashed_static_files_and_the_service_worker(tmp_path):
    """The README's commands: collectstatic, then gunicorn behind a front server that ends TLS."""
    env = production_env(GEOGRID_STATIC_ROOT=str(tmp_path / "static"), GEOGRID_DB_NAME=connection.settings_dict["NAME"])
    r = subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    port = free_port()
    server = subprocess.Popen([GUNICORN, "geogrid.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                               "--worker-class", "gthread", "--threads", "1", "--timeout", "60", "--no-control-socket"],
                              cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        https = {"X-Forwarded-Proto": "https"}
        # Plain HTTP is sent to HTTPS; a host not configured is refused.
        status, headers, _ = fetch(base + "/map/")
        assert status == 301 and headers["Location"] == f"https://{HOST}/map/"
        assert fetch(base + "/map/", **https, Host="evil.example")[0] == 400

        status, headers, body = fetch(base + "/map/", **https)
        assert status == 200, body[:2000]
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        policy = dict(d.strip().split(" ", 1) for d in headers["Content-Security-Policy"].split(";"))
        assert policy["script-src"] == "'self'"
        # Hashed names (cached for ever) in the page, each served compressed from STATIC_ROOT.
        scripts = re.findall(r'<script src="(/static/[^"]+)"', body.decode())
        assert "/static/geogrid/leafletmap.js" not in scripts
        assert any(re.fullmatch(r"/static/geogrid/leafletmap\.[0-9a-f]{12}\.js", s) for s in scripts), scripts
        for src in scripts:
            status, headers, _ = fetch(base + src, **https, **{"Accept-Encoding": "gzip"})
            assert status == 200 and headers.get("Content-Encoding") == "gzip" and "immutable" in headers["Cache-Control"], (src, headers)

        # The service worker lists the same hashed names, and every one of them is served.
        status, headers, body = fetch(base + "/sw.js", **https)
        assert status == 200
        config = re.match(r"self\.GEOGRID_OFFLINE = (\{.*?\});\n", body.decode()).group(1)
        assets = re.findall(r'"(/static/[^"]+)"', config)
        assert len(assets) > 20 and all(re.search(r"\.[0-9a-f]{12}\.(js|css)$", a) for a in assets), assets
        assert any("/static/geogrid/leafletmap." in a for a in assets)
        for a in assets:
            assert fetch(base + a, **https)[0] == 200, a
    finally:
        server.terminate()
        out = server.communicate(timeout=30)[0]
    assert "Internal Server Error" not in out and out.count("Traceback") == 1 and "DisallowedHost: Invalid HTTP_HOST header: 'evil.example'" in out, out


# --- the policy of every mode ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_every_page_carries_the_policy_without_inline_scripts():
    r = Client().get("/map/")
    policy = dict(d.strip().split(" ", 1) for d in r["Content-Security-Policy"].split(";"))
    assert policy == {
        "default-src": "'self'", "script-src": "'self'", "style-src": "'self' 'unsafe-inline'", "img-src": "'self' data: blob:",
        "connect-src": "'self'", "worker-src": "'self'", "font-src": "'self'", "object-src": "'none'", "base-uri": "'self'",
        "form-action": "'self'", "frame-ancestors": "'none'"}
    assert Client().get("/accounts/login/").has_header("Content-Security-Policy")


def test_a_base_map_server_is_allowed_as_images():
    r = subprocess.run([PYTHON, "-c", "import django; django.setup(); from django.conf import settings as s; "
                        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"], cwd=REPO, capture_output=True, text=True, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "geogrid.settings",
                            "GEOGRID_BASEMAP_URL": "http://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}&y={y}&l={z}"})
    assert r.stdout.strip() == "[\"'self'\", 'data:', 'blob:', 'http://*.tianditu.gov.cn']", r.stderr


INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=|javascript:", re.I)


def templates():
    found = [p for d in ("templates", "geogrid", "layers") for p in (REPO / d).rglob("*.html") if "templates" in p.parts]
    assert len(found) > 30
    return found


def test_no_template_holds_inline_code():
    offenders = [(str(p.relative_to(REPO)), m.group(0)) for p in templates() for rx in (INLINE_SCRIPT, INLINE_HANDLER)
                 for m in rx.finditer(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_guard_above_finds_inline_code():
    assert INLINE_SCRIPT.search('<script>alert(1)</script>') and INLINE_SCRIPT.search("<script nonce='x'>")
    assert not INLINE_SCRIPT.search('<script src="/static/a.js" defer></script>') and not INLINE_SCRIPT.search('<script type="application/json" id="c">')
    assert INLINE_HANDLER.search('<button onclick="go()">') and INLINE_HANDLER.search('<a href="javascript:void(0)">')


def test_django_leaflets_map_and_widget_render_no_inline_code():
    from leaflet.admin import LeafletAdminWidget

    html = Template('{% load leaflet_tags %}{% leaflet_map "m" callback="window.geogridMapInit" %}').render(Context({}))
    assert INLINE_SCRIPT.search(html) is None
    assert re.search(r'<script src="/static/geogrid/leafletmap.js" data-map="m" data-callback="window.geogridMapInit" '
                     r'data-djoptions="\{&quot;srid&quot;: null, ', html), html
    widget = LeafletAdminWidget(attrs={"geom_type": "POINT"}).render("geom", None, attrs={"id": "id_geom"})
    assert INLINE_SCRIPT.search(widget) is None and INLINE_HANDLER.search(widget) is None
    assert 'data-widget="geodjango_id_geom"' in widget and 'data-callback="id_geom_map_callback"' in widget and 'data-map="id_geom-map"' in widget
