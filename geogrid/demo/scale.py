"""A city-sized data set for the benchmarks (issue: performance): districts from a boundary file,
then streets, communities, level-4 and level-5 grids cut from nested square grids in the
Gauss-Krüger zone and clipped to each district, so every level tiles its parent exactly; roads
along the community rows, signs along the roads, and cases spread over two years.

Everything large is made by PostGIS in a few INSERT … SELECT statements (ST_SquareGrid,
ST_GeneratePoints): 10⁵ grids and 10⁶ cases never pass through Python. Roads and signs, a few
thousand, go through the ORM so that fields added later keep their defaults.
"""
import math
import time
from dataclasses import dataclass, field

from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import connections, transaction

from geogrid.accounts.models import User
from geogrid.geo.crs import gk3_epsg
from geogrid.geo.measure import length_m
from geogrid.grids.importing import import_areas
from geogrid.grids.models import AdminArea, Grid
from geogrid.incidents.models import Incident, IncidentCategory, IncidentCounter
from geogrid.placenames.models import Road, RoadSign

# Cell edges as multiples of the level-5 edge: 4 level-5 grids to a level-4 one (3 623 / 938 in
# the district the design names), 9 level-4 grids to a community, 25 communities to a street.
L4_CELLS, COMMUNITY_CELLS, STREET_CELLS = 2, 6, 30
REPORTER = "scale_reporter"


@dataclass
class ScaleResult:
    counts: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    edge_m: float = 0.0


def _timed(result, what, fn):
    t = time.monotonic()
    n = fn()
    result.seconds[what] = time.monotonic() - t
    result.counts[what] = n
    return n


def generate(districts_path, *, grids5, incidents, input_crs="gcj02", code_field="adcode", name_field="name",
             seed=0.42, now=None, using="default", stdout=None):
    """Build the data set into the (empty) database `using`; returns a ScaleResult."""
    from django.utils import timezone

    now = now or timezone.now()
    result = ScaleResult()
    say = (lambda s: stdout.write(s)) if stdout else (lambda s: None)
    with transaction.atomic(using=using):
        _timed(result, "districts", lambda: import_areas(districts_path, level="district", input_crs=input_crs,
                                                          code_field=code_field, name_field=name_field).created)
        say(f"districts: {result.counts['districts']}")
        with connections[using].cursor() as cur:
            cur.execute("SELECT setseed(%s)", [seed])
            srid = _zone(cur)
            cur.execute(f"SELECT sum(ST_Area(ST_Transform(geom, {srid}))) FROM {AdminArea._meta.db_table} WHERE level = 'district'")
            total = cur.fetchone()[0]
            edge = math.sqrt(total / grids5)
            result.edge_m = edge
            say(f"level-5 edge {edge:.0f} m over {total / 1e6:,.0f} km²")
            _timed(result, "streets", lambda: _areas(cur, "district", "street", edge * STREET_CELLS, srid, street=True))
            _timed(result, "communities", lambda: _areas(cur, "street", "community", edge * COMMUNITY_CELLS, srid, street=False))
            _timed(result, "grids_l4", lambda: _grids4(cur, edge * L4_CELLS, srid, now))
            _timed(result, "grids_l5", lambda: _grids5(cur, edge, srid, now))
            say("grids: {grids_l4:,} level 4, {grids_l5:,} level 5".format(**result.counts))
            for table in (AdminArea._meta.db_table, Grid._meta.db_table):
                cur.execute(f"ANALYZE {table}")
        _timed(result, "roads", lambda: _roads(srid, using))
        _timed(result, "signs", lambda: _signs(using))
        say("roads: {roads:,}, signs: {signs:,}".format(**result.counts))
        _timed(result, "boundary_lines", lambda: _boundary_lines(using))
        _timed(result, "markers", lambda: _markers(srid, using))
        say("boundary lines: {boundary_lines:,}, markers: {markers:,}".format(**result.counts))
        reporter, _ = User.objects.using(using).get_or_create(username=REPORTER, defaults={"first_name": "规模测试"})
        with connections[using].cursor() as cur:
            _timed(result, "incidents", lambda: _incidents(cur, incidents, reporter.pk, now))
            cur.execute(f"ANALYZE {Incident._meta.db_table}")
        say(f"incidents: {result.counts['incidents']:,}")
    return result


