"""The one CRS helper: storage SRID, Gauss-Krüger zones, and input-CRS conversion of geometries."""
import math

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry, Point
from django.utils.translation import gettext as _

from . import gcj02

STORAGE_SRID = 4490  # CGCS2000 geographic; GeoDjango/PostGIS keep lon, lat order
WEB_SRID = 4326  # GeoJSON (RFC 7946)
MERCATOR_SRID = 3857  # tiles

# Input CRS names accepted by the API (`crs=`) and the commands (`--input-crs`).
INPUT_CRS = {
    "EPSG:4490": 4490,
    "EPSG:4326": 4326,
    "WGS84": 4326,
    "CGCS2000": 4490,
    "gcj02": "gcj02",
    "GCJ02": "gcj02",
    "GCJ-02": "gcj02",
}


class CRSError(ValueError):
    """An unknown CRS name or a coordinate that cannot be converted."""


def gk3_epsg(lon):
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger zone (CM on the left of the code) for a
    longitude: EPSG:4534 (CM 75°E) … EPSG:4554 (CM 135°E); 4548 (CM 117°E) for Jinan."""
    cm = 3 * round(lon / 3.0)
    cm = min(max(cm, 75), 135)
    return 4534 + (cm - 75) // 3


def parse_input_crs(name):
    """'gcj02' or an SRID for a CRS name; raises CRSError for names we do not take."""
    if name is None or name == "":
        return STORAGE_SRID
    key = str(name).strip()
    for k, v in INPUT_CRS.items():
        if k.lower() == key.lower():
            return v
    raise CRSError(_("未知坐标系 %(name)r，可用：EPSG:4490、EPSG:4326、gcj02") % {"name": name})


def _map_coords(geom, fn):
    """Apply fn(lon, lat) -> (lon, lat) to every vertex of a GEOS geometry (copy)."""
    shp = shapely.from_wkb(bytes(geom.wkb))
    out = shapely.transform(shp, lambda xy: np.array([fn(x, y) for x, y in xy], dtype=float).reshape(-1, 2))
    g = GEOSGeometry(memoryview(shapely.to_wkb(out)))
    g.srid = geom.srid
    return g


def to_storage(geom, input_crs=None):
    """A copy of geom in EPSG:4490. input_crs: 'gcj02', an SRID, a CRS name, or None for geom.srid
    (a geometry without SRID is taken as CGCS2000)."""
    crs = parse_input_crs(input_crs) if isinstance(input_crs, str) else input_crs
    g = geom.clone()
    if crs == "gcj02":
        g = _map_coords(g, gcj02.gcj02_to_wgs84)
        g.srid = STORAGE_SRID  # WGS84 == CGCS2000 at this accuracy
        return g
    srid = crs or g.srid or STORAGE_SRID
    if srid in (STORAGE_SRID, WEB_SRID):
        g.srid = STORAGE_SRID  # equal datums; avoid a no-op PROJ call
        return g
    g.srid = srid
    g.transform(STORAGE_SRID)
    return g


def point_to_storage(lon, lat, input_crs=None):
    """Validate a lon/lat pair and return a 4490 Point. Raises CRSError with a message for people."""
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise CRSError(_("经纬度必须是数字（lon=经度, lat=纬度）"))
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise CRSError(_("坐标超出范围：lon=%(lon)s lat=%(lat)s（经度 -180~180，纬度 -90~90）") % {"lon": lon, "lat": lat})
    return to_storage(Point(lon, lat, srid=STORAGE_SRID), input_crs)

