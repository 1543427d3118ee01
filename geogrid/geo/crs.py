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


# China, generously (lon 73–136, lat 3–54). A pair outside it whose swap lies inside was typed the
# wrong way round (lat, lon — the EPSG:4490 axis order, and what many phones show first). The two
# boxes do not overlap, so a point in China is never taken for a swapped one.
CHINA_LONLAT = (73.0, 3.0, 136.0, 54.0)


def _in_china(lon, lat):
    xmin, ymin, xmax, ymax = CHINA_LONLAT
    return xmin <= lon <= xmax and ymin <= lat <= ymax


def looks_swapped(lon, lat):
    """True when (lon, lat) lies outside China but (lat, lon) inside."""
    return not _in_china(lon, lat) and _in_china(lat, lon)


def swapped_message(lon, lat):
    return _("经纬度是否填反？lon=%(lon)s 像是纬度、lat=%(lat)s 像是经度（中国境内经度约 73~136、纬度约 3~54），"
             "请交换后重试") % {"lon": lon, "lat": lat}


def check_lonlat_geometry(geom):
    """CRSError for a geographic geometry whose coordinates are swapped as a whole or out of range."""
    check_lonlat_extent(*geom.extent)


def check_lonlat_extent(xmin, ymin, xmax, ymax):
    """check_lonlat_geometry of a geometry's extent (for callers that hold bounds, not geometries)."""
    if looks_swapped(xmin, ymin) and looks_swapped(xmax, ymax):
        raise CRSError(swapped_message(round(xmin, 6), round(ymin, 6)))
    if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise CRSError(_("坐标超出范围（经度 -180~180，纬度 -90~90）"))


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
    swapped = math.isfinite(lon) and math.isfinite(lat) and looks_swapped(lon, lat)
    if not (math.isfinite(lon) and math.isfinite(lat)) or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        message = _("坐标超出范围：lon=%(lon)s lat=%(lat)s（经度 -180~180，纬度 -90~90）") % {"lon": lon, "lat": lat}
        raise CRSError(f"{message}；{swapped_message(lon, lat)}" if swapped else message)
    if swapped:  # in range, but (lat, lon) lies in China and (lon, lat) does not
        raise CRSError(swapped_message(lon, lat))
    return to_storage(Point(lon, lat, srid=STORAGE_SRID), input_crs)

