"""No CDN at run time (house rule; issue 2 "/map/: No CDN"): every page a person opens — including
the API documentation that `make run` advertises — loads its scripts, styles and icons from this
server, and each of them is served."""
import re

import pytest

from tests.support.world import report, world

pytestmark = pytest.mark.django_db

ASSET = re.compile(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"')


def assets_of(html):
    return [a for a in ASSET.findall(html) if not a.startswith("data:")]


def assert_self_contained(client, path):
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    html = r.content.decode()
    assets = assets_of(html)
    for url in assets:
        assert url.startswith("/"), f"{path} loads {url} from another host"
        served = client.get(url)
        assert served.status_code == 200, f"{path}: {url} → {served.status_code}"
    # Script bodies may not reach out either (Swagger UI's default would pull from a CDN).
    for script in re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S):
        assert not re.search(r"https?://(?!127\.0\.0\.1|localhost|testserver)", script), (path, script[:200])
    return assets


def test_api_docs_serve_swagger_ui_themselves(client):
    assets = assert_self_contained(client, "/api/docs/")
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets), assets
    assert any(a.endswith("swagger-ui.css") for a in assets), assets
    # Its start-up script is a file of its own (no inline code: CSP).
    assert "/api/docs/?script=" in assets
    script = client.get("/api/docs/?script=").content.decode()
    assert re.search(r'"validatorUrl":\s*null', script), "Swagger UI would call validator.swagger.io"
    assert not re.search(r"https?://(?!127\.0\.0\.1|localhost|testserver)", script)
    assert client.get("/api/schema/").status_code == 200


@pytest.mark.parametrize("who, paths", [
    (None, ["/", "/map/", "/accounts/login/", "/admin/login/"]),
    ("m_a", ["/", "/incidents/report/", "/incidents/mine/"]),
    ("sd1", ["/incidents/", "/stats/", "/admin/"]),
])
def test_every_page_loads_only_local_assets(client, who, paths):
    w = world()
    if who:
        client.force_login(w[who])
        if who == "sd1":
            w["sd1"].is_staff = True
            w["sd1"].save()
            paths = paths + [f"/incidents/{report(w).pk}/"]
    for path in paths:
        assert_self_contained(client, path)
