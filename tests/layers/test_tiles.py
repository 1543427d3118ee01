"""Vector tiles (#12): decoded with mapbox-vector-tile, a tile holds exactly the features of its
envelope with their published attributes; ETag/304, Cache-Control, a server-side cache that a
change of the layer's (or a related) model invalidates, cheap empty tiles, fixed query counts and
per-zoom simplification."""
import math

import mapbox_vector_tile
import pytest
import shapely
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from geogrid.facilities.models import Facility
from geogrid.grids.models import AdminArea, Grid
from layers import versions
from layers.publish import TILE_BUFFER, TILE_EXTENT, tile_lonlat_bounds
from tests.support.district import small_district

pytestmark = pytest.mark.django_db

Z, X, Y = 14, 13505, 6402  # holds 116.75E 36.55N (see test_layers.test_vector_tile_of_a_known_point)


def decode(content):
    return mapbox_vector_tile.decode(content, default_options={"y_coord_down": True})


def tile_features(client, layer, z=Z, x=X, y=Y, **headers):
    r = client.get(f"/tiles/{layer}/{z}/{x}/{y}.pbf", **headers)
    assert r.status_code in (200, 204), r.content
    return r, ({f["id"]: f for f in decode(r.content)[layer]["features"]} if r.status_code == 200 else {})


def envelope(z, x, y, buffer=True):
    """The tile's envelope in lon/lat, with the buffer ST_AsMVTGeom keeps (64/4096 each side)."""
    w, s, e, n = tile_lonlat_bounds(z, x, y)
    if buffer:
        dx, dy = (e - w) * TILE_BUFFER / TILE_EXTENT, (n - s) * TILE_BUFFER / TILE_EXTENT
        w, s, e, n = w - dx, s - dy, e + dx, n + dy
    return shapely.box(w, s, e, n)


def facility_at(name, lon, lat, area):
    return Facility.objects.create(name=name, facility_type_id="day_care", address="某路", geom=Point(lon, lat, srid=4490), area=area)


def test_a_tile_holds_exactly_the_features_of_its_envelope_with_their_attributes(client):
    d = small_district()
    c = d["community"]
    w, s, e, n = tile_lonlat_bounds(Z, X, Y)
    # A lattice of points around the tile, some inside, some in the buffer, some well outside.
    made = []
    for i in range(-3, 10):
        for j in range(-3, 10):
            lon, lat = w + (e - w) * i / 6 + 1e-7, s + (n - s) * j / 6 + 1e-7
            made.append(facility_at(f"点{i}_{j}", lon, lat, c))
    r, feats = tile_features(client, "facilities")
    geojson = {f["id"]: f for f in client.get("/layers/facilities.geojson").json()["features"]}
    inside = {fid for fid, f in geojson.items() if envelope(Z, X, Y).contains(shapely.geometry.shape(f["geometry"]))}
    assert len(inside) > 40 and len(geojson) - len(inside) > 40
    assert set(feats) == inside
    for fid, f in feats.items():
        assert f["properties"] == {k: v for k, v in geojson[fid]["properties"].items() if v is not None}
        # and at the right place: the tile coordinate of the point, 4096 units to the tile side
        lon, lat = geojson[fid]["geometry"]["coordinates"]
        mx = (lon + 180) / 360 * (1 << Z) - X
        my = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * (1 << Z) - Y
        assert f["geometry"]["coordinates"] == [round(mx * TILE_EXTENT), round(my * TILE_EXTENT)]
    # The four neighbours of the tile share the buffer features, nothing is lost between tiles.
    seen = set(feats)
    for dx, dy in ((1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1)):
        seen |= set(tile_features(client, "facilities", Z, X + dx, Y + dy)[1])
    near = {fid for fid, f in geojson.items()
            if shapely.box(*tile_lonlat_bounds(Z, X - 1, Y + 1)[:2], *tile_lonlat_bounds(Z, X + 1, Y - 1)[2:]).contains(shapely.geometry.shape(f["geometry"]))}
    assert near <= seen


def test_polygons_in_a_tile_are_those_meeting_its_envelope(client):
    small_district()
    r, feats = tile_features(client, "grids_l4", 16, X * 4, Y * 4)  # a quarter of a quarter: the west grid's NW corner region
    geojson = client.get("/layers/grids_l4.geojson").json()["features"]
    meeting = {f["id"] for f in geojson if envelope(16, X * 4, Y * 4).intersects(shapely.geometry.shape(f["geometry"]))}
    assert set(feats) == meeting


