"""Coverage analysis on the hand-made town (tests/facilities/town.py): exact shares, households,
distances and rankings; one SQL statement; scope; bad requests."""
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geogrid.facilities.coverage import CoverageError, analyse
from geogrid.facilities.models import FacilityType
from geogrid.geo.crs import gk3_epsg
from geogrid.grids.models import Grid
from tests.facilities.town import CODE, QUARTER_64GON, gk_square, town
from tests.support.world import user

pytestmark = pytest.mark.django_db


def by_name(cov):
    names = {v: k for k, v in CODE.items()}
    return {names[r["code"]]: r for r in cov.grids}


def test_radius_1000_exact_answers():
    town()
    cov = analyse("meal_point", 1000)
    g = by_name(cov)
    for name in ("Ga", "Gb", "Gc", "Gd"):  # a quarter of F1's disc each (F1b at the same point adds nothing)
        assert g[name]["share"] == pytest.approx(QUARTER_64GON, rel=1e-6), name
        assert g[name]["distance_m"] == pytest.approx(0, abs=1e-6) and g[name]["nearest"] in ("转角助餐点", "转角助餐点（二）")
    assert g["Ge"]["share"] == 1.0 and g["Ge"]["nearest"] == "东头助餐点" and g["Ge"]["distance_m"] == pytest.approx(0, abs=1e-6)
    # Gg: the closed meal point 500 m away and the day-care centre inside do not count.
    assert g["Gg"]["share"] == 0.0 and g["Gg"]["nearest"] == "转角助餐点" and g["Gg"]["distance_m"] == pytest.approx(4000, abs=1e-3)
    covered = {n: (r["covered_households"], r["covered_population"]) for n, r in g.items()}
    # 1000·0.7841371 = 784.1, 400·… = 313.7, 200·… = 156.8; population 2500·… = 1960.3, 1000·… = 784.1, 500·… = 392.1
    assert covered == {"Ga": (784, 1960), "Gb": (314, 784), "Gc": (0, 0), "Gd": (157, 392), "Ge": (300, 700), "Gg": (0, 0)}
    assert [(r["name"], r["uncovered_households"], r["grids_unreached"]) for r in cov.uncovered_communities()] == [
        ("方一社区", 1900 - 1555, 0), ("方二社区", 120, 1)]
    assert [r["code"] for r in cov.uncovered_grids()] == [CODE["Ga"], CODE["Gg"], CODE["Gb"], CODE["Gd"]]
    assert [r["uncovered_households"] for r in cov.uncovered_grids()] == [216, 120, 86, 43]
    assert (cov.households, cov.covered_households, cov.uncovered_households) == (2020, 1555, 465)
    c1 = next(r for r in cov.communities if r["name"] == "方一社区")
    assert (c1["households"], c1["covered_households"], c1["grids"], c1["street"]) == (1900, 1555, 5, "东街道")
    assert c1["share"] == pytest.approx(1555 / 1900)


def test_radius_500_goes_through_the_union_of_discs():
    """r = 500: F1's quarter discs are a quarter the size; F2's disc is inscribed in Ge (touching its
    sides, missing its corners), so Ge is not wholly within it: 64-gon area 32·sin(π/32)·r²."""
    town()
    g = by_name(analyse("meal_point", 500))
    assert g["Ga"]["share"] == pytest.approx(QUARTER_64GON / 4, rel=1e-6)
    assert g["Ge"]["share"] == pytest.approx(32 * math.sin(math.pi / 32) * 500 ** 2 / 1e6, rel=1e-6)
    assert g["Ge"]["covered_households"] == round(300 * 0.7841371)


