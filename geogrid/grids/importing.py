"""Importing administrative areas and level-4/5 grids from vector files (GeoJSON, Shapefile,
GeoPackage), all or nothing.

    result = import_areas("streets.gpkg", level="street", input_crs="EPSG:4490")
    result = import_grids("grids_l4.geojson", level=4)

Every file is read through geogrid.geo.features.read_features (the one reader: input CRS, GCJ-02).
One transaction per import: one bad feature and nothing is stored; ImportFailed says which feature
(0-based index, as in FeatureError) and why, in words a person can act on.

Areas are upserted by their 12-digit code (not versioned: an area is corrected in place). Grids are
versioned like MapIt generations: a grid whose polygon changed gets a new row (version + 1) and the
old row is closed (valid_to), so incidents and patrols made earlier keep the version they were made
in; redraw_grid does it, for the import and the admin alike. Features missing from a file are left
alone: an import never deletes.
"""
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from geogrid.audit.services import record
from geogrid.geo.crs import STORAGE_SRID
from geogrid.geo.measure import area_m2_many
from geogrid.geo.features import FeatureError, promote_multi, read_features, read_wkb
from layers.versions import bump_model

from .models import AdminArea, Grid, GridMember, validate_grid_code


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0  # for grids: changed in place, or redrawn as a new version
    unchanged: int = 0
    rows: list = field(default_factory=list)  # (code, name, area_km2), in file order


class ImportFailed(Exception):
    """An import refused as a whole. str() is the message for people; .index is the 0-based
    feature index at fault, or None when the whole file or an option is at fault."""

    def __init__(self, message, index=None, path=None):
        self.index, self.path = index, path
        where = f"{Path(path).name}: " if path else ""
        at = _("第 %(i)s 个要素（feature #%(i)s）: ") % {"i": index} if index is not None else ""
        super().__init__(f"{where}{at}{message}")


AREA_LEVELS = [AdminArea.Level.DISTRICT, AdminArea.Level.STREET, AdminArea.Level.COMMUNITY]
PARENT_LEVEL = {AdminArea.Level.STREET: AdminArea.Level.DISTRICT, AdminArea.Level.COMMUNITY: AdminArea.Level.STREET}


# --- reading ---------------------------------------------------------------------------------

def _read(path, input_crs):
    """All features of the file, or ImportFailed. Read fully before writing so the progress
    callback knows n and a broken file fails before any query."""
    try:
        features = list(read_features(path, input_crs=input_crs))
    except FeatureError as exc:
        # FeatureError already names the file and the feature.
        raise ImportFailed(str(exc), index=exc.index) from exc
    if not features:
        raise ImportFailed(_("文件中没有要素"), path=path)
    return features


def _require_fields(features, path, *names):
    """Refuse a field name the file does not have (a typo in --code-field…), listing what it has."""
    have = set(features[0].properties)
    for name in names:
        if name and name not in have:
            raise ImportFailed(
                _("文件中没有字段 %(f)s；文件的字段有：%(have)s。请用相应的 --…-field 参数指定字段名")
                % {"f": name, "have": "、".join(sorted(have)) or "—"}, path=path)


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a code stored as a real number in a Shapefile/GeoPackage
    return str(value).strip()


def _polygon(feature, path):
    """The feature's geometry as a valid MultiPolygon, or ImportFailed with GEOS's reason."""
    geom = promote_multi(feature.geom)
    if geom.geom_type != "MultiPolygon":
        raise ImportFailed(_("几何类型是 %(t)s，需要面（Polygon/MultiPolygon）") % {"t": feature.geom.geom_type},
                           index=feature.index, path=path)
    if not geom.valid:
        # Refused, not "made valid": a repaired polygon may not be what the surveyor drew.
        raise ImportFailed(_("几何无效：%(r)s。请在 GIS 软件中修复（如 QGIS 的“检查有效性/修复几何”）后重新导入")
                           % {"r": geom.valid_reason}, index=feature.index, path=path)
    return geom


def same_shape(a, b):
    """Identical polygons: vertex for vertex (cheap), else the same point set."""
    return a.equals_exact(b, 1e-9) or a.equals(b)


def _km2(m2):
    return round(m2 / 1e6, 6)


def _tick(progress, i, n):
    if progress is not None:
        progress(i, n)


