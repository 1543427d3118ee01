"""The service worker of the phone pages is served from the site root (its scope is the whole site),
as JavaScript, never cached stale, with the assets of the phone pages and the pages to keep; it
runs no query; the outbox tag puts data (not code) into the page."""
import json
import re

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from geogrid.offline import views
from tests.support.world import world

pytestmark = pytest.mark.django_db


def config_of(body):
    first = body.split("\n", 1)[0]
    assert first.startswith("self.GEOGRID_OFFLINE = ") and first.endswith(";")
    return json.loads(first[len("self.GEOGRID_OFFLINE = "):-1])


def test_the_worker_is_served_at_the_root_as_javascript(client):
    with CaptureQueriesContext(connection) as q:
        r = client.get("/sw.js")
    assert r.status_code == 200 and len(q) == 0
    assert r["Content-Type"].startswith("text/javascript") and r["Service-Worker-Allowed"] == "/" and r["Cache-Control"] == "no-cache"
    body = r.content.decode()
    config = config_of(body)
    assert "/static/incidents/incidents.js" in config["assets"] and "/static/boundaries/walk.js" in config["assets"]
    assert "/static/leaflet/leaflet.js" in config["assets"] and "/static/offline/outbox.js" in config["assets"]
    assert all(a.startswith("/static/") for a in config["assets"])  # nothing from off the server
    pages = [re.compile(p) for p in config["pages"]]
    for path in ("/incidents/report/", "/incidents/mine/", "/patrols/", "/care/", "/boundaries/inspections/7/walk/"):
        assert any(p.search(path) for p in pages), path
    for path in ("/incidents/", "/incidents/12/", "/admin/", "/api/incidents/", "/boundaries/inspections/7/"):
        assert not any(p.search(path) for p in pages), path
    assert config["report"] == {"page": "/incidents/report/", "api": "/api/incidents/", "findings": "/api/patrols/0/findings/",
                                "mine": "/incidents/mine/", "label": "事件上报：%s"}
    assert "addEventListener(\"fetch\"" in body and "request.method !== \"GET\"" in body  # writes are never touched
    assert client.head("/sw.js").status_code == 200  # the pages' reachability probe
    assert client.post("/sw.js").status_code == 405


def test_the_version_follows_the_code_the_assets_and_their_contents(monkeypatch):
    seen = {views.worker_config()["version"]}
    assert views.worker_config()["version"] in seen  # nothing else moves it
    real = views._content
    monkeypatch.setattr(views, "_content", lambda name: "changed" if name == "incidents/incidents.js" else real(name))
    seen.add(views.worker_config()["version"])  # a deploy changed one file
    monkeypatch.setattr(views, "ASSETS", views.ASSETS[:-1])
    seen.add(views.worker_config()["version"])
    monkeypatch.setattr(views, "_code", lambda: "// another worker")
    seen.add(views.worker_config()["version"])
    assert len(seen) == 4


def test_the_outbox_tag_gives_data_and_a_script_file_only():
    w = world()
    request = RequestFactory().get("/incidents/mine/")
    request.user = w["m_a"]
    html = Template("{% load offline %}{% outbox %}").render(Context({"request": request}))
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert len(scripts) == 2
    (attrs_data, data), (attrs_code, code) = scripts
    assert 'type="application/json"' in attrs_data and 'src="/static/offline/outbox.js"' in attrs_code and code == ""
    config = json.loads(data)
    assert config["user"] == w["m_a"].pk and config["worker"] == "/sw.js"
    assert config["text"]["offline"] == "离线" and config["text"]["allSent"] == "已全部发送" and "%s" in config["text"]["waiting"]
