"""generate_scale (the benchmarks' city-sized data) at a small size: every level tiles its parent,
codes follow the grid-code rule, every case lies in its level-5 grid and the locate service agrees,
later reports continue the numbering; bad options and a non-empty database are refused."""
import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from geogrid.grids.models import AdminArea, Grid, validate_grid_code
from geogrid.grids.services import locate
from geogrid.incidents.models import Incident, IncidentCounter
from geogrid.placenames.models import Road, RoadSign

pytestmark = pytest.mark.django_db


def districts(tmp_path):
    """Two adjacent 0.2° × 0.1° districts near Jinan (CGCS2000 lon/lat)."""
    def rect(x0, y0, x1, y1):
        return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}

    path = tmp_path / "d.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"adcode": 370198, "name": "甲区"}, "geometry": rect(117.00, 36.60, 117.20, 36.70)},
        {"type": "Feature", "properties": {"adcode": 370199, "name": "乙区"}, "geometry": rect(117.20, 36.60, 117.40, 36.70)},
    ]}, ensure_ascii=False))
    return path


def generate(tmp_path, *extra):
    out = io.StringIO()
    call_command("generate_scale", "--here", "--districts", str(districts(tmp_path)), "--input-crs", "EPSG:4490",
                 "--grids5", "400", "--incidents", "3000", *extra, stdout=out)
    return out.getvalue()


def scalar(sql):
    with connection.cursor() as cur:
        cur.execute(sql)
        return cur.fetchone()[0]


def test_levels_tile_their_parents_and_codes_follow_the_rule(tmp_path):
    out = generate(tmp_path)
    l5 = Grid.objects.filter(level=5)
    assert 400 <= l5.count() <= 480  # the edge is chosen for 400; cells cut by a border add a few
    assert "规模数据已写入" in out
    g, a = Grid._meta.db_table, AdminArea._meta.db_table
    # Per parent: the children's areas add up to the parent's (no gap) and their union is no larger (no overlap).
    for child, parent, key in ((g, g, "parent_id"), (g, a, "community_id"), (a, a, "parent_id")):
        level = "c.level = 5" if key == "parent_id" and child == g else ("c.level = 4" if child == g else "true")
        worst = scalar(f"""
            SELECT max(abs(s.total - ST_Area(ST_Transform(p.geom, 4548))) / ST_Area(ST_Transform(p.geom, 4548)))
            FROM {parent} p JOIN (SELECT c.{key} AS pid, sum(ST_Area(ST_Transform(c.geom, 4548))) AS total
                                  FROM {child} c WHERE {level} AND c.{key} IS NOT NULL GROUP BY 1) s ON s.pid = p.id""")
        assert worst < 1e-6, (child, parent, key, worst)
    overlap = scalar(f"""SELECT count(*) FROM {g} x JOIN {g} y ON x.level = 5 AND y.level = 5 AND x.id < y.id
                         AND ST_Intersects(x.geom, y.geom)
                         AND ST_Area(ST_Transform(ST_Intersection(x.geom, y.geom), 4548)) > 0.01""")
    assert overlap == 0  # m²: rounding along the border of two districts leaves slivers below that
    for grid in Grid.objects.select_related("community", "parent"):
        validate_grid_code(grid.code, grid.level, community_code=grid.community.code if grid.level == 4 else None,
                           parent_code=grid.parent.code if grid.parent_id else None)
    streets = AdminArea.objects.filter(level="street")
    assert all(s.code[:6] == s.parent.code[:6] and s.code.endswith("000") for s in streets.select_related("parent"))


def test_neighbours_get_their_boundary_line_and_a_marker_every_2_km(tmp_path):
    from geogrid.boundaries.models import BoundaryLine, validate_marker_number

    out = generate(tmp_path)
    line = BoundaryLine.objects.get()  # 甲区|乙区 share the meridian 117.2 from 36.6 to 36.7
    assert (line.side_a_name, line.side_b_name, line.code) == ("甲区", "乙区", "370198370199")
    assert abs(line.length_m - 11_097) < 20  # 0.1° of latitude there, in the Gauss-Krüger zone
    markers = list(line.markers.order_by("number"))
    assert len(markers) == 5 and "boundary lines: 1, markers: 5" in out  # at 2, 4, … 10 km along it
    for m in markers:
        validate_marker_number(m.number, line.code, m.marker_type)
        assert abs(m.geom.x - 117.2) < 1e-6 and 36.6 < m.geom.y < 36.7 + 1e-6  # on the line (through the GK zone: mm)
    gaps = [b.geom.y - a.geom.y for a, b in zip(markers, markers[1:])]
    assert all(abs(abs(g) * 11_097 / 0.1 - 2000) < 5 for g in gaps), gaps


def test_cases_lie_in_their_grid_and_numbers_continue(tmp_path):
    now = timezone.now()
    generate(tmp_path)
    assert Incident.objects.count() == 3000
    i, g = Incident._meta.db_table, Grid._meta.db_table
    assert scalar(f"SELECT count(*) FROM {i} x JOIN {g} c ON c.id = x.grid5_id WHERE NOT ST_Covers(c.geom, x.geom)") == 0
    assert scalar(f"SELECT count(*) FROM {i} x JOIN {g} c ON c.id = x.grid5_id WHERE c.parent_id <> x.grid4_id") == 0
    assert Incident.objects.filter(reported_at__lt=now - timedelta(days=731)).count() == 0
    assert Incident.objects.filter(reported_at__lt=now - timedelta(days=365)).exists()
    old = Incident.objects.filter(reported_at__lt=now - timedelta(days=60))
    assert old.filter(state="closed").count() > 0.9 * old.count()
    assert Incident.objects.exclude(state="closed").filter(deadline__isnull=True).count() == 0
    for case in Incident.objects.order_by("?")[:20]:
        assert locate(case.geom)["grid5"]["code"] == case.grid5.code
    for counter in IncidentCounter.objects.all():
        assert counter.last == Incident.objects.filter(number__startswith=str(counter.year)).count()
    assert Road.objects.exists() and RoadSign.objects.count() == 2 * Road.objects.filter(status="named").count()


def test_refuses_bad_options_and_a_database_with_grids(tmp_path):
    with pytest.raises(CommandError, match="正数"):
        call_command("generate_scale", "--here", "--grids5", "0", stdout=io.StringIO())
    with pytest.raises(CommandError, match="找不到"):
        call_command("generate_scale", "--here", "--districts", str(tmp_path / "none.geojson"), stdout=io.StringIO())
    assert not AdminArea.objects.exists()
    generate(tmp_path)
    before = Incident.objects.count()
    with pytest.raises(CommandError, match="已有网格"):
        generate(tmp_path)
    assert Incident.objects.count() == before