# --- administrative areas --------------------------------------------------------------------

def _analyze(model, result):
    """Fresh planner statistics after a load that wrote rows: the first lookups after importing a
    city's grids would otherwise be planned as for the tables' old size (autovacuum comes later)."""
    if result.created or result.updated:
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {model._meta.db_table}")


def area_code(value):
    """A 12-digit statistical division code from a 12-, 9- (township) or 6-digit (county, like
    the `adcode` 370113 of web-map data) code, padded with zeros. ValueError otherwise."""
    code = _text(value)
    if not re.fullmatch(r"[0-9]+", code):
        raise ValueError(_("区划代码 %(c)r 不是数字") % {"c": code})
    if len(code) == 6:
        return code + "000000"
    if len(code) == 9:
        return code + "000"
    if len(code) == 12:
        return code
    raise ValueError(_("区划代码 %(c)s 应为 12 位（6 位县级或 9 位乡级代码会补零），实际 %(n)s 位") % {"c": code, "n": len(code)})


def _check_code_level(code, level):
    """The code's own structure must match the level: 6 county + 3 township + 3 community digits."""
    ok = {
        AdminArea.Level.DISTRICT: code[6:] == "000000",
        AdminArea.Level.STREET: code[9:] == "000" and code[6:9] != "000",
        AdminArea.Level.COMMUNITY: code[9:] != "000",
    }[level]
    if not ok:
        raise ValueError(_("区划代码 %(c)s 不是%(level)s级代码（县级后 6 位为 0，乡级后 3 位为 0，村级后 3 位非 0）")
                         % {"c": code, "level": AdminArea.Level(level).label})


def _parent_code(level, code):
    """The code of the area one level up, by prefix: 370190001001 → 370190001000 → 370190000000."""
    return code[:9] + "000" if level == AdminArea.Level.COMMUNITY else code[:6] + "000000"


def import_areas(path, *, level, input_crs=None, code_field="code", name_field="name",
                 parent_code=None, parent_field=None, progress=None) -> ImportResult:
    """Import districts, streets or communities from a vector file.

    The parent of a street or community is `parent_code` (one for all features), else the feature's
    `parent_field`, else derived from its code prefix; it must already be stored, one level up.
    An area with the same code is updated in place (geometry, name, parent); identical ones are
    counted unchanged.
    """
    if level not in AREA_LEVELS:
        raise ImportFailed(_("级别 %(l)r 无效，可用：district、street、community") % {"l": level})
    level = AdminArea.Level(level)
    if level == AdminArea.Level.DISTRICT and (parent_code or parent_field):
        raise ImportFailed(_("区县没有上级区划，请不要指定上级"))
    fixed_parent = None
    if parent_code:
        fixed_parent = _find_parent(level, parent_code, None, path)
    features = _read(path, input_crs)
    _require_fields(features, path, code_field, name_field, parent_field)

    result = ImportResult()
    n = len(features)
    seen = {}
    with transaction.atomic():
        existing = {a.code: a for a in AdminArea.objects.filter(code__in=[_loose_code(f.properties.get(code_field)) for f in features])}
        for i, f in enumerate(features):
            try:
                code = area_code(f.properties.get(code_field))
                _check_code_level(code, level)
            except ValueError as exc:
                raise ImportFailed(str(exc), index=f.index, path=path)
            if code in seen:
                raise ImportFailed(_("区划代码 %(c)s 与第 %(j)s 个要素重复") % {"c": code, "j": seen[code]}, index=f.index, path=path)
            seen[code] = f.index
            name = _text(f.properties.get(name_field))
            if not name:
                raise ImportFailed(_("名称（字段 %(f)s）为空") % {"f": name_field}, index=f.index, path=path)
            geom = _polygon(f, path)
            if level == AdminArea.Level.DISTRICT:
                parent = None
            elif fixed_parent is not None:
                parent = fixed_parent
            else:
                given = _text(f.properties.get(parent_field)) if parent_field else ""
                parent = _find_parent(level, given or _parent_code(level, code), f.index, path)

            area = existing.get(code)
            if area is None:
                area = AdminArea(code=code, name=name, level=level, parent=parent, geom=geom)
                area.save()
                record(area, "import_create", note=Path(path).name, level=level)
                result.created += 1
            elif area.level != level:
                raise ImportFailed(_("区划代码 %(c)s 已作为%(old)s存在，不能改为%(new)s")
                                   % {"c": code, "old": area.get_level_display(), "new": level.label}, index=f.index, path=path)
            elif area.name == name and area.parent_id == (parent.pk if parent else None) and same_shape(area.geom, geom):
                result.unchanged += 1
            else:
                area.name, area.parent, area.geom = name, parent, geom
                area.save()
                record(area, "import_update", note=Path(path).name, level=level)
                result.updated += 1
            result.rows.append((code, name, _km2(area.area_m2)))
            _tick(progress, i + 1, n)
        _analyze(AdminArea, result)
    return result


