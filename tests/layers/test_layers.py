"""layers/: the registry, GeoJSON (RFC 7946) and vector tiles (ST_AsMVT), on a tiny purpose-built district."""
import json
import re
import time

import mapbox_vector_tile
import pytest
import shapely

from geogrid.facilities.models import Facility
from geogrid.grids.models import Grid
from layers import versions
from layers.registry import registry
from tests.support import box
from tests.support.district import small_district

ALL_LAYERS = ["admin_district", "admin_street", "admin_community", "grids_l4", "grids_l5", "incidents", "roads", "road_signs",
              "boundary_lines", "boundary_markers", "facilities", "care_buildings"]
PUBLIC_LAYERS = [name for name in ALL_LAYERS if name != "incidents"]  # incidents: signed-in users, in scope
GEOJSON_TYPE = {"polygon": "MultiPolygon", "line": "MultiLineString", "point": "Point"}


def get_geojson(client, name, **params):
    r = client.get(f"/layers/{name}.geojson", params)
    assert r.status_code == 200, r.content
    assert r["Content-Type"] == "application/geo+json"
    return json.loads(r.content)


def assert_rfc7946(fc, geometry_type):
    """The parts of RFC 7946 a producer controls: structure, no legacy crs, lon/lat ranges,
    closed counterclockwise exterior rings."""
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    for f in fc["features"]:
        assert f["type"] == "Feature" and isinstance(f["properties"], dict) and "id" in f
        g = f["geometry"]
        assert "crs" not in g and g["type"] == GEOJSON_TYPE[geometry_type]
        shp = shapely.geometry.shape(g)
        assert shp.is_valid
        minx, miny, maxx, maxy = shp.bounds
        assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
        if g["type"] == "MultiPolygon":
            for poly in shp.geoms:
                assert poly.exterior.is_ccw
                assert all(not ring.is_ccw for ring in poly.interiors)


def test_registry_holds_every_layer_once():
    assert registry.names() == ALL_LAYERS
    for layer in registry:
        d = layer.describe()
        assert d["title"] and d["geometry_type"] in GEOJSON_TYPE and d["style"].get("color")
        assert d["properties"], layer.name


def test_grid_layers_declare_their_team_as_the_popup_detail():
    """A generic hook of the registry (PopupDetail): layers/ knows no grids, geogrid/grids/layers.py
    names the URL and how its answer reads."""
    with_detail = {layer.name: layer.describe()["detail"] for layer in registry if layer.popup_detail}
    assert set(with_detail) == {"grids_l4", "grids_l5"}
    for detail in with_detail.values():
        assert detail == {"title": "4+N 队伍（在岗）", "url": "/api/grids/{code}/team/", "items": "members",
                          "fields": ["name", "role", "phone"], "empty": "暂无在岗的队伍成员", "login_required": True,
                          "login_text": "登录后可查看网格的 4+N 队伍"}
    assert registry.get("roads").describe()["detail"] is None


def test_the_registry_refuses_a_popup_detail_on_unpublished_properties():
    from geogrid.grids.models import Grid as GridModel
    from layers.registry import Layer, LayerError, PopupDetail, Registry

    class Bad(Layer):
        name, title, model, geometry_type = "bad", "坏图层", GridModel, "polygon"
        properties = ["name"]
        popup_detail = PopupDetail(title="队伍", url_name="grid-team", args=("code",), items="members", fields=("name",))

    with pytest.raises(LayerError, match="code"):
        Registry().register(Bad)
    Bad.properties = ["name", "code"]
    assert Registry().register(Bad) is Bad


def test_the_registry_refuses_a_color_property_that_is_not_published():
    from geogrid.facilities.models import Facility
    from layers.registry import Layer, LayerError, Registry

    class Coloured(Layer):
        name, title, model, geometry_type = "coloured", "着色图层", Facility, "point"
        properties = ["name"]
        color_property = "facility_type_color"

    with pytest.raises(LayerError, match="facility_type_color"):
        Registry().register(Coloured)
    Coloured.properties = ["name", "facility_type__color"]
    assert Registry().register(Coloured) is Coloured


