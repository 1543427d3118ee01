"""Incident statistics (事件统计) per level-5 grid, level-4 grid, community and street, for the staff
who read them.

Scope: the cases of the user's staff area among those the user may see (visible_incidents ∩ the
area): a community staff member's figures cover their community only; their own reports elsewhere
do not count. Grid members and other roles get no statistics.

Figures of a group (L5 grid code, L4 grid code, community, street), all counted by PostgreSQL in
one grouped query:
- total, open, closed, rejected, and counts by category and by state;
- overdue_open: open cases whose current stage deadline has passed (now);
- closed_on_time / on_time_rate: closed cases none of whose stages ended after its deadline
  (Incident.overdue_stages, counted by the transitions), over all closed cases;
- avg_handling_h: mean hours from report to closing, over closed cases;
- rate_per_1000: cases per 1 000 residents, where the population is known (grids of either level:
  their own; communities and streets: the sum of their current level-4 grids);
- evaluated, dissatisfied, satisfaction_rate (综合评价): cases with an evaluation (their latest one
  counts; a first "dissatisfied" stands while the case is handled again), those dissatisfied, and
  satisfied + basically satisfied over evaluated, in per cent.

Grids are grouped by CODE, so the cases of every version of a redrawn grid add up in one row.
"""
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.gis.db.models.functions import AsGeoJSON, GeomOutputGeoFunc, Transform
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geogrid.accounts.roles import STAFF_ROLES
from geogrid.accounts.scope import scope_of
from geogrid.geo.crs import WEB_SRID
from geogrid.grids.models import AdminArea, Grid
from geogrid.incidents.models import Incident, IncidentCategory, Satisfaction
from geogrid.incidents.permissions import visible_incidents
from geogrid.incidents.services import SATISFIED

S = Incident.State
BY_GRID, BY_GRID5, BY_COMMUNITY, BY_STREET = "grid", "grid5", "community", "street"  # "grid": level 4
COUNT, RATE = "count", "rate"
NO_GRID = ""  # the group key of cases that fell in no grid of the grouping's level

# ColorBrewer YlOrRd, 5 classes; zero and "no data" get their own neutral colours.
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
ZERO_COLOR = "#f2f2f2"
NO_DATA_COLOR = "#bdbdbd"
# Geometry simplification for the map: half a screen pixel at zoom 15 (~4 m), invisible there and
# at every smaller scale the district is read at, and it cuts the vertices of drawn boundaries.
SIMPLIFY_DEGREES = 360 / (256 * 2 ** 15) / 2
GEOJSON_DECIMALS = 6  # ~0.1 m


@dataclass(frozen=True)
class StatsFilter:
    """What to count: reported_at within [date_from, date_to] (local dates, inclusive), one category,
    one 五办 mode, one street, one community. None/"" means no restriction."""

    date_from: date | None = None
    date_to: date | None = None
    category: IncidentCategory | None = None
    mode: str = ""
    street: AdminArea | None = None
    community: AdminArea | None = None


class SimplifyPreserveTopology(GeomOutputGeoFunc):
    function = "ST_SimplifyPreserveTopology"


class Multi(GeomOutputGeoFunc):
    """Simplifying a one-part MultiPolygon gives a Polygon (GEOS): keep the stored type."""

    function = "ST_Multi"


class ForcePolygonCCW(GeomOutputGeoFunc):
    """RFC 7946: exterior rings counterclockwise."""

    function = "ST_ForcePolygonCCW"


# --- scope -----------------------------------------------------------------------------------------
def may_read_stats(user):
    return scope_of(user).has_role(*STAFF_ROLES)


def _require_scope(user):
    """The Q (on Incident) of the user's staff area; PermissionDenied (403) without one."""
    if not may_read_stats(user):
        raise PermissionDenied(_("事件统计仅供社区工作人员、街道调度员和区级管理员查看"))
    q = scope_of(user).area_q("community", "street")
    if q is None:
        raise PermissionDenied(_("您的账号没有设置所属辖区，无法查看统计，请联系管理员"))
    return q


