"""Every main page under the Content-Security-Policy (sent in every mode, geogrid/settings.py): on the
demo district, each login opens its pages in headless Chromium and not one `securitypolicyviolation`
fires (a listener installed before any page script records them), no page error, every Leaflet map
of the page started (its start-up code is static/geogrid/leafletmap.js, not inline), and the header
allows scripts from the server only."""
import pytest

from geogrid.boundaries.models import JointInspection
from geogrid.accounts.models import User
from geogrid.care.services import visible_subjects
from geogrid.demo.loader import DEMO_PASSWORD
from geogrid.incidents.models import Incident
from geogrid.placenames.models import NamingApplication, NamingBatch, Road
from tests.support import assert_local, login_with_form
from tests.support.demo import demo_db  # noqa: F401  (a copy of the demo database for one test)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.effectiveDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""
# Every map placeholder of django-leaflet's tag (templates/leaflet/_leaflet_map.html) became a Leaflet map.
MAPS_STARTED = """() => Array.from(document.querySelectorAll("script[data-map]")).map(s => {
  const el = document.getElementById(s.dataset.map); return [s.dataset.map, !!el && el.classList.contains("leaflet-container")]; })"""


def pages_of(username):
    inc = Incident.objects.order_by("pk").first()
    mine = Incident.objects.filter(reporter__username="demo_member").order_by("pk").first()
    insp = JointInspection.objects.order_by("pk").first()
    app = NamingApplication.objects.order_by("pk").first()
    announced = NamingApplication.objects.filter(state__in=["approved", "filed", "announced"]).order_by("pk").first()
    subject = visible_subjects(User.objects.get(username="demo_member")).order_by("pk").first()
    assert inc and mine and insp and app and announced and subject, "the demo has cases, an inspection, naming applications, people to visit"
    return {
        None: ["/", "/map/", "/accounts/login/", "/api/docs/", "/gazetteer/", "/ogc/collections/grids-l4/items?f=html"],
        "demo_member": ["/", "/incidents/report/", "/incidents/mine/", f"/incidents/{mine.pk}/", "/patrols/", "/care/",
                        f"/care/subjects/{subject.pk}/", "/notifications/", "/map/"],
        "demo_admin": ["/", "/incidents/", f"/incidents/{inc.pk}/", "/stats/", "/facilities/", "/facilities/coverage/", "/care/due/",
                       "/care/stats/", "/patrols/all/", "/map/", "/admin/", f"/admin/placenames/road/{Road.objects.order_by('pk').first().pk}/change/"],
        "demo_placename": ["/placenames/", "/placenames/queue/", f"/placenames/batches/{NamingBatch.objects.order_by('pk').first().pk}/",
                           f"/placenames/applications/{app.pk}/", f"/placenames/applications/{announced.pk}/announcement/",
                           "/placenames/signs/", "/placenames/signs/patrol/", "/placenames/buildings/", "/gazetteer/"],
        "demo_boundary": ["/boundaries/", f"/boundaries/inspections/{insp.pk}/", f"/boundaries/inspections/{insp.pk}/walk/",
                          f"/boundaries/inspections/{insp.pk}/report/"],
    }[username]


@pytest.mark.parametrize("username", [None, "demo_member", "demo_admin", "demo_placename", "demo_boundary"])
def test_the_pages_of_each_login_run_under_the_policy_without_a_violation(demo_db, live_server, browser, username):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                              geolocation={"longitude": 116.75, "latitude": 36.55}, permissions=["geolocation"])
    ctx.add_init_script(RECORD_VIOLATIONS)
    requests, errors = [], []

    def tab():
        p = ctx.new_page()
        p.on("request", lambda req: requests.append(req.url))
        p.on("pageerror", lambda exc, p=p: errors.append(f"{p.url}: {exc}"))
        return p

    try:
        if username:
            login_with_form(tab(), live_server, username, DEMO_PASSWORD)
        # Every page in a tab of its own, all loading at once: each waits for its network to fall
        # quiet (later scripts, tiles) without the others waiting behind it.
        tabs = [(path, p, p.goto(live_server.url + path, wait_until="commit")) for path, p in ((path, tab()) for path in pages_of(username))]
        maps = 0
        for path, page, response in tabs:
            assert response.status == 200, (path, response.status)
            policy = dict(d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))
            assert policy["script-src"] == "'self'" and policy["object-src"] == "'none'", (path, policy)
            page.wait_for_load_state("networkidle", timeout=30000)
            started = page.evaluate(MAPS_STARTED)
            assert all(ok for _name, ok in started), (path, started)
            maps += len(started)
            assert page.evaluate("window.__csp") == [], path
            if path.startswith("/boundaries/") and path.endswith("/report/"):  # the boundary report's folium map, in its sandboxed frame
                frame = page.frame_locator("#report-map")
                frame.locator(".leaflet-overlay-pane canvas").wait_for(timeout=10000)
            if path.startswith("/admin/placenames/road/"):  # the admin's geometry widget (templates/leaflet/widget.html)
                assert page.evaluate("[window.geodjango_id_geom.fieldid, window.geodjango_id_geom.geom_type]") == ["id_geom", "MultiLineString"]
                assert page.locator("#id_geom-map .leaflet-overlay-pane path").count() >= 1
            if path == "/api/docs/":
                page.locator(".swagger-ui .info .title").wait_for(timeout=15000)
        assert not errors, errors
        assert_local(requests, live_server)
        assert maps >= {None: 2, "demo_member": 4, "demo_admin": 6, "demo_placename": 6, "demo_boundary": 1}[username], maps
    finally:
        ctx.close()


def test_the_listener_sees_what_the_policy_blocks(live_server, page):
    """The guard of the test above: inline code in a served page is blocked and recorded."""
    page.context.add_init_script(RECORD_VIOLATIONS)
    page.goto(live_server.url + "/accounts/login/")
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1'; document.body.appendChild(s);"
                  " const b = document.createElement('button'); b.setAttribute('onclick', 'window.ran = 2'); document.body.appendChild(b); b.click(); }")
    page.wait_for_timeout(200)
    assert page.evaluate("window.ran") is None
    assert [v.split(" blocked ")[0] for v in page.evaluate("window.__csp")] == ["script-src-elem", "script-src-attr"]
