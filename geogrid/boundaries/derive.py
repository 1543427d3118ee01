"""The common boundary of two adjacent administrative areas, derived by PostGIS.

Both polygons are taken into the Gauss-Krüger zone of the pair (geo.crs.gk3_epsg), where the
tolerance is in metres. A's outline is snapped to B's (ST_Snap: vertices of A within the tolerance
move onto B, B's vertices are inserted into A's segments), then the shared edges are the lines both
outlines have in common (ST_Intersection, the line parts only), merged into as few lines as possible
(ST_LineMerge); crumbs shorter than the tolerance — slivers of imperfect data — are dropped. With a
tolerance of 0 the outlines must share their edges exactly.
"""
from django.contrib.gis.geos import GEOSGeometry, MultiLineString
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from geogrid.audit.services import record
from geogrid.geo.crs import gk3_epsg
from geogrid.grids.models import AdminArea

from .models import BoundaryLine

DERIVE_SQL = """
WITH a AS (SELECT ST_Transform(geom, %(gk)s) g FROM grids_adminarea WHERE id = %(a)s),
     b AS (SELECT ST_Transform(geom, %(gk)s) g FROM grids_adminarea WHERE id = %(b)s),
     e AS (SELECT ST_Boundary(a.g) ab, ST_Boundary(b.g) bb FROM a, b),
     s AS (SELECT CASE WHEN %(tol)s > 0 THEN ST_Intersection(ST_Snap(ab, bb, %(tol)s), bb) ELSE ST_Intersection(ab, bb) END g FROM e),
     parts AS (SELECT (ST_Dump(ST_LineMerge(ST_CollectionExtract(s.g, 2)))).geom g FROM s)
SELECT ST_AsBinary(ST_Transform(ST_Multi(ST_Collect(g ORDER BY ST_Length(g) DESC)), 4490))
FROM parts WHERE ST_Length(g) > GREATEST(%(tol)s, 0.001)
"""


def common_boundary(area_a, area_b, tolerance_m=1.0):
    """The shared edges of two AdminArea rows as a MultiLineString in EPSG:4490 (None: they do not
    share an edge within the tolerance)."""
    if tolerance_m < 0:
        raise ValidationError({"tolerance": [_("容差不能为负数")]})
    ea, eb = area_a.geom.extent, area_b.geom.extent
    lon = (min(ea[0], eb[0]) + max(ea[2], eb[2])) / 2  # the zone of the pair's middle
    with connection.cursor() as cur:
        cur.execute(DERIVE_SQL, {"a": area_a.pk, "b": area_b.pk, "gk": gk3_epsg(lon), "tol": float(tolerance_m)})
        row = cur.fetchone()
    if row is None or row[0] is None:
        return None
    geom = GEOSGeometry(memoryview(row[0]), srid=4490)
    return geom if isinstance(geom, MultiLineString) else MultiLineString(geom, srid=4490)


def derive_boundary_line(code_a, code_b, *, tolerance_m=1.0, code=None, name=None, level=BoundaryLine.Level.COUNTY, actor=None):
    """Derive and store (create or update by code) the BoundaryLine between two areas given by
    their stored codes. Returns (line, created). ValidationError: an unknown code, the same area
    twice, or areas that share no edge."""
    if code_a == code_b:
        raise ValidationError({"code": [_("两个区划代码相同：%(c)s") % {"c": code_a}]})
    areas = {a.code: a for a in AdminArea.objects.filter(code__in=[code_a, code_b])}
    missing = [c for c in (code_a, code_b) if c not in areas]
    if missing:
        raise ValidationError({"code": [_("没有区划代码为 %(c)s 的行政区划，请先导入") % {"c": "、".join(missing)}]})
    a, b = areas[code_a], areas[code_b]
    geom = common_boundary(a, b, tolerance_m)
    if geom is None:
        raise ValidationError({"code": [_("%(a)s 与 %(b)s 在容差 %(t)s 米内没有共同边界（不相邻？可加大 --tolerance）")
                                        % {"a": a.name, "b": b.name, "t": tolerance_m}]})
    code = code or f"{a.code[:6]}{b.code[:6]}"
    fields = dict(name=name or f"{a.name}—{b.name}界线", level=level, side_a_code=a.code, side_a_name=a.name,
                  side_b_code=b.code, side_b_name=b.name, area_a=a, area_b=b, geom=geom)
    with transaction.atomic():
        line = BoundaryLine.objects.select_for_update().filter(code=code).first()
        created = line is None
        line = line or BoundaryLine(code=code)
        for k, v in fields.items():
            setattr(line, k, v)
        line.save()
        record(line, "derive_line", actor=actor, areas=[a.code, b.code], tolerance_m=tolerance_m, length_m=round(line.length_m, 1),
               parts=len(geom))
    return line, created