def _loose_code(value):
    try:
        return area_code(value)
    except ValueError:
        return None


def _find_parent(level, code, index, path):
    want = PARENT_LEVEL[level]
    try:
        code = area_code(code)
    except ValueError as exc:
        raise ImportFailed(_("上级%(e)s") % {"e": exc}, index=index, path=path)
    parent = AdminArea.objects.filter(code=code).first()
    if parent is None:
        raise ImportFailed(_("上级区划 %(c)s 不存在：请先导入%(want)s级区划，或用 --parent-code/--parent-field 指定上级")
                           % {"c": code, "want": want.label}, index=index, path=path)
    if parent.level != want:
        raise ImportFailed(_("上级区划 %(c)s 是%(got)s，需要%(want)s") % {"c": code, "got": parent.get_level_display(), "want": want.label},
                           index=index, path=path)
    return parent


# --- grids -----------------------------------------------------------------------------------

def _choices(choices):
    """{stored value or Chinese label: value} of a choices list ('dedicated' and '专属网格'), the
    first choice winning as in a search in order."""
    found = {}
    with override("zh-hans"):
        for v, label in choices:
            found.setdefault(v, v)
            found.setdefault(str(label), v)
    return found


def _count(value, what, index, path):
    """A non-negative integer field; `what` (a callable) names it in the refusal."""
    if type(value) is int and value >= 0:
        return value
    text = _text(value)
    if text == "":
        return 0
    if not re.fullmatch(r"[0-9]+", text):
        raise ImportFailed(_("%(what)s必须是非负整数，实际为 %(v)r") % {"what": what(), "v": text}, index=index, path=path)
    return int(text)


