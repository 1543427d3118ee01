"""Standalone HTML maps (folium) of registered layers or plain GeoJSON, for reports and exports.

    from layers.maps import MapLayer, render_map
    html = render_map([
        MapLayer("grids_l4", queryset=Grid.objects.current().filter(level=4, community=c), color_by="kind"),
        MapLayer(feature_collection, title="服务半径", style={"color": "#e31a1c"}, fields=[("name", "名称")]),
    ], title="设施覆盖")

Every asset is the project's own: Leaflet's JS and CSS come from django-leaflet's static files,
inlined by default (the file works saved to disk, mailed, opened on an intranet PC without Internet)
or linked under STATIC_URL (assets="static", for pages the project serves). folium's defaults
(Leaflet, jQuery, Bootstrap, Font Awesome from CDNs) are dropped, and render_map refuses to return
HTML that still names an outside host other than the basemap tile server the caller asked for
(none by default). Pop-ups and tooltips are built with textContent, so feature text is never HTML.
"""
import base64
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import folium
from branca.element import Element, MacroElement
from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.utils.translation import gettext as _
from folium.template import Template
from folium.utilities import JsCode

from . import publish
from .registry import Layer, registry

# Colour-blind-safe qualitative palette (ColorBrewer Set1/Dark2 mix): values of color_by get
# these in order of first appearance (sorted), unless the caller names their colours.
PALETTE = ["#1f78b4", "#e31a1c", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928", "#a6761d", "#e7298a", "#1b9e77", "#666666"]
DEFAULT_STYLE = {"color": "#1f78b4", "weight": 2, "radius": 6}
LEAFLET_JS = "leaflet/leaflet.js"  # django-leaflet's copy of Leaflet (the map pages use the same)
LEAFLET_CSS = "leaflet/leaflet.css"


class MapError(ValueError):
    """A map that cannot be built as asked (unknown layer, wrong queryset, outside asset)."""


@dataclass
class MapLayer:
    """One overlay of a map.

    source: a registry layer name ("grids_l4"), a registry Layer, or a GeoJSON FeatureCollection
        (dict, lon/lat as RFC 7946).
    queryset: for a registry layer, the rows to draw instead of the layer's own (same model; its
        published properties are used). Ignored for GeoJSON. The rows are drawn as given: for a
        login_required layer (incidents) pass the reader's rows, layer.get_user_queryset(user).
    title: shown in the layer switcher and legend (default: the layer's title).
    color_by: a property key; each distinct value gets a colour (`colors` maps value -> colour,
        the rest from PALETTE). The legend shows the values (a choice field's display label).
    style: Leaflet path options over the layer's own style (color, weight, fillColor, fillOpacity,
        dashArray, radius for points).
    fields: [(key, label)] or [key] shown in the pop-up (default: the layer's pop-up fields, or
        every property of a GeoJSON's first feature).
    tooltip: the property shown on hover (default: "name", else "code", else none).
    show: drawn when the map opens.
    """

    source: object
    queryset: object = None
    title: str = None
    color_by: str = None
    colors: dict = field(default_factory=dict)
    style: dict = field(default_factory=dict)
    fields: list = None
    tooltip: str = None
    show: bool = True


def _js_json(value):
    """JSON safe inside a <script> element (no </script>, no HTML comment openers)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _resolve(item):
    """(feature collection, title, base style, [(key, label)], geometry kind) of one MapLayer."""
    spec = item if isinstance(item, MapLayer) else MapLayer(item)
    source = spec.source
    if isinstance(source, str):
        try:
            source = registry.get(source)
        except LookupError:
            raise MapError(f"no registered layer named {spec.source!r}") from None
    if isinstance(source, Layer):
        qs = spec.queryset
        if qs is not None and qs.model is not source.model:
            raise MapError(f"layer {source.name}: the queryset is of {qs.model.__name__}, not {source.model.__name__}")
        fc = json.loads(publish.geojson(source, queryset=qs))
        title = spec.title or str(source.title)
        style = {**DEFAULT_STYLE, **source.style, **spec.style}
        fields = spec.fields if spec.fields is not None else source.popup_fields()
        point = source.geometry_type == "point"
    elif isinstance(source, dict) and source.get("type") == "FeatureCollection":
        fc = source
        title = spec.title or ""
        style = {**DEFAULT_STYLE, **spec.style}
        first = fc["features"][0].get("properties") or {} if fc["features"] else {}
        fields = spec.fields if spec.fields is not None else list(first)
        point = any((f.get("geometry") or {}).get("type") in ("Point", "MultiPoint") for f in fc["features"])
    else:
        raise MapError("a map layer is a registry layer (name or Layer) or a GeoJSON FeatureCollection dict")
    fields = [(f, f) if isinstance(f, str) else (f[0], str(f[1])) for f in fields]
    return spec, fc, title, style, fields, point


def _colour_map(spec, fc):
    """value -> colour for color_by, and value -> legend text (a choice's display label)."""
    key = spec.color_by
    values, labels = [], {}
    for f in fc["features"]:
        props = f.get("properties") or {}
        value = props.get(key)
        if value not in labels:
            values.append(value)
            labels[value] = props.get(f"{key}_display", value)
    colours, free = {}, [c for c in PALETTE if c not in spec.colors.values()] or PALETTE
    for i, value in enumerate(sorted(values, key=lambda v: (v is None, str(v)))):
        colours[value] = spec.colors.get(value, free[i % len(free)])
    return colours, labels


def _bounds(collections):
    xs, ys = [], []

    def walk(c):
        if c and isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for part in c:
                walk(part)

    for fc in collections:
        for f in fc["features"]:
            geom = f.get("geometry")
            if geom:
                walk(geom.get("coordinates") or [])
    return [[min(ys), min(xs)], [max(ys), max(xs)]] if xs else None


# Pop-up and tooltip from DOM nodes: a property holding "<img onerror=…>" shows as that text.
_ON_EACH_FEATURE = """function(feature, layer) {
    var spec = %s, p = feature.properties || {};
    if (spec.tooltip && p[spec.tooltip] !== null && p[spec.tooltip] !== undefined) {
        layer.bindTooltip(function() { var s = document.createElement('span'); s.textContent = String(p[spec.tooltip]); return s; }, {sticky: true});
    }
    if (!spec.fields.length) return;
    layer.bindPopup(function() {
        var box = document.createElement('div'), t = document.createElement('table');
        if (spec.title) { var h = document.createElement('strong'); h.textContent = spec.title; box.appendChild(h); }
        t.className = 'gg-popup';
        spec.fields.forEach(function(f) {
            var v = p[f[0]];
            if (v === null || v === undefined || v === '') return;
            var tr = t.insertRow(), th = document.createElement('th');
            th.textContent = f[1]; tr.appendChild(th); tr.insertCell().textContent = String(v);
        });
        box.appendChild(t);
        return box;
    }, {maxWidth: 360});
}"""


class _Legend(MacroElement):
    _template = Template("""
        {% macro script(this, kwargs) %}
        (function() {
            var legend = L.control({position: 'bottomright'});
            legend.onAdd = function() {
                var data = {{ this.data }}, div = L.DomUtil.create('div', 'gg-legend');
                if (data.title) { var h = document.createElement('strong'); h.textContent = data.title; div.appendChild(h); }
                data.entries.forEach(function(e) {
                    var row = document.createElement('div'), sw = document.createElement('i'), tx = document.createElement('span');
                    sw.style.background = e.fill || 'transparent'; sw.style.borderColor = e.color;
                    if (e.point) sw.style.borderRadius = '50%';
                    tx.textContent = e.label;
                    if (e.sub) row.className = 'gg-sub';
                    row.appendChild(sw); row.appendChild(tx); div.appendChild(row);
                });
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, title, entries):
        super().__init__()
        self._name = "Legend"
        self.data = _js_json({"title": title, "entries": entries})


_CSS = """
.gg-popup th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: normal; white-space: nowrap; vertical-align: top; }
.gg-popup td { padding: 1px 0; }
.gg-legend, .gg-title { background: rgba(255,255,255,.92); padding: 6px 10px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
  font: 13px/1.5 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; }
.gg-title { font-size: 15px; font-weight: bold; }
.gg-legend i { display: inline-block; width: 14px; height: 10px; margin-right: 6px; border: 2px solid; border-radius: 2px;
  vertical-align: middle; }
.gg-legend .gg-sub { padding-left: 12px; }
"""


def _leaflet_assets(mode):
    """<script>/<style> elements of Leaflet: inlined from django-leaflet's files, or linked."""
    if mode == "static":
        return (f'<link rel="stylesheet" href="{html.escape(static(LEAFLET_CSS))}">',
                f'<script src="{html.escape(static(LEAFLET_JS))}"></script>')
    if mode != "inline":
        raise MapError("assets must be 'inline' or 'static'")
    js_path, css_path = finders.find(LEAFLET_JS), finders.find(LEAFLET_CSS)
    if not js_path or not css_path:
        raise MapError("Leaflet's static files (django-leaflet) are not installed")
    css = Path(css_path).read_text(encoding="utf-8")
    images = Path(css_path).parent

    def data_uri(m):
        png = images / m.group(1)
        return f"url(data:image/png;base64,{base64.b64encode(png.read_bytes()).decode()})" if png.is_file() else m.group(0)

    css = re.sub(r"url\((images/[\w.@-]+\.png)\)", data_uri, css)
    js = Path(js_path).read_text(encoding="utf-8").replace("</script", "<\\/script")
    return f"<style>{css.replace('</style', '')}</style>", f"<script>{js}</script>"


def build_map(layers, *, title="", tiles=None, attribution="", assets="inline", legend=True):
    """A folium.Map of `layers` (MapLayer, or a registry name / Layer / FeatureCollection taken as
    MapLayer(source)), fitted to their features, with a layer switcher and a legend.

    tiles: a basemap URL template (e.g. settings.GEOGRID_BASEMAP_URL, an intranet tile server);
    none by default, so nothing is fetched from outside. Add more folium elements if you like, then
    call to_html(m) (which checks that no outside asset slipped in) rather than m.save().
    """
    m = folium.Map(location=list(settings.LEAFLET_CONFIG.get("DEFAULT_CENTER", (0, 0))), zoom_start=12, tiles=None,
                   control_scale=True, prefer_canvas=True)
    # folium's defaults are CDN URLs: instance attributes replace the class lists (no sharing).
    m.default_js, m.default_css = [], []
    tiles_host = None
    if tiles:
        tiles_host = urlsplit(tiles).hostname
        folium.TileLayer(tiles=tiles, attr=attribution or " ", name=_("底图"), control=False).add_to(m)
    css, js = _leaflet_assets(assets)
    root = m.get_root()
    root.header.add_child(Element(css), name="leaflet_css")
    root.header.add_child(Element(f"<style>{_CSS}</style>"), name="geogrid_map_css")
    root.header.add_child(Element(js), name="leaflet_js")
    if title:
        root.title = html.escape(title)
    entries, collections = [], []
    for item in layers:
        spec, fc, layer_title, style, fields, point = _resolve(item)
        collections.append(fc)
        colours, labels = _colour_map(spec, fc) if spec.color_by else ({}, {})
        style.setdefault("fillOpacity", 0.85 if point else 0.25)  # a dot must read at a glance
        fill = style.get("fillColor", style["color"]) if style.get("fill", True) else None

        def style_function(feature, style=style, colours=colours, key=spec.color_by, filled=fill is not None):
            s = {k: v for k, v in style.items() if k != "radius"}
            if key:
                c = colours.get((feature.get("properties") or {}).get(key), style["color"])
                s["color"] = c
                if filled:
                    s["fillColor"] = c
            return s

        tip = spec.tooltip
        if tip is None:
            first = fc["features"][0].get("properties") or {} if fc["features"] else {}
            tip = next((k for k in ("name", "code") if k in first), None)
        on_each = JsCode(_ON_EACH_FEATURE % _js_json({"fields": fields, "tooltip": tip, "title": layer_title}))
        marker = folium.CircleMarker(radius=style.get("radius", 6), fill=True) if point else None
        # Leaflet's layer switcher writes names as HTML: the title is escaped to show as text.
        folium.GeoJson(fc, name=html.escape(layer_title or "—"), style_function=style_function, on_each_feature=on_each,
                       marker=marker, show=spec.show, smooth_factor=0.5).add_to(m)
        entries.append({"label": layer_title, "color": style["color"], "fill": fill, "point": point})
        for value, colour in colours.items():
            entries.append({"label": str(labels.get(value) if labels.get(value) is not None else "—"), "color": colour,
                            "fill": colour if fill else None, "point": point, "sub": True})
    if title:
        heading = MacroElement()
        heading._template = Template("""{% macro script(this, kwargs) %}
            (function() { var c = L.control({position: 'topright'}); c.onAdd = function() {
                var d = L.DomUtil.create('div', 'gg-title'); d.textContent = """ + _js_json(title) + """; return d; };
              c.addTo({{ this._parent.get_name() }}); })();
        {% endmacro %}""")
        m.add_child(heading)
    if legend and entries:
        m.add_child(_Legend("", entries))
    if len(collections) > 1 or tiles:
        folium.LayerControl(collapsed=False).add_to(m)
    bounds = _bounds(collections)
    if bounds:
        if bounds[0] == bounds[1]:  # one point: a neighbourhood around it, not a zero-size box
            (lat, lon), d = bounds[0], 0.002
            bounds = [[lat - d, lon - d], [lat + d, lon + d]]
        # Not folium's FitBounds: that one animates from the initial view, so a reader (or a test)
        # clicking at once would hit the map mid-zoom.
        fit = MacroElement()
        fit._template = Template("{% macro script(this, kwargs) %}{{ this._parent.get_name() }}.fitBounds("
                                 + _js_json(bounds) + ", {padding: [12, 12], animate: false});{% endmacro %}")
        m.add_child(fit)
    m._geogrid_tiles_host = tiles_host
    return m


_URL = re.compile(r"""(?:https?:)?//([A-Za-z0-9.-]+\.[A-Za-z]{2,}|\d+\.\d+\.\d+\.\d+|localhost)(?::\d+)?[^\s"'<>)]*""")


def outside_urls(text, allowed_hosts=()):
    """The http(s) or protocol-relative URLs in `text` whose host is not one of allowed_hosts."""
    return sorted({m.group(0) for m in _URL.finditer(text) if m.group(1) not in allowed_hosts})


# URLs in Leaflet's own source that a browser never fetches: the SVG namespace, a comment, and
# the "Leaflet" attribution link (followed only if the user clicks it).
NOT_FETCHED = {"http://www.w3.org/2000/svg", "https://bugzilla.mozilla.org/show_bug.cgi?id=888319", "https://leafletjs.com"}


def to_html(m):
    """The standalone HTML of a map from build_map; MapError if it names any outside host (other
    than the basemap tile server the map was given), e.g. a folium plugin's CDN link."""
    text = m.get_root().render()
    allowed = {m._geogrid_tiles_host} if getattr(m, "_geogrid_tiles_host", None) else set()
    bad = [u for u in outside_urls(text, allowed) if u not in NOT_FETCHED]
    if bad:
        raise MapError(f"the map would load from outside the project: {bad[:3]}")
    return text


def render_map(layers, **options):
    """Standalone HTML (str) of a map of `layers`: see build_map for the options."""
    return to_html(build_map(layers, **options))