@pytest.mark.django_db
def test_layer_list_gives_titles_styles_and_urls(client):
    r = client.get("/layers/")
    assert r.status_code == 200
    layers = {l["name"]: l for l in r.json()["layers"]}
    assert list(layers) == PUBLIC_LAYERS
    l4 = layers["grids_l4"]
    assert l4["title"] == "四级网格" and l4["geometry_type"] == "polygon"
    assert l4["geojson_url"] == "/layers/grids_l4.geojson"
    # The version in the URL (#9): a stored tile is served by the tile front without a query.
    assert l4["tiles_url"] == f"/tiles/grids_l4/{{z}}/{{x}}/{{y}}.pbf?v={versions.version('grids_l4')}"
    assert {"key": "kind_display", "label": "类型"} in l4["properties"]
    assert layers["grids_l5"]["visible"] is False and layers["admin_district"]["fit"] is True
    assert l4["detail"]["url"] == "/api/grids/{code}/team/" and layers["facilities"]["detail"] is None


@pytest.mark.django_db
def test_geojson_of_every_layer_is_rfc7946_with_properties(client):
    small_district()
    counts = {}
    for layer in registry:
        if layer.login_required:
            continue
        fc = get_geojson(client, layer.name)
        assert_rfc7946(fc, layer.geometry_type)
        counts[layer.name] = len(fc["features"])
    assert counts == {"admin_district": 1, "admin_street": 1, "admin_community": 1, "grids_l4": 2, "grids_l5": 1, "roads": 1,
                      "road_signs": 1, "boundary_lines": 1, "boundary_markers": 1, "facilities": 1,
                      "care_buildings": 0}  # tests/care/test_layer.py has its buildings

    grids = {f["properties"]["code"]: f["properties"] for f in get_geojson(client, "grids_l4")["features"]}
    assert "37011200100103" not in grids  # closed version
    assert grids["37011200100102"]["kind"] == "dedicated"
    assert grids["37011200100102"]["kind_display"] == "专属网格"
    assert grids["37011200100102"]["dedicated_type_display"] == "学校"
    assert grids["37011200100101"]["community_name"] == "测试社区"
    assert grids["37011200100101"]["population"] == 300
    sign = get_geojson(client, "road_signs")["features"][0]["properties"]
    assert sign["condition_display"] == "损坏" and sign["road_code"] == "R001"


@pytest.mark.django_db
def test_geojson_is_lon_lat_order(client):
    small_district()
    facility = get_geojson(client, "facilities")["features"][0]
    assert facility["geometry"] == {"type": "Point", "coordinates": [116.75, 36.55]}
    grid = next(f for f in get_geojson(client, "grids_l4")["features"] if f["properties"]["code"] == "37011200100101")
    ring = grid["geometry"]["coordinates"][0][0]
    assert sorted(set(map(tuple, ring))) == [(116.74, 36.54), (116.74, 36.56), (116.75, 36.54), (116.75, 36.56)]


@pytest.mark.django_db
def test_geojson_bbox_filter(client):
    small_district()
    west = get_geojson(client, "grids_l4", bbox="116.741,36.545,116.745,36.548")
    assert [f["properties"]["code"] for f in west["features"]] == ["37011200100101"]
    both = get_geojson(client, "grids_l4", bbox="116.745,36.545,116.755,36.548")
    assert sorted(f["properties"]["code"] for f in both["features"]) == ["37011200100101", "37011200100102"]
    assert get_geojson(client, "grids_l4", bbox="117.0,37.0,117.1,37.1")["features"] == []
    assert get_geojson(client, "facilities", bbox="116.70,36.50,116.74,36.54")["features"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "116.8,36.5,116.7,36.6", "200,0,201,1", "nan,0,1,1"])