def communities_in_scope(user, f=StatsFilter()):
    """The communities the user's statistics cover (and the filter keeps), by code."""
    _require_scope(user)
    qs = AdminArea.objects.filter(level=AdminArea.Level.COMMUNITY).filter(scope_of(user).area_tree_q())
    if f.street is not None:
        qs = qs.filter(parent=f.street)
    if f.community is not None:
        qs = qs.filter(pk=f.community.pk)
    return qs.order_by("code")


def streets_in_scope(user, f=StatsFilter()):
    return AdminArea.objects.filter(level=AdminArea.Level.STREET, children__in=communities_in_scope(user, f)).distinct().order_by("code")


def day_start(d):
    """The local midnight starting date d, as an aware datetime."""
    return timezone.make_aware(datetime.combine(d, time.min))


def scoped_incidents(user, f=StatsFilter()):
    """The cases the statistics count for this user and filter."""
    qs = visible_incidents(user).filter(_require_scope(user))
    if f.date_from is not None:
        qs = qs.filter(reported_at__gte=day_start(f.date_from))
    if f.date_to is not None:
        qs = qs.filter(reported_at__lt=day_start(f.date_to + timedelta(days=1)))
    if f.category is not None:
        qs = qs.filter(category=f.category)
    if f.mode:
        qs = qs.filter(mode=f.mode)
    if f.street is not None:
        qs = qs.filter(street=f.street)
    if f.community is not None:
        qs = qs.filter(community=f.community)
    return qs


# --- the figures -------------------------------------------------------------------------------------
def categories():
    """The category columns: every category, in their order (inactive ones keep old cases)."""
    return list(IncidentCategory.objects.order_by("order", "code"))


def _aggregates(cats, now):
    closed = Q(state=S.CLOSED)
    opened = Q(state__in=Incident.OPEN_STATES)
    handling = ExpressionWrapper(F("closed_at") - F("reported_at"), output_field=DurationField())
    out = {
        "total": Count("id"),
        "open": Count("id", filter=opened),
        "closed": Count("id", filter=closed),
        "overdue_open": Count("id", filter=opened & Q(deadline__lt=now)),
        "closed_on_time": Count("id", filter=closed & Q(overdue_stages=0)),
        "avg_handling": Avg(handling, filter=closed & Q(closed_at__isnull=False)),
        "evaluated": Count("id", filter=~Q(satisfaction="")),
        "satisfied": Count("id", filter=Q(satisfaction__in=SATISFIED)),
        "dissatisfied": Count("id", filter=Q(satisfaction=Satisfaction.DISSATISFIED)),
    }
    out.update({f"s_{state}": Count("id", filter=Q(state=state)) for state in S.values})
    out.update({f"c_{c.pk}": Count("id", filter=Q(category_id=c.pk)) for c in cats})
    return out


def _figures(agg, cats, population=0):
    """A row's figures from an aggregate dict (or None: no cases)."""
    agg = agg or {}
    total, closed = agg.get("total", 0), agg.get("closed", 0)
    on_time = agg.get("closed_on_time", 0)
    avg = agg.get("avg_handling")
    evaluated, satisfied = agg.get("evaluated", 0), agg.get("satisfied", 0)
    return {
        "total": total,
        "open": agg.get("open", 0),
        "closed": closed,
        "rejected": agg.get(f"s_{S.REJECTED}", 0),
        "overdue_open": agg.get("overdue_open", 0),
        "closed_on_time": on_time,
        "on_time_rate": round(100.0 * on_time / closed, 1) if closed else None,
        "avg_handling_h": round(avg.total_seconds() / 3600, 1) if avg is not None else None,
        "evaluated": evaluated,
        "dissatisfied": agg.get("dissatisfied", 0),
        "satisfaction_rate": round(100.0 * satisfied / evaluated, 1) if evaluated else None,
        "population": population or 0,
        "rate_per_1000": round(1000.0 * total / population, 2) if population else None,
        "by_category": {c.code: agg.get(f"c_{c.pk}", 0) for c in cats},
        "by_state": {state: agg.get(f"s_{state}", 0) for state in S.values},
    }