def _zone(cur):
    cur.execute(f"SELECT ST_X(ST_Centroid(ST_Collect(geom))) FROM {AdminArea._meta.db_table} WHERE level = 'district'")
    return gk3_epsg(cur.fetchone()[0])


def _areas(cur, parent_level, level, size, srid, *, street):
    """Cells of `size` metres clipped to each parent area; codes follow the 12-digit rule
    (district 6 + street 3 + community 3)."""
    t = AdminArea._meta.db_table
    seq = "lpad(row_number() OVER (PARTITION BY p.id ORDER BY c.j DESC, c.i)::text, 3, '0')"
    code = f"left(p.code, 6) || {seq} || '000'" if street else f"left(p.code, 9) || {seq}"
    suffix = "'街道'" if street else "'社区'"
    name = f"p.name || '第' || row_number() OVER (PARTITION BY p.id ORDER BY c.j DESC, c.i) || {suffix}"
    cur.execute(f"""
        WITH p AS (SELECT id, code, name, ST_Transform(geom, {srid}) AS g FROM {t} WHERE level = %s),
        c AS (
            SELECT p.id, cell.i, cell.j, ST_Multi(ST_CollectionExtract(ST_Intersection(cell.geom, p.g), 3)) AS g
            FROM p, ST_SquareGrid(%s, p.g) AS cell WHERE ST_Intersects(cell.geom, p.g)
        )
        INSERT INTO {t} (code, name, level, parent_id, geom, area_m2)
        SELECT {code}, {name}, %s, p.id, ST_Transform(c.g, 4490), ST_Area(c.g)
        FROM c JOIN p ON p.id = c.id WHERE NOT ST_IsEmpty(c.g) AND ST_Area(c.g) > 1
    """, [parent_level, size, level])
    return cur.rowcount


def _grid_insert(cur, sql_from, code, level, parent, srid, now):
    t = Grid._meta.db_table
    cur.execute(f"""
        INSERT INTO {t} (code, name, level, kind, dedicated_type, parent_id, community_id, households, population,
                         geom, area_m2, version, valid_from)
        SELECT {code}, '网格' || {code}, {level}, 'ordinary', '', {parent}, p.community_id,
               hh, (hh * (2.2 + random()))::int, ST_Transform(c.g, 4490), ST_Area(c.g), 1, %s
        FROM ({sql_from}) c JOIN p ON p.id = c.id,
             LATERAL (SELECT (50 + random() * 350)::int AS hh) h
        WHERE NOT ST_IsEmpty(c.g) AND ST_Area(c.g) > 1
    """, [now])
    return cur.rowcount


def _grids4(cur, size, srid, now):
    a = AdminArea._meta.db_table
    sql_from = f"""
        SELECT p.id, cell.i, cell.j, ST_Multi(ST_CollectionExtract(ST_Intersection(cell.geom, p.g), 3)) AS g
        FROM p, ST_SquareGrid({size}, p.g) AS cell WHERE ST_Intersects(cell.geom, p.g)"""
    cur.execute(f"CREATE TEMP TABLE p ON COMMIT DROP AS SELECT id, code, id AS community_id, ST_Transform(geom, {srid}) AS g "
                f"FROM {a} WHERE level = 'community'")
    code = "p.code || lpad(row_number() OVER (PARTITION BY p.id ORDER BY c.j DESC, c.i)::text, 2, '0')"
    n = _grid_insert(cur, sql_from, code, 4, "NULL", srid, now)
    cur.execute("DROP TABLE p")
    return n


def _grids5(cur, size, srid, now):
    t = Grid._meta.db_table
    sql_from = f"""
        SELECT p.id, cell.i, cell.j, ST_Multi(ST_CollectionExtract(ST_Intersection(cell.geom, p.g), 3)) AS g
        FROM p, ST_SquareGrid({size}, p.g) AS cell WHERE ST_Intersects(cell.geom, p.g)"""
    cur.execute(f"CREATE TEMP TABLE p ON COMMIT DROP AS SELECT id, code, community_id, ST_Transform(geom, {srid}) AS g "
                f"FROM {t} WHERE level = 4")
    code = "p.code || lpad(row_number() OVER (PARTITION BY p.id ORDER BY c.j DESC, c.i)::text, 3, '0')"
    n = _grid_insert(cur, sql_from, code, 5, "p.id", srid, now)
    cur.execute("DROP TABLE p")
    return n


