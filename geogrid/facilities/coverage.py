"""Service coverage (服务覆盖分析, the "15-minute circle"): for a facility type and a radius, which
level-5 grids — and so which households and people — have such a facility within reach.

Method: AREA SHARE. A grid's share covered is the part of its area within `radius` metres
(straight line) of an open facility of the type: area(grid ∩ union of the facilities' discs) /
area(grid). Households and population covered = the grid's figures × that share, rounded to whole
households and people (residents are taken as spread evenly over the grid; a grid is too small
to know better). A grid is "left uncovered" when any of its households are; "not reached" when
no part of it is within the radius. The nearest facility's distance is from the grid's polygon
(0 when the facility stands in the grid), so a grid is reached exactly when it is ≤ radius.

Distances and areas are in metres in the CGCS2000 3-degree Gauss-Krüger zone of each grid (the
formula of geogrid.geo.crs.gk3_epsg, in SQL; EPSG:4548 for Jinan), not on geography: the discs,
their union and the intersection with the grid are planar operations PostGIS does only on
geometry, and within a zone the projection's scale error is below 0.03 % (0.3 m per km). The
discs are polygons of 64 sides (area 0.16 % short of the circle): grids wholly inside a disc are
tested exactly (ST_DFullyWithin) and count 100 %, only the grids a circle cuts use the polygon.

Everything spatial is ONE SQL statement (COVERAGE_SQL): per grid, a bounding-box prefilter on the
GiST index of facilities (the radius in degrees, widened for latitude) and the metric test; the
nearest facility of a reached grid is its nearest candidate, that of a grid no disc reaches comes
from a KNN search (degrees) whose metric distance bounds a second, exact search. Community rows
(grids summed) come from the same statement; nothing loops over grids in Python. (Before it, a
user's scope is read as the ids of their communities: one small query on admin areas.)
"""
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geogrid.accounts.scope import scope_of
from geogrid.grids.models import AdminArea

from .models import Facility, FacilityType

SEGMENTS = 16  # quarter-circle segments of a disc (64 sides)

# Facilities that count: of the type, open.
_FACILITY = "f.facility_type_id = %(type)s AND f.status = 'open'"
# Degrees that hold `m` metres around a grid: latitude 110 km/°, longitude 111 km·cos(lat)/°, both
# lower bounds of the real lengths (so the box is never too small), at the grid's highest latitude.
_DX = "((%(m)s) / (111000 * cos(radians(LEAST(89, GREATEST(abs(ST_YMin(g.geom)), abs(ST_YMax(g.geom))))))))"
_DY = "((%(m)s) / 110000.0)"


def _box(m):
    return f"ST_Expand(g.geom, {_DX % {'m': m}}, {_DY % {'m': m}})"