def _grouped(qs, key, cats, now):
    return {row[key]: row for row in qs.values(key).annotate(**_aggregates(cats, now)).order_by()}


def summary(user, f=StatsFilter(), now=None, cats=None):
    """The figures of all the cases the user's statistics cover (one query)."""
    cats = categories() if cats is None else cats
    agg = scoped_incidents(user, f).aggregate(**_aggregates(cats, now or timezone.now()))
    pop = Grid.objects.current().filter(level=4, community__in=communities_in_scope(user, f)).aggregate(p=Sum("population"))["p"]
    return _figures(agg, cats, pop or 0)


def _latest_grids(level, codes_q):
    """One row per grid code of a level: its newest version (the current one, or the last before it
    retired)."""
    return Grid.objects.filter(level=level).filter(codes_q).order_by("code", "-version").distinct("code")


def _grid_rows(user, level, f, now, cats):
    """One row per grid code of a level in the user's scope (grids without cases too), plus a row
    for cases outside every grid of that level when there are any; ordered by code. The cases of
    every version of a code add up; the newest version names the row and gives its population."""
    groups = _grouped(scoped_incidents(user, f), f"grid{level}__code", cats, now or timezone.now())
    in_scope = Q(valid_to__isnull=True, community__in=communities_in_scope(user, f))
    related = ("community__parent", "parent") if level == 5 else ("community__parent",)
    grids = _latest_grids(level, in_scope | Q(code__in=[c for c in groups if c])).select_related(*related)
    rows = []
    for g in grids:
        rows.append({
            "key": g.code, "code": g.code, "name": g.name, "kind": g.get_kind_display(),
            **({"grid4": g.parent.name, "grid4_code": g.parent.code} if level == 5 else {}),
            "community": g.community.name, "community_code": g.community.code, "street": g.community.parent.name,
            "current": g.valid_to is None, **_figures(groups.get(g.code), cats, g.population),
        })
    if groups.get(None):
        outside = _("（未落入四级网格）") if level == 4 else _("（未落入五级网格）")
        rows.append({"key": NO_GRID, "code": "", "name": outside, "kind": "", **({"grid4": "", "grid4_code": ""} if level == 5 else {}),
                     "community": "", "community_code": "", "street": "", "current": True, **_figures(groups[None], cats)})
    return rows


def grid_stats(user, f=StatsFilter(), now=None, cats=None):
    """One row per level-4 grid code in the user's scope (see _grid_rows)."""
    return _grid_rows(user, 4, f, now, categories() if cats is None else cats)


def grid5_stats(user, f=StatsFilter(), now=None, cats=None):
    """One row per level-5 grid code in the user's scope, with its level-4 grid (see _grid_rows)."""
    return _grid_rows(user, 5, f, now, categories() if cats is None else cats)


def _community_population(communities):
    return dict(
        Grid.objects.current().filter(level=4, community__in=communities).values("community_id")
        .annotate(p=Sum("population")).values_list("community_id", "p")
    )


def community_stats(user, f=StatsFilter(), now=None, cats=None):
    """One row per community in the user's scope, ordered by code."""
    cats = categories() if cats is None else cats
    groups = _grouped(scoped_incidents(user, f), "community_id", cats, now or timezone.now())
    communities = list(communities_in_scope(user, f).select_related("parent"))
    pop = _community_population(communities)
    rows = [
        {"key": c.code, "code": c.code, "name": c.name, "street": c.parent.name, "area_id": c.pk,
         **_figures(groups.get(c.pk), cats, pop.get(c.pk, 0))}
        for c in communities
    ]
    if groups.get(None):  # a case located in a street but no community
        rows.append({"key": "", "code": "", "name": _("（未落入社区）"), "street": "", "area_id": None, **_figures(groups[None], cats)})
    return rows


