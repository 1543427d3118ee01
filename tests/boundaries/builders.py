"""The boundary test world: tests.support.world's district 测试区 (370112) and its western neighbour
长清区 (370113), their common line derived by PostGIS, four markers on it, and the inspectors of
each side.

    x: 116.60            116.70 (the line, markers 001…004 north → south)   116.80
 36.60 +--------------------+-------------------------------------------+
       |  长清区 370113      |  测试区 370112 (world(): streets, grids…)  |
 36.50 +--------------------+-------------------------------------------+
"""
from datetime import date

from django.contrib.gis.geos import Point

from geogrid.accounts.roles import Role
from geogrid.boundaries.derive import derive_boundary_line
from geogrid.boundaries.models import BoundaryMarker
from geogrid.geo.crs import gk3_epsg
from geogrid.grids.models import AdminArea
from tests.support import box
from tests.support.world import user, world

LINE_X = 116.70


def marker_number(line, i, letter="Q"):
    return f"{line.code}{i:03d}{letter}"


def boundary_world(markers=4):
    w = world()
    w["neighbour"] = AdminArea.objects.create(code="370113000000", name="长清区", level="district", geom=box(116.60, 36.50, 116.70, 36.60))
    line, _created = derive_boundary_line("370113000000", "370112000000")
    w["line"] = line  # side a 长清区, side b 测试区
    w["markers"] = [BoundaryMarker.objects.create(number=marker_number(line, i + 1), line=line, geom=Point(LINE_X, 36.59 - i * 0.08 / max(markers - 1, 1), srid=4490),
                                                  year_installed=2003) for i in range(markers)]
    # Inspectors act for the district their area lies in: a street of 测试区 counts as 测试区.
    w["ins_b"] = user("ins_b", Role.BOUNDARY_INSPECTOR, area=w["district"], full_name="测试区联检员")
    w["ins_b2"] = user("ins_b2", Role.BOUNDARY_INSPECTOR, area=w["s1"], full_name="测试区联检员二")
    w["ins_a"] = user("ins_a", Role.BOUNDARY_INSPECTOR, area=w["neighbour"], full_name="长清区联检员")
    w["ins_a2"] = user("ins_a2", Role.BOUNDARY_INSPECTOR, area=w["neighbour"], full_name="长清区联检员二")
    w["far"] = AdminArea.objects.create(code="370124000000", name="平阴县", level="district", geom=box(116.30, 36.20, 116.40, 36.30))
    w["ins_far"] = user("ins_far", Role.BOUNDARY_INSPECTOR, area=w["far"], full_name="平阴县联检员")
    return w


def plan(w, year=2026, **kw):
    from geogrid.boundaries.services import plan_inspection

    return plan_inspection(w["ins_b"], w["line"], year=year, planned_start=date(year, 5, 1), planned_end=date(year, 5, 10),
                           team_a=[w["ins_a"], w["ins_a2"]], team_b=[w["ins_b"], w["ins_b2"]], **kw)


def in_field(w, **kw):
    from geogrid.boundaries.services import transition

    insp = plan(w, **kw)
    return transition(insp, "start_fieldwork", w["ins_a"])


def east_of(point, metres):
    """The point `metres` east of point, in its Gauss-Krüger zone, back in EPSG:4490 (lon, lat)."""
    p = point.clone()
    p.transform(gk3_epsg(point.x))
    p = Point(p.x + metres, p.y, srid=p.srid)
    p.transform(4490)
    return p.x, p.y