def import_grids(path, *, level, input_crs=None, code_field="code", name_field="name",
                 parent_field="parent_code", community_field="community_code", kind_field="kind",
                 dedicated_type_field="dedicated_type", households_field="households",
                 population_field="population", progress=None) -> ImportResult:
    """Import level-4 or level-5 grids from a vector file. Codes follow models.validate_grid_code:
    the length pattern GEOGRID_GRID_CODE_PATTERNS, and a level-4 code starts with its community's
    code, a level-5 code with its level-4 parent's code (found as below).

    - Community: the feature's `community_field`, else the community containing the grid's
      point-on-surface. An L5 grid is in its L4's community.
    - Parent of an L5: the current L4 named by `parent_field`, else the current L4 containing the
      grid's point-on-surface.
    - kind / dedicated_type accept the stored value or the Chinese label (专属网格, 学校…); a
      dedicated_type without a kind means dedicated. Optional fields absent from the file are empty.
    - A current grid with the same code: identical → unchanged; same polygon, other attributes →
      updated in place; another polygon → closed (valid_to = now) and a new row, version + 1.
      Redrawing an L4 moves its current L5 children and its on-duty 4+N members to the new row
      (their own rows did not change and the team follows the grid); closed rows, incidents and
      patrols keep the version they were made in.

    A city's grids at once (10⁵): the attributes are checked in Python, the polygons go by COPY
    into a temporary table where PostGIS checks them and finds every container in one spatial
    join, and new grids and their audit events are written by one INSERT … SELECT each. The
    refusal is the one a feature-by-feature import would give: the first feature at fault, each
    feature's checks in the same order (code, duplicate, name, geometry, kind, counts, container,
    code prefix).
    """
    if level not in (4, 5, "4", "5"):
        raise ImportFailed(_("网格级别 %(l)r 无效，可用：4、5") % {"l": level})
    level = int(level)
    try:
        features = read_wkb(path, input_crs=input_crs)
    except FeatureError as exc:
        raise ImportFailed(str(exc), index=exc.index) from exc
    if not features:
        raise ImportFailed(_("文件中没有要素"), path=path)
    _require_fields(features, path, code_field, name_field)
    have = set(features[0].properties)

    def prop(f, name):
        return f.properties.get(name) if name and name in have else None

    n = len(features)
    now = timezone.now()
    # 1. The attributes, feature by feature: (checks before the geometry's, after them, values).
    seen, checked, refs = {}, [], []
    fields = (name_field, kind_field, dedicated_type_field, households_field, population_field)
    kinds, dtypes = _choices(Grid.Kind.choices), _choices(Grid.DedicatedType.choices)
    for f in features:
        early = late = values = None
        code = _text(f.properties.get(code_field))
        try:
            _check_grid_code(code, level, f.index, path)  # its pattern; its prefix once the container is known
            if code in seen:
                raise ImportFailed(_("网格编码 %(c)s 与第 %(j)s 个要素重复") % {"c": code, "j": seen[code]}, index=f.index, path=path)
            seen[code] = f.index
            name = _text(f.properties.get(name_field))
            if not name:
                raise ImportFailed(_("名称（字段 %(f)s）为空") % {"f": name_field}, index=f.index, path=path)
            kind_of = _wkb_type(f.wkb)
            if kind_of not in ("Polygon", "MultiPolygon"):
                raise ImportFailed(_("几何类型是 %(t)s，需要面（Polygon/MultiPolygon）") % {"t": kind_of}, index=f.index, path=path)
        except ImportFailed as exc:
            early = exc
        try:
            values = _grid_values(f, prop, fields, kinds, dtypes, path)
        except ImportFailed as exc:
            late = exc
        community_code = _text(prop(f, community_field))
        ref = _text(prop(f, parent_field)) if level == 5 else community_code
        checked.append((code, early, late, values, community_code))
        refs.append(ref)
        if (f.index + 1) % 1000 == 0:
            _tick(progress, f.index + 1, n)

    result = ImportResult()
    with transaction.atomic(), connection.cursor() as cur:
        # 2. The polygons: validity, point-on-surface and area by GEOS over the whole array (shapely),
        # then by COPY into PostGIS, which finds every container in one spatial join.
        staged = [f for f, c in zip(features, checked) if c[1] is None]
        shapes = shapely.from_wkb([f.wkb for f in staged])
        valid = shapely.is_valid(shapes)
        invalid = dict(zip((f.index for f, ok in zip(staged, valid) if not ok), shapely.is_valid_reason(shapes[~valid])))
        inside = np.full(len(staged), None, dtype=object)
        inside[valid] = shapely.point_on_surface(shapes[valid])
        xs, ys = shapely.get_x(inside), shapely.get_y(inside)
        areas = np.zeros(len(staged))
        areas[valid] = area_m2_many(shapes[valid])
        _stage(cur, "import_grid_geom", "idx integer, code text, ref text, valid boolean, x float8, y float8, area_m2 float8, wkb bytea",
               (f"{f.index}\t{_copy_text(checked[f.index][0])}\t{_copy_text(refs[f.index])}\t{ok}\t"
                f"{float(x) if ok else NULL}\t{float(y) if ok else NULL}\t{float(area)}\t\\\\x{f.wkb.hex()}\n"
                for f, ok, x, y, area in zip(staged, valid.tolist(), xs.tolist(), ys.tolist(), areas.tolist())))
        cur.execute("""
            SET LOCAL jit = off;
            SET LOCAL work_mem = '64MB';
            DROP TABLE IF EXISTS import_grid;
            CREATE TEMPORARY TABLE import_grid ON COMMIT DROP AS
                SELECT idx, code, ref, valid, area_m2, ST_Multi(ST_GeomFromWKB(wkb, %(srid)s)) AS geom,
                       CASE WHEN valid THEN ST_SetSRID(ST_MakePoint(x, y), %(srid)s) END AS inside
                FROM import_grid_geom;
            DROP TABLE import_grid_geom;
            ALTER TABLE import_grid ADD PRIMARY KEY (idx);
            CREATE INDEX ON import_grid USING gist (inside);
            ANALYZE import_grid;""", {"srid": STORAGE_SRID})
        cur.execute(_CONTAINER_SQL[level])
        container = {row[0]: row[1:] for row in cur.fetchall()}
        cur.execute("SELECT s.idx, g.id FROM import_grid s JOIN grids_grid g ON g.code = s.code AND g.valid_to IS NULL")
        current_pk = dict(cur.fetchall())
        current = Grid.objects.select_related("community", "parent").in_bulk(current_pk.values()) if current_pk else {}

        # 3. The first feature at fault, as a feature-by-feature import would have stopped at it.
        plan = []
        for f, (code, early, late, values, community_code) in zip(features, checked):
            if early is not None:
                raise early
            if f.index in invalid:
                # Refused, not "made valid": a repaired polygon may not be what the surveyor drew.
                raise ImportFailed(_("几何无效：%(r)s。请在 GIS 软件中修复（如 QGIS 的“检查有效性/修复几何”）后重新导入")
                                   % {"r": invalid[f.index]}, index=f.index, path=path)
            if late is not None:
                raise late
            found = container.get(f.index)
            ref = refs[f.index]
            if found is None:
                raise ImportFailed(_CONTAINER_MISSING[level][bool(ref)]() % {"c": ref}, index=f.index, path=path)
            container_id, container_code, community_id, container_community = found
            if level == 5:
                if community_code and community_code != container_community:
                    raise ImportFailed(_("社区 %(c)s 与上级四级网格 %(g)s 所属社区 %(gc)s 不一致")
                                       % {"c": community_code, "g": container_code, "gc": container_community}, index=f.index, path=path)
                if not code.startswith(container_code):  # its pattern passed above: the message of the one rule
                    _check_grid_code(code, level, f.index, path, community_code=container_community, parent_code=container_code)
                values.update(parent_id=container_id, community_id=community_id)
            else:
                if not code.startswith(container_code):
                    _check_grid_code(code, level, f.index, path, community_code=container_code)
                values.update(parent_id=None, community_id=container_id)
            old = current.get(current_pk.get(f.index))
            if old is not None and old.level != level:
                raise ImportFailed(_("网格编码 %(c)s 已是第 %(l)s 级网格") % {"c": code, "l": old.level}, index=f.index, path=path)
            plan.append((f, code, values, old))

        # 4. Writing: new grids and their audit events in one statement; known codes one by one.
        try:
            with transaction.atomic():
                areas = _insert_new(cur, level, now, Path(path).name, [(f.index, v) for f, _c, v, old in plan if old is None])
        except IntegrityError as exc:
            # shapely's GEOS and PostGIS's may differ on a borderline polygon: name it as before.
            cur.execute("SELECT idx, ST_IsValidReason(geom) FROM import_grid WHERE NOT ST_IsValid(geom) ORDER BY idx LIMIT 1")
            row = cur.fetchone()
            if row is None:
                raise
            raise ImportFailed(_("几何无效：%(r)s。请在 GIS 软件中修复（如 QGIS 的“检查有效性/修复几何”）后重新导入") % {"r": row[1]},
                               index=row[0], path=path) from exc
        result.created = len(areas)
        for f, code, values, old in plan:
            if old is None:
                result.rows.append((code, values["name"], _km2(areas[code])))
                continue
            geom = GEOSGeometry(memoryview(f.wkb), srid=STORAGE_SRID)
            geom = promote_multi(geom)
            attrs = {k: values[k] for k in ("name", "kind", "dedicated_type", "households", "population")}
            attrs.update(level=level, parent=Grid(pk=values["parent_id"]) if values["parent_id"] else None,
                         community=AdminArea(pk=values["community_id"]))
            grid = _update_grid(old, geom, attrs, now, path, result)
            result.rows.append((code, values["name"], _km2(grid.area_m2)))
        if result.created:
            bump_model(Grid)  # rows written by SQL send no signals: the map's tiles must still change
        cur.execute("DROP TABLE IF EXISTS import_grid, import_grid_new")
        _tick(progress, n, n)
        _analyze(Grid, result)
    return result