def street_stats(user, f=StatsFilter(), now=None, cats=None):
    """One row per street in the user's scope (for community staff: their street, their community's
    cases only), ordered by code."""
    cats = categories() if cats is None else cats
    groups = _grouped(scoped_incidents(user, f), "street_id", cats, now or timezone.now())
    communities = communities_in_scope(user, f)
    street_of = dict(communities.values_list("pk", "parent_id"))
    street_pop = {}
    for c_id, p in _community_population(communities).items():
        street_pop[street_of[c_id]] = street_pop.get(street_of[c_id], 0) + (p or 0)
    return [
        {"key": s.code, "code": s.code, "name": s.name, "area_id": s.pk, **_figures(groups.get(s.pk), cats, street_pop.get(s.pk, 0))}
        for s in streets_in_scope(user, f)
    ]


def group_stats(user, by, f=StatsFilter(), now=None, cats=None):
    fn = {BY_GRID: grid_stats, BY_GRID5: grid5_stats, BY_COMMUNITY: community_stats, BY_STREET: street_stats}[by]
    return fn(user, f, now=now, cats=cats)


# --- the choropleth ------------------------------------------------------------------------------------
def _ceil_to(value, digits):
    factor = 10 ** digits
    return math.ceil(value * factor - 1e-9) / factor


def classes(values, k=5, digits=0):
    """Up to k equal-interval classes over (0, max] of the values (None = no data), for a map.
    Upper bounds are rounded up to `digits` decimals (0: whole cases), so a class never splits
    equal values; zero has its own class. Returns [{"min", "max", "color", "label"}], lowest first."""
    present = [v for v in values if v is not None]
    top = max(present, default=0)
    legend = [{"min": 0, "max": 0, "color": ZERO_COLOR, "label": "0"}]
    bounds = []
    for i in range(1, k + 1):
        b = _ceil_to(top * i / k, digits)
        if b > 0 and (not bounds or b > bounds[-1]):
            bounds.append(b)
    if bounds:
        bounds[-1] = max(bounds[-1], top)
    step = 10 ** -digits
    fmt = "{:.%df}" % digits
    palette = PALETTE if len(bounds) == len(PALETTE) else [PALETTE[round(i * (len(PALETTE) - 1) / max(len(bounds) - 1, 1))]
                                                             for i in range(len(bounds))]
    lo = 0
    for b, color in zip(bounds, palette):
        first = lo + step if digits == 0 else lo
        if digits == 0:
            label = fmt.format(b) if first == b else f"{fmt.format(first)}–{fmt.format(b)}"
        else:
            label = f"{fmt.format(lo)}–{fmt.format(b)}" if lo else f"≤ {fmt.format(b)}"
        legend.append({"min": lo, "max": b, "color": color, "label": label})
        lo = b
    if any(v is None for v in values):
        legend.append({"min": None, "max": None, "color": NO_DATA_COLOR, "label": _("无人口数据")})
    return legend


def class_of(value, legend):
    """The legend entry a value falls in."""
    if value is None:
        return next(c for c in legend if c["max"] is None)
    if value <= 0:
        return legend[0]
    for c in legend[1:]:
        if c["max"] is not None and value <= c["max"]:
            return c
    return legend[-1]


def _geometries(model, pks):
    """{pk: GeoJSON geometry text in EPSG:4326}, simplified for the map, one query."""
    geom = AsGeoJSON(ForcePolygonCCW(Multi(Transform(SimplifyPreserveTopology("geom", SIMPLIFY_DEGREES), WEB_SRID))),
                     precision=GEOJSON_DECIMALS)
    return dict(model.objects.filter(pk__in=pks).annotate(gj=geom).values_list("pk", "gj"))


GRID_LEVEL = {BY_GRID: 4, BY_GRID5: 5}


