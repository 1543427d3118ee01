"""Topology check of the administrative areas and the current grids, done in PostGIS, and of the
structure of the current grids' codes.

Reported, each with its area in m² (measured in the CGCS2000 Gauss-Krüger zone of the data):
- a child outside its parent: L5 grid / L4 grid, L4 grid / community, community / street,
  street / district (the part of the child not covered by the parent);
- overlaps between siblings (same parent; districts are siblings of each other), found with a
  spatial-index join (&&) and ST_Relate, so the cost grows with neighbours, not with pairs;
- gaps inside a parent that has children and should be covered by them: L5 grids cover their L4,
  L4 grids their community, communities their street, streets their district (ST_Union of the
  children, ST_Difference from the parent). Dedicated grids count like ordinary ones.

Reported without an area, with a point inside the grid: current grids whose code does not start
with the expected prefix, the community's code for an L4 grid, the L4 parent's code for an L5 grid
(finding "code"). That rule (models.validate_grid_code, applied on import and in the admin) spans
two rows, so no CHECK constraint holds it: rows stored before it, or behind the models' backs, show
up here.

A problem geometry is split into its pieces (ST_Dump); pieces below the sliver tolerance
(GEOGRID_TOPOLOGY_SLIVER_M2, default 1 m²) are floating-point noise of shared edges and ignored.
Only current grid versions are checked. L5 grids are grouped under the current version of their
parent's code, so a grid still pointing at a closed L4 row is checked against the L4 in force.
"""
import time
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _

from geogrid.geo.crs import gk3_epsg

from .models import AdminArea, Grid

KINDS = {
    "grid5_outside_grid4": _("五级网格超出所属四级网格"),
    "grid4_outside_community": _("四级网格超出所属社区"),
    "community_outside_street": _("社区超出所属街道"),
    "street_outside_district": _("街道超出所属区县"),
    "grid5_overlap": _("五级网格相互重叠"),
    "grid4_overlap": _("四级网格相互重叠"),
    "community_overlap": _("社区相互重叠"),
    "street_overlap": _("街道相互重叠"),
    "district_overlap": _("区县相互重叠"),
    "grid4_gap": _("四级网格内有五级网格未覆盖的空隙"),
    "community_gap": _("社区内有四级网格未覆盖的空隙"),
    "street_gap": _("街道内有社区未覆盖的空隙"),
    "district_gap": _("区县内有街道未覆盖的空隙"),
    "code": _("网格编码不以所属社区或上级网格的编码开头"),
}


@dataclass
class Problem:
    kind: str  # a key of KINDS
    code: str  # the child (outside), the first sibling (overlap), the parent (gap) or the grid (code)
    other: str  # the parent (outside), the second sibling (overlap), the expected prefix (code); "" for a gap
    area_m2: float  # total of the pieces above the tolerance (0 for a code)
    pieces: int  # (0 for a code)
    lon: float  # a point inside the largest piece (EPSG:4490), to find it on the map
    lat: float

    @property
    def label(self):
        return str(KINDS[self.kind])


@dataclass
class TopologyReport:
    problems: list
    checked: dict  # how many of each were checked
    tolerance_m2: float
    zone_epsg: int | None
    elapsed_s: float = 0.0
    by_kind: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not self.problems

    def as_dict(self):
        return {
            "ok": self.ok, "problems": [dict(asdict(p), label=p.label) for p in self.problems], "checked": self.checked,
            "by_kind": self.by_kind, "tolerance_m2": self.tolerance_m2, "zone_epsg": self.zone_epsg, "elapsed_s": round(self.elapsed_s, 3),
        }


G = Grid._meta.db_table
A = AdminArea._meta.db_table

# Current grids with the key of their parent: for L5 the code of the parent L4, for L4 the community id.
CURRENT_L5 = f"""SELECT c.id, c.code, c.geom, p.code AS pkey FROM {G} c JOIN {G} p ON p.id = c.parent_id
                 WHERE c.valid_to IS NULL AND c.level = 5"""
