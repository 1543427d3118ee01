"""The pages' scripts share one esc() (static/geogrid/util.js, loaded by templates/base.html before
every page's own scripts): no page script writes its own copy, and the phone pages keep util.js
offline. The browser proof: tests/browser/test_names_escaped.py."""
import re

from geogrid.offline.views import ASSETS
from tests.support import REPO

SCRIPTS = [p for root in (REPO / "static", *(REPO / "geogrid").glob("*/static")) for p in root.rglob("*.js") if "vendor" not in p.parts]


def test_esc_is_written_once():
    defined = [str(p.relative_to(REPO)) for p in SCRIPTS
               if re.search(r"function esc\s*\(|\besc\s*=\s*function", p.read_text(encoding="utf-8"))]
    assert defined == ["static/geogrid/util.js"], defined


def test_util_js_comes_before_every_pages_scripts_and_is_kept_offline():
    base = (REPO / "templates" / "base.html").read_text(encoding="utf-8")
    assert base.index("geogrid/util.js") < base.index("{% block scripts %}")
    assert "geogrid/util.js" in ASSETS