def test_radius_reaching_everything_and_another_type():
    town()
    g = by_name(analyse("meal_point", 6000))
    assert all(r["share"] == 1.0 for r in g.values())
    g = by_name(analyse("day_care", 1000))  # the day-care centre in Gg: only Gg is reached, wholly (corners 707 m)
    assert g["Gg"]["share"] == 1.0 and g["Ga"]["share"] == 0.0
    # From (500, 5500) straight down to the top edges of Ga (y = 1000) and Gc (y = 2000).
    assert g["Ga"]["distance_m"] == pytest.approx(4500, abs=1e-3) and g["Gc"]["distance_m"] == pytest.approx(3500, abs=1e-3)
    g = by_name(analyse("cemetery", 1000))  # no facility of the type at all
    assert all(r["share"] == 0.0 and r["nearest"] is None and r["distance_m"] is None for r in g.values())


def test_one_sql_statement_however_many_grids():
    w = town()
    meal = FacilityType.objects.get(code="meal_point")
    counts = []
    for more in (0, 40):
        Grid.objects.bulk_create([Grid(code=f"3701900010010{200 + i}", name=f"加{i}", level=5, parent=w["Ga"].parent, community=w["c1"],
                                       households=10, geom=gk_square(8000 + 1000 * i, 0)) for i in range(more)])
        with CaptureQueriesContext(connection) as ctx:
            cov = analyse(meal, 1000)
        reads = [q["sql"] for q in ctx.captured_queries if "grids_grid" in q["sql"] or "facilities_" in q["sql"]]
        counts.append((len(reads), len(ctx.captured_queries), len(cov.grids)))
    # One statement reads grids and facilities; the others are its savepoint and SET LOCAL jit = off.
    assert counts == [(1, 4, 6), (1, 4, 46)]


def test_scope_narrows_the_grids_not_the_facilities():
    w = town()
    cs2 = user("cs2", "community_staff", area=w["c2"])
    cov = analyse("meal_point", 5000, user=cs2)
    assert [r["code"] for r in cov.grids] == [CODE["Gg"]] and cov.grids[0]["share"] > 0  # served from C1
    nobody = user("nobody", "grid_member")
    assert analyse("meal_point", 1000, user=nobody).grids == []
    assert [r["code"] for r in analyse("meal_point", 1000, area=w["s1"]).grids] == sorted(CODE[n] for n in ("Ga", "Gb", "Gc", "Gd", "Ge"))


@pytest.mark.parametrize("radius", [0, -5, "abc", 60000])
def test_bad_radius(radius):
    town()
    with pytest.raises(CoverageError):
        analyse("meal_point", radius)


def test_unknown_type():
    with pytest.raises(CoverageError, match="zoo"):
        analyse("zoo", 1000)


@pytest.mark.parametrize("lon", [73.6, 75.0, 115.4, 116.78, 117.0, 118.6, 134.9])
def test_sql_zone_is_the_crs_helpers_zone(lon):
    with connection.cursor() as cur:
        cur.execute("SELECT 4534 + (LEAST(GREATEST(3 * round(%s::float8 / 3), 75), 135)::int - 75) / 3", [lon])
        assert cur.fetchone()[0] == gk3_epsg(lon)


def test_the_coverage_command():
    import io

    from django.core.management import CommandError, call_command

    town()
    out = io.StringIO()
    call_command("coverage", "--type", "meal_point", "--radius", "1000", stdout=out, stderr=io.StringIO())
    lines = out.getvalue().splitlines()
    assert lines[0] == "助餐点 1000 米服务覆盖（按面积占比计算）：五级网格 6 个，户数 2020，已覆盖 1555（77.0%），未覆盖 465"
    assert [line.split("\t")[2] for line in lines[3:]] == ["方一社区", "方二社区"]
    out = io.StringIO()
    call_command("coverage", "--type", "meal_point", "--area", "370190002000", "--grids", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "五级网格 1 个" in text and "未覆盖的五级网格 1 个" in text and CODE["Gg"] in text and "4000" in text
    with pytest.raises(CommandError, match="未知设施类型“zoo”"):
        call_command("coverage", "--type", "zoo")
    with pytest.raises(CommandError, match="没有代码为 370190009000 的街道或社区"):
        call_command("coverage", "--type", "meal_point", "--area", "370190009000")
