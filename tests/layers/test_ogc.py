"""OGC API - Features at /ogc/ (#12): landing, conformance, collections from the registry, items
with bbox / limit / paging / property filters, single items, the OpenAPI document, HTML; Part 2
CRS with the axis order of each CRS's definition (CRS84 lon,lat; EPSG:4490 lat,lon; the
Gauss-Krüger zone northing,easting) for answers and for bbox; incidents only for signed-in users,
in their scope; fixed query counts."""
import json

import pyproj
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geogrid.grids.models import Grid
from layers.versions import bump_model
from tests.support import box
from tests.support.district import small_district

pytestmark = pytest.mark.django_db

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS84H = "http://www.opengis.net/def/crs/OGC/0/CRS84h"
EPSG4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
GK = "http://www.opengis.net/def/crs/EPSG/0/4548"  # CGCS2000 3-degree GK, CM 117E: the test settings' map home 116.75E
IDS = ["admin-areas", "grids-l4", "grids-l5", "roads", "road-signs", "boundary-lines", "boundary-markers", "facilities", "care-buildings"]


def get(client, path, status=200, **params):
    r = client.get(path, params, HTTP_ACCEPT="application/json")
    assert r.status_code == status, r.content
    return r


def items(client, cid, status=200, **params):
    r = get(client, f"/ogc/collections/{cid}/items", status, **params)
    return r, json.loads(r.content)


def link(doc, rel, type_=None):
    found = [l for l in doc["links"] if l["rel"] == rel and (type_ is None or l["type"] == type_)]
    return found[0]["href"] if found else None


def test_landing_page_links_and_conformance(client):
    doc = get(client, "/ogc/").json()
    assert link(doc, "service-desc").endswith("/ogc/api") and link(doc, "conformance").endswith("/ogc/conformance")
    assert link(doc, "data").endswith("/ogc/collections") and link(doc, "alternate", "text/html")
    assert get(client, "/ogc").json()["title"] == doc["title"]  # the bare URL as GDAL is given it
    conf = get(client, "/ogc/conformance").json()["conformsTo"]
    for c in ("ogcapi-features-1/1.0/conf/core", "ogcapi-features-1/1.0/conf/geojson", "ogcapi-features-1/1.0/conf/html",
              "ogcapi-features-1/1.0/conf/oas30", "ogcapi-features-2/1.0/conf/crs"):
        assert f"http://www.opengis.net/spec/{c}" in conf


def test_collections_are_the_registry_with_extents_and_crs(client):
    small_district()
    doc = get(client, "/ogc/collections").json()
    cols = {c["id"]: c for c in doc["collections"]}
    assert list(cols) == IDS  # no incidents for a visitor
    admin = cols["admin-areas"]
    assert admin["title"] == "行政区划" and admin["itemType"] == "feature"
    assert admin["extent"]["spatial"]["bbox"] == [[116.7, 36.5, 116.8, 36.6]] and admin["extent"]["spatial"]["crs"] == CRS84
    assert admin["crs"][0] == CRS84 and {EPSG4490, GK} <= set(admin["crs"]) and admin["storageCrs"] == EPSG4490
    assert link(admin, "items", "application/geo+json").endswith("/ogc/collections/admin-areas/items")
    one = get(client, "/ogc/collections/grids-l4").json()
    assert one["id"] == "grids-l4" and one["extent"]["spatial"]["bbox"] == [[116.74, 36.54, 116.76, 36.56]]
    r = get(client, "/ogc/collections/nope", 404)
    assert r.json()["code"] == "NotFound"