def test_geojson_bad_bbox_is_400(client, bbox):
    r = client.get("/layers/grids_l4.geojson", {"bbox": bbox})
    assert r.status_code == 400 and "bbox" in r.json()["error"]


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_publishing_errors_speak_the_request_language(client, lang):
    """The messages of layers/publish.py are gettext strings, translated per request (the English
    ones come from the catalogue: until an entry is translated it reads as its Chinese msgid)."""
    from django.utils import translation

    with translation.override(lang):
        expected = [translation.gettext("bbox 应为 minlon,minlat,maxlon,maxlat 四个数字"),
                    translation.gettext("第 %(z)s 级瓦片的 x、y 应在 0~%(max)s 之间") % {"z": 2, "max": 3}]
    r = client.get("/layers/grids_l4.geojson", {"bbox": "1,2,3"}, HTTP_ACCEPT_LANGUAGE=lang)
    assert r.status_code == 400 and r.json()["error"] == expected[0]
    r = client.get("/tiles/grids_l4/2/9/0.pbf", HTTP_ACCEPT_LANGUAGE=lang)
    assert r.status_code == 400 and r.json()["error"] == expected[1]
    if lang == "zh-hans":
        assert expected == ["bbox 应为 minlon,minlat,maxlon,maxlat 四个数字", "第 2 级瓦片的 x、y 应在 0~3 之间"]


@pytest.mark.django_db
def test_unknown_layer_is_404(client):
    assert client.get("/layers/nope.geojson").status_code == 404
    assert client.get("/tiles/nope/14/13505/6402.pbf").status_code == 404


def decode(content):
    # y_coord_down: keep the tile's own coordinates (origin top-left), as ST_AsMVTGeom writes them.
    return mapbox_vector_tile.decode(content, default_options={"y_coord_down": True})


