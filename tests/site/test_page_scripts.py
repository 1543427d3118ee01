"""The pages' scripts share one esc() (static/geogrid/util.js, loaded by templates/base.html before
every page's own scripts): no page script writes its own copy, and the phone pages keep util.js
offline. The browser proof: tests/browser/test_names_escaped.py."""
import re

import pytest

from geogrid.grids.models import Grid
from geogrid.offline.views import ASSETS
from tests.support import REPO
from tests.support.world import G4A, world

SCRIPTS = [p for root in (REPO / "static", *(REPO / "geogrid").glob("*/static")) for p in root.rglob("*.js") if "vendor" not in p.parts]


def test_esc_is_written_once():
    defined = [str(p.relative_to(REPO)) for p in SCRIPTS
               if re.search(r"function esc\s*\(|\besc\s*=\s*function", p.read_text(encoding="utf-8"))]
    assert defined == ["static/geogrid/util.js"], defined


def test_util_js_comes_before_every_pages_scripts_and_is_kept_offline():
    base = (REPO / "templates" / "base.html").read_text(encoding="utf-8")
    assert base.index("geogrid/util.js") < base.index("{% block scripts %}")
    assert "geogrid/util.js" in ASSETS


@pytest.mark.django_db
def test_the_stats_report_map_puts_names_in_escaped(client):
    """The folium export (/stats/map.html) is opened from disk: folium's tooltips and pop-ups take HTML,
    so the names go in escaped (the page maps: tests/browser/test_names_escaped.py)."""
    w = world()
    Grid.objects.filter(code=G4A).update(name="<img src=x onerror=alert(1)>")
    client.force_login(w["da"])
    html = client.get("/stats/map.html").content.decode()
    # The features' data, as folium writes it into the page (JSON, "<" as \u003c): the name escaped for HTML.
    assert '"name": "\\u0026lt;img src=x' in html and "\\u003cimg src=x" not in html and "<img src=x" not in html