CURRENT_L4 = f"SELECT c.id, c.code, c.geom, c.community_id AS pkey FROM {G} c WHERE c.valid_to IS NULL AND c.level = 4"

# candidate SQL per kind: rows (a, b, g) where g is the problem geometry (may have slivers)
OUTSIDE = {
    "grid5_outside_grid4": f"""
        SELECT c.code, p.code, ST_Difference(c.geom, p.geom)
        FROM ({CURRENT_L5}) c JOIN {G} p ON p.code = c.pkey AND p.valid_to IS NULL
        WHERE NOT ST_CoveredBy(c.geom, p.geom)""",
    "grid4_outside_community": f"""
        SELECT c.code, p.code, ST_Difference(c.geom, p.geom)
        FROM ({CURRENT_L4}) c JOIN {A} p ON p.id = c.pkey
        WHERE NOT ST_CoveredBy(c.geom, p.geom)""",
    "community_outside_street": f"""
        SELECT c.code, p.code, ST_Difference(c.geom, p.geom)
        FROM {A} c JOIN {A} p ON p.id = c.parent_id
        WHERE c.level = 'community' AND NOT ST_CoveredBy(c.geom, p.geom)""",
    "street_outside_district": f"""
        SELECT c.code, p.code, ST_Difference(c.geom, p.geom)
        FROM {A} c JOIN {A} p ON p.id = c.parent_id
        WHERE c.level = 'street' AND NOT ST_CoveredBy(c.geom, p.geom)""",
}

# Sibling pairs: a.geom && b.geom lets the planner probe the GiST index of b for each a.
_INTERIORS_MEET = "ST_Relate(a.geom, b.geom, '2********')"
OVERLAP = {
    "grid5_overlap": f"""
        SELECT a.code, b.code, ST_Intersection(a.geom, b.geom)
        FROM {G} a JOIN {G} b ON a.geom && b.geom AND a.code < b.code
        JOIN {G} pa ON pa.id = a.parent_id JOIN {G} pb ON pb.id = b.parent_id
        WHERE a.valid_to IS NULL AND b.valid_to IS NULL AND a.level = 5 AND b.level = 5
          AND pa.code = pb.code AND {_INTERIORS_MEET}""",
    "grid4_overlap": f"""
        SELECT a.code, b.code, ST_Intersection(a.geom, b.geom)
        FROM {G} a JOIN {G} b ON a.geom && b.geom AND a.code < b.code AND a.community_id = b.community_id
        WHERE a.valid_to IS NULL AND b.valid_to IS NULL AND a.level = 4 AND b.level = 4 AND {_INTERIORS_MEET}""",
    **{
        f"{level}_overlap": f"""
        SELECT a.code, b.code, ST_Intersection(a.geom, b.geom)
        FROM {A} a JOIN {A} b ON a.geom && b.geom AND a.code < b.code
          AND a.parent_id IS NOT DISTINCT FROM b.parent_id
        WHERE a.level = '{level}' AND b.level = '{level}' AND {_INTERIORS_MEET}"""
        for level in ("community", "street", "district")
    },
}

# Parents with children: the part of the parent the union of its children leaves uncovered.
_GAP = """
    SELECT p.code, '', ST_Difference(p.geom, k.u)
    FROM (SELECT pkey, ST_Union(geom) AS u FROM ({children}) ch GROUP BY pkey) k JOIN {parents} p ON {on}
    WHERE NOT ST_CoveredBy(p.geom, k.u)"""
GAP = {
    "grid4_gap": _GAP.format(children=CURRENT_L5, parents=G, on="p.code = k.pkey AND p.valid_to IS NULL"),
    "community_gap": _GAP.format(children=CURRENT_L4, parents=A, on="p.id = k.pkey"),
    "street_gap": _GAP.format(children=f"SELECT geom, parent_id AS pkey FROM {A} WHERE level = 'community'", parents=A, on="p.id = k.pkey"),
    "district_gap": _GAP.format(children=f"SELECT geom, parent_id AS pkey FROM {A} WHERE level = 'street'", parents=A, on="p.id = k.pkey"),
}