def test_items_geojson_number_matched_returned_and_paging_by_next_links(client):
    c = small_district()["community"]
    parent = Grid.objects.get(code="37011200100101")
    Grid.objects.bulk_create([Grid(code=f"37011200100101{i:03d}", name=f"小网格{i}", level=5, parent=parent, community=c,
                                   geom=box(116.74 + i * 0.0001, 36.54, 116.7401 + i * 0.0001, 36.5401)) for i in range(25)])
    r, doc = items(client, "grids-l5", limit=10)
    assert r["Content-Type"] == "application/geo+json" and r["Content-Crs"] == f"<{CRS84}>"
    assert doc["type"] == "FeatureCollection" and doc["numberMatched"] == 26 and doc["numberReturned"] == 10
    assert link(doc, "prev") is None
    seen, url, pages = [], link(doc, "next"), 1
    seen += [f["id"] for f in doc["features"]]
    while url:
        page = client.get(url, HTTP_ACCEPT="application/geo+json").json()
        seen += [f["id"] for f in page["features"]]
        assert link(page, "prev")
        url, pages = link(page, "next"), pages + 1
    assert pages == 3 and len(seen) == len(set(seen)) == 26
    # limit above the maximum is the maximum, not an error (Part 1); bad values are 400
    _, doc = items(client, "grids-l5", limit=50000)
    assert doc["numberReturned"] == 26
    for bad in ({"limit": 0}, {"limit": "x"}, {"offset": -1}, {"bbox": "1,2,3"}, {"bbox": "116.8,36.5,116.7,36.6"},
                {"bbox": "1,2,3,4,5,6", "bbox-crs": EPSG4490}, {"bbox": "1,2,3,4", "bbox-crs": CRS84H}, {"bbox": "1,2,9,3,4,0"},
                {"crs": "EPSG:3857"}, {"bbox-crs": "EPSG:9999", "bbox": "1,2,3,4"}, {"colour": "red"}, {"f": "xml"},
                {"datetime": "yesterday"}, {"datetime": "2024-13-01"}, {"datetime": "../.."}, {"datetime": "2024-02-01/2024-01-01"}):
        r, body = items(client, "grids-l5", 400, **bad)
        assert body["code"] == "InvalidParameterValue" and body["description"], bad


def test_property_filters_and_bbox_in_crs84(client):
    small_district()
    _, doc = items(client, "grids-l4", kind="dedicated")
    assert [f["properties"]["name"] for f in doc["features"]] == ["东网格"] and doc["numberMatched"] == 1
    _, doc = items(client, "admin-areas", level="community")
    assert [f["properties"]["name"] for f in doc["features"]] == ["测试社区"]
    # bbox in CRS84 (lon,lat): a box around the western grid's middle only
    _, doc = items(client, "grids-l4", bbox="116.741,36.545,116.745,36.555")
    assert [f["properties"]["name"] for f in doc["features"]] == ["西网格"]
    _, doc = items(client, "grids-l4", bbox="116.741,36.545,116.745,36.555", kind="dedicated")
    assert doc["numberMatched"] == 0 and doc["features"] == []


def test_datetime_and_a_six_number_bbox_of_part_1_core(client):
    """Part 1 Core, claimed in /conformance: `datetime` is supported (no collection here has a
    temporal geometry, so every feature matches: req /core/fc-time-response C) and a bbox may have
    six numbers (CRS84h without bbox-crs: lon, lat, height; the features have no height, the
    horizontal part selects)."""
    small_district()
    both = ["东网格", "西网格"]
    for value in ("2024-05-01T08:00:00Z", "2024-05-01T08:00:00.5+08:00", "2024-05-01", "2024-01-01T00:00:00Z/..",
                  "../2030-01-01T00:00:00Z", "/2030-01-01T00:00:00Z", "2024-01-01T00:00:00Z/2024-12-31T23:59:59Z"):
        _, doc = items(client, "grids-l4", datetime=value)
        assert sorted(f["properties"]["name"] for f in doc["features"]) == both, value
        assert "datetime=" in link(doc, "self")
    _, doc = items(client, "grids-l4", bbox="116.741,36.545,-100,116.745,36.555,9000")
    assert [f["properties"]["name"] for f in doc["features"]] == ["西网格"]
    _, doc = items(client, "grids-l4", bbox="116.741,36.545,0,116.745,36.555,10", **{"bbox-crs": CRS84H})
    assert [f["properties"]["name"] for f in doc["features"]] == ["西网格"]
    params = {p["name"]: p for p in get(client, "/ogc/api").json()["paths"]["/collections/grids-l4/items"]["get"]["parameters"]}
    assert params["datetime"]["schema"] == {"type": "string"} and CRS84H in params["bbox-crs"]["schema"]["enum"]
    assert [s["minItems"] for s in params["bbox"]["schema"]["oneOf"]] == [4, 6]