COVERAGE_SQL = f"""
WITH g AS MATERIALIZED (
  SELECT g.id, g.code, g.name, g.households, g.population, g.community_id, g.parent_id, g.geom,
         ST_Transform(g.geom, 4534 + (LEAST(GREATEST(3 * round(ST_X(ST_Centroid(g.geom)) / 3), 75), 135)::int - 75) / 3) AS gk
  FROM grids_grid g
  WHERE g.level = 5 AND g.valid_to IS NULL
    AND (%(communities)s::bigint[] IS NULL OR g.community_id = ANY(%(communities)s::bigint[]))
),
-- facilities within the radius of each grid, with their distance: the GiST index on facilities finds
-- the candidates in a box, the metric test (in the grid's zone) keeps those within the radius
near AS MATERIALIZED (
  SELECT g.id, f.id AS fid, f.name, fz, ST_Distance(fz, g.gk) AS d
  FROM g JOIN facilities_facility f ON f.geom && {_box('%(radius)s')}
  CROSS JOIN LATERAL (SELECT ST_Transform(f.geom, ST_SRID(g.gk)) AS fz) t
  WHERE {_FACILITY} AND ST_DWithin(fz, g.gk, %(radius)s)
),
reach AS (
  SELECT n.id, bool_or(ST_DFullyWithin(g.gk, n.fz, %(radius)s)) AS whole, array_agg(n.fz) AS fzs,
         (array_agg(n.fid ORDER BY n.d, n.fid))[1] AS nearest_id, (array_agg(n.name ORDER BY n.d, n.fid))[1] AS nearest_name,
         min(n.d) AS d
  FROM near n JOIN g ON g.id = n.id GROUP BY n.id
),
per_grid AS MATERIALIZED (
  SELECT g.id, g.code, g.name, g.households, g.population, g.community_id, g.parent_id, g.geom,
    CASE
      WHEN r.id IS NULL THEN 0.0
      WHEN r.whole THEN 1.0   -- wholly within one disc: exact, no polygon
      WHEN ST_Area(g.gk) = 0 THEN 0.0
      WHEN cardinality(r.fzs) = 1 THEN LEAST(1.0, ST_Area(ST_Intersection(g.gk, ST_Buffer(r.fzs[1], %(radius)s, {SEGMENTS}))) / ST_Area(g.gk))
      ELSE LEAST(1.0, ST_Area(ST_Intersection(g.gk, ST_Union(ARRAY(
             SELECT ST_Buffer(x, %(radius)s, {SEGMENTS}) FROM unnest(r.fzs) x)))) / ST_Area(g.gk))
    END AS share,
    COALESCE(r.nearest_id, nn.id) AS nearest_id, COALESCE(r.nearest_name, nn.name) AS nearest_name, COALESCE(r.d, nn.d) AS distance
  FROM g
  LEFT JOIN reach r ON r.id = g.id
  -- the nearest facility of a grid no disc reaches (a reached grid's is the nearest in `near`): the
  -- nearest in degrees (KNN on the GiST index) bounds the metric distance, then the exact nearest
  -- in metres among those within that bound. The r.id IS NULL gate skips both for reached grids.
  LEFT JOIN LATERAL (
    SELECT ST_Distance(ST_Transform(f.geom, ST_SRID(g.gk)), g.gk) AS d FROM facilities_facility f
    WHERE r.id IS NULL AND {_FACILITY} ORDER BY f.geom <-> g.geom LIMIT 1) k1 ON true
  LEFT JOIN LATERAL (
    SELECT f.id, f.name, ST_Distance(ST_Transform(f.geom, ST_SRID(g.gk)), g.gk) AS d FROM facilities_facility f
    WHERE r.id IS NULL AND {_FACILITY} AND f.geom && {_box('k1.d + 1')}
    ORDER BY 3, f.id LIMIT 1) nn ON true
),
rows AS (
  SELECT p.*, round(p.households * p.share)::int AS covered_households, round(p.population * p.share)::int AS covered_population
  FROM per_grid p
)
SELECT 'grid' AS kind, r.code, r.name, p4.code AS grid4, c.code AS community_code, c.name AS community, s.name AS street,
       r.households, r.population, r.covered_households, r.covered_population, r.share::float8,
       r.nearest_name, r.distance::float8, 1 AS grids, (r.share = 0)::int AS grids_unreached,
       CASE WHEN %(geometry)s THEN ST_AsGeoJSON(ST_ForcePolygonCCW(ST_Multi(ST_SimplifyPreserveTopology(r.geom, %(simplify)s))), 6) END
FROM rows r JOIN grids_adminarea c ON c.id = r.community_id LEFT JOIN grids_adminarea s ON s.id = c.parent_id
LEFT JOIN grids_grid p4 ON p4.id = r.parent_id
UNION ALL
SELECT 'community', c.code, c.name, NULL, c.code, c.name, s.name,
       sum(r.households)::int, sum(r.population)::int, sum(r.covered_households)::int, sum(r.covered_population)::int,
       CASE WHEN sum(r.households) > 0 THEN sum(r.covered_households)::float8 / sum(r.households) ELSE avg(r.share)::float8 END,
       (array_agg(r.nearest_name ORDER BY r.distance, r.nearest_id))[1], min(r.distance)::float8,
       count(*)::int, count(*) FILTER (WHERE r.share = 0)::int, NULL
FROM rows r JOIN grids_adminarea c ON c.id = r.community_id LEFT JOIN grids_adminarea s ON s.id = c.parent_id
GROUP BY c.id, c.code, c.name, s.name
"""
COLUMNS = ("kind", "code", "name", "grid4", "community_code", "community", "street", "households", "population",
           "covered_households", "covered_population", "share", "nearest", "distance_m", "grids", "grids_unreached", "geometry")
SIMPLIFY_DEGREES = 360 / (256 * 2 ** 15) / 2  # half a pixel at zoom 15, as the statistics map


class CoverageError(ValueError):
    """A request the analysis cannot answer (unknown type, bad radius): a 400 for people."""


