"""OGC API - Features over the layer registry: Part 1 (Core, GeoJSON, HTML, OpenAPI 3.0) and
Part 2 (coordinate reference systems by reference). The views (ogc_views.py) only parse and
render; everything a request means is here, and every items answer is one PostGIS statement
(numberMatched and the page together).

Collections come from the registry: each layer's collection_id() (layers of one model may share a
collection: admin-areas holds the three levels); a login_required layer is a collection only for
signed-in users and holds the rows its get_user_queryset(user) gives them.

Axis order (Part 2: coordinates follow the CRS definition). Stored geometries are EPSG:4490 in
PostGIS's x=lon, y=lat. CRS84 is lon,lat; EPSG:4490 and EPSG:4326 are lat,lon; the CGCS2000
Gauss-Krüger zones (EPSG:4534–4554) are northing,easting. The same order applies to `bbox` given
with `bbox-crs`. PROJ treats CGCS2000 and WGS 84 as the same datum (geo/crs.py), so CRS84 and
EPSG:4326 are the stored numbers, relabelled.
"""
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import get_language

from geogrid.geo.crs import STORAGE_SRID, gk3_epsg

from . import publish, versions
from .registry import registry

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CRS84H = "http://www.opengis.net/def/crs/OGC/0/CRS84h"  # a six-number bbox without bbox-crs (Part 1)
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
# Query parameters of /items other than property filters (Part 1 + Part 2).
ITEM_PARAMS = {"f", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime"}


class OgcError(Exception):
    """An answer other than 200, with the OGC exception body {code, description}."""

    def __init__(self, status, code, description):
        super().__init__(description)
        self.status, self.code, self.description = status, code, description


def bad_request(description):
    return OgcError(400, "InvalidParameterValue", description)


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int  # the PostGIS SRID the numbers are in
    flip: bool  # the CRS's first axis is north (lat or northing): swap PostGIS's x,y
    decimals: int
    degrees: bool


def gk_srid():
    """The Gauss-Krüger zone of the deployment: the one of the map's home (LEAFLET_CONFIG)."""
    return gk3_epsg(settings.LEAFLET_CONFIG.get("DEFAULT_CENTER", (36.55, 117.0))[1])


def supported_crs():
    """Every CRS items can be asked in, CRS84 (the default) first."""
    return [Crs(CRS84, 4326, False, 7, True), Crs(EPSG_URI.format(STORAGE_SRID), STORAGE_SRID, True, 7, True),
            Crs(EPSG_URI.format(4326), 4326, True, 7, True), Crs(EPSG_URI.format(gk_srid()), gk_srid(), True, 3, False)]


def parse_crs(value, param):
    """The Crs a `crs` / `bbox-crs` value names (a URI; "EPSG:4490", "[EPSG:4490]" and "CRS84"
    are taken too), CRS84 when absent; 400 otherwise."""
    if not value:
        return supported_crs()[0]
    text = value.strip().strip("[]")
    for crs in supported_crs():
        short = "CRS84" if crs.uri == CRS84 else f"EPSG:{crs.srid}"
        if text in (crs.uri, short, f"OGC:{short}", crs.uri.replace("http://", "https://")):
            return crs
    raise bad_request(_("不支持的坐标参考系 %(param)s=%(value)s；可用：%(list)s") % {
        "param": param, "value": value, "list": ", ".join(c.uri for c in supported_crs())})


def parse_bbox(value, crs, three_d=False):
    """(sql, params) of the 4490 polygon a bbox names in `crs` (axis order as the CRS says).
    three_d: six numbers in CRS84h (lon, lat, height; Part 1 for a bbox of six numbers without
    bbox-crs): the features have no height, so the box's horizontal part selects them."""
    try:
        nums = [float(v) for v in value.split(",")]
    except ValueError:
        raise bad_request(_("bbox 应为逗号分隔的四个数字")) from None
    if len(nums) == 6 and not three_d:
        raise bad_request(_("六个数字的 bbox 只用于 CRS84h（经度,纬度,椭球高），该 bbox-crs 是二维的，请给出四个数字"))
    if three_d and len(nums) != 6:
        raise bad_request(_("CRS84h 的 bbox 应为六个数字：经度,纬度,最低高度,经度,纬度,最高高度"))
    if len(nums) not in (4, 6) or not all(math.isfinite(v) for v in nums):
        raise bad_request(_("bbox 应为逗号分隔的四个数字"))
    if len(nums) == 6:
        if nums[2] > nums[5]:
            raise bad_request(_("bbox 的最小值应小于最大值（按该坐标系的轴顺序：%(axes)s）") % {"axes": axes_text(crs)})
        nums = [nums[0], nums[1], nums[3], nums[4]]
    a0, b0, a1, b1 = nums
    x0, y0, x1, y1 = (b0, a0, b1, a1) if crs.flip else (a0, b0, a1, b1)  # -> east, north order
    if not (x0 < x1 and y0 < y1):
        raise bad_request(_("bbox 的最小值应小于最大值（按该坐标系的轴顺序：%(axes)s）") % {"axes": axes_text(crs)})
    if crs.degrees:
        if not (-180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90):
            raise bad_request(_("bbox 超出经纬度范围（按该坐标系的轴顺序：%(axes)s）") % {"axes": axes_text(crs)})
        return f"ST_MakeEnvelope(%s, %s, %s, %s, {STORAGE_SRID})", [x0, y0, x1, y1]
    # Projected: the rectangle's edges are curves in degrees; 50 m segments keep them close.
    return f"ST_Transform(ST_Segmentize(ST_MakeEnvelope(%s, %s, %s, %s, {crs.srid}), 50), {STORAGE_SRID})", [x0, y0, x1, y1]


_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$")


def _instant(text):
    """An RFC 3339 date-time (or a full date) as a comparable aware datetime, or 400."""
    if not _DATE_TIME.match(text):
        raise ValueError(text)
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), datetime.min.time()).astimezone()
    return datetime.fromisoformat(text.upper().replace("Z", "+00:00").replace(" ", "T"))


