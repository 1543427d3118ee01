"""The one way geogrid reads a vector file: GeoJSON, Shapefile or GeoPackage through GDAL.

    for f in read_features(path, input_crs="gcj02"):
        f.index, f.properties, f.geom   # geom: GEOS geometry in EPSG:4490

Every import command and the demo loader go through here, so the input-CRS rules (GCJ-02
conversion, "the file's own CRS unless told otherwise") hold everywhere.
"""
from dataclasses import dataclass
from pathlib import Path

from django.contrib.gis.gdal import DataSource, GDALException
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiLineString, MultiPoint, MultiPolygon
from django.utils.translation import gettext as _

from .crs import STORAGE_SRID, CRSError, check_lonlat_extent, check_lonlat_geometry, parse_input_crs, to_storage


class FeatureError(ValueError):
    """A file or feature that cannot be read. `index` is the 0-based feature index, or None when
    the whole file is at fault."""

    def __init__(self, message, index=None, path=None):
        self.index, self.path = index, path
        where = f"{path}: " if path else ""
        at = _("第 %(i)s 个要素（feature #%(i)s）: ") % {"i": index} if index is not None else ""
        super().__init__(f"{where}{at}{message}")


@dataclass
class Feature:
    index: int
    properties: dict
    geom: GEOSGeometry  # EPSG:4490


_MULTI = {"Polygon": MultiPolygon, "LineString": MultiLineString, "Point": MultiPoint}


def promote_multi(geom):
    """Polygon → MultiPolygon (and LineString, Point likewise); multi geometries pass through."""
    cls = _MULTI.get(geom.geom_type)
    if cls is None:
        return geom
    return cls(geom.clone(), srid=geom.srid)


def open_layer(path, layer=0):
    path = Path(path)
    if not path.exists():
        raise FeatureError(_("文件不存在"), path=path)
    try:
        ds = DataSource(str(path))
    except GDALException as exc:
        raise FeatureError(_("GDAL 无法读取此文件（%(e)s）；支持 GeoJSON、Shapefile、GeoPackage") % {"e": exc}, path=path)
    try:
        return ds, ds[layer]
    except (IndexError, GDALException, KeyError):
        raise FeatureError(_("没有图层 %(layer)r") % {"layer": layer}, path=path)


def _open(path, input_crs, layer):
    """(declared input CRS or None, data source, layer, the file's own SRID or None)."""
    try:
        declared = parse_input_crs(input_crs) if input_crs else None
    except CRSError as exc:
        raise FeatureError(str(exc), path=path)
    ds, lyr = open_layer(path, layer)
    file_srid = None
    if lyr.srs is not None:
        try:
            file_srid = lyr.srs.srid
        except GDALException:
            file_srid = None
    return declared, ds, lyr, file_srid


def read_features(path, input_crs=None, layer=0):
    """Yield Feature(index, properties, geom in 4490) for every feature of the file.

    input_crs: 'gcj02', 'EPSG:4326', 'EPSG:4490'… or None to trust the file's own CRS (GeoJSON
    without a crs member is WGS84 by RFC 7946; a file with no CRS at all is taken as CGCS2000).
    Raises FeatureError naming the feature index for a missing, empty or unreadable geometry.
    """
    declared, ds, lyr, file_srid = _open(path, input_crs, layer)
    fields = list(lyr.fields)
    for index, feat in enumerate(lyr):
        try:
            ogr = feat.geom
        except GDALException as exc:
            # GDAL reports a null geometry this way too, so say both.
            raise FeatureError(_("几何缺失或无法读取（GDAL：%(e)s）") % {"e": exc}, index=index, path=path)
        if ogr is None:
            raise FeatureError(_("没有几何"), index=index, path=path)
        try:
            geom = GEOSGeometry(ogr.wkb)
        except GEOSException as exc:  # e.g. a polygon ring that does not close
            raise FeatureError(_("几何无法读取（多边形的环是否闭合？GEOS：%(e)s）") % {"e": exc}, index=index, path=path)
        if geom.empty:
            raise FeatureError(_("几何为空"), index=index, path=path)
        if geom.hasz:
            geom = _drop_z(geom)
        geom.srid = file_srid or STORAGE_SRID
        try:
            geom = to_storage(geom, declared if declared is not None else geom.srid)
        except (CRSError, GDALException, Exception) as exc:  # PROJ errors surface as several types
            raise FeatureError(_("坐标转换失败（%(e)s）") % {"e": exc}, index=index, path=path)
        try:
            check_lonlat_geometry(geom)  # lat/lon swapped, or numbers that are no lon/lat at all
        except CRSError as exc:
            raise FeatureError(str(exc), index=index, path=path)
        props = {name: feat.get(name) for name in fields}
        yield Feature(index=index, properties=props, geom=geom)


def _drop_z(geom):
    """A 2D copy: storage columns are 2D."""
    import shapely

    shp = shapely.force_2d(shapely.from_wkb(bytes(geom.wkb)))
    g = GEOSGeometry(memoryview(shapely.to_wkb(shp)))
    g.srid = geom.srid
    return g




# --- bulk reading ----------------------------------------------------------------------------
# read_features builds a GEOS geometry and a dict through Django's OGR objects for every feature:
# ~120 µs a feature, 12 s for a city's 10⁵ grids. read_wkb reads the same features through GDAL's
# C API in one loop and keeps each geometry as WKB (for shapely and COPY): 3–4× faster.

_OFT_INT, _OFT_REAL, _OFT_INT64 = 0, 2, 12
_C = None