@dataclass
class Coverage:
    """The answer: per-grid and per-community rows (dicts), uncovered ones ranked by households."""

    facility_type: FacilityType
    radius_m: float
    grids: list
    communities: list

    @property
    def households(self):
        return sum(r["households"] for r in self.grids)

    @property
    def covered_households(self):
        return sum(r["covered_households"] for r in self.grids)

    @property
    def population(self):
        return sum(r["population"] for r in self.grids)

    @property
    def covered_population(self):
        return sum(r["covered_population"] for r in self.grids)

    @property
    def uncovered_households(self):
        return self.households - self.covered_households

    @property
    def share(self):
        return self.covered_households / self.households if self.households else None

    @staticmethod
    def _ranked(rows):
        left = [r for r in rows if r["uncovered_households"] > 0]
        return sorted(left, key=lambda r: (-r["uncovered_households"], r["code"]))

    def uncovered_grids(self):
        return self._ranked(self.grids)

    def uncovered_communities(self):
        return self._ranked(self.communities)


def default_radius():
    return float(settings.GEOGRID_COVERAGE_RADIUS_M)


def facility_type(code):
    try:
        return FacilityType.objects.get(code=code)
    except FacilityType.DoesNotExist:
        known = "、".join(FacilityType.objects.values_list("code", flat=True))
        raise CoverageError(_("未知设施类型“%(code)s”，可用：%(known)s") % {"code": code, "known": known})


def check_radius(radius):
    try:
        r = float(radius)
    except (TypeError, ValueError):
        raise CoverageError(_("半径须是数字（米）"))
    if not (0 < r <= 50000):
        raise CoverageError(_("半径须在 0 到 50000 米之间（不含 0）"))
    return r


def communities_for(user=None, area=None):
    """Ids of the communities analysed: the user's staff area (None: everything, for commands),
    narrowed to a street or community `area`. None means no restriction."""
    qs = None
    if user is not None:
        tree = scope_of(user).area_tree_q()
        if tree is None:
            return []
        if tree:
            qs = AdminArea.objects.filter(tree, level=AdminArea.Level.COMMUNITY)
    if area is not None:
        qs = qs if qs is not None else AdminArea.objects.filter(level=AdminArea.Level.COMMUNITY)
        if area.level == AdminArea.Level.COMMUNITY:
            qs = qs.filter(pk=area.pk)
        elif area.level == AdminArea.Level.STREET:
            qs = qs.filter(parent=area)
        else:
            qs = qs.filter(parent__parent=area)
    return None if qs is None else list(qs.values_list("pk", flat=True))


def analyse(ftype, radius_m=None, user=None, area=None, geometry=False):
    """The coverage of level-5 grids (current) by open facilities of `ftype` (a FacilityType or its
    code) within radius_m metres (GEOGRID_COVERAGE_RADIUS_M). user: narrow to their staff area (the
    facilities that serve it may stand anywhere); area: a street or community to narrow further.
    geometry: also each grid's polygon as GeoJSON text (for the map)."""
    ftype = ftype if isinstance(ftype, FacilityType) else facility_type(ftype)
    radius = check_radius(default_radius() if radius_m is None else radius_m)
    communities = communities_for(user, area)
    grids, comms = [], []
    if communities != []:
        params = {"type": ftype.code, "radius": radius, "communities": communities, "geometry": geometry,
                  "simplify": SIMPLIFY_DEGREES}
        with transaction.atomic(), connection.cursor() as cur:
            # JIT compiling this plan costs ~2 s and wins nothing (PostGIS functions are not inlined).
            cur.execute("SET LOCAL jit = off")
            cur.execute(COVERAGE_SQL, params)
            for values in cur.fetchall():
                row = dict(zip(COLUMNS, values))
                row["uncovered_households"] = row["households"] - row["covered_households"]
                row["uncovered_population"] = row["population"] - row["covered_population"]
                (grids if row.pop("kind") == "grid" else comms).append(row)
    grids.sort(key=lambda r: r["code"])
    comms.sort(key=lambda r: r["code"])
    return Coverage(ftype, radius, grids, comms)


def facilities_of(ftype):
    """The open facilities of a type (for the map of an analysis)."""
    return Facility.objects.filter(facility_type=ftype, status=Facility.Status.OPEN).only("id", "name", "address", "geom").order_by("name")