def parse_datetime(value):
    """Part 1's `datetime`: an instant or an interval ("a/b", ".." or empty for an open end),
    checked (400 when malformed or backwards). No collection here has a temporal geometry, and
    Part 1 says the parameter then matches every feature: it selects nothing away."""
    try:
        if "/" in value:
            start, end = value.split("/", 1)
            a, b = [None if part in ("", "..") else _instant(part) for part in (start, end)]
            if a is None and b is None:
                raise ValueError(value)
            if a and b and a > b:
                raise bad_request(_("datetime 区间的开始晚于结束：%(value)s") % {"value": value})
        else:
            _instant(value)
    except ValueError:
        raise bad_request(_("datetime 应为 RFC 3339 时间（如 2024-05-01T08:00:00Z）或以 / 分隔的区间，开放的一端写 ..")) from None


def axes_text(crs):
    if crs.uri == CRS84:
        return _("经度,纬度")
    return _("纬度,经度") if crs.degrees else _("北坐标,东坐标")


# --- collections ------------------------------------------------------------------------------
class Collection:
    def __init__(self, cid, layers):
        self.id, self.layers, self.layer = cid, layers, layers[0]
        self.login_required = any(layer.login_required for layer in layers)

    @property
    def title(self):
        return str(self.layer.collection_title or self.layer.title)

    @property
    def description(self):
        return str(self.layer.description or "")

    def queryset(self, user):
        qs = [layer.get_user_queryset(user) if layer.login_required else layer.get_queryset() for layer in self.layers]
        return reduce(or_, qs)

    def property_keys(self):
        return [key for key, _expr, _label in self.layer.property_columns()]

    def filter_keys(self):
        """Published properties a query may filter on (stored values, not display labels)."""
        cols = self.layer.property_columns()
        keys = {k for k, _e, _l in cols}
        return [k for k, _e, _l in cols if not (k.endswith("_display") and k.removesuffix("_display") in keys)]