def test_axis_order_of_every_crs_in_answers(client):
    small_district()
    fid = items(client, "facilities")[1]["features"][0]["id"]  # the facility stands at 116.75E 36.55N
    coords = {}
    for crs in (CRS84, EPSG4490, EPSG4326, GK):
        r, doc = items(client, "facilities", crs=crs)
        assert r["Content-Crs"] == f"<{crs}>"
        coords[crs] = doc["features"][0]["geometry"]["coordinates"]
        one = get(client, f"/ogc/collections/facilities/items/{fid}", crs=crs)
        assert one["Content-Crs"] == f"<{crs}>" and one.json()["geometry"]["coordinates"] == coords[crs]
    assert coords[CRS84] == [116.75, 36.55]
    assert coords[EPSG4490] == [36.55, 116.75] and coords[EPSG4326] == [36.55, 116.75]
    # Gauss-Krüger by PROJ itself, in the EPSG order (northing, easting); always_xy=False honours it
    north, east = pyproj.Transformer.from_crs("EPSG:4490", "EPSG:4548").transform(36.55, 116.75)
    assert 4_000_000 < north < 4_100_000 and 400_000 < east < 500_000
    assert coords[GK] == pytest.approx([north, east], abs=0.002)
    # short forms are taken too
    assert items(client, "facilities", crs="EPSG:4490")[1]["features"][0]["geometry"]["coordinates"] == [36.55, 116.75]


def test_bbox_crs_axis_order(client):
    """The same box around the west grid in three CRSs, each in its own axis order, finds it;
    the CRS84 order given as EPSG:4490 (the mistake a careless server makes) finds nothing."""
    small_district()
    west = ["西网格"]
    _, doc = items(client, "grids-l4", bbox="36.545,116.741,36.555,116.745", **{"bbox-crs": EPSG4490})
    assert [f["properties"]["name"] for f in doc["features"]] == west
    _, doc = items(client, "grids-l4", bbox="116.741,36.545,116.745,36.555", **{"bbox-crs": CRS84})
    assert [f["properties"]["name"] for f in doc["features"]] == west
    t = pyproj.Transformer.from_crs("EPSG:4490", "EPSG:4548")
    n0, e0 = t.transform(36.545, 116.741)
    n1, e1 = t.transform(36.555, 116.745)
    _, doc = items(client, "grids-l4", bbox=f"{n0},{e0},{n1},{e1}", **{"bbox-crs": GK})
    assert [f["properties"]["name"] for f in doc["features"]] == west
    # lon,lat numbers labelled EPSG:4490 are a latitude of 116°: refused, not silently swapped
    r, body = items(client, "grids-l4", 400, bbox="116.741,36.545,116.745,36.555", **{"bbox-crs": EPSG4490})
    assert "纬度,经度" in body["description"]
    # and bbox + crs together: bbox in 4490 order, answer in GK order
    _, doc = items(client, "facilities", bbox="36.54,116.74,36.56,116.76", crs=GK, **{"bbox-crs": EPSG4490})
    assert doc["numberMatched"] == 1 and doc["features"][0]["geometry"]["coordinates"][0] > 4_000_000