def _roads(srid, using):
    """Two roads through every community (an east-west and a north-south centre line), clipped
    to it; named, proposed and unnamed in a realistic mix."""
    with connections[using].cursor() as cur:
        cur.execute(f"""
            WITH c AS (SELECT id, code, ST_Transform(geom, {srid}) AS g FROM {AdminArea._meta.db_table} WHERE level = 'community'),
            l AS (
                SELECT c.id, c.code, k, ST_Multi(ST_CollectionExtract(ST_Intersection(c.g, ST_SetSRID(CASE k
                    WHEN 'e' THEN ST_MakeLine(ST_MakePoint(ST_XMin(c.g), ST_Y(ST_Centroid(c.g))), ST_MakePoint(ST_XMax(c.g), ST_Y(ST_Centroid(c.g))))
                    ELSE ST_MakeLine(ST_MakePoint(ST_X(ST_Centroid(c.g)), ST_YMin(c.g)), ST_MakePoint(ST_X(ST_Centroid(c.g)), ST_YMax(c.g))) END, {srid})), 2)) AS g
                FROM c, unnest(ARRAY['e', 'n']) AS k
            )
            SELECT id, code, k, ST_AsEWKB(ST_Transform(g, 4490)) FROM l
            WHERE NOT ST_IsEmpty(g) AND ST_Length(g) > 10 ORDER BY code, k
        """)
        rows = cur.fetchall()
    roads = []
    for i, (area_id, code, k, wkb) in enumerate(rows):
        geom = GEOSGeometry(memoryview(wkb))
        n = i + 1
        status = Road.Status.UNNAMED if n % 10 == 0 else Road.Status.PROPOSED if n % 10 == 5 else Road.Status.NAMED
        generic = "路" if k == "e" else "街"
        specific = f"规{n}" if status != Road.Status.UNNAMED else ""
        roads.append(Road(code=f"S{code}{k}", specific=specific, generic=generic if specific else "",
                          name=f"{specific}{generic}" if status != Road.Status.UNNAMED else "",
                          working_name=f"规划{n}号路" if status == Road.Status.UNNAMED else "",
                          category=Road.Category.BRANCH, geom=geom, area_id=area_id, status=status,
                          length_m=0))
    for road in roads:  # length_m is computed on save(); bulk_create skips save()
        road.length_m = length_m(road.geom)
    Road.objects.using(using).bulk_create(roads, batch_size=2000)
    return len(roads)


def _signs(using):
    """A sign at each end of every named road."""
    signs = []
    for road in Road.objects.using(using).filter(status=Road.Status.NAMED).only("code", "name", "geom"):
        line = road.geom[0]
        for end, point in (("a", line[0]), ("b", line[-1])):
            signs.append(RoadSign(code=f"{road.code}{end}", road=road, geom=Point(point, srid=4490),
                                  name_text=road.name, pinyin_text=road.name))
    RoadSign.objects.using(using).bulk_create(signs, batch_size=5000)
    return len(signs)


def _boundary_lines(using):
    """The boundary line of every two neighbouring districts, by derive_boundary_line itself."""
    from django.core.exceptions import ValidationError

    from geogrid.boundaries.derive import derive_boundary_line

    t = AdminArea._meta.db_table
    with connections[using].cursor() as cur:
        cur.execute(f"SELECT a.code, b.code FROM {t} a JOIN {t} b ON a.code < b.code AND ST_Intersects(a.geom, b.geom) "
                    "WHERE a.level = 'district' AND b.level = 'district' ORDER BY a.code, b.code")
        pairs = cur.fetchall()
    made = 0
    for code_a, code_b in pairs:
        try:
            derive_boundary_line(code_a, code_b)
        except ValidationError:  # they meet at a point only
            continue
        made += 1
    return made


MARKER_SPACING_M = 2000