def choropleth(user, by=BY_GRID, metric=COUNT, f=StatsFilter(), now=None):
    """The map of a grouping: a GeoJSON FeatureCollection (dict, EPSG:4326) whose features carry the
    row's figures plus `value`, `color` and `class`; and its legend. Grid features are the newest
    version of each code; the row of cases outside every grid has no geometry and is left out."""
    import json

    cats = categories()
    rows = group_stats(user, by, f, now=now, cats=cats)
    if by in GRID_LEVEL:
        ids = dict(_latest_grids(GRID_LEVEL[by], Q(code__in=[r["code"] for r in rows if r["code"]])).values_list("code", "pk"))
        model, pk_of = Grid, lambda r: ids.get(r["code"])
    else:
        model, pk_of = AdminArea, lambda r: r["area_id"]
    geoms = _geometries(model, [pk for pk in map(pk_of, rows) if pk])
    value = (lambda r: r["total"]) if metric == COUNT else (lambda r: r["rate_per_1000"])
    drawn = [r for r in rows if geoms.get(pk_of(r))]
    legend = classes([value(r) for r in drawn], digits=0 if metric == COUNT else 1)
    features = []
    for r in drawn:
        v = value(r)
        entry = class_of(v, legend)
        props = {k: v2 for k, v2 in r.items() if k != "area_id"}
        props.update(value=v, color=entry["color"], **{"class": entry["label"]})
        features.append({"type": "Feature", "id": r["key"], "geometry": json.loads(geoms[pk_of(r)]), "properties": props})
    return {"type": "FeatureCollection", "features": features}, legend


# --- the table columns (pages and exports share them) --------------------------------------------------
def columns(by, cats):
    """[(key, Chinese header, kind)] of a grouping's table: kind "text", "int", "float" or "pct"."""
    head = {
        BY_GRID: [("code", _("网格编码"), "text"), ("name", _("网格名称"), "text"), ("community", _("所属社区"), "text"),
                  ("street", _("所属街道"), "text")],
        BY_GRID5: [("code", _("五级网格编码"), "text"), ("name", _("五级网格名称"), "text"), ("grid4", _("所属四级网格"), "text"),
                   ("community", _("所属社区"), "text"), ("street", _("所属街道"), "text")],
        BY_COMMUNITY: [("code", _("社区编码"), "text"), ("name", _("社区名称"), "text"), ("street", _("所属街道"), "text")],
        BY_STREET: [("code", _("街道编码"), "text"), ("name", _("街道名称"), "text")],
    }[by]
    figures = [
        ("total", _("案件总数"), "int"), ("open", _("办理中"), "int"), ("closed", _("已结案"), "int"),
        ("overdue_open", _("超期未结"), "int"), ("closed_on_time", _("按期结案"), "int"),
        ("on_time_rate", _("按期结案率（%）"), "pct"), ("avg_handling_h", _("平均办理时长（小时）"), "float"),
        ("evaluated", _("已评价"), "int"), ("dissatisfied", _("不满意"), "int"), ("satisfaction_rate", _("满意率（%）"), "pct"),
        ("population", _("人口"), "int"), ("rate_per_1000", _("每千人案件数"), "float"),
    ]
    by_cat = [(f"category:{c.code}", _("类别：%(name)s") % {"name": c.name}, "int") for c in cats]
    by_state = [(f"state:{value}", _("状态：%(name)s") % {"name": label}, "int") for value, label in S.choices]
    return head + figures + by_cat + by_state


def cell(row, key):
    """A row's value for a column key of columns()."""
    if key.startswith("category:"):
        return row["by_category"].get(key.split(":", 1)[1], 0)
    if key.startswith("state:"):
        return row["by_state"].get(key.split(":", 1)[1], 0)
    return row.get(key)



# --- exports ---------------------------------------------------------------------------------------------
# Lazy: a sheet title is made in the language of the request, not of the import.
SHEETS = ((BY_GRID, gettext_lazy("按网格")), (BY_GRID5, gettext_lazy("按五级网格")), (BY_COMMUNITY, gettext_lazy("按社区")),
          (BY_STREET, gettext_lazy("按街道")))


