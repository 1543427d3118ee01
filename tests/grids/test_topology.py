"""check_topology: a clean tiling passes; overlaps, gaps and children outside their parents are
reported with their areas in m² (against the areas of the strips the test builds)."""
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from geogrid.geo.measure import area_m2
from geogrid.grids.models import AdminArea, Grid
from geogrid.grids.topology import check_topology
from tests.support import box

pytestmark = pytest.mark.django_db

#  x: 116.70      116.725  116.75        116.775       116.80
#  36.60 +-------------------+-------------------------+
#        |  C2 = G4c   (S1)  |                         |
#  36.55 +---------+---------+   C3 (S2)               |
#        | G4a     | G4b     |   G4d    |    G4e       |
#        | G5a|G5b |  (C1)   |          |              |
#  36.50 +---------+---------+----------+--------------+


def build():
    d = AdminArea.objects.create(code="370190000000", name="测试区", level="district", geom=box(116.70, 36.50, 116.80, 36.60))
    s1 = AdminArea.objects.create(code="370190001000", name="一街道", level="street", parent=d, geom=box(116.70, 36.50, 116.75, 36.60))
    s2 = AdminArea.objects.create(code="370190002000", name="二街道", level="street", parent=d, geom=box(116.75, 36.50, 116.80, 36.60))
    c1 = AdminArea.objects.create(code="370190001001", name="一社区", level="community", parent=s1, geom=box(116.70, 36.50, 116.75, 36.55))
    c2 = AdminArea.objects.create(code="370190001002", name="二社区", level="community", parent=s1, geom=box(116.70, 36.55, 116.75, 36.60))
    c3 = AdminArea.objects.create(code="370190002001", name="三社区", level="community", parent=s2, geom=box(116.75, 36.50, 116.80, 36.60))
    # A second district without streets: a parent without children is not a gap.
    AdminArea.objects.create(code="370191000000", name="空区", level="district", geom=box(116.80, 36.50, 116.90, 36.60))

    def g(code, level, community, geom, parent=None):
        return Grid.objects.create(code=code, name=code[-4:], level=level, community=community, parent=parent, geom=geom)

    w = dict(d=d, s1=s1, s2=s2, c1=c1, c2=c2, c3=c3)
    w["g4a"] = g("37019000100101", 4, c1, box(116.70, 36.50, 116.725, 36.55))
    w["g4b"] = g("37019000100102", 4, c1, box(116.725, 36.50, 116.75, 36.55))
    w["g4c"] = g("37019000100201", 4, c2, box(116.70, 36.55, 116.75, 36.60))
    w["g4d"] = g("37019000200101", 4, c3, box(116.75, 36.50, 116.775, 36.60))
    w["g4e"] = g("37019000200102", 4, c3, box(116.775, 36.50, 116.80, 36.60))
    w["g5a"] = g("3701900010010101", 5, c1, box(116.70, 36.50, 116.7125, 36.55), parent=w["g4a"])
    w["g5b"] = g("3701900010010102", 5, c1, box(116.7125, 36.50, 116.725, 36.55), parent=w["g4a"])
    return w


def redraw(obj, geom):
    """Change a polygon behind the models' backs (update() skips save()), as bad data would."""
    type(obj).objects.filter(pk=obj.pk).update(geom=geom)