def collections(user):
    """{id: Collection} this user may read, in registry order."""
    grouped = {}
    for layer in registry:
        if layer.visible_to(user):
            grouped.setdefault(layer.collection_id(), []).append(layer)
    return {cid: Collection(cid, layers) for cid, layers in grouped.items()}


def get_collection(user, cid):
    found = collections(user).get(cid)
    if found is None:
        raise OgcError(404, "NotFound", _("没有名为“%(id)s”的数据集") % {"id": cid})
    return found


def extents(cols):
    """{collection id: [w, s, e, n] or None} in CRS84 (login_required layers have none)."""
    known = versions.cached_extents([layer for c in cols for layer in c.layers])
    result = {}
    for c in cols:
        boxes = [known[layer.name] for layer in c.layers if known.get(layer.name)]
        result[c.id] = ([min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]
                        if boxes else None)
    return result


# --- items ------------------------------------------------------------------------------------
def _geometry_sql(crs, column):
    if crs.uri == CRS84:  # RFC 7946 as well: exterior rings counterclockwise
        return f"ST_AsGeoJSON(ST_ForcePolygonCCW({column}), {crs.decimals}, 0)"
    geom = column if crs.srid in (STORAGE_SRID, 4326) else f"ST_Transform({column}, {crs.srid})"
    return f"ST_AsGeoJSON({'ST_FlipCoordinates(' + geom + ')' if crs.flip else geom}, {crs.decimals}, 0)"


def _feature_sql(collection, crs, alias="r"):
    keys = collection.property_keys()
    props = ", ".join(f"%s, {alias}.p{i}" for i in range(len(keys)))
    geom = _geometry_sql(crs, f"{alias}.gg_geom")
    return (f"json_build_object('type', 'Feature', 'id', {alias}.gg_id, 'geometry', {geom}::json, "
            f"'properties', json_build_object({props}))"), keys


@dataclass
class ItemsQuery:
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    crs: Crs = None
    bbox: tuple = None  # (sql, params) of a 4490 polygon
    filters: dict = None  # property key -> value (text)


def parse_items_query(collection, params):
    """An ItemsQuery from the request's query parameters; 400 for anything it cannot honour."""
    filter_keys = collection.filter_keys()
    unknown = [k for k in params if k not in ITEM_PARAMS and k not in filter_keys]
    if unknown:
        raise bad_request(_("未知的查询参数：%(names)s；可按这些属性筛选：%(keys)s") % {
            "names": ", ".join(unknown), "keys": ", ".join(filter_keys)})
    q = ItemsQuery(crs=parse_crs(params.get("crs"), "crs"))
    for name, low, high in (("limit", 1, None), ("offset", 0, None)):
        if name in params:
            try:
                value = int(params[name])
            except ValueError:
                raise bad_request(_("%(name)s 应为整数") % {"name": name}) from None
            if value < low:
                raise bad_request(_("%(name)s 不能小于 %(low)s") % {"name": name, "low": low})
            setattr(q, name, value)
    q.limit = min(q.limit, MAX_LIMIT)  # Part 1: a larger limit is not an error, the server's maximum applies
    three_d = params.get("bbox-crs", "").strip().strip("[]") in (CRS84H, "CRS84h", "OGC:CRS84h")
    bbox_crs = supported_crs()[0] if three_d else parse_crs(params.get("bbox-crs"), "bbox-crs")
    if params.get("bbox"):
        three_d = three_d or (not params.get("bbox-crs") and len(params["bbox"].split(",")) == 6)
        q.bbox = parse_bbox(params["bbox"], bbox_crs, three_d)
    if "datetime" in params:
        parse_datetime(params["datetime"])
    q.filters = {k: params[k] for k in filter_keys if k in params}
    return q


_compiled = {}  # (collection, language, layer versions) -> its rows and their count, compiled