def to_csv(user, by=BY_GRID, f=StatsFilter(), now=None):
    """The table of a grouping as CSV text with a BOM, so Excel opens the Chinese right."""
    import csv
    import io

    cats = categories()
    cols = columns(by, cats)
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow([str(label) for _key, label, _kind in cols])
    for row in group_stats(user, by, f, now=now, cats=cats):
        w.writerow(["" if cell(row, key) is None else cell(row, key) for key, _label, _kind in cols])
    return buf.getvalue()


def describe_filter(f):
    """[(label, value)] of the filter, for export headers."""
    return [
        (_("上报日期起"), f.date_from.isoformat() if f.date_from else _("不限")),
        (_("上报日期止"), f.date_to.isoformat() if f.date_to else _("不限")),
        (_("事件类别"), f.category.name if f.category else _("全部")),
        (_("办理方式"), str(dict(Incident.Mode.choices)[f.mode]) if f.mode else _("全部")),
        (_("街道"), f.street.name if f.street else _("全部")),
        (_("社区"), f.community.name if f.community else _("全部")),
    ]


def to_xlsx(user, f=StatsFilter(), now=None):
    """A workbook (bytes): one sheet per grouping (L4 grid, L5 grid, community, street) with a Chinese header row
    and numbers as numbers, and a sheet stating the filter, the scope and when it was made."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    now = now or timezone.now()
    cats = categories()
    wb = Workbook()
    wb.remove(wb.active)
    for by, title in SHEETS:
        ws = wb.create_sheet(str(title))
        cols = columns(by, cats)
        ws.append([str(label) for _key, label, _kind in cols])
        for c in ws[1]:
            c.font = Font(bold=True)
        for row in group_stats(user, by, f, now=now, cats=cats):
            ws.append([cell(row, key) for key, _label, _kind in cols])
        for i, (key, label, kind) in enumerate(cols, start=1):
            letter = get_column_letter(i)
            ws.column_dimensions[letter].width = max(10, min(30, 2 * len(str(label)) + 2))
            if kind in ("float", "pct"):
                for (c,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    c.number_format = "0.0" if kind == "pct" else "0.00"
        ws.freeze_panes = "C2"
    info = wb.create_sheet(str(_("说明")))
    info.append([str(_("事件统计")), ""])
    info.append([str(_("生成时间")), timezone.localtime(now).strftime("%Y-%m-%d %H:%M")])
    info.append([str(_("统计范围")), scope_label(user)])
    for label, value in describe_filter(f):
        info.append([str(label), str(value)])
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 40
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def scope_label(user):
    """The area the user's statistics cover, in words."""
    q = _require_scope(user)
    if not q or user.area is None:
        return str(_("全区"))
    return user.area.name


# --- the folium report map ---------------------------------------------------------------------------------
def _leaflet_assets():
    """django-leaflet's own leaflet.js and leaflet.css, with the CSS images inlined as data: URIs,
    so a saved report map works from disk on a machine without internet."""
    import base64
    import re

    from django.contrib.staticfiles import finders

    js = open(finders.find("leaflet/leaflet.js"), encoding="utf-8").read()
    css_path = finders.find("leaflet/leaflet.css")
    css = open(css_path, encoding="utf-8").read()

    def inline(m):
        found = finders.find("leaflet/" + m.group(1))
        if not found:
            return m.group(0)
        data = base64.b64encode(open(found, "rb").read()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((images/[\w.-]+\.png)\)", inline, css)
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)  # comments (one cites a bug tracker URL)
    return js.replace("</script", "<\\/script"), css