def _c_api():
    """Fresh ctypes handles on GDAL's C functions (lgdal[name] is a new object: Django's own
    prototypes, which carry error checks, are left as they are)."""
    global _C
    if _C is None:
        from ctypes import c_char_p, c_double, c_int, c_int64, c_size_t, c_void_p

        from django.contrib.gis.gdal.libgdal import lgdal

        def fn(name, restype, *argtypes):
            f = lgdal[name]
            f.restype, f.argtypes = restype, list(argtypes)
            return f

        _C = {
            "next": fn("OGR_L_GetNextFeature", c_void_p, c_void_p),
            "reset": fn("OGR_L_ResetReading", None, c_void_p),
            "destroy": fn("OGR_F_Destroy", None, c_void_p),
            "geom": fn("OGR_F_GetGeometryRef", c_void_p, c_void_p),
            "isnull": fn("OGR_F_IsFieldSetAndNotNull", c_int, c_void_p, c_int),
            "int": fn("OGR_F_GetFieldAsInteger64", c_int64, c_void_p, c_int),
            "real": fn("OGR_F_GetFieldAsDouble", c_double, c_void_p, c_int),
            "str": fn("OGR_F_GetFieldAsString", c_char_p, c_void_p, c_int),
            "empty": fn("OGR_G_IsEmpty", c_int, c_void_p),
            "flatten": fn("OGR_G_FlattenTo2D", None, c_void_p),
            "size": fn("OGR_G_WkbSizeEx", c_size_t, c_void_p),
            "wkb": fn("OGR_G_ExportToIsoWkb", c_int, c_void_p, c_int, c_char_p),
        }
    return _C


@dataclass
class RawFeature:
    index: int
    properties: dict
    wkb: bytes  # 2D, EPSG:4490, little-endian ISO WKB


def read_wkb(path, input_crs=None, layer=0):
    """The features of read_features, as RawFeature(index, properties, wkb in 4490), in a list.
    Same rules and the same FeatureError for a missing or empty geometry; field values are int,
    float or str (dates as text). Coordinates are converted in Python only when they need it
    (GCJ-02, a projected CRS); CGCS2000 and WGS84 pass through untouched."""
    from ctypes import create_string_buffer, string_at

    declared, ds, lyr, file_srid = _open(path, input_crs, layer)
    crs = declared if declared is not None else (file_srid or STORAGE_SRID)
    convert = crs not in (STORAGE_SRID, 4326)
    fields = list(lyr.fields)
    types = [t.__name__ for t in lyr.field_types]
    kinds = [_OFT_INT if t in ("OFTInteger", "OFTInteger64") else _OFT_REAL if t == "OFTReal" else None for t in types]
    encoding = ds.encoding or "utf-8"
    c = _c_api()
    nxt, destroy, geom_of, isnull, as_int, as_real, as_str = c["next"], c["destroy"], c["geom"], c["isnull"], c["int"], c["real"], c["str"]
    empty, flatten, size, to_wkb = c["empty"], c["flatten"], c["size"], c["wkb"]
    columns = list(enumerate(zip(fields, kinds)))
    out = []
    ptr = lyr.ptr
    c["reset"](ptr)
    index = 0
    buf = create_string_buffer(4096)  # reused; grown for a larger geometry
    while True:
        feat = nxt(ptr)
        if not feat:
            break
        try:
            g = geom_of(feat)
            if not g:
                raise FeatureError(_("没有几何"), index=index, path=path)
            if empty(g):
                raise FeatureError(_("几何为空"), index=index, path=path)
            flatten(g)
            length = size(g)
            if length > len(buf):
                buf = create_string_buffer(2 * length)
            to_wkb(g, 1, buf)
            wkb = string_at(buf, length)
            props = {}
            for i, (name, kind) in columns:
                if not isnull(feat, i):
                    props[name] = None
                elif kind == _OFT_INT:
                    props[name] = as_int(feat, i)
                elif kind == _OFT_REAL:
                    props[name] = as_real(feat, i)
                else:
                    props[name] = as_str(feat, i).decode(encoding, "replace")
        finally:
            destroy(feat)
        if convert:
            geom = GEOSGeometry(memoryview(wkb))
            geom.srid = crs if crs != "gcj02" else STORAGE_SRID
            try:
                wkb = bytes(to_storage(geom, crs).wkb)
            except (CRSError, GDALException, Exception) as exc:  # PROJ errors surface as several types
                raise FeatureError(_("坐标转换失败（%(e)s）") % {"e": exc}, index=index, path=path)
        out.append(RawFeature(index, props, wkb))
        index += 1
    _check_wkb(out, path)
    return out


def _check_wkb(features, path):
    """read_features' checks of each geometry, over the whole list at once (shapely): WKB that GEOS
    cannot read (a polygon ring that does not close) and lat/lon swapped or out of range."""
    import shapely

    shapes = shapely.from_wkb([f.wkb for f in features], on_invalid="ignore")
    bounds = shapely.bounds(shapes).tolist()
    for f, shape, extent in zip(features, shapes, bounds):
        if shape is None:
            raise FeatureError(_("几何无法读取（多边形的环是否闭合？）"), index=f.index, path=path)
        try:
            check_lonlat_extent(*extent)
        except CRSError as exc:
            raise FeatureError(str(exc), index=f.index, path=path)


__all__ = ["Feature", "FeatureError", "RawFeature", "promote_multi", "read_features", "read_wkb", "open_layer"]