def _grid_values(f, prop, fields, kinds, dtypes, path):
    """A feature's attributes as Grid fields, or ImportFailed (checked in the order of the import)."""
    name_field, kind_field, dedicated_type_field, households_field, population_field = fields
    kind_text, dtype_text = _text(prop(f, kind_field)), _text(prop(f, dedicated_type_field))
    kind = kinds.get(kind_text) if kind_text else (Grid.Kind.DEDICATED if dtype_text else Grid.Kind.ORDINARY)
    if kind is None:
        raise ImportFailed(_("网格类型 %(v)r 无效，可用：ordinary（基础网格）、dedicated（专属网格）") % {"v": kind_text},
                           index=f.index, path=path)
    dtype = dtypes.get(dtype_text) if dtype_text else ""
    if dtype is None:
        raise ImportFailed(_("专属网格类别 %(v)r 无效，可用：%(ok)s") % {"v": dtype_text, "ok": "、".join(v for v, _l in Grid.DedicatedType.choices if v)},
                           index=f.index, path=path)
    if (kind == Grid.Kind.DEDICATED) != bool(dtype):
        raise ImportFailed(_("专属网格必须有专属网格类别，基础网格不能有"), index=f.index, path=path)
    return {"name": _text(f.properties.get(name_field)), "kind": kind, "dedicated_type": dtype,
            "households": _count(prop(f, households_field), lambda: _("户数"), f.index, path),
            "population": _count(prop(f, population_field), lambda: _("人口"), f.index, path)}


