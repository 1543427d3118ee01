"""The map page's server side (#12): /layers/at answers a click on the tiled layers, /layers/search
the search box, /layers/ carries extents and the tiled flag; each in a fixed number of queries, the
incidents layer only for those who may see it, map actions only for those an app allows."""
import json
import re

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geogrid.facilities.models import Facility
from geogrid.grids.models import Grid
from layers.registry import LayerError, MapAction, Registry
from tests.support import box
from tests.support.district import small_district

pytestmark = pytest.mark.django_db

ALL = "admin_district,admin_street,admin_community,grids_l4,grids_l5,roads,boundary_lines"


def at(client, status=200, **params):
    r = client.get("/layers/at", params)
    assert r.status_code == status, r.content
    return r.json()


def test_a_click_finds_one_feature_per_layer_in_registry_order(client):
    small_district()
    found = at(client, lon=116.745, lat=36.545, z=15, layers=ALL)["features"]
    assert [(f["layer"], f["properties"].get("name")) for f in found] == [
        ("admin_district", "测试区"), ("admin_street", "测试街道"), ("admin_community", "测试社区"), ("grids_l4", "西网格"),
        ("grids_l5", "西一小网格")]
    assert found[3]["properties"]["kind_display"] == "基础网格" and found[3]["id"] == Grid.objects.get(code="37011200100101").pk
    # Lines within a few pixels: the road along 36.55N, clicked 2 px off at z15 (~1e-5 deg a pixel)
    found = at(client, lon=116.73, lat=36.55 + 2 * 360 / (256 * 2 ** 15), z=15, layers="roads,grids_l4")["features"]
    assert [f["layer"] for f in found] == ["roads"] and found[0]["properties"]["name"] == "测试路"
    # ...but not 20 px off, and nothing below a layer's min_zoom (grids_l5: 13)
    assert at(client, lon=116.73, lat=36.55 + 20 * 360 / (256 * 2 ** 15), z=15, layers="roads")["features"] == []
    assert [f["layer"] for f in at(client, lon=116.745, lat=36.545, z=11, layers="grids_l4,grids_l5")["features"]] == ["grids_l4"]
    # bad input is a 400, unknown layers are simply not asked
    for bad in ({"lon": "x", "lat": 1}, {"lat": 36.5}, {"lon": 200, "lat": 36.5}, {"lon": 116, "lat": 36, "z": 30}):
        assert "error" in at(client, 400, **bad)
    assert at(client, lon=116.745, lat=36.545, z=15, layers="nope")["features"] == []


def test_a_click_costs_one_query_for_any_number_of_layers_and_features(client):
    c = small_district()["community"]
    client.get("/layers/at", {"lon": 116.745, "lat": 36.545, "z": 15, "layers": "grids_l4"})
    with CaptureQueriesContext(connection) as one:
        at(client, lon=116.745, lat=36.545, z=15, layers="grids_l4")
    parent = Grid.objects.get(code="37011200100101")
    Grid.objects.bulk_create([Grid(code=f"37011200100101{i:03d}", name=f"小网格{i}", level=5, parent=parent, community=c,
                                   geom=box(116.74, 36.54, 116.745 + i * 0.0001, 36.546)) for i in range(200)])
    with CaptureQueriesContext(connection) as many:
        found = at(client, lon=116.745, lat=36.545, z=15, layers=ALL)["features"]
    assert len(one) == len(many) == 1
    assert found[-1]["properties"]["name"] == "小网格0"  # the smallest polygon containing the point


def test_search_finds_codes_and_names_exact_first_with_extents(client):
    small_district()
    r = client.get("/layers/search", {"q": "3701120010010"})
    hits = r.json()["results"]
    assert [h["properties"]["code"] for h in hits] == ["37011200100101", "37011200100102", "3701120010010101"]
    assert hits[0]["layer"] == "grids_l4" and hits[0]["bbox"] == pytest.approx([116.74, 36.54, 116.75, 36.56])
    exact = client.get("/layers/search", {"q": "测试路"}).json()["results"]
    assert exact[0]["layer"] == "roads"  # the road named exactly so, before the facility on 测试路1号
    assert client.get("/layers/search", {"q": "%"}).json()["results"] == []  # a literal percent sign, not a wildcard
    assert client.get("/layers/search", {"q": ""}).status_code == 400
    assert client.get("/layers/search", {"q": "x" * 101}).status_code == 400