# --- presentation: classes, map, tables, exports ------------------------------------------------------
# Share covered (of households; of area where a grid has none): red → green, grey for no households.
CLASSES = (
    # (upper bound of the share, colour, label)
    (0.0, "#d7191c", gettext_lazy("未覆盖")),
    (0.5, "#fdae61", gettext_lazy("覆盖不足一半")),
    (0.9, "#ffffbf", gettext_lazy("覆盖 50%–90%")),
    (0.999999, "#a6d96a", gettext_lazy("覆盖 90% 以上")),
    (1.0, "#1a9641", gettext_lazy("全部覆盖")),
)
NO_HOUSEHOLDS = ("#bdbdbd", gettext_lazy("无住户"))


def legend():
    return [{"color": c, "label": str(label)} for _b, c, label in CLASSES] + [{"color": NO_HOUSEHOLDS[0], "label": str(NO_HOUSEHOLDS[1])}]


def class_of(row):
    if not row["households"]:
        return NO_HOUSEHOLDS[0], str(NO_HOUSEHOLDS[1])
    share = row["share"]
    if share <= 0:
        return CLASSES[0][1], str(CLASSES[0][2])
    for bound, color, label in CLASSES[1:]:
        if share < bound or bound == 1.0:
            return color, str(label)


def geojson(cov):
    """The map of an analysis (dict, RFC 7946): grid features with their figures, colour and class,
    the facilities counted (points), and the legend. Needs analyse(..., geometry=True)."""
    features = []
    for r in cov.grids:
        color, label = class_of(r)
        props = {k: v for k, v in r.items() if k != "geometry"}
        props.update(share_pct=round(100 * r["share"], 1), distance_m=None if r["distance_m"] is None else round(r["distance_m"]),
                     color=color, **{"class": label})
        features.append({"type": "Feature", "id": r["code"], "geometry": json.loads(r["geometry"]), "properties": props})
    facilities = [{"type": "Feature", "id": f.pk, "geometry": {"type": "Point", "coordinates": [round(f.geom.x, 6), round(f.geom.y, 6)]},
                   "properties": {"name": f.name, "address": f.address}} for f in facilities_of(cov.facility_type)]
    return {"type": "FeatureCollection", "features": features, "legend": legend(), "radius_m": cov.radius_m,
            "facility_type": {"code": cov.facility_type.code, "name": cov.facility_type.name, "color": cov.facility_type.color,
                              "icon": cov.facility_type.icon},
            "facilities": {"type": "FeatureCollection", "features": facilities}}


BY_GRID, BY_COMMUNITY = "grid", "community"


def columns(by):
    """[(key, header, kind)] of a table of an analysis: kind text / int / pct / m."""
    head = {
        BY_GRID: [("code", _("五级网格编码"), "text"), ("name", _("五级网格名称"), "text"), ("grid4", _("所属四级网格"), "text"),
                  ("community", _("所属社区"), "text"), ("street", _("所属街道"), "text")],
        BY_COMMUNITY: [("code", _("社区代码"), "text"), ("name", _("社区名称"), "text"), ("street", _("所属街道"), "text"),
                       ("grids", _("五级网格数"), "int"), ("grids_unreached", _("完全未覆盖的网格数"), "int")],
    }[by]
    figures = [("households", _("户数"), "int"), ("covered_households", _("已覆盖户数"), "int"),
               ("uncovered_households", _("未覆盖户数"), "int"), ("share", _("覆盖率（%）"), "pct"),
               ("population", _("人口"), "int"), ("covered_population", _("已覆盖人口"), "int"),
               ("uncovered_population", _("未覆盖人口"), "int")]
    nearest = [("nearest", _("最近设施"), "text"), ("distance_m", _("最近距离（米）"), "m")] if by == BY_GRID else []
    return head + figures + nearest


def cell(row, key, kind):
    v = row.get(key)
    if v is None:
        return None
    if kind == "pct":
        return round(100 * v, 1)
    if kind == "m":
        return round(v)
    return v


def rows_of(cov, by, uncovered_only=False):
    if by == BY_GRID:
        return cov.uncovered_grids() if uncovered_only else cov.grids
    return cov.uncovered_communities() if uncovered_only else cov.communities


def describe(cov):
    """[(label, value)] of what an analysis counted (export headers)."""
    return [(_("设施类型"), cov.facility_type.name), (_("半径（米，直线距离）"), f"{cov.radius_m:g}"),
            (_("计算方法"), _("按网格面积占比：网格在半径内的面积比例 × 户数（人口），四舍五入")),
            (_("计入的设施"), _("运营中的该类设施")),
            (_("户数合计"), cov.households), (_("已覆盖户数"), cov.covered_households), (_("未覆盖户数"), cov.uncovered_households)]


