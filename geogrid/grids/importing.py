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
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from geogrid.audit.services import record
from geogrid.geo.features import FeatureError, promote_multi, read_features

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

def _choice(choices, value):
    """A choice value from its value or its Chinese label ('dedicated' or '专属网格')."""
    value = _text(value)
    with override("zh-hans"):
        for v, label in choices:
            if value in (v, str(label)):
                return v
    return None


def _count(value, what, index, path):
    text = _text(value)
    if text == "":
        return 0
    if not re.fullmatch(r"[0-9]+", text):
        raise ImportFailed(_("%(what)s必须是非负整数，实际为 %(v)r") % {"what": what, "v": text}, index=index, path=path)
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
    """
    if level not in (4, 5, "4", "5"):
        raise ImportFailed(_("网格级别 %(l)r 无效，可用：4、5") % {"l": level})
    level = int(level)
    features = _read(path, input_crs)
    _require_fields(features, path, code_field, name_field)
    have = set(features[0].properties)

    def prop(f, name):
        return f.properties.get(name) if name and name in have else None

    result = ImportResult()
    n = len(features)
    seen = {}
    now = timezone.now()
    with transaction.atomic():
        codes = [_text(f.properties.get(code_field)) for f in features]
        current = {g.code: g for g in Grid.objects.current().filter(code__in=codes).select_related("community", "parent")}
        for i, f in enumerate(features):
            code = _text(f.properties.get(code_field))
            _check_grid_code(code, level, f.index, path)  # its pattern; its prefix once the container is known
            if code in seen:
                raise ImportFailed(_("网格编码 %(c)s 与第 %(j)s 个要素重复") % {"c": code, "j": seen[code]}, index=f.index, path=path)
            seen[code] = f.index
            name = _text(f.properties.get(name_field))
            if not name:
                raise ImportFailed(_("名称（字段 %(f)s）为空") % {"f": name_field}, index=f.index, path=path)
            geom = _polygon(f, path)
            inside = geom.point_on_surface

            kind_text, dtype_text = _text(prop(f, kind_field)), _text(prop(f, dedicated_type_field))
            kind = _choice(Grid.Kind.choices, kind_text) if kind_text else (Grid.Kind.DEDICATED if dtype_text else Grid.Kind.ORDINARY)
            if kind is None:
                raise ImportFailed(_("网格类型 %(v)r 无效，可用：ordinary（基础网格）、dedicated（专属网格）") % {"v": kind_text},
                                   index=f.index, path=path)
            dtype = _choice(Grid.DedicatedType.choices, dtype_text) if dtype_text else ""
            if dtype is None:
                raise ImportFailed(_("专属网格类别 %(v)r 无效，可用：%(ok)s") % {"v": dtype_text, "ok": "、".join(v for v, _l in Grid.DedicatedType.choices if v)},
                                   index=f.index, path=path)
            if (kind == Grid.Kind.DEDICATED) != bool(dtype):
                raise ImportFailed(_("专属网格必须有专属网格类别，基础网格不能有"), index=f.index, path=path)
            households = _count(prop(f, households_field), _("户数"), f.index, path)
            population = _count(prop(f, population_field), _("人口"), f.index, path)

            parent = None
            community_code = _text(prop(f, community_field))
            if level == 5:
                parent = _find_grid4(_text(prop(f, parent_field)), inside, f.index, path)
                community = parent.community
                if community_code and community_code != community.code:
                    raise ImportFailed(_("社区 %(c)s 与上级四级网格 %(g)s 所属社区 %(gc)s 不一致")
                                       % {"c": community_code, "g": parent.code, "gc": community.code}, index=f.index, path=path)
            else:
                community = _find_community(community_code, inside, f.index, path)
            _check_grid_code(code, level, f.index, path, community_code=community.code, parent_code=parent.code if parent else None)

            attrs = dict(name=name, level=level, kind=kind, dedicated_type=dtype, parent=parent, community=community,
                         households=households, population=population)
            old = current.get(code)
            if old is None:
                grid = Grid(code=code, geom=geom, valid_from=now, **attrs)
                grid.save()
                record(grid, "import_create", note=Path(path).name, version=grid.version)
                result.created += 1
            elif old.level != level:
                raise ImportFailed(_("网格编码 %(c)s 已是第 %(l)s 级网格") % {"c": code, "l": old.level}, index=f.index, path=path)
            elif same_shape(old.geom, geom):
                changed = {k: v for k, v in attrs.items() if getattr(old, k) != v}
                grid = old
                if changed:
                    for k, v in changed.items():
                        setattr(grid, k, v)
                    grid.save()
                    record(grid, "import_update", note=Path(path).name, fields=sorted(changed))
                    result.updated += 1
                else:
                    result.unchanged += 1
            else:
                grid = redraw_grid(old, geom, now=now, action="import_version", note=Path(path).name, **attrs)
                result.updated += 1
            result.rows.append((code, name, _km2(grid.area_m2)))
            _tick(progress, i + 1, n)
        _analyze(Grid, result)
    return result


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


def _find_container(qs, code, inside, index, path, *, unknown_code, none_here):
    """The row of `qs` with this code, or, without a code, the one containing `inside` (lowest
    code on a shared edge); ImportFailed with the given message when there is none."""
    if code:
        found = qs.filter(code=code).first()
        if found is None:
            raise ImportFailed(unknown_code % {"c": code}, index=index, path=path)
        return found
    found = qs.filter(geom__intersects=inside).order_by("code").first()
    if found is None:
        raise ImportFailed(none_here, index=index, path=path)
    return found


def _find_grid4(code, inside, index, path):
    return _find_container(
        Grid.objects.current().filter(level=4).select_related("community"), code, inside, index, path,
        unknown_code=_("上级四级网格 %(c)s 不存在（或已失效）：请先导入四级网格"),
        none_here=_("没有包含此网格的现行四级网格：请先导入四级网格，或在字段中给出上级网格编码"))


def _find_community(code, inside, index, path):
    return _find_container(
        AdminArea.objects.filter(level=AdminArea.Level.COMMUNITY), code, inside, index, path,
        unknown_code=_("社区 %(c)s 不存在：请先导入社区/村（import_areas --level community）"),
        none_here=_("没有包含此网格的社区/村：请先导入社区/村，或在字段中给出社区代码"))


__all__ = ["ImportResult", "ImportFailed", "import_areas", "import_grids", "redraw_grid", "area_code"]