def _rows_sql(collection, user, vers):
    """(rows sql, params, keys, count sql, count params) of the collection's rows. For a public
    collection compiled once per language and version of its layers, as tiles are (publish._tile_rows_sql):
    the ORM's compilation cost more than the page's statement at limit 100."""
    def compile_():
        inner, params, keys = publish._columns_sql(collection.layer, collection.queryset(user))
        cqs = collection.queryset(user).order_by().values(collection.layer.geom_field)
        cqs.query.subquery = True
        count_inner, count_params = cqs.query.sql_with_params()
        return inner, params, keys, count_inner, count_params

    if collection.login_required or len(vers) < len(collection.layers):
        return compile_()
    key = (collection.id, get_language(), tuple(sorted(vers.items())))
    found = _compiled.get(key)
    if found is None:
        if len(_compiled) > 200:
            _compiled.clear()
        found = _compiled[key] = compile_()
    return found


def items(collection, user, q):
    """(numberMatched, features JSON text) of one page: the layers' versions, then one statement."""
    vers = {} if collection.login_required else versions.versions([layer.name for layer in collection.layers])
    inner, params, keys, count_inner, count_inner_params = _rows_sql(collection, user, vers)
    conds, cond_params = [], []
    if q.bbox:
        sql, bparams = q.bbox
        conds.append(f"ST_Intersects(t.gg_geom, {sql})")
        cond_params += bparams
    for key, value in q.filters.items():
        conds.append(f"t.p{keys.index(key)}::text = %s")
        cond_params.append(value)
    feature, fkeys = _feature_sql(collection, q.crs)
    # numberMatched: without property filters, counted on the bare rows (no joins for published
    # properties of related models: a tenth of the time at 10^5 grids). The whole collection's count
    # is kept under the layer's change counter: counting 10^5 rows on every page cost 30–60 ms.
    count_sql, count_params = "SELECT count(*) FROM rows", []
    count_key = cached = None
    if not q.bbox and not q.filters and vers and len(vers) == len(collection.layers):  # no counter row yet: nothing to key it by
        count_key = f"ogc-count:{collection.id}:{':'.join(str(v) for _n, v in sorted(vers.items()))}"
        cached = versions.tile_cache().get(count_key)
    if cached is not None:
        count_sql, count_params = "SELECT %s::bigint", [cached]
    elif not q.filters:
        geom = collection.layer.geom_field
        count_sql, count_params = f"SELECT count(*) FROM ({count_inner}) c", list(count_inner_params)
        if q.bbox:
            count_sql += f" WHERE ST_Intersects(c.{connection.ops.quote_name(geom)}, {q.bbox[0]})"
            count_params = [*count_params, *q.bbox[1]]
    # With a bbox the GiST index finds the rows first, then they are sorted for the page; without,
    # the page walks the primary key and stops at the limit.
    how = "MATERIALIZED" if q.bbox else "NOT MATERIALIZED"
    sql = f"""
        WITH rows AS {how} (
            SELECT t.* FROM ({inner}) t {"WHERE " + " AND ".join(conds) if conds else ""}
        )
        SELECT ({count_sql}),
               (SELECT COALESCE(json_agg({feature} ORDER BY r.gg_id), '[]'::json)::text
                FROM (SELECT * FROM rows ORDER BY gg_id LIMIT %s OFFSET %s) r)
    """
    with connection.cursor() as cur:
        cur.execute(publish.FAST + sql, [*params, *cond_params, *count_params, *fkeys, q.limit, q.offset])
        matched, page = cur.fetchone()
    if count_key and cached is None:
        versions.tile_cache().set(count_key, matched)
    return matched, page


def item(collection, user, fid, crs):
    """The Feature JSON text of one item, or None when it is not there (for this user)."""
    inner, params, _keys = publish._columns_sql(collection.layer, collection.queryset(user).filter(pk=fid))
    feature, fkeys = _feature_sql(collection, crs)
    with connection.cursor() as cur:
        cur.execute(publish.FAST + f"SELECT {feature}::text FROM ({inner}) r", [*fkeys, *params])
        row = cur.fetchone()
    return row[0] if row else None
