"""geo/: GCJ-02 conversion, Gauss-Krüger zones, areas and lengths in metres."""
import math

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from pyproj import Geod

from geogrid.geo import crs, gcj02, measure


def metres_between(lon1, lat1, lon2, lat2):
    return Geod(ellps="GRS80").inv(lon1, lat1, lon2, lat2)[2]


@pytest.mark.parametrize(
    "lon,lat,ezone",
    [(116.75, 36.55, 4548), (117.0, 36.65, 4548), (118.49, 36.0, 4548), (118.51, 36.0, 4549), (75.0, 39.0, 4534), (135.0, 48.0, 4554), (121.47, 31.23, 4549)],
)
def test_gauss_kruger_3_degree_zone_from_longitude(lon, lat, ezone):
    assert crs.gk3_epsg(lon) == ezone


def test_gcj02_offset_near_jinan_is_several_hundred_metres():
    lon, lat = 116.75, 36.55
    glon, glat = gcj02.wgs84_to_gcj02(lon, lat)
    d = metres_between(lon, lat, glon, glat)
    assert 400 < d < 700, d


def test_gcj02_round_trip_under_half_a_metre_across_china():
    worst = 0.0
    for lon in range(74, 135, 3):
        for lat in range(18, 53, 3):
            w = (lon + 0.123, lat + 0.456)
            back = gcj02.gcj02_to_wgs84(*gcj02.wgs84_to_gcj02(*w))
            worst = max(worst, metres_between(*w, *back))
    assert worst < 0.5, worst


def test_gcj02_is_identity_outside_china():
    assert gcj02.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02.gcj02_to_wgs84(-74.0, 40.7) == (-74.0, 40.7)


def test_point_to_storage_converts_declared_gcj02():
    glon, glat = gcj02.wgs84_to_gcj02(116.75, 36.55)
    p = crs.point_to_storage(glon, glat, "gcj02")
    assert p.srid == 4490
    assert metres_between(p.x, p.y, 116.75, 36.55) < 0.5
    q = crs.point_to_storage(116.75, 36.55, "EPSG:4326")
    assert (q.x, q.y) == (116.75, 36.55)


@pytest.mark.parametrize("lon,lat", [("abc", 36), (None, 36), (181, 36), (116, -91), (float("nan"), 36)])
def test_point_to_storage_refuses_bad_coordinates(lon, lat):
    with pytest.raises(crs.CRSError):
        crs.point_to_storage(lon, lat)


def test_unknown_input_crs_is_refused():
    with pytest.raises(crs.CRSError):
        crs.parse_input_crs("EPSG:9999999")


def test_area_of_a_known_polygon_in_square_kilometres():
    # A 0.1° × 0.1° cell at 36.5°N: the ellipsoid says ~99.5 km²; the GK-zone area must agree.
    cell = MultiPolygon(Polygon.from_bbox((116.7, 36.5, 116.8, 36.6)), srid=4490)
    geod_area = abs(Geod(ellps="GRS80").polygon_area_perimeter([116.7, 116.8, 116.8, 116.7], [36.5, 36.5, 36.6, 36.6])[0])
    km2 = measure.area_m2(cell) / 1e6
    assert math.isclose(km2, geod_area / 1e6, rel_tol=1e-3), (km2, geod_area / 1e6)
    assert 98 < km2 < 101


def test_length_in_metres_not_degrees():
    line = LineString((116.70, 36.55), (116.80, 36.55), srid=4490)
    expect = metres_between(116.70, 36.55, 116.80, 36.55)
    assert math.isclose(measure.length_m(line), expect, rel_tol=1e-3)


def test_distance_between_points_in_metres():
    a, b = Point(116.75, 36.55, srid=4490), Point(116.75, 36.5509, srid=4490)
    assert math.isclose(measure.distance_m(a, b), metres_between(116.75, 36.55, 116.75, 36.5509), rel_tol=1e-3)


# Independent reference values published with two widely used GCJ-02 libraries (their own test
# vectors, not computed by our code): gcoord (JavaScript) and eviltransform.
@pytest.mark.parametrize(
    "wgs,gcj",
    [
        ((123.0, 45.0), (123.00607541, 45.00197815)),  # gcoord WGS84 -> GCJ02
        ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # eviltransform
    ],
)
def test_wgs84_to_gcj02_matches_reference_vectors(wgs, gcj):
    lon, lat = gcj02.wgs84_to_gcj02(*wgs)
    assert lon == pytest.approx(gcj[0], abs=1e-6)
    assert lat == pytest.approx(gcj[1], abs=1e-6)


def test_gcj02_to_wgs84_matches_reference_vector():
    # gcoord GCJ02 -> WGS84 of (123, 45), published to 8 decimals.
    lon, lat = gcj02.gcj02_to_wgs84(123.0, 45.0)
    assert lon == pytest.approx(122.99395597, abs=1e-6)
    assert lat == pytest.approx(44.99804071, abs=1e-6)
    back = gcj02.wgs84_to_gcj02(lon, lat)
    assert metres_between(*back, 123.0, 45.0) < 0.01
