"""A hand-made town for the coverage tests, drawn in Gauss-Krüger metres (EPSG:4548, CM 117°E,
the zone the analysis measures in) and stored in CGCS2000, so every distance and area below is
exact by construction. Level-5 grids are 1 000 m squares; (0, 0) is E 480 000, N 4 045 000
(about 116.78°E, 36.54°N).

    N (m)
    6000 +------+
         |  Gg  |  C2 (street S2): 120 households; a closed meal point at (500, 4500) and a
    5000 +------+  day-care centre inside Gg do not count
          ...
    2000 +------+------+
         |  Gc  |  Gd  |
    1000 +------F1-----+                 +------+
         |  Ga  |  Gb  |                 |  F2  |  Ge
       0 +------+------+                 +------+
         0     1000   2000             5000    6000  E (m)

    C1 (street S1) = Ga, Gb, Gc, Gd, Ge. F1 (and F1b, at the same point): meal points at the
    corner (1000, 1000); F2: a meal point at the centre of Ge (5500, 500).

Radius 1 000 m: Ga…Gd each hold a quarter of F1's disc (the disc is a 64-gon: a quarter is
8·sin(π/32)·r² = 0.7841371 r², π/4 = 0.7853982 for a true circle); Ge lies wholly within F2's
disc (its corners are 707 m away); Gg is 4 000 m from F1 (its corner (1000, 5000)).
"""
import math

from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from geogrid.facilities.models import Facility, FacilityType
from geogrid.facilities.seed import seed
from geogrid.grids.models import AdminArea, Grid

E0, N0 = 480000.0, 4045000.0
GK = 4548
QUARTER_64GON = 8 * math.sin(math.pi / 32)  # the share of a 1000 m square a quarter 64-gon of r = 1000 m covers


def gk_point(x, y):
    p = Point(E0 + x, N0 + y, srid=GK)
    p.transform(4490)
    return p


def gk_square(x0, y0, size=1000.0):
    poly = MultiPolygon(Polygon.from_bbox((E0 + x0, N0 + y0, E0 + x0 + size, N0 + y0 + size)), srid=GK)
    poly.transform(4490)
    return poly


def box_around(*squares):
    xs = [c for s in squares for c in (s.extent[0], s.extent[2])]
    ys = [c for s in squares for c in (s.extent[1], s.extent[3])]
    return MultiPolygon(Polygon.from_bbox((min(xs) - 0.001, min(ys) - 0.001, max(xs) + 0.001, max(ys) + 0.001)), srid=4490)


GRIDS = {  # name: (x0, y0, community, households, population)
    "Ga": (0, 0, "c1", 1000, 2500),
    "Gb": (1000, 0, "c1", 400, 1000),
    "Gc": (0, 1000, "c1", 0, 0),
    "Gd": (1000, 1000, "c1", 200, 500),
    "Ge": (5000, 0, "c1", 300, 700),
    "Gg": (0, 5000, "c2", 120, 300),
}
CODE = {name: f"37019000100101{i:02d}" for i, name in enumerate(GRIDS, start=1)}


def town():
    seed(FacilityType)
    squares = {name: gk_square(x, y) for name, (x, y, *_rest) in GRIDS.items()}
    c1_geom = box_around(*(squares[n] for n in ("Ga", "Gb", "Gc", "Gd", "Ge")))
    c2_geom = box_around(gk_square(0, 4000, 2000))  # Gg and the closed meal point south of it
    d = AdminArea.objects.create(code="370190000000", name="方格区", level="district", geom=box_around(c1_geom, c2_geom))
    s1 = AdminArea.objects.create(code="370190001000", name="东街道", level="street", parent=d, geom=c1_geom)
    s2 = AdminArea.objects.create(code="370190002000", name="北街道", level="street", parent=d, geom=c2_geom)
    c1 = AdminArea.objects.create(code="370190001001", name="方一社区", level="community", parent=s1, geom=c1_geom)
    c2 = AdminArea.objects.create(code="370190002001", name="方二社区", level="community", parent=s2, geom=c2_geom)
    w = {"district": d, "s1": s1, "s2": s2, "c1": c1, "c2": c2}
    g4 = {"c1": Grid.objects.create(code="37019000100101", name="方一网格", level=4, community=c1, geom=c1_geom),
          "c2": Grid.objects.create(code="37019000200101", name="方二网格", level=4, community=c2, geom=c2_geom)}
    for name, (x, y, com, households, population) in GRIDS.items():
        w[name] = Grid.objects.create(code=CODE[name], name=f"{name}小网格", level=5, parent=g4[com], community=w[com],
                                      households=households, population=population, geom=squares[name])
    meal = dict(facility_type_id="meal_point")
    w["F1"] = Facility.objects.create(name="转角助餐点", geom=gk_point(1000, 1000), area=c1, **meal)
    w["F1b"] = Facility.objects.create(name="转角助餐点（二）", geom=gk_point(1000, 1000), area=c1, **meal)
    w["F2"] = Facility.objects.create(name="东头助餐点", geom=gk_point(5500, 500), area=c1, **meal)
    w["F3"] = Facility.objects.create(name="停业助餐点", geom=gk_point(500, 4500), area=c2, status="closed", **meal)
    w["F4"] = Facility.objects.create(name="北头日间照料中心", facility_type_id="day_care", geom=gk_point(500, 5500), area=c2)
    return w