def test_search_runs_a_fixed_number_of_queries_and_is_capped(client):
    c = small_district()["community"]
    with CaptureQueriesContext(connection) as few:
        client.get("/layers/search", {"q": "中心"})
    Facility.objects.bulk_create([Facility(name=f"第{i}服务中心", facility_type_id="day_care", address="某路", area=c,
                                           geom=Point(116.75, 36.55, srid=4490)) for i in range(50)])
    with CaptureQueriesContext(connection) as q:
        hits = client.get("/layers/search", {"q": "中心"}).json()["results"]
    # The layers' search in one statement, and the gazetteer's read of the named roads.
    assert len(q) == len(few) == 2 and len(hits) == 10


def test_search_asks_the_gazetteer_for_roads(client):
    """The map's search box finds a road by its initials, full pinyin or a typo (the place-name
    gazetteer, registered by the roads layer's app), before the plain substring matches."""
    from django.contrib.gis.geos import LineString, MultiLineString

    from geogrid.placenames.models import Road

    small_district()
    line = MultiLineString(LineString((116.741, 36.541), (116.749, 36.541)), srid=4490)
    road = Road.objects.create(code="R-JS", name="经十路", specific="经十", generic="路", pinyin="Jing 10 Lu", status="named", geom=line)
    for q in ("jsl", "jingshilu", "经石路"):
        hits = client.get("/layers/search", {"q": q}).json()["results"]
        assert hits and hits[0]["layer"] == "roads" and hits[0]["id"] == road.pk, q
        assert hits[0]["properties"]["name"] == "经十路" and hits[0]["bbox"] == pytest.approx([116.741, 36.541, 116.749, 36.541])
    with CaptureQueriesContext(connection) as q:
        client.get("/layers/search", {"q": "jsl"})
    assert len(q) == 4  # layers' search, the gazetteer's two reads, the found roads' properties


def test_layer_list_says_tiled_or_geojson_by_size_and_gives_extents(client, settings):
    small_district()
    layers = {layer["name"]: layer for layer in client.get("/layers/").json()["layers"]}
    assert not any(layer["tiled"] for layer in layers.values())  # a handful of features each: GeoJSON
    assert layers["admin_district"]["extent"] == pytest.approx([116.70, 36.50, 116.80, 36.60])
    assert layers["grids_l4"]["count"] == 2 and layers["grids_l5"]["count"] == 1
    with CaptureQueriesContext(connection) as q:
        client.get("/layers/")
    assert len(q) == 1  # the layer versions; extents and counts come from the cache
    settings.GEOGRID_TILED_MIN_FEATURES = 2  # lines and polygons with 2 features or more: tiles
    layers = {layer["name"]: layer for layer in client.get("/layers/").json()["layers"]}
    assert {n for n, layer in layers.items() if layer["tiled"]} == {"grids_l4"}
    settings.GEOGRID_TILED_MIN_FEATURES = 1
    layers = {layer["name"]: layer for layer in client.get("/layers/").json()["layers"]}
    assert {n for n, layer in layers.items() if layer["tiled"]} == {"admin_district", "admin_street", "admin_community", "grids_l4",
                                                                   "grids_l5", "roads", "boundary_lines"}  # never points


def test_incidents_at_and_search_follow_the_scope(client):
    from tests.support.world import P_G4A, P_G4D, report, world

    w = world()
    mine, other = report(w, "m_a", at=P_G4A), report(w, "m_d", at=P_G4D)
    assert at(client, lon=P_G4A[0], lat=P_G4A[1], z=16, layers="incidents")["features"] == []  # visitor
    assert client.get("/layers/search", {"q": mine.number}).json()["results"] == []
    client.force_login(w["m_a"])
    found = at(client, lon=P_G4A[0], lat=P_G4A[1], z=16, layers="incidents")["features"]
    assert [f["properties"]["number"] for f in found] == [mine.number]
    assert at(client, lon=P_G4D[0], lat=P_G4D[1], z=16, layers="incidents")["features"] == []  # not in m_a's scope
    assert client.get("/layers/search", {"q": other.number}).json()["results"] == []


def test_map_actions_only_for_users_the_app_allows(client):
    from geogrid.accounts.roles import Role
    from tests.support.world import user

    def actions():
        html = client.get("/map/").content.decode()
        return json.loads(re.search(r'<script id="map-config" type="application/json">(.*?)</script>', html).group(1))["actions"]

    small_district()
    assert actions() == []
    client.force_login(user("m_x", Role.GRID_MEMBER))
    assert actions() == [{"title": "在此上报事件", "url": "/incidents/report/"}]
    client.force_login(user("pn_x", Role.PLACENAME_STAFF))
    assert actions() == []
    with pytest.raises(LayerError):
        Registry().register_action("not an action")
    assert MapAction("t", "incident_report", lambda u: True).describe() == {"title": "t", "url": "/incidents/report/"}