@pytest.mark.django_db
def test_vector_tile_of_a_known_point(client):
    """116.75E 36.55N in spherical Mercator: x = 12996497.6 m, y = 4373529.9 m; at z14 (tile edge
    2445.98 m) that is tile 13505/6402 at (1729.42, 2924.06) of 4096 -> snapped to (1729, 2924)."""
    small_district()
    r = client.get("/tiles/facilities/14/13505/6402.pbf")
    assert r.status_code == 200 and r["Content-Type"] == "application/vnd.mapbox-vector-tile"
    layer = decode(r.content)["facilities"]
    assert layer["extent"] == 4096
    (feature,) = layer["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [1729, 2924]}
    assert feature["id"] == Facility.objects.get().pk
    assert feature["properties"] == {"name": "测试日间照料中心", "facility_type": "day_care", "facility_type_display": "日间照料中心",
                                     "address": "测试路1号", "capacity": 40, "operator": "", "phone": "", "area_name": "测试社区",
                                     "facility_type_color": "#33a02c"}


@pytest.mark.django_db
def test_vector_tile_of_polygons(client):
    small_district()
    r = client.get("/tiles/grids_l4/14/13505/6402.pbf")
    assert r.status_code == 200
    feats = {f["properties"]["code"]: f for f in decode(r.content)["grids_l4"]["features"]}
    assert set(feats) == {"37011200100101", "37011200100102"}
    # The shared edge 116.75E is the known point's x: both polygons have vertices at x = 1729.
    for f in feats.values():
        xs = {x for ring in f["geometry"]["coordinates"] for x, _ in ring}
        assert 1729 in xs


@pytest.mark.django_db
def test_vector_tile_empty_out_of_range_and_below_min_zoom(client):
    small_district()
    assert client.get("/tiles/facilities/14/0/0.pbf").status_code == 204  # nothing there
    assert client.get("/tiles/facilities/5/26/12.pbf").status_code == 204  # below min_zoom 12
    assert client.get("/tiles/grids_l4/5/26/12.pbf").status_code == 204
    assert client.get("/tiles/admin_district/8/211/99.pbf").status_code == 200
    assert client.get("/tiles/admin_district/5/26/12.pbf").status_code == 204  # 2 pixels across at z5: a speck, left out
    for path in ("/tiles/facilities/14/16384/0.pbf", "/tiles/facilities/3/0/8.pbf", "/tiles/facilities/23/0/0.pbf"):
        r = client.get(path)
        assert r.status_code == 400, path
        assert "error" in r.json()


@pytest.mark.django_db
def test_l5_geojson_is_fast_for_a_district_of_grids(client):
    """~1 200 level-5 polygons (the scale of one district) in well under a second."""
    c = small_district()["community"]
    parent = Grid.objects.get(code="37011200100101")
    n = 0
    rows = []
    for i in range(40):
        for j in range(30):
            n += 1
            x, y = 116.70 + i * 0.0025, 36.50 + j * 0.0025
            rows.append(Grid(code=f"37011200100101{n:03d}", name=f"小网格{n}", level=5, parent=parent, community=c,
                             geom=box(x, y, x + 0.0025, y + 0.0025)))
    Grid.objects.bulk_create(rows)  # bulk_create skips save(): area is irrelevant here
    t0 = time.perf_counter()
    r = client.get("/layers/grids_l5.geojson")
    elapsed = time.perf_counter() - t0
    size = len(r.content)
    fc = json.loads(r.content)
    assert len(fc["features"]) == 1201
    assert elapsed < 1.0, elapsed
    t0 = time.perf_counter()
    r = client.get("/tiles/grids_l5/14/13505/6402.pbf")
    tile_elapsed = time.perf_counter() - t0
    assert r.status_code == 200 and tile_elapsed < 0.5
    assert len(decode(r.content)["grids_l5"]["features"]) > 50
    print(f"grids_l5 GeoJSON: {len(fc['features'])} features, {size} B in {elapsed * 1000:.0f} ms; "
          f"z14 tile {len(r.content)} B in {tile_elapsed * 1000:.0f} ms")


@pytest.mark.django_db
def test_map_page_serves_every_asset_itself_and_switches_to_english(client):
    html = client.get("/map/").content.decode()
    assets = re.findall(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("leaflet.js") for a in assets) and any(a.endswith("geogrid/map.js") for a in assets)
    for url in assets:
        assert url.startswith("/static/"), url  # nothing from another host (no CDN): the map works offline
    assert not re.search(r"https?://", html)
    assert 'lang="zh-hans"' in html and "综合地图" in html
    assert {l["name"]: l["title"] for l in client.get("/layers/").json()["layers"]}["grids_l4"] == "四级网格"

    client.post("/i18n/setlang/", {"language": "en", "next": "/map/"})
    html = client.get("/map/").content.decode()
    assert 'lang="en"' in html and "Search grids, roads, facilities by code or name" in html
    layers = {l["name"]: l for l in client.get("/layers/").json()["layers"]}
    assert layers["grids_l4"]["title"] == "Level-4 grids"
    assert {"key": "kind_display", "label": "Kind"} in layers["grids_l4"]["properties"]
    small_district()
    props = get_geojson(client, "grids_l4", bbox="116.755,36.545,116.756,36.546")["features"][0]["properties"]
    assert props["kind_display"] == "Dedicated grid" and props["dedicated_type_display"] == "School"


def test_the_vector_tile_plugin_is_the_npm_package_the_vendor_script_pins():
    """scripts/vendor.sh fetches Leaflet.VectorGrid with `npm pack` at a pinned version and hash;
    the committed copy says it came from that pin (VERSION, package.json) and the map page loads it."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pins = {line.split("|")[0].strip(' "'): line.split("|")[1:3] for line in (root / "scripts/vendor.sh").read_text().splitlines()
            if line.strip().startswith('"') and "|" in line}
    folder = root / "static/vendor/leaflet.vectorgrid"
    version, integrity = pins["leaflet.vectorgrid"]
    assert (folder / "VERSION").read_text().split() == [f"leaflet.vectorgrid@{version}", integrity]
    assert json.loads((folder / "package.json").read_text())["version"] == version
    assert "vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js" in (root / "templates/layers/map.html").read_text()
    assert "L.vectorGrid" in (folder / "Leaflet.VectorGrid.bundled.min.js").read_text()
