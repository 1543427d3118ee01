"""Turn a registered layer into GeoJSON or a Mapbox vector tile, in one PostGIS statement each.

The layer's queryset (ORM: its row rules and property columns) is compiled to SQL and wrapped:
PostGIS builds the JSON text (ST_AsGeoJSON) or the tile (ST_AsMVT), so Python never touches a
geometry and ~10³ polygons come out in milliseconds.
"""
import json
import math

from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import F
from django.utils.translation import get_language, gettext as _

from geogrid.geo.crs import STORAGE_SRID

GEOJSON_DECIMALS = 6  # ~0.1 m: finer than any survey these layers come from
TILE_EXTENT = 4096
TILE_BUFFER = 64
MAX_ZOOM = 22

_ID = "gg_id"
_GEOM = "gg_geom"


class PublishError(ValueError):
    """A request that cannot be answered as asked (bad bbox, tile out of range)."""


def parse_bbox(text):
    """'minlon,minlat,maxlon,maxlat' (EPSG:4326/4490) -> Polygon, or None when absent."""
    if not text:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in text.split(","))
    except ValueError:
        raise PublishError(_("bbox 应为 minlon,minlat,maxlon,maxlat 四个数字")) from None
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)) or not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise PublishError(_("bbox 超出范围或最小值不小于最大值（经度 -180~180，纬度 -90~90）"))
    return Polygon.from_bbox((x0, y0, x1, y1))


def check_tile(z, x, y):
    if not (0 <= z <= MAX_ZOOM):
        raise PublishError(_("缩放级别 z 应在 0~%(max)s 之间") % {"max": MAX_ZOOM})
    n = 1 << z
    if not (0 <= x < n and 0 <= y < n):
        raise PublishError(_("第 %(z)s 级瓦片的 x、y 应在 0~%(max)s 之间") % {"z": z, "max": n - 1})


def _columns_sql(layer, queryset):
    """The layer's rows as (sql, params, keys): id, geometry and one aliased column per property."""
    cols = layer.property_columns()
    aliases = {f"p{i}": expr for i, (_, expr, _) in enumerate(cols)}
    qs = queryset.annotate(**{_ID: F("pk"), _GEOM: F(layer.geom_field)}, **aliases)
    qs = qs.values(_ID, _GEOM, *aliases).order_by()
    # Compiled as the subquery it becomes: the geometry stays a geometry (and the GiST index
    # usable). As a top-level query, GeoDjango on psycopg2 would select it as geom::bytea.
    qs.query.subquery = True
    sql, params = qs.query.sql_with_params()
    keys = [key for key, _, _ in cols]
    return sql, params, keys


# Prefixed to the short reads of a request (tiles, items, clicks, search): PostgreSQL's JIT compiler
# (~50 ms) and parallel workers' start-up cost more than these statements' work, which the
# planner's high estimate for the PostGIS functions would otherwise buy. In one query string the
# two SETs and the SELECT run as one implicit transaction, so SET LOCAL ends with it.
FAST = "SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0; "


def _quote(name):
    return connection.ops.quote_name(name)


def geojson(layer, bbox=None, queryset=None):
    """An RFC 7946 FeatureCollection (text) of the layer, optionally only features meeting bbox.
    `queryset` (of the layer's model) replaces the layer's rows, e.g. a filtered selection."""
    qs = layer.get_queryset() if queryset is None else queryset
    if bbox is not None:
        bbox.srid = STORAGE_SRID  # CGCS2000 and WGS84 coincide at this accuracy (see geo/crs.py)
        qs = qs.filter(**{f"{layer.geom_field}__intersects": bbox})
    inner, params, keys = _columns_sql(layer, qs)
    props = ", ".join(f"%s, t.p{i}" for i in range(len(keys)))
    # SetSRID, not Transform: 4490 and 4326 are the same datum here (PROJ agrees), and options=0
    # keeps the legacy "crs" member out; RFC 7946 also wants exterior rings counterclockwise.
    sql = f"""
        SELECT json_build_object(
            'type', 'FeatureCollection',
            'features', COALESCE(json_agg(json_build_object(
                'type', 'Feature',
                'id', t.{_ID},
                'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(ST_SetSRID(t.{_GEOM}, 4326)), {GEOJSON_DECIMALS}, 0)::json,
                'properties', json_build_object({props})
            ) ORDER BY t.{_ID}), '[]'::json)
        )::text
        FROM ({inner}) t
    """
    with connection.cursor() as cur:
        cur.execute(sql, [*keys, *params])
        return cur.fetchone()[0]


EARTH_CIRCUMFERENCE = 2 * math.pi * 6378137  # EPSG:3857 world width in metres
MIN_FEATURE_PX = 3  # lines and polygons smaller than this (both ways, in 256-px tile pixels) are left out