def test_head_is_answered_like_get_without_a_body(client):
    """HTTP (which Part 1's /req/core/http asks for) wants HEAD wherever GET is served: the same
    status and headers (Content-Crs too), no body; the tile front already answered HEAD."""
    small_district()
    for path, params in (("/ogc/", {}), ("/ogc/collections/grids-l4", {}), ("/ogc/collections/grids-l4/items", {"crs": EPSG4490}),
                         ("/layers/grids_l4.geojson", {}), ("/tiles/grids_l4/14/13505/6402.pbf", {}), ("/map/", {})):
        got, head = client.get(path, params), client.head(path, params)
        assert head.status_code == got.status_code == 200 and head.content == b"", path
        for header in ("Content-Type", "Content-Crs", "ETag"):
            assert head.get(header) == got.get(header), (path, header)
    assert client.post("/ogc/collections/grids-l4/items").status_code == 405


def test_single_item_links_and_404(client):
    small_district()
    fid = items(client, "roads")[1]["features"][0]["id"]
    doc = get(client, f"/ogc/collections/roads/items/{fid}").json()
    assert doc["type"] == "Feature" and doc["id"] == fid and doc["properties"]["name"] == "测试路"
    assert link(doc, "collection").endswith("/ogc/collections/roads")
    assert get(client, "/ogc/collections/roads/items/999999", 404).json()["code"] == "NotFound"
    # a closed grid version is not an item of the layer
    closed = Grid.objects.get(code="37011200100103").pk
    get(client, f"/ogc/collections/grids-l4/items/{closed}", 404)


def test_html_pages(client):
    small_district()
    for path in ("/ogc/", "/ogc/conformance", "/ogc/collections", "/ogc/collections/grids-l4", "/ogc/collections/grids-l4/items",
                 "/ogc/api"):
        r = client.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml")
        assert r.status_code == 200 and r["Content-Type"].startswith("text/html"), path
    html = client.get("/ogc/collections/admin-areas", {"f": "html"}).content.decode()
    for name in ("admin_district", "admin_street", "admin_community"):
        assert f'href="/layers/{name}/export.gpkg"' in html and f'href="/layers/{name}/export.xlsx"' in html
    html = client.get("/ogc/collections/grids-l4/items", {"f": "html"}).content.decode()
    assert "西网格" in html and "东网格" in html and "共 2 个要素" in html and 'id="ogc-map"' in html
    assert "<script>" not in html.split('id="ogc-features"')[1][:20]  # the data is a json_script element