def folium_html(user, by=BY_GRID, metric=COUNT, f=StatsFilter(), now=None, basemap_url="", basemap_attribution=""):
    """A self-contained HTML report map (folium) of the choropleth. folium's page template loads
    Leaflet, jQuery and Bootstrap from CDNs: here nothing is loaded from anywhere — Leaflet is the
    project's own copy inlined — and the only tiles are the configured base map, if any."""
    import folium
    from branca.element import Element
    from django.utils.html import escape

    fc, legend = choropleth(user, by, metric, f, now=now)
    m = folium.Map(location=[36.55, 116.75], zoom_start=12, tiles=None, control_scale=True, prefer_canvas=False)
    m.default_js, m.default_css = [], []  # no CDN links (instance attributes shadow folium's lists)
    js, css = _leaflet_assets()
    root = m.get_root()
    root.header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css")
    root.header.add_child(Element(f"<script>{js}</script>"), name="leaflet_js")
    root.header.add_child(Element("<style>html,body{margin:0;height:100%;font-family:sans-serif}"
                                  ".stats-legend{background:#fff;padding:8px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);"
                                  "font-size:13px;line-height:1.5}.stats-legend i{display:inline-block;width:14px;height:14px;"
                                  "margin-right:6px;vertical-align:-2px;border:1px solid #999}"
                                  ".stats-title{position:absolute;z-index:1000;top:10px;left:60px;background:#fff;padding:6px 10px;"
                                  "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3);font-size:15px}</style>"), name="stats_css")
    if basemap_url:
        folium.TileLayer(tiles=basemap_url, attr=basemap_attribution or " ", name=str(_("底图"))).add_to(m)
    label = {BY_GRID: _("网格"), BY_GRID5: _("五级网格"), BY_COMMUNITY: _("社区"), BY_STREET: _("街道")}[by]
    fields = ["name", "code", "total", "open", "closed", "overdue_open", "on_time_rate", "avg_handling_h", "satisfaction_rate",
              "rate_per_1000"]
    aliases = [str(x) for x in (label, _("编码"), _("案件总数"), _("办理中"), _("已结案"), _("超期未结"), _("按期结案率（%）"),
                                _("平均办理时长（小时）"), _("满意率（%）"), _("每千人案件数"))]
    if by == BY_GRID5:  # the level-4 grid each level-5 grid lies in
        fields.insert(2, "grid4")
        aliases.insert(2, str(_("所属四级网格")))
    if fc["features"]:
        # folium's GeoJsonTooltip/Popup put the values into HTML as they are: names go in escaped.
        shown = {**fc, "features": [{**ft, "properties": {k: escape(v) if isinstance(v, str) else v for k, v in ft["properties"].items()}}
                                    for ft in fc["features"]]}
        layer = folium.GeoJson(
            shown, name=str(label),
            style_function=lambda feat: {"fillColor": feat["properties"]["color"], "color": "#555", "weight": 1, "fillOpacity": 0.75},
            highlight_function=lambda feat: {"weight": 3, "color": "#000"},
            tooltip=folium.GeoJsonTooltip(fields=["name", "total"], aliases=[aliases[0], aliases[fields.index("total")]]),
            popup=folium.GeoJsonPopup(fields=fields, aliases=aliases),
        )
        layer.add_to(m)
        m.fit_bounds(layer.get_bounds())
    metric_label = _("案件数") if metric == COUNT else _("每千人案件数")
    title = _("事件统计（按%(by)s，%(metric)s）") % {"by": label, "metric": metric_label}
    items = "".join(f'<div><i style="background:{c["color"]}"></i>{escape(c["label"])}</div>' for c in legend)
    names = "".join(f"<li>{escape(ft['properties']['name'])}：{ft['properties']['total']}</li>" for ft in fc["features"])
    root.html.add_child(Element(
        f'<div class="stats-title">{escape(title)} · {escape(scope_label(user))}</div>'
        f'<div class="stats-legend" style="position:absolute;z-index:1000;bottom:24px;right:10px">'
        f"<b>{escape(metric_label)}</b>{items}</div>"
        # The names and figures as text too: searchable in the file, readable without JavaScript.
        f'<noscript><ul>{names}</ul></noscript>'
    ))
    root.header.add_child(Element(f"<title>{escape(title)}</title>"), name="title")
    return root.render()