def _markers(srid, using):
    """A single marker (界桩, type letter Q) every MARKER_SPACING_M metres along each part of every
    line, numbered as the default rule wants: line code + 3-digit sequence + Q."""
    from geogrid.boundaries.models import BoundaryLine, BoundaryMarker
    from layers.versions import bump_model

    markers = []
    with connections[using].cursor() as cur:
        for line in BoundaryLine.objects.using(using).order_by("code"):
            cur.execute(f"""
                SELECT ST_AsEWKB(ST_Transform((ST_DumpPoints(ST_LineInterpolatePoints(p, LEAST(1.0, %s / ST_Length(p))))).geom, 4490))
                FROM (SELECT (ST_Dump(ST_Transform(geom, {srid}))).geom AS p FROM {BoundaryLine._meta.db_table} WHERE id = %s) parts
                WHERE ST_Length(p) > %s
            """, [MARKER_SPACING_M, line.pk, MARKER_SPACING_M / 2])
            for i, (wkb,) in enumerate(cur.fetchall()):
                markers.append(BoundaryMarker(number=f"{line.code}{i + 1:03d}Q", line=line, geom=GEOSGeometry(memoryview(wkb)),
                                              year_installed=2000 + i % 20))
    BoundaryMarker.objects.using(using).bulk_create(markers, batch_size=2000)
    bump_model(BoundaryMarker)  # bulk_create sends no signal
    return len(markers)


def _incidents(cur, n, reporter_id, now):
    """n cases over the two years before `now`: a random level-5 grid, a random point in it, a
    category and its mode; older cases mostly closed, recent ones at every stage."""
    if n <= 0:
        return 0
    g, i = Grid._meta.db_table, Incident._meta.db_table
    cats = list(IncidentCategory.objects.using(cur.db.alias).values_list("id", "default_mode"))
    cur.execute(f"""
        CREATE TEMP TABLE g5 ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY g.id) AS k, g.id, g.parent_id, g.community_id, a.parent_id AS street_id, g.geom
        FROM {g} g JOIN {AdminArea._meta.db_table} a ON a.id = g.community_id WHERE g.level = 5 AND g.valid_to IS NULL
    """)
    cur.execute("CREATE INDEX ON g5 (k)")
    cur.execute("SELECT count(*) FROM g5")
    grids = cur.fetchone()[0]
    cur.execute(f"""
        CREATE TEMP TABLE s ON COMMIT DROP AS
        SELECT n, 1 + floor(random() * {grids})::int AS k, %s::timestamptz - random() * interval '730 days' AS at,
               1 + floor(random() * {len(cats)})::int AS c, random() AS r
        FROM generate_series(1, %s) n
    """, [now, n])
    cur.execute(f"""
        INSERT INTO {i} (number, category_id, mode, description, address, geom, input_crs, grid5_id, grid4_id, community_id,
                         street_id, responsible_level, reporter_id, state, state_entered_at, deadline, urge_count,
                         overdue_stages, reported_at, closed_at, satisfaction, evaluation_comment, evaluation_reworks)
        SELECT extract(year FROM s.at AT TIME ZONE 'Asia/Shanghai')::int::text
                 || lpad(row_number() OVER (PARTITION BY extract(year FROM s.at AT TIME ZONE 'Asia/Shanghai') ORDER BY s.at, s.n)::text, 6, '0'),
               (ARRAY[{",".join(str(c) for c, _ in cats)}])[s.c], (ARRAY[{",".join(f"'{m}'" for _, m in cats)}])[s.c],
               '规模测试事件 ' || s.n, '', COALESCE(ST_GeometryN(ST_GeneratePoints(g5.geom, 1, s.n::int), 1), ST_PointOnSurface(g5.geom)), 'EPSG:4490',
               g5.id, g5.parent_id, g5.community_id, g5.street_id, 'grid', %s,
               st.state, CASE WHEN st.state = 'closed' THEN s.at + interval '3 days' ELSE s.at END,
               CASE WHEN st.state = 'closed' THEN NULL ELSE s.at + interval '2 days' END, 0,
               0, s.at, CASE WHEN st.state = 'closed' THEN s.at + interval '3 days' END, '', '', 0
        FROM s JOIN g5 ON g5.k = s.k,
             LATERAL (SELECT CASE WHEN s.at < %s::timestamptz - interval '30 days' AND s.r < 0.95 THEN 'closed'
                                  ELSE (ARRAY['reported','registered','dispatched','handling','handled','verified','closed'])[1 + floor(s.r * 7)::int]
                             END AS state) st
    """, [reporter_id, now])
    stored = cur.rowcount
    # Later reports (the submission benchmark) continue the sequence of each year.
    cur.execute(f"""
        INSERT INTO {IncidentCounter._meta.db_table} (year, last)
        SELECT left(number, 4)::int, max(right(number, 6)::int) FROM {i} GROUP BY 1
        ON CONFLICT (year) DO UPDATE SET last = GREATEST({IncidentCounter._meta.db_table}.last, EXCLUDED.last)
    """)
    return stored