def run(*args):
    out = io.StringIO()
    call_command("check_topology", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fail(*args):
    out = io.StringIO()
    with pytest.raises(CommandError) as err:
        call_command("check_topology", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue(), str(err.value)


def test_a_clean_tiling_passes():
    build()
    out = run()
    assert "拓扑检查通过" in out
    assert "区县 2，街道 2，社区 3，四级网格 5，五级网格 2" in out and "EPSG:4548" in out
    report = check_topology()
    assert report.ok and report.zone_epsg == 4548


def test_overlap_of_two_l4_siblings_and_a_gap_in_a_community_are_reported_with_areas():
    w = build()
    redraw(w["g4d"], box(116.75, 36.50, 116.78, 36.60))  # into G4e: overlap 116.775–116.78
    redraw(w["g4b"], box(116.725, 36.50, 116.745, 36.55))  # leaves 116.745–116.75 of C1 uncovered
    overlap_m2 = area_m2(box(116.775, 36.50, 116.78, 36.60))
    gap_m2 = area_m2(box(116.745, 36.50, 116.75, 36.55))

    report = check_topology()
    got = {(p.kind, p.code, p.other): p for p in report.problems}
    assert set(got) == {("grid4_overlap", "37019000200101", "37019000200102"), ("community_gap", "370190001001", "")}
    ov, gap = got[("grid4_overlap", "37019000200101", "37019000200102")], got[("community_gap", "370190001001", "")]
    assert ov.area_m2 == pytest.approx(overlap_m2, rel=0.01) and 4.9e6 < ov.area_m2 < 5.0e6  # ~447 m × 11.1 km
    assert gap.area_m2 == pytest.approx(gap_m2, rel=0.01) and ov.pieces == gap.pieces == 1
    assert 116.775 < ov.lon < 116.78 and 116.745 < gap.lon < 116.75  # a point inside the piece

    out, msg = fail()
    assert "四级网格相互重叠" in out and "社区内有四级网格未覆盖的空隙" in out
    assert f"{round(overlap_m2, 1):,.1f}"[:5] in out  # areas printed in m², not degrees
    assert "发现 2 处拓扑问题" in msg


def test_json_output_is_for_machines():
    w = build()
    redraw(w["g4d"], box(116.75, 36.50, 116.78, 36.60))
    out, _msg = fail("--json")
    data = json.loads(out)
    assert data["ok"] is False and data["zone_epsg"] == 4548 and data["tolerance_m2"] == 1.0
    [p] = data["problems"]
    assert p["kind"] == "grid4_overlap" and p["label"] == "四级网格相互重叠"
    assert p["area_m2"] == pytest.approx(area_m2(box(116.775, 36.50, 116.78, 36.60)), rel=0.01)


def test_children_outside_their_parents():
    w = build()
    redraw(w["g5b"], box(116.7125, 36.49, 116.725, 36.55))  # L5 pokes 0.01° south of its L4
    redraw(w["c1"], box(116.70, 36.50, 116.76, 36.55))  # community into the other street
    report = check_topology()
    got = {(p.kind, p.code, p.other): p.area_m2 for p in report.problems}
    assert got == {
        ("grid5_outside_grid4", "3701900010010102", "37019000100101"): pytest.approx(area_m2(box(116.7125, 36.49, 116.725, 36.50)), rel=0.01),
        ("community_outside_street", "370190001001", "370190001000"): pytest.approx(area_m2(box(116.75, 36.50, 116.76, 36.55)), rel=0.01),
        ("community_gap", "370190001001", ""): pytest.approx(area_m2(box(116.75, 36.50, 116.76, 36.55)), rel=0.01),
    }


def test_l5_gap_and_street_level_overlap_and_district_gap():
    w = build()
    w["g5b"].delete()  # G4a keeps one child covering half of it
    redraw(w["s2"], box(116.74, 36.50, 116.79, 36.60))  # overlaps S1, leaves a strip of the district
    kinds = {p.kind: p.area_m2 for p in check_topology().problems}
    assert kinds["grid4_gap"] == pytest.approx(area_m2(box(116.7125, 36.50, 116.725, 36.55)), rel=0.01)
    assert kinds["street_overlap"] == pytest.approx(area_m2(box(116.74, 36.50, 116.75, 36.60)), rel=0.01)
    assert kinds["street_gap"] == pytest.approx(area_m2(box(116.74, 36.50, 116.75, 36.60)), rel=0.01)  # S2 not covered by C3
    assert kinds["district_gap"] == pytest.approx(area_m2(box(116.79, 36.50, 116.80, 36.60)), rel=0.01)
    assert kinds["community_outside_street"] == pytest.approx(area_m2(box(116.79, 36.50, 116.80, 36.60)), rel=0.01)  # C3


def test_slivers_of_a_shared_edge_are_below_the_tolerance():
    w = build()
    # 5e-10° ≈ 0.045 mm along an 11 km edge: ~0.5 m² of floating-point noise.
    redraw(w["g4d"], box(116.75, 36.50, 116.775 + 5e-10, 36.60))
    assert check_topology().ok
    [p] = check_topology(tolerance_m2=0.1).problems
    assert p.kind == "grid4_overlap" and 0.3 < p.area_m2 < 0.7
    run()  # the command passes too
    _out, msg = fail("--tolerance", "0.1")
    assert "发现 1 处" in msg


def test_only_current_grid_versions_are_checked():
    w = build()
    old = w["g4d"]
    cut = timezone.now()
    Grid.objects.filter(pk=old.pk).update(valid_from=cut - timedelta(days=2), valid_to=cut - timedelta(days=1), geom=box(116.75, 36.50, 116.80, 36.60))
    Grid.objects.create(code=old.code, name=old.name, level=4, community=w["c3"], geom=box(116.75, 36.50, 116.775, 36.60),
                        version=2, valid_from=cut - timedelta(days=1))
    assert check_topology().ok  # the closed version overlapping G4e is history, not a problem


def test_l5_under_a_closed_l4_row_is_checked_against_the_l4_in_force():
    w = build()
    cut = timezone.now()
    old = w["g4a"]
    Grid.objects.filter(pk=old.pk).update(valid_from=cut - timedelta(days=2), valid_to=cut - timedelta(days=1))
    Grid.objects.create(code=old.code, name=old.name, level=4, community=w["c1"], geom=box(116.70, 36.50, 116.72, 36.55),
                        version=2, valid_from=cut - timedelta(days=1))
    got = {(p.kind, p.code) for p in check_topology().problems}
    assert ("grid5_outside_grid4", "3701900010010102") in got  # G5b still points at version 1
    assert ("community_gap", "370190001001") in got