def to_csv(cov, by=BY_COMMUNITY):
    """A table (every grid or community, uncovered first, by households) as CSV with a BOM for Excel."""
    import csv
    import io

    cols = columns(by)
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow([str(label) for _k, label, _kind in cols])
    rows = sorted(rows_of(cov, by), key=lambda r: (-r["uncovered_households"], r["code"]))
    for r in rows:
        w.writerow(["" if cell(r, k, kind) is None else cell(r, k, kind) for k, _l, kind in cols])
    return buf.getvalue()


def to_xlsx(cov, scope_label="", now=None):
    """A workbook (bytes): communities and grids (uncovered first), and a sheet saying what was counted."""
    import io

    from django.utils import timezone
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for by, title in ((BY_COMMUNITY, _("按社区")), (BY_GRID, _("按五级网格"))):
        ws = wb.create_sheet(str(title))
        cols = columns(by)
        ws.append([str(label) for _k, label, _kind in cols])
        for c in ws[1]:
            c.font = Font(bold=True)
        for r in sorted(rows_of(cov, by), key=lambda r: (-r["uncovered_households"], r["code"])):
            ws.append([cell(r, k, kind) for k, _l, kind in cols])
        for i, (_k, label, kind) in enumerate(cols, start=1):
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(30, 2 * len(str(label)) + 2))
            if kind == "pct":
                for (c,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    c.number_format = "0.0"
        ws.freeze_panes = "C2"
    info = wb.create_sheet(str(_("说明")))
    info.append([str(_("服务覆盖分析")), ""])
    info.append([str(_("生成时间")), timezone.localtime(now or timezone.now()).strftime("%Y-%m-%d %H:%M")])
    if scope_label:
        info.append([str(_("分析范围")), scope_label])
    for label, value in describe(cov):
        info.append([str(label), value if isinstance(value, int) else str(value)])
    info.column_dimensions["A"].width = 20
    info.column_dimensions["B"].width = 60
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def circles(cov, facilities):
    """The service circles of the facilities as GeoJSON polygons (64-gons in the facility's
    Gauss-Krüger zone, as the analysis draws them), for the report map."""
    from geogrid.geo.crs import STORAGE_SRID, gk3_epsg

    features = []
    for f in facilities:
        p = f.geom.clone()
        p.transform(gk3_epsg(p.x))
        disc = p.buffer(cov.radius_m, SEGMENTS)
        disc.transform(STORAGE_SRID)
        features.append({"type": "Feature", "geometry": json.loads(disc.json), "properties": {"name": f.name}})
    return {"type": "FeatureCollection", "features": features}


def folium_html(cov, scope_label="", tiles=None, attribution=""):
    """The analysis as a standalone HTML report map (layers.maps: folium, nothing from outside):
    grids coloured by class, the facilities and their circles, a legend. Needs geometry=True."""
    from layers.maps import MapLayer, render_map

    fc = geojson(cov)
    ftype = cov.facility_type
    facilities = list(facilities_of(ftype))
    grid_fields = [("code", _("编码")), ("community", _("所属社区")), ("households", _("户数")),
                   ("covered_households", _("已覆盖户数")), ("uncovered_households", _("未覆盖户数")), ("share_pct", _("覆盖率（%）")),
                   ("nearest", _("最近设施")), ("distance_m", _("最近距离（米）"))]
    grids = {"type": "FeatureCollection", "features": fc["features"]}
    title = _("%(type)s %(r)s 米服务覆盖（%(scope)s）：未覆盖 %(u)s 户 / 共 %(h)s 户") % {
        "type": ftype.name, "r": f"{cov.radius_m:g}", "scope": scope_label or _("全区"), "u": cov.uncovered_households, "h": cov.households}
    layers = [
        MapLayer(grids, title=_("五级网格覆盖率"), color_by="class", colors={c["label"]: c["color"] for c in fc["legend"]},
                 style={"color": "#666666", "weight": 0.6, "fillOpacity": 0.75}, fields=grid_fields, tooltip="name"),
        MapLayer(circles(cov, facilities), title=_("服务半径 %(r)s 米") % {"r": f"{cov.radius_m:g}"},
                 style={"color": ftype.color, "weight": 1, "fill": False, "dashArray": "4 4"}, fields=[("name", _("名称"))]),
        MapLayer(fc["facilities"], title=ftype.name, style={"color": ftype.color, "radius": 6}, fields=[("name", _("名称")), ("address", _("地址"))]),
    ]
    return render_map(layers, title=title, tiles=tiles, attribution=attribution)
