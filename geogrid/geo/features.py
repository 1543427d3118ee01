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

from .crs import STORAGE_SRID, CRSError, check_lonlat_geometry, parse_input_crs, to_storage


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


def read_features(path, input_crs=None, layer=0):
    """Yield Feature(index, properties, geom in 4490) for every feature of the file.

    input_crs: 'gcj02', 'EPSG:4326', 'EPSG:4490'… or None to trust the file's own CRS (GeoJSON
    without a crs member is WGS84 by RFC 7946; a file with no CRS at all is taken as CGCS2000).
    Raises FeatureError naming the feature index for a missing, empty or unreadable geometry.
    """
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


__all__ = ["Feature", "FeatureError", "promote_multi", "read_features", "open_layer"]
