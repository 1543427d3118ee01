"""layers/maps.py: standalone folium maps with every asset the project's own, features present,
feature text escaped; and the same HTML opened in Chromium from a file with the network cut."""
import collections
import json
import re

import pytest

from geogrid.grids.models import Grid
from layers.maps import MapError, MapLayer, build_map, outside_urls, render_map, to_html
from tests.support.district import small_district

EVIL = "</script><script>window.pwned=1</script>"
IMG = "<img src=x onerror=\"window.pwned=2\">"


def fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def point(fid, lon, lat, **props):
    return {"type": "Feature", "id": fid, "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def square(fid, x, y, d=0.01, **props):
    ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
    return {"type": "Feature", "id": fid, "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": props}


def embedded_collections(html):
    """The FeatureCollections folium embedded (one per layer), parsed back from the script."""
    return [json.loads(m) for m in re.findall(r"_add\((\{\"features\".*?\})\);\n", html)]


def feature_styles(html):
    """Per layer, {feature id: style} as folium's styler functions give them."""
    result = []
    for body in re.findall(r"_styler\(feature\) \{(.*?)\n        \}", html, re.S):
        table, default = {}, json.loads(re.search(r"default:\s*return (\{.*?\});", body).group(1))
        for cases, style in re.findall(r"((?:case [^:]+: )+)\s*return (\{.*?\});", body):
            for fid in re.findall(r"case ([^:]+):", cases):
                table[json.loads(fid)] = json.loads(style)
        result.append(collections.defaultdict(lambda d=default: d, table))
    return result


def test_a_geojson_map_has_no_outside_url_and_its_features():
    html = render_map([MapLayer(fc(point(1, 116.75, 36.55, name="养老中心"), square(2, 116.7, 36.5, name="网格甲")), title="设施")],
                      title="测试地图")
    # Leaflet itself is inlined (django-leaflet's copy), none of folium's CDN defaults remain.
    assert not re.search(r"jsdelivr|cloudflare|bootstrapcdn|code\.jquery|unpkg", html)
    assert not re.search(r"<(script|link)[^>]+(src|href)=", html)
    assert set(outside_urls(html)) <= {"http://www.w3.org/2000/svg", "https://bugzilla.mozilla.org/show_bug.cgi?id=888319",
                                       "https://leafletjs.com"}
    assert "L.Map" in html or "L.map(" in html
    assert "url(data:image/png;base64," in html  # Leaflet's control images, inlined
    (data,) = embedded_collections(html)
    assert [f["properties"]["name"] for f in data["features"]] == ["养老中心", "网格甲"]
    assert "<title>测试地图</title>" in html
    assert "fitBounds([[36.5, 116.7], [36.55, 116.75]], {padding: [12, 12], animate: false})" in html


def test_feature_text_is_escaped_in_data_and_never_html():
    html = render_map([MapLayer(fc(point(1, 116.75, 36.55, name=EVIL, note=IMG)), title=IMG)], title=EVIL)
    assert EVIL not in html and IMG not in html
    assert "\\u003c/script\\u003e" in html
    (data,) = embedded_collections(html)
    assert data["features"][0]["properties"] == {"name": EVIL, "note": IMG}  # the text survives intact
    assert "&lt;/script&gt;" in html.split("</title>")[0]  # the page title


def test_a_static_map_links_the_projects_own_leaflet():
    html = render_map([fc(point(1, 116.75, 36.55, name="a"))], assets="static")
    assert '<script src="/static/leaflet/leaflet.js"></script>' in html
    assert '<link rel="stylesheet" href="/static/leaflet/leaflet.css">' in html
    with pytest.raises(MapError):
        render_map([fc()], assets="cdn")


def test_a_basemap_is_optional_and_the_only_outside_host_allowed():
    tiles = "https://tiles.intranet.example/{z}/{x}/{y}.png"
    html = render_map([fc(point(1, 116.75, 36.55, name="a"))], tiles=tiles, attribution="内网底图")
    assert tiles in html
    assert "L.tileLayer(" in html
    assert "L.tileLayer(" not in render_map([fc(point(1, 116.75, 36.55))])


def test_an_outside_asset_added_by_a_caller_is_refused():
    from folium.plugins import MarkerCluster

    m = build_map([fc(point(1, 116.75, 36.55, name="a"))])
    MarkerCluster().add_to(m)  # a folium plugin that links its script from a CDN
    with pytest.raises(MapError, match="outside"):
        to_html(m)


@pytest.mark.django_db
def test_registry_layers_with_a_filtered_queryset_colour_by_property_and_legend():
    small_district()
    qs = Grid.objects.current().filter(level=4)
    html = render_map([MapLayer("grids_l4", queryset=qs, color_by="kind", colors={"dedicated": "#e31a1c"}),
                       MapLayer("facilities"), MapLayer("grids_l4", queryset=qs.filter(name="西网格"), title="只有西网格")])
    grids, facilities, west = embedded_collections(html)
    assert sorted(f["properties"]["name"] for f in grids["features"]) == ["东网格", "西网格"]  # not the closed version
    assert [f["properties"]["name"] for f in west["features"]] == ["西网格"]
    assert facilities["features"][0]["geometry"]["type"] == "Point"
    # Colour by kind: the dedicated grid red as asked, the ordinary one from the palette.
    east_id = next(f["id"] for f in grids["features"] if f["properties"]["kind"] == "dedicated")
    styles = feature_styles(html)[0]
    assert styles[east_id]["color"] == styles[east_id]["fillColor"] == "#e31a1c"
    west_id = next(f["id"] for f in grids["features"] if f["properties"]["kind"] == "ordinary")
    assert styles[west_id]["color"] not in ("#e31a1c", "#1f78b4") and styles[west_id]["weight"] == 1.5
    # The legend names the layer and the display labels of the kinds, with the pop-up labels.
    legend = re.search(r"var data = (\{.*?\}), div", html).group(1)
    legend = json.loads(legend)
    labels = [e["label"] for e in legend["entries"]]
    assert labels[:3] == ["四级网格", "专属网格", "基础网格"] and "民政设施" in labels
    assert "所属社区/村" in html  # a label of the layer's pop-up fields
    assert "CircleMarker" in html  # points as circles: no marker images


@pytest.mark.django_db
def test_a_queryset_of_another_model_or_an_unknown_layer_is_refused():
    with pytest.raises(MapError, match="Facility"):
        from geogrid.facilities.models import Facility
        render_map([MapLayer("grids_l4", queryset=Facility.objects.all())])
    with pytest.raises(MapError, match="nope"):
        render_map(["nope"])