def test_openapi_document(client):
    small_district()
    r = get(client, "/ogc/api")
    assert r["Content-Type"] == "application/vnd.oai.openapi+json;version=3.0"
    doc = r.json()
    assert doc["openapi"].startswith("3.0") and doc["servers"][0]["url"].endswith("/ogc")
    # Valid OpenAPI 3.0 by the specification's JSON schema (the copy drf-spectacular ships)
    from drf_spectacular.validation import validate_schema
    validate_schema(doc)
    for path in ("/", "/conformance", "/collections", "/collections/grids-l5/items", "/collections/grids-l5/items/{featureId}"):
        assert path in doc["paths"], path
    params = {p["name"]: p for p in doc["paths"]["/collections/grids-l5/items"]["get"]["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 10000 and {"bbox", "bbox-crs", "crs", "offset", "code", "kind"} <= set(params)
    assert "/collections/incidents/items" not in doc["paths"]


def test_items_cost_one_query_however_many_features(client):
    c = small_district()["community"]
    parent = Grid.objects.get(code="37011200100101")
    client.get("/ogc/collections/grids-l5/items")

    def count(**params):
        with CaptureQueriesContext(connection) as q:
            items(client, "grids-l5", **params)
        return len(q)

    few = count(limit=1000)
    Grid.objects.bulk_create([Grid(code=f"37011200100101{i:03d}", name=f"小网格{i}", level=5, parent=parent, community=c,
                                   geom=box(116.74 + i * 0.0001, 36.54, 116.7401 + i * 0.0001, 36.5401)) for i in range(300)])
    bump_model(Grid)  # bulk_create sends no signals: the writer says the layer changed
    # The layer's version (the compiled rows and the whole collection's numberMatched are kept
    # under it), then the page.
    assert few == count(limit=1000) == 2
    assert count(limit=1000, bbox="116.7,36.5,116.8,36.6", crs=GK) == count(code="3701120010010101") == 2
    with CaptureQueriesContext(connection) as q:
        get(client, "/ogc/collections")
    assert len(q) <= 2  # layer versions, then the extents not cached yet
    with CaptureQueriesContext(connection) as q:
        get(client, "/ogc/collections")
    assert len(q) == 1


def test_items_compiled_once_a_version_follow_the_language_and_each_change(client):
    """The rows of a public collection are compiled once per language and version of its layers
    (layers/ogc._rows_sql): the labels stay in their language, and a change is in the next page."""
    from layers import ogc

    d = small_district()
    ogc._compiled.clear()

    def kinds(lang):
        r = client.get("/ogc/collections/grids-l4/items", HTTP_ACCEPT="application/json", HTTP_ACCEPT_LANGUAGE=lang)
        return {f["properties"]["name"]: f["properties"]["kind_display"] for f in json.loads(r.content)["features"]}

    zh, en = kinds("zh-hans"), kinds("en")
    assert zh == kinds("zh-hans") and en == kinds("en") and zh.keys() == en.keys() and zh != en
    assert len(ogc._compiled) == 2  # one per language
    g = d["grid_b"]
    g.name = "改名网格"
    g.save()  # post_save bumps the layer: a new version, compiled again
    assert "改名网格" in kinds("zh-hans") and len(ogc._compiled) == 3


def test_incidents_only_for_signed_in_users_in_their_scope(client):
    from tests.support.world import P_G4A, P_G4D, report, world

    w = world()
    mine = report(w, "m_a", at=P_G4A)
    other = report(w, "m_d", at=P_G4D)
    assert get(client, "/ogc/collections/incidents", 404).json()["code"] == "NotFound"
    get(client, f"/ogc/collections/incidents/items/{mine.pk}", 404)
    client.force_login(w["m_a"])
    cols = [c["id"] for c in get(client, "/ogc/collections").json()["collections"]]
    assert "incidents" in cols
    _, doc = items(client, "incidents")
    assert [f["properties"]["number"] for f in doc["features"]] == [mine.number]
    get(client, f"/ogc/collections/incidents/items/{other.pk}", 404)  # out of scope: as if absent
    client.force_login(w["da"])  # the district admin sees both
    _, doc = items(client, "incidents")
    assert sorted(f["properties"]["number"] for f in doc["features"]) == sorted([mine.number, other.number])
    # the same rule for the map's GeoJSON and tiles: a visitor gets 404, never a cached tile
    client.logout()
    assert client.get("/layers/incidents.geojson").status_code == 404
    assert client.get("/tiles/incidents/14/13505/6402.pbf").status_code == 404
    client.force_login(w["m_a"])
    fc = client.get("/layers/incidents.geojson").json()
    assert [f["properties"]["number"] for f in fc["features"]] == [mine.number]


def test_the_whole_collections_count_is_kept_until_the_layer_changes(client):
    c = small_district()["community"]
    parent = Grid.objects.get(code="37011200100101")
    assert items(client, "grids-l5")[1]["numberMatched"] == 1
    Grid.objects.create(code="3701120010010199", name="新网格", level=5, parent=parent, community=c,
                        geom=box(116.741, 36.541, 116.742, 36.542))  # a save: the layer's counter moves
    assert items(client, "grids-l5")[1]["numberMatched"] == 2
    assert items(client, "grids-l5", bbox="116.748,36.548,116.749,36.549")[1]["numberMatched"] == 1  # counted, not kept