def tile_lonlat_bounds(z, x, y):
    """(west, south, east, north) in degrees of tile z/x/y (XYZ scheme, as Leaflet asks)."""
    n = 1 << z

    def lat(row):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def layer_extents(layers):
    """[(west, south, east, north, count) or None] of all the rows of each layer: one query."""
    parts, params = [], []
    for i, layer in enumerate(layers):
        qs = layer.get_queryset().order_by().values(layer.geom_field)
        qs.query.subquery = True  # the geometry stays a geometry (see _columns_sql)
        inner, p = qs.query.sql_with_params()
        parts.append(f"SELECT {i} AS i, ST_Extent(t.{_quote(layer.geom_field)}) AS e, count(*) AS n FROM ({inner}) t")
        params += p
    if not parts:
        return []
    with connection.cursor() as cur:
        cur.execute(f"SELECT i, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), n FROM ({' UNION ALL '.join(parts)}) x", params)
        rows = {row[0]: row[1:] for row in cur.fetchall()}
    return [None if rows.get(i, (None,))[0] is None else tuple(rows[i]) for i in range(len(layers))]


def layer_extent(layer):
    """(west, south, east, north, count) of all the layer's rows, or None when it has none."""
    return layer_extents([layer])[0]


def tile_misses(extent, z, x, y):
    """True when tile z/x/y (with its buffer) cannot hold a feature of a layer of this extent."""
    if extent is None:
        return True
    w, s, e, n = tile_lonlat_bounds(z, x, y)
    pad_x, pad_y = (e - w) * TILE_BUFFER / TILE_EXTENT, (n - s) * TILE_BUFFER / TILE_EXTENT
    return extent[0] > e + pad_x or extent[2] < w - pad_x or extent[1] > n + pad_y or extent[3] < s - pad_y


_compiled = {}  # (layer, version, language) -> the compiled rows of a layer's tiles


def _tile_rows_sql(layer, z, x, y, queryset, version):
    """_columns_sql of the tile's rows. With the layer's version (public layers, as the tile view
    asks) and no get_tile_queryset of its own, compiled once per version and language: the ORM's
    compilation cost ~1 ms a tile (10⁵ grids: a quarter of an uncached tile in process). The
    rows of a version are fixed (the tile store keeps its tiles for good on that same rule);
    the language is in the key for the choice labels among the parameters."""
    from .registry import Layer

    if queryset is not None or version is None or type(layer).get_tile_queryset is not Layer.get_tile_queryset:
        return _columns_sql(layer, layer.get_tile_queryset(z, x, y) if queryset is None else queryset)
    key = (layer.name, version, get_language())
    found = _compiled.get(key)
    if found is None:
        if len(_compiled) > 200:
            _compiled.clear()
        found = _compiled[key] = _columns_sql(layer, layer.get_queryset())
    return found


def tile(layer, z, x, y, queryset=None, version=None):
    """The Mapbox vector tile (bytes, possibly empty) of the layer at z/x/y, in EPSG:3857.

    Lines and polygons are simplified to one unit of the tile grid (4096 per tile side) before
    clipping: nothing visible is lost at that zoom, and a district outline at z8 is a few dozen
    vertices instead of thousands. Per-zoom thinning of rows is the layer's get_tile_queryset;
    `queryset` replaces it (a user's rows of a login_required layer). `version`, the layer's
    current version, lets the compiled rows be reused (_tile_rows_sql).
    """
    check_tile(z, x, y)
    if z < layer.min_zoom:
        return b""
    inner, params, keys = _tile_rows_sql(layer, z, x, y, queryset, version)
    props = ", ".join(f"t.p{i} AS {_quote(key)}" for i, key in enumerate(keys))
    # 4490 read as 4326 (the same numbers here, geo/crs.py): PROJ sets up 4326 -> 3857 in a new
    # database session in about a third of the time 4490 -> 3857 takes.
    merc = f"ST_Transform(ST_SetSRID(t.{_GEOM}, 4326), 3857)"
    if layer.geometry_type != "point":
        merc = f"ST_Simplify({merc}, {EARTH_CIRCUMFERENCE / (TILE_EXTENT << z)!r}, true)"
    # The row filter runs on the stored geometry with its GiST index: the tile's lon/lat box plus
    # the buffer, computed here, so the filter needs no PROJ at all.
    w, s_, e, n = tile_lonlat_bounds(z, x, y)
    # (twice the buffer: in degrees the Mercator buffer is not quite linear)
    pad_x, pad_y = 2 * (e - w) * TILE_BUFFER / TILE_EXTENT, 2 * (n - s_) * TILE_BUFFER / TILE_EXTENT
    # Per-zoom thinning: a polygon or line smaller than MIN_FEATURE_PX pixels each way is a speck
    # at this zoom (10^5 small grids at z13 would be megabytes of specks); it appears zooming in.
    thin, thin_params = "", []
    if layer.geometry_type != "point":
        thin = (f" AND GREATEST(ST_XMax(t.{_GEOM}) - ST_XMin(t.{_GEOM}), (ST_YMax(t.{_GEOM}) - ST_YMin(t.{_GEOM})) * %s) >= %s")
        thin_params = [1 / math.cos(math.radians((s_ + n) / 2)), MIN_FEATURE_PX * (e - w) / 256]
    sql = f"""
        SELECT ST_AsMVT(mvt, %s, {TILE_EXTENT}, 'geom', 'fid')
        FROM (
            SELECT ST_AsMVTGeom({merc}, ST_TileEnvelope(%s, %s, %s), {TILE_EXTENT}, {TILE_BUFFER}, true) AS geom,
                   t.{_ID} AS fid{", " + props if props else ""}
            FROM ({inner}) t
            WHERE t.{_GEOM} && ST_MakeEnvelope(%s, %s, %s, %s, {STORAGE_SRID}){thin}
        ) mvt
        WHERE mvt.geom IS NOT NULL
    """
    with connection.cursor() as cur:
        cur.execute(FAST + sql, [layer.name, z, x, y, *params, w - pad_x, s_ - pad_y, e + pad_x, n + pad_y, *thin_params])
        data = cur.fetchone()[0]
    return bytes(data) if data else b""


