"""The question of issue #14 on the demo district: which communities lack a meal point within
1 km, and how many households live there — by the command, the page and the export."""
import io

import pytest
from django.core.management import call_command

from geogrid.accounts.models import User
from geogrid.facilities.coverage import analyse
from geogrid.facilities.models import Facility
from tests.support.demo import demo  # noqa: F401  (module-scoped fixture: the demo loaded once)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo")]


def test_meal_points_within_1_km_on_the_demo(db):
    cov = analyse("meal_point", 1000)
    assert (len(cov.grids), cov.households, cov.covered_households, cov.uncovered_households) == (1163, 69829, 56627, 13202)
    ranked = cov.uncovered_communities()
    assert [(r["name"], r["uncovered_households"]) for r in ranked[:3]] == [("下寨村", 1105), ("望岳社区", 968), ("书院社区", 822)]
    # Two villages no meal point reaches at all (no point of their own yet, none near).
    assert sorted(r["name"] for r in cov.communities if r["grids_unreached"] == r["grids"]) == ["石湾村", "苇泉村"]
    # The meal points being built (筹建中) do not count: none is any grid's nearest.
    planned = set(Facility.objects.filter(facility_type="meal_point", status="planned").values_list("name", flat=True))
    assert len(planned) == 3 and not planned & {r["nearest"] for r in cov.grids}


def test_the_command_prints_the_ranking(db):
    out = io.StringIO()
    call_command("coverage", "--type", "meal_point", "--radius", "1000", stdout=out, stderr=io.StringIO())
    lines = out.getvalue().splitlines()
    assert lines[0] == "助餐点 1000 米服务覆盖（按面积占比计算）：五级网格 1163 个，户数 69829，已覆盖 56627（81.1%），未覆盖 13202"
    assert lines[3].split("\t")[:5] == ["1", "370190103202", "下寨村", "桃峪镇", "1105"]


def test_the_street_dispatcher_sees_their_street(db, client):
    client.force_login(User.objects.get(username="demo_street"))
    r = client.get("/facilities/coverage/?type=meal_point")
    html = r.content.decode()
    table = html.split('id="coverage-communities"')[1].split("</table>")[0]
    cov = analyse("meal_point", 1000, user=User.objects.get(username="demo_street"))
    assert {r["street"] for r in cov.communities} == {"泉峪街道"} and len(cov.communities) == 6
    assert r.status_code == 200 and table.count("<tr data-code=") == len(cov.uncovered_communities()) > 0
    assert "下寨村" not in html  # another town's village