def test_etag_304_cache_control_and_one_query_to_revalidate(client):
    small_district()
    r, _ = tile_features(client, "facilities")
    etag = r["ETag"]
    assert etag and "max-age=" in r["Cache-Control"] and "Accept-Language" in r["Vary"]
    with CaptureQueriesContext(connection) as q:
        again = client.get(f"/tiles/facilities/{Z}/{X}/{Y}.pbf", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    assert len(q) == 1 and "layers_layerversion" in q[0]["sql"]
    # GZip weakens the tag on the way out; the weak form revalidates too.
    assert client.get(f"/tiles/facilities/{Z}/{X}/{Y}.pbf", HTTP_IF_NONE_MATCH=f"W/{etag}").status_code == 304
    # A cached tile costs the version lookup only.
    with CaptureQueriesContext(connection) as q:
        cached = client.get(f"/tiles/facilities/{Z}/{X}/{Y}.pbf")
    assert cached.content == r.content and len(q) == 1
    # Another language is another tile (choice labels): another tag.
    en = client.get(f"/tiles/facilities/{Z}/{X}/{Y}.pbf", HTTP_ACCEPT_LANGUAGE="en")
    assert en["ETag"] != etag


def test_a_change_of_the_layer_or_a_related_model_invalidates_its_tiles(client):
    d = small_district()
    r, feats = tile_features(client, "facilities")
    (fid,) = feats
    f = Facility.objects.get(pk=fid)
    f.name = "改名的中心"
    f.save()
    r2, feats2 = tile_features(client, "facilities", HTTP_IF_NONE_MATCH=r["ETag"])
    assert r2.status_code == 200 and r2["ETag"] != r["ETag"]
    assert feats2[fid]["properties"]["name"] == "改名的中心"
    # Grids publish their community's name: renaming the community changes the grid tiles.
    g, _ = tile_features(client, "grids_l4")
    community = d["community"]
    community.name = "新社区"
    community.save()
    g2, gfeats = tile_features(client, "grids_l4")
    assert g2["ETag"] != g["ETag"] and {f["properties"]["community_name"] for f in gfeats.values()} == {"新社区"}
    # An unrelated layer keeps its tag.
    roads = client.get(f"/tiles/roads/{Z}/{X}/{Y}.pbf")
    f.delete()
    assert client.get(f"/tiles/roads/{Z}/{X}/{Y}.pbf")["ETag"] == roads["ETag"]
    r3, feats3 = tile_features(client, "facilities")
    assert r3.status_code == 204 and not feats3  # deleted: gone from the tile at once


def test_a_rolled_back_change_bumps_nothing_and_bulk_writers_bump_by_hand(client):
    small_district()
    before = versions.version("grids_l4")
    with pytest.raises(RuntimeError), transaction.atomic():
        g = Grid.objects.get(code="37011200100101")
        g.name = "不算数"
        g.save()
        assert versions.version("grids_l4") != before
        raise RuntimeError
    assert versions.version("grids_l4") == before
    Grid.objects.filter(code="37011200100101").update(name="批量改名")  # no signal
    assert versions.version("grids_l4") == before
    versions.bump_model(Grid)
    assert versions.version("grids_l4") not in (before, None) and versions.version("grids_l5") > 0
    _, feats = tile_features(client, "grids_l4")
    assert "批量改名" in {f["properties"]["name"] for f in feats.values()}


def test_empty_tiles_are_204_without_a_tile_query(client):
    small_district()
    client.get("/tiles/facilities/14/0/0.pbf")  # the layer's extent is cached with its version
    with CaptureQueriesContext(connection) as q:
        r = client.get("/tiles/facilities/14/100/100.pbf")
    assert r.status_code == 204 and r["ETag"] and len(q) == 1
    assert not any("ST_AsMVT" in x["sql"] for x in q)
    with CaptureQueriesContext(connection) as q:
        assert client.get("/tiles/grids_l5/10/0/0.pbf").status_code == 204  # below min_zoom 13
    assert not any("ST_AsMVT" in x["sql"] for x in q)


def test_a_tile_costs_the_same_queries_for_3_and_300_features(client):
    c = small_district()["community"]
    w, s, e, n = tile_lonlat_bounds(Z, X, Y)

    def count(path):
        with CaptureQueriesContext(connection) as q:
            r = client.get(path)
        assert r.status_code == 200
        return len(q)

    few = count(f"/tiles/facilities/{Z}/{X}/{Y}.pbf")
    Facility.objects.bulk_create([Facility(name=f"设施{i}", facility_type_id="day_care", address="某路", area=c,
                                           geom=Point(w + (e - w) * (i % 20) / 20, s + (n - s) * (i // 20) / 15, srid=4490))
                                  for i in range(300)])
    versions.bump_model(Facility)
    many = count(f"/tiles/facilities/{Z}/{X}/{Y + 0}.pbf")
    assert few == many <= 3


def tile_of(z, lon, lat):
    n = 1 << z
    return z, int((lon + 180) / 360 * n), int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)


def test_lines_and_polygons_are_simplified_to_the_tile_grid(client):
    """A circle of 4 000 vertices (~1 km across) as the district, simplified to one tile unit: a
    circle of radius r units then needs about π/acos(1 − 1/r) vertices — ~18 at z10 (r ≈ 70), ~52
    at z13 (r ≈ 560) — and stays round."""
    small_district()
    area = AdminArea.objects.get(level="district")
    ring = [(116.75 + 0.006 * math.cos(2 * math.pi * k / 4000), 36.55 + 0.005 * math.sin(2 * math.pi * k / 4000)) for k in range(4000)]
    area.geom = MultiPolygon(Polygon(ring + [ring[0]]), srid=4490)
    area.save()

    def ring_of(z, x, y):
        _, feats = tile_features(client, "admin_district", z, x, y)
        (f,) = feats.values()
        assert f["geometry"]["type"] == "Polygon"
        return f["geometry"]["coordinates"][0]

    low, high = ring_of(*tile_of(10, 116.75, 36.55)), ring_of(*tile_of(13, 116.75, 36.55))
    assert 12 < len(low) < 40 and 45 < len(high) < 120, (len(low), len(high))
    for r in (low, high):  # still round: every vertex at the same distance from the centre (±2 units)
        shape = shapely.Polygon(r)
        cx, cy = shape.centroid.x, shape.centroid.y
        radii = [math.hypot(x - cx, y - cy) for x, y in r]
        assert max(radii) / min(radii) < 1.35  # an ellipse of axis ratio 0.006·cos(36.55°)/0.005·… ≈ 1.2


def test_specks_are_left_out_until_they_are_a_few_pixels_big(client):
    """A level-5 grid 30 m across: at z13 (19 m a pixel) it would be a 1.6-pixel speck and is left
    out; at z15 (4.8 m a pixel, 6 pixels) it is drawn. The big grids are drawn at both."""
    c = small_district()["community"]
    parent = Grid.objects.get(code="37011200100101")
    tiny = Grid.objects.create(code="3701120010010102", name="小点网格", level=5, parent=parent, community=c,
                               geom=MultiPolygon(Polygon.from_bbox((116.7455, 36.5455, 116.7455 + 0.00034, 36.5455 + 0.00027)), srid=4490))
    big = Grid.objects.get(code="3701120010010101")
    _, low = tile_features(client, "grids_l5", *tile_of(13, 116.7456, 36.5456))
    _, high = tile_features(client, "grids_l5", *tile_of(15, 116.7456, 36.5456))
    assert set(low) == {big.pk} and set(high) == {big.pk, tiny.pk}


def test_writing_a_case_touches_no_layer_version(client):
    """Incidents are published only per user and never cached: reporting one must not lock a
    shared counter row (16 reporters at once would queue on it)."""
    from tests.support.world import P_G4A, report, world

    w = world()
    with CaptureQueriesContext(connection) as q:
        report(w, "m_a", at=P_G4A)
    assert not [x for x in q if "layers_layerversion" in x["sql"]]
    with CaptureQueriesContext(connection) as q:
        g = Grid.objects.get(code="37011200100101")
        g.save()
    assert [x for x in q if "layers_layerversion" in x["sql"]]  # a grid is published for everyone: bumped


def test_a_sign_repair_that_writes_the_condition_by_update_still_changes_the_tile(client, django_capture_on_commit_callbacks):
    """placenames writes a sign's condition with QuerySet.update (no signal) in a patrol's check, a
    repair's dispatch and its acceptance: the writer bumps the layer, so the road-sign tiles do not
    keep the old condition for good."""
    from geogrid.accounts.roles import Role
    from geogrid.placenames import signpatrol, signrepair
    from geogrid.placenames.models import RoadSign
    from tests.support.world import user

    small_district()
    sign = RoadSign.objects.get(code="S001")
    staff = user("pn_tiles", Role.PLACENAME_STAFF)
    at = tile_of(14, 116.755, 36.551)

    def condition():
        (f,) = tile_features(client, "road_signs", *at)[1].values()
        return f["properties"]["condition"]

    assert condition() == "damaged"  # as small_district made it; the tile is now stored
    patrol = signpatrol.start_sign_patrol(staff, road="R001")
    with django_capture_on_commit_callbacks(execute=True):
        signpatrol.record_inspection(patrol, staff, sign=sign, condition="good")  # found mended
    assert condition() == "good"
    with django_capture_on_commit_callbacks(execute=True):
        repair = signrepair.dispatch_repair(staff, sign, "faded", "牌面褪色")
    assert condition() == "faded"
    signrepair.transition(repair, "repair", staff, "已更换")
    with django_capture_on_commit_callbacks(execute=True):
        signrepair.transition(repair, "accept", staff)
    assert condition() == "good"


def test_rows_the_demo_loader_bulk_creates_bump_their_layers():
    """loaddemo writes signs and markers with bulk_create (no signals): a reload that adds rows
    must not leave a running server's stored tiles and extents without them."""
    from geogrid.demo.loader import upsert
    from geogrid.placenames.models import Road, RoadSign

    small_district()
    before = versions.version("road_signs")
    road = Road.objects.get(code="R001")
    upsert(RoadSign, "code", [dict(code="S001", road=road, geom=Point(116.755, 36.551, srid=4490), name_text="测试路",
                                   pinyin_text="CESHI LU", condition="damaged")])  # unchanged: nothing written
    assert versions.version("road_signs") == before
    upsert(RoadSign, "code", [dict(code="S002", road=road, geom=Point(116.76, 36.551, srid=4490), name_text="测试路",
                                   pinyin_text="CESHI LU")])
    assert versions.version("road_signs") not in (before, None)