# Each problem geometry → polygon pieces measured in the zone; slivers dropped; one row per (a, b).
_PIECES = """
    WITH cand(a, b, g) AS ({candidates}),
    pieces AS (
        SELECT cand.a, cand.b, d.geom AS g, ST_Area(ST_Transform(d.geom, %(zone)s)) AS m2
        FROM cand CROSS JOIN LATERAL ST_Dump(ST_CollectionExtract(cand.g, 3)) AS d
    ),
    agg AS (
        SELECT a, b, SUM(m2) AS m2, COUNT(*) AS n, (array_agg(ST_PointOnSurface(g) ORDER BY m2 DESC))[1] AS pt
        FROM pieces WHERE m2 >= %(tol)s GROUP BY a, b
    )
    SELECT a, b, m2, n, ST_X(pt), ST_Y(pt) FROM agg ORDER BY a, b"""

CHECKS = {**OUTSIDE, **OVERLAP, **GAP}

# Current grids whose code does not start with the code of their community (L4) or L4 parent (L5;
# the parent's code is the same in every version): code, expected prefix, a point inside the grid.
CODE_PREFIX = f"""
    SELECT c.code, x.prefix, ST_X(x.pt), ST_Y(x.pt)
    FROM {G} c JOIN {A} a ON a.id = c.community_id LEFT JOIN {G} p ON p.id = c.parent_id
    CROSS JOIN LATERAL (SELECT CASE WHEN c.level = 5 THEN p.code ELSE a.code END AS prefix,
                               ST_PointOnSurface(c.geom) AS pt) x
    WHERE c.valid_to IS NULL AND x.prefix IS NOT NULL AND NOT starts_with(c.code, x.prefix)
    ORDER BY c.code"""


def _zone(cursor):
    """The Gauss-Krüger zone of the data, from the centre of its extent (a district or city lies
    in one zone; the one CRS helper picks it)."""
    cursor.execute(f"""SELECT ST_X(ST_Centroid(ST_Extent(geom)::geometry)) FROM
        (SELECT geom FROM {A} UNION ALL SELECT geom FROM {G} WHERE valid_to IS NULL) s""")
    lon = cursor.fetchone()[0]
    return gk3_epsg(lon) if lon is not None else None


def check_topology(tolerance_m2=None, kinds=None):
    """Run the checks (all, or the given keys of KINDS) and return a TopologyReport."""
    started = time.monotonic()
    tol = float(settings.GEOGRID_TOPOLOGY_SLIVER_M2 if tolerance_m2 is None else tolerance_m2)
    current = Grid.objects.current()
    checked = {
        "district": AdminArea.objects.filter(level=AdminArea.Level.DISTRICT).count(),
        "street": AdminArea.objects.filter(level=AdminArea.Level.STREET).count(),
        "community": AdminArea.objects.filter(level=AdminArea.Level.COMMUNITY).count(),
        "grid4": current.filter(level=4).count(),
        "grid5": current.filter(level=5).count(),
    }
    problems = []
    with connection.cursor() as cursor:
        zone = _zone(cursor)
        if zone is not None:
            for kind, sql in CHECKS.items():
                if kinds and kind not in kinds:
                    continue
                cursor.execute(_PIECES.format(candidates=sql), {"zone": zone, "tol": tol})
                problems += [Problem(kind, a, b or "", round(m2, 2), n, round(x, 7), round(y, 7)) for a, b, m2, n, x, y in cursor.fetchall()]
        if not kinds or "code" in kinds:
            cursor.execute(CODE_PREFIX)
            problems += [Problem("code", code, prefix, 0.0, 0, round(x, 7), round(y, 7)) for code, prefix, x, y in cursor.fetchall()]
    by_kind = {}
    for p in problems:
        by_kind[p.kind] = by_kind.get(p.kind, 0) + 1
    return TopologyReport(problems=problems, checked=checked, tolerance_m2=tol, zone_epsg=zone,
                          elapsed_s=time.monotonic() - started, by_kind=by_kind)
