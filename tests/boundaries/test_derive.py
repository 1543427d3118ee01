"""derive_boundary_line: two purpose-built squares sharing an edge (exact length), slivers within
the tolerance, refusals, and the real Jinan districts (tests/data/realdata, GCJ-02 on input)."""
import io

import pytest
from django.core.management import CommandError, call_command

from geogrid.boundaries.derive import derive_boundary_line
from geogrid.boundaries.models import BoundaryLine
from geogrid.geo.crs import gk3_epsg
from geogrid.grids.models import AdminArea
from tests.support import box, data_path

pytestmark = pytest.mark.django_db


def district(code, name, geom):
    return AdminArea.objects.create(code=code, name=name, level="district", geom=geom)


def run(*args):
    out = io.StringIO()
    call_command("derive_boundary_line", *args, stdout=out)
    return out.getvalue()


def exact_edge_m(x, y0, y1):
    """The length of the meridian segment x, y0…y1 measured in its Gauss-Krüger zone, by PROJ."""
    from django.contrib.gis.geos import LineString

    line = LineString((x, y0), (x, y1), srid=4490)
    line.transform(gk3_epsg(x))
    return line.length


def test_two_squares_share_one_edge_of_exact_length():
    district("370101000000", "西区", box(117.00, 36.60, 117.01, 36.61))
    district("370102000000", "东区", box(117.01, 36.60, 117.02, 36.61))
    out = run("370101000000", "370102000000", "--tolerance", "0")
    line = BoundaryLine.objects.get(code="370101370102")
    # One part, exactly the shared edge (the or-chain here passed with extra parts).
    assert len(line.geom) == 1
    assert [c for pt in sorted(line.geom[0].coords) for c in pt] == pytest.approx([117.01, 36.60, 117.01, 36.61], abs=1e-9)
    assert line.length_m == pytest.approx(exact_edge_m(117.01, 36.60, 36.61), abs=1e-6)
    assert 1100 < line.length_m < 1120  # 0.01° of latitude
    assert f"{line.length_m / 1000:.3f} km" in out and "created" in out
    assert (line.side_a_code, line.side_b_code, line.area_a.name, line.area_b.name) == ("370101000000", "370102000000", "西区", "东区")
    assert line.name == "西区—东区界线"
    # With the default tolerance the shared edge is the same; a second run updates in place.
    assert "updated" in run("370101000000", "370102000000")
    assert BoundaryLine.objects.count() == 1
    assert BoundaryLine.objects.get().length_m == pytest.approx(exact_edge_m(117.01, 36.60, 36.61), abs=1e-6)


def test_a_sliver_gap_is_closed_by_the_tolerance_only():
    # East square starts 0.2 m east of the west square's edge (~2e-6° of longitude at 36.6°N).
    district("370101000000", "西区", box(117.00, 36.60, 117.01, 36.61))
    district("370102000000", "东区", box(117.0100022, 36.60, 117.02, 36.61))
    with pytest.raises(CommandError, match="没有共同边界"):
        run("370101000000", "370102000000", "--tolerance", "0")
    line, _created = derive_boundary_line("370101000000", "370102000000", tolerance_m=1.0)
    assert line.length_m == pytest.approx(exact_edge_m(117.01, 36.60, 36.61), abs=0.5)


@pytest.mark.parametrize("args, words", [
    (["370101000000", "370109000000"], "370109000000"),
    (["370101000000", "370101000000"], "相同"),
    (["370101000000", "370103000000"], "没有共同边界"),
    (["370101000000", "370102000000", "--tolerance", "-1"], "负数"),
])
def test_refusals_store_nothing(args, words):
    district("370101000000", "西区", box(117.00, 36.60, 117.01, 36.61))
    district("370102000000", "东区", box(117.01, 36.60, 117.02, 36.61))
    district("370103000000", "远区", box(117.05, 36.60, 117.06, 36.61))
    with pytest.raises(CommandError, match=words):
        run(*args)
    assert not BoundaryLine.objects.exists()


@pytest.fixture
def jinan():
    out = io.StringIO()
    call_command("import_areas", str(data_path("realdata", "jinan_districts_370100.geojson")), "--level", "district",
                 "--input-crs", "gcj02", "--code-field", "adcode", "--name-field", "name", stdout=out, stderr=io.StringIO())
    return {a.name: a.code for a in AdminArea.objects.all()}


# Measured in EPSG:4548 after the GCJ-02 → CGCS2000 conversion on import: one continuous line each,
# the same with tolerance 0 (the source data shares its vertices along common edges).
@pytest.mark.parametrize("other, km", [("槐荫区", 10.799), ("历城区", 27.891)])
def test_real_jinan_pairs(jinan, other, km):
    out = run(jinan["长清区"], jinan[other])
    line = BoundaryLine.objects.get()
    print(f"\nLENGTH 长清区|{other}: {line.length_m / 1000:.3f} km, {len(line.geom)} part(s); {out.strip()}")
    assert line.side_a_name == "长清区" and line.side_b_name == other
    assert len(line.geom) == 1 and line.length_m / 1000 == pytest.approx(km, abs=0.01)
    assert f"{km:.3f} km" in out
    run(jinan["长清区"], jinan[other], "--tolerance", "0")
    assert BoundaryLine.objects.get().length_m / 1000 == pytest.approx(km, abs=0.01)
    # The line lies on both outlines: within a metre of each everywhere.
    a, b = AdminArea.objects.get(name="长清区"), AdminArea.objects.get(name=other)
    from django.db import connection
    with connection.cursor() as cur:
        cur.execute("SELECT ST_HausdorffDistance(ST_Transform(l.geom, 4548), ST_Intersection(ST_Transform(l.geom, 4548), "
                    "ST_Buffer(ST_Boundary(ST_Transform(%s::geometry, 4548)), 1))) FROM boundaries_boundaryline l", [b.geom.ewkt])
        assert cur.fetchone()[0] < 1e-6
    assert a.geom.boundary.distance(line.geom) < 1e-9
    # Nothing left out: measured independently, A's outline within 1 m of B's is as long, give or take
    # the two ends where the outlines part (a metre or two each).
    with connection.cursor() as cur:
        cur.execute("SELECT ST_Length(ST_Intersection(ST_Boundary(ST_Transform(a.geom, 4548)), ST_Buffer(ST_Boundary(ST_Transform(b.geom, 4548)), 1)))"
                    " FROM grids_adminarea a, grids_adminarea b WHERE a.id = %s AND b.id = %s", [a.pk, b.pk])
        independent = cur.fetchone()[0]
    assert line.length_m <= independent < line.length_m + 10