def _rows_of(layer, user):
    return layer.get_user_queryset(user) if layer.login_required else layer.get_queryset()


def features_at(layers, lon, lat, tolerance, user=None):
    """[(layer, id, properties)]: for each layer, the one feature at lon/lat (polygons containing
    the point, smallest first; lines and points within `tolerance` degrees, nearest first), in
    the order of `layers`. One statement for all layers (the map's click on tiled layers)."""
    parts, params = [], []
    for i, layer in enumerate(layers):
        inner, p, keys = _columns_sql(layer, _rows_of(layer, user))
        props = ", ".join(f"%s, t.p{j}" for j in range(len(keys)))
        pt = f"ST_SetSRID(ST_MakePoint(%s, %s), {STORAGE_SRID})"
        if layer.geometry_type == "polygon":
            test, order, tparams = f"ST_Intersects(t.{_GEOM}, {pt})", f"ST_Area(t.{_GEOM})", [lon, lat]
        else:
            test, order, tparams = f"ST_DWithin(t.{_GEOM}, {pt}, %s)", f"ST_Distance(t.{_GEOM}, {pt})", [lon, lat, tolerance, lon, lat]
        parts.append(f"(SELECT {i} AS i, t.{_ID} AS fid, json_build_object({props})::text AS props FROM ({inner}) t "
                     f"WHERE {test} ORDER BY {order} LIMIT 1)")
        params += [*keys, *p, *tparams]
    if not parts:
        return []
    with connection.cursor() as cur:
        cur.execute(FAST + " UNION ALL ".join(parts), params)
        found = sorted(cur.fetchall())
    return [(layers[i], fid, json.loads(props)) for i, fid, props in found]


def search(layers, text, limit=10, user=None):
    """[(layer, id, properties, [w, s, e, n])] of features whose search fields contain `text`
    (exact matches first), across `layers` in their order: one statement."""
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    parts, params = [], []
    for i, layer in enumerate(layers):
        inner, p, keys = _columns_sql(layer, _rows_of(layer, user))
        fields = [keys.index(f) for f in layer.search_fields if f in keys]
        if not fields:
            continue
        props = ", ".join(f"%s, t.p{j}" for j in range(len(keys)))
        match = " OR ".join(f"t.p{j}::text ILIKE %s" for j in fields)
        exact = " OR ".join(f"t.p{j}::text = %s" for j in fields)
        parts.append(f"(SELECT {i} AS i, (CASE WHEN {exact} THEN 0 ELSE 1 END) AS rank, t.{_ID} AS fid, "
                     f"json_build_object({props})::text AS props, ST_XMin(t.{_GEOM}) AS w, ST_YMin(t.{_GEOM}) AS s, "
                     f"ST_XMax(t.{_GEOM}) AS e, ST_YMax(t.{_GEOM}) AS n FROM ({inner}) t WHERE {match} "
                     f"ORDER BY 2, t.{_ID} LIMIT {int(limit)})")
        params += [*([text] * len(fields)), *keys, *p, *([like] * len(fields))]
    if not parts:
        return []
    with connection.cursor() as cur:
        cur.execute(FAST + f"SELECT * FROM ({' UNION ALL '.join(parts)}) x ORDER BY rank, i, fid LIMIT {int(limit)}", params)
        found = cur.fetchall()
    return [(layers[i], fid, json.loads(props), [w, s, e, n]) for i, _rank, fid, props, w, s, e, n in found]


def features_by_id(layer, ids, user=None):
    """[(id, properties, [w, s, e, n])] of these rows of the layer (that the user may see), in
    the order of `ids`: one statement (the map's search, for ids an app's own search found)."""
    if not ids:
        return []
    inner, p, keys = _columns_sql(layer, _rows_of(layer, user).filter(pk__in=list(ids)))
    props = ", ".join(f"%s, t.p{j}" for j in range(len(keys)))
    with connection.cursor() as cur:
        cur.execute(f"SELECT t.{_ID}, json_build_object({props})::text, ST_XMin(t.{_GEOM}), ST_YMin(t.{_GEOM}), "
                    f"ST_XMax(t.{_GEOM}), ST_YMax(t.{_GEOM}) FROM ({inner}) t", [*keys, *p])
        rows = {fid: (fid, json.loads(pr), [w, s_, e, n]) for fid, pr, w, s_, e, n in cur.fetchall()}
    return [rows[i] for i in ids if i in rows]
