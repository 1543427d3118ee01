"""The service worker of the phone pages, served at the site root (/sw.js) so that its scope is the
whole site: a worker under /static/ could only control /static/. Its code is static/offline/sw.js;
this view puts in front of it what only the server knows: the version (a hash of the code and of the
assets' contents, so a deploy that changes any of them replaces the phones' copies), the assets to
keep and the pages to keep."""
import hashlib
import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

# The assets of the phone pages (report, my reports, patrol, marker walk, sign walk, care visits), kept on install.
ASSETS = (
    "geogrid/base.css", "geogrid/gridmap.js", "notifications/badge.js", "notifications/notifications.css",
    "incidents/incidents.css", "incidents/incidents.js", "patrols/patrols.js", "care/care.css", "care/care.js",
    "boundaries/boundaries.css", "boundaries/walk.js", "offline/outbox.js", "offline/report.js", "offline/patrol.js", "offline/outbox.css",
    "placenames/signpatrol.js", "placenames/placenames.css", "geogrid/fieldwalk.js",
    "leaflet/leaflet.css", "leaflet/leaflet.js", "leaflet/leaflet.extras.js",
    "geogrid/base.js", "geogrid/leafletmap.js",  # every page's handlers; the maps' start (no inline code: CSP)
    "geogrid/util.js",  # esc() and the shared map code, before every page's scripts
)
# Pages whose last HTML is kept for opening them offline (regular expressions on the path).
PAGES = (r"^/incidents/report/$", r"^/incidents/mine/$", r"^/patrols/$", r"^/care/$", r"^/care/subjects/\d+/$", r"^/placenames/signs/patrol/$",
         r"^/boundaries/inspections/\d+/walk/$")
# Map data of those pages kept for the map offline: the layer list and the layers' GeoJSON (grid
# outlines, roads; the last area seen per layer). Tiles (.pbf) are for the big map, not kept.
DATA = (r"^/layers/$", r"^/layers/[\w-]+\.geojson$")


def _code():
    path = finders.find("offline/sw.js")
    with open(path, encoding="utf-8") as f:
        return f.read()


def _content(name):
    """SHA-256 of a static file's content, or None when it is missing."""
    path = finders.find(name)
    if path is None:
        return None
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def worker_config():
    contents = {name: _content(name) for name in ASSETS}
    assets = [static(name) for name, digest in contents.items() if digest is not None]
    h = hashlib.sha256(_code().encode())
    for part in [*assets, *contents.values(), *PAGES, *DATA]:
        h.update(b"\x1f" + str(part).encode())
    version = h.hexdigest()[:12]
    return {"version": version, "assets": assets, "pages": list(PAGES), "data": list(DATA), "staticPrefix": settings.STATIC_URL,  # not static(""): hashed storage has no name ""
            "offlineText": _("离线：此页面尚未在手机上保存，请联网后打开一次。"),
            # The report form posted as a page that finds no network: kept for the incidents API.
            "report": {"page": reverse("incident_report"), "api": reverse("incident-list"), "findings": reverse("patrol-findings", args=[0]),
                       "mine": reverse("incident_mine"), "label": _("事件上报：%s")}}


@require_safe
def service_worker(request):
    if request.method == "HEAD":  # the pages' probe of whether the server is reachable: nothing to compute
        body = ""
    else:
        body = "self.GEOGRID_OFFLINE = " + json.dumps(worker_config(), ensure_ascii=False) + ";\n" + _code()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"  # the browser checks for a new worker on every visit
    response["Service-Worker-Allowed"] = "/"
    return response