def _update_grid(old, geom, attrs, now, path, result):
    """A grid whose code is current: unchanged, updated in place, or redrawn as a new version."""
    if same_shape(old.geom, geom):
        changed = {k: v for k, v in attrs.items() if getattr(old, k) != v}
        if not changed:
            result.unchanged += 1
            return old
        for k, v in changed.items():
            setattr(old, k, v)
        old.save()
        record(old, "import_update", note=Path(path).name, fields=sorted(changed))
        result.updated += 1
        return old
    result.updated += 1
    return redraw_grid(old, geom, now=now, action="import_version", note=Path(path).name, **attrs)


_WKB_TYPES = {1: "Point", 2: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString", 6: "MultiPolygon", 7: "GeometryCollection"}


def _wkb_type(wkb):
    """The geometry type of a WKB (ISO or EWKB flags, either byte order), by GEOS's name."""
    code = int.from_bytes(wkb[1:5], "little" if wkb[0] == 1 else "big")
    return _WKB_TYPES.get((code & 0xFFFF) % 1000, f"WKB {code}")


def _copy_text(value):
    """Free text as a field of COPY's text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _stage(cur, table, columns, lines):
    """A temporary table (dropped at commit) filled by COPY from lines of its text format."""
    buf = io.StringIO()
    buf.writelines(lines)
    buf.seek(0)
    # Dropped by the commit, or here when an outer transaction (a test) runs two imports.
    cur.execute(f"DROP TABLE IF EXISTS {table}; CREATE TEMPORARY TABLE {table} ({columns}) ON COMMIT DROP")
    cur.cursor.copy_expert(f"COPY {table} FROM STDIN", buf)


# The container of each valid staged polygon: (idx, id, code, community id, community code) — by
# the code the feature gives, else the lowest code containing its point-on-surface.
_CONTAINER_SQL = {
    5: """
        SELECT s.idx, g.id, g.code, g.community_id, c.code FROM import_grid s
            JOIN grids_grid g ON g.code = s.ref AND g.level = 4 AND g.valid_to IS NULL
            JOIN grids_adminarea c ON c.id = g.community_id
            WHERE s.valid AND s.ref <> ''
        UNION ALL
        (SELECT DISTINCT ON (s.idx) s.idx, g.id, g.code, g.community_id, c.code FROM import_grid s
            JOIN grids_grid g ON ST_Intersects(g.geom, s.inside) AND g.level = 4 AND g.valid_to IS NULL
            JOIN grids_adminarea c ON c.id = g.community_id
            WHERE s.valid AND s.ref = ''
            ORDER BY s.idx, g.code)""",
    4: """
        SELECT s.idx, a.id, a.code, a.id, a.code FROM import_grid s
            JOIN grids_adminarea a ON a.code = s.ref AND a.level = 'community'
            WHERE s.valid AND s.ref <> ''
        UNION ALL
        (SELECT DISTINCT ON (s.idx) s.idx, a.id, a.code, a.id, a.code FROM import_grid s
            JOIN grids_adminarea a ON ST_Intersects(a.geom, s.inside) AND a.level = 'community'
            WHERE s.valid AND s.ref = ''
            ORDER BY s.idx, a.code)""",
}
# The refusal when a feature has no container: [level][the feature named one].
_CONTAINER_MISSING = {
    5: {True: lambda: _("上级四级网格 %(c)s 不存在（或已失效）：请先导入四级网格"),
        False: lambda: _("没有包含此网格的现行四级网格：请先导入四级网格，或在字段中给出上级网格编码")},
    4: {True: lambda: _("社区 %(c)s 不存在：请先导入社区/村（import_areas --level community）"),
        False: lambda: _("没有包含此网格的社区/村：请先导入社区/村，或在字段中给出社区代码")},
}

NULL = "\\N"  # in COPY's text format


def _insert_new(cur, level, now, note, rows):
    """New grids (version 1) from the staged polygons and their values, with one audit event
    each (import_create), by one statement; {code: area_m2}."""
    if not rows:
        return {}
    _stage(cur, "import_grid_new", "idx integer, name text, kind text, dedicated_type text, parent_id bigint, "
                                    "community_id bigint, households integer, population integer",
           (f"{i}\t{_copy_text(v['name'])}\t{v['kind']}\t{v['dedicated_type']}\t{v['parent_id'] or NULL}\t{v['community_id']}\t"
            f"{v['households']}\t{v['population']}\n" for i, v in rows))
    cur.execute("""
        WITH made AS (
            INSERT INTO grids_grid (code, name, level, kind, dedicated_type, parent_id, community_id, households, population,
                                    geom, area_m2, version, valid_from, valid_to)
            SELECT s.code, n.name, %(level)s, n.kind, n.dedicated_type, n.parent_id, n.community_id, n.households, n.population,
                   s.geom, s.area_m2, 1, %(now)s, NULL
                FROM import_grid_new n JOIN import_grid s USING (idx) ORDER BY n.idx
            RETURNING id, code, area_m2),
        logged AS (
            INSERT INTO audit_auditevent (at, actor_id, content_type_id, object_id, action, from_state, to_state, note, data)
            SELECT %(now)s, NULL, %(ct)s, id::text, 'import_create', '', '', %(note)s, '{"version": 1}'::jsonb FROM made ORDER BY id)
        SELECT code, area_m2 FROM made""",
        {"level": level, "now": now, "ct": ContentType.objects.get_for_model(Grid).pk, "note": note})
    return dict(cur.fetchall())


def _check_grid_code(code, level, index, path, **prefixes):
    """models.validate_grid_code (the one rule) as an ImportFailed naming the feature."""
    try:
        validate_grid_code(code, level, **prefixes)
    except ValidationError as exc:
        raise ImportFailed(" ".join(exc.message_dict.get("code", exc.messages)), index=index, path=path) from exc


GRID_ATTRS = ("name", "level", "kind", "dedicated_type", "parent", "community", "households", "population")


def redraw_grid(old, geom, *, by=None, now=None, action="redraw", note="", **attrs):
    """Give the current grid row `old` a new polygon: close it (valid_to = now) and make the next
    version with `geom` and `attrs` (GRID_ATTRS; those not given are kept). Current L5 children and
    the 4+N members on duty move to the new row (the team follows the grid); closed rows,
    incidents and patrols keep the version they were made in. The one redraw of the import and
    the admin; refuses (ValidationError) a row that is no longer current."""
    now = now or timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        if not Grid.objects.filter(pk=old.pk, valid_to__isnull=True).update(valid_to=now):
            raise ValidationError({"geom": [_("网格 %(c)s 的这个版本已失效，请打开现行版本修改") % {"c": old.code}]})
        version = (Grid.objects.filter(code=old.code).aggregate(v=Max("version"))["v"] or 0) + 1
        values = {name: getattr(old, name) for name in GRID_ATTRS}
        values.update(attrs)
        grid = Grid(code=old.code, geom=geom, version=version, valid_from=now, **values)
        grid.save()
        Grid.objects.current().filter(parent=old).update(parent=grid)
        GridMember.objects.filter(grid=old).filter(Q(end_date__isnull=True) | Q(end_date__gte=today)).update(grid=grid)
        record(grid, action, actor=by, note=note, version=version, previous=old.pk)
    return grid


__all__ = ["ImportResult", "ImportFailed", "import_areas", "import_grids", "redraw_grid", "area_code"]
