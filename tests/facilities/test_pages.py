"""The facility list and the coverage page with its exports: who may open them, filters, figures,
bad input (400), and a fixed number of queries however much there is to show."""
import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from geogrid.facilities.models import Facility
from tests.facilities.town import CODE, gk_point, gk_square, town
from tests.support.world import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = town()
    w["da"] = user("da", "district_admin", area=w["district"])
    w["cs1"] = user("cs1", "community_staff", area=w["c1"])
    w["m"] = user("m", "grid_member")
    return w


def test_grid_members_and_visitors_are_refused(client, w):
    client.force_login(w["m"])
    for url in ("/facilities/", "/facilities/coverage/"):
        assert client.get(url).status_code == 403
    for url in ("/facilities/coverage/map.geojson", "/facilities/coverage/export.csv", "/facilities/coverage/export.xlsx"):
        r = client.get(url)
        assert r.status_code == 403 and "仅供" in r.json()["error"]
    client.logout()
    assert client.get("/facilities/").status_code == 302


def test_list_filters_and_scope(client, w):
    client.force_login(w["da"])
    html = client.get("/facilities/").content.decode()
    assert html.count('<tr data-type=') == 5 and "共 5 处设施" in html
    html = client.get("/facilities/?facility_type=meal_point&status=open").content.decode()
    assert html.count('<tr data-type="meal_point"') == 3 and "停业助餐点" not in html
    html = client.get("/facilities/?street=370190002000").content.decode()
    assert html.count("<tr data-type=") == 2
    assert "转角助餐点（二）" in client.get("/facilities/?q=二").content.decode()
    r = client.get("/facilities/?status=zoo")
    assert r.status_code == 400 and "zoo" in r.content.decode()
    client.force_login(w["cs1"])  # community 1: its own facilities only, another community's code is refused
    html = client.get("/facilities/").content.decode()
    assert html.count("<tr data-type=") == 3
    assert client.get("/facilities/?community=370190002001").status_code == 400


def test_coverage_page_answers_the_question(client, w):
    client.force_login(w["da"])
    r = client.get("/facilities/coverage/?type=meal_point&radius=1000")
    html = r.content.decode()
    assert r.status_code == 200
    assert "1000 米内没有助餐点的住户：465 户（共 2020 户），分布在 2 个社区（村）。" in html
    assert '<b data-figure="covered_households">1555</b>' in html and '<b data-figure="unreached">1</b>' in html
    rows = html.split('id="coverage-communities"')[1].split("</table>")[0]
    assert rows.index("方一社区") < rows.index("方二社区")
    assert client.get("/facilities/coverage/").status_code == 200  # meal points and the setting's radius by default
    html = client.get("/facilities/coverage/?type=meal_point&radius=1000&area=370190002000").content.decode()  # one street
    assert "1000 米内没有助餐点的住户：120 户（共 120 户），分布在 1 个社区（村）。" in html
    assert '<option value="370190002000" selected>北街道</option>' in html


@pytest.mark.parametrize("query", ["type=zoo", "type=meal_point&radius=-1", "type=meal_point&radius=x", "type=meal_point&area=999"])
def test_bad_coverage_requests_are_400(client, w, query):
    client.force_login(w["da"])
    assert client.get(f"/facilities/coverage/?{query}").status_code == 400
    r = client.get(f"/facilities/coverage/export.csv?{query}")
    assert r.status_code == 400 and r.json()["error"]


def test_geojson_csv_and_xlsx(client, w):
    client.force_login(w["da"])
    fc = json.loads(client.get("/facilities/coverage/map.geojson?type=meal_point&radius=1000").content)
    by_code = {f["id"]: f["properties"] for f in fc["features"]}
    assert len(by_code) == 6 and fc["radius_m"] == 1000
    assert by_code[CODE["Ge"]]["color"] == "#1a9641" and by_code[CODE["Gg"]]["color"] == "#d7191c"
    assert by_code[CODE["Gc"]]["color"] == "#bdbdbd"  # no households
    assert by_code[CODE["Gg"]]["distance_m"] == 4000 and by_code[CODE["Ga"]]["share_pct"] == 78.4
    assert sorted(f["properties"]["name"] for f in fc["facilities"]["features"]) == ["东头助餐点", "转角助餐点", "转角助餐点（二）"]
    r = client.get("/facilities/coverage/export.csv?type=meal_point&radius=1000&by=community")
    assert r["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["社区代码", "社区名称", "所属街道"]
    assert [(x[1], x[7]) for x in rows[1:]] == [("方一社区", "345"), ("方二社区", "120")]
    r = client.get("/facilities/coverage/export.csv?type=meal_point&radius=1000&by=grid")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [x[0] for x in rows[1:5]] == [CODE["Ga"], CODE["Gg"], CODE["Gb"], CODE["Gd"]] and len(rows) == 7
    wb = load_workbook(io.BytesIO(client.get("/facilities/coverage/export.xlsx?type=meal_point&radius=1000").content))
    assert wb.sheetnames == ["按社区", "按五级网格", "说明"]
    assert wb["按社区"]["H2"].value == 345 and wb["按五级网格"].max_row == 7
    info = {row[0].value: row[1].value for row in wb["说明"].iter_rows()}
    assert info["半径（米，直线距离）"] == "1000" and info["未覆盖户数"] == 465


def test_community_staff_see_their_community(client, w):
    client.force_login(w["cs1"])
    fc = json.loads(client.get("/facilities/coverage/map.geojson?type=meal_point").content)
    assert len(fc["features"]) == 5
    assert client.get("/facilities/coverage/?area=370190002001").status_code == 400  # not theirs


def counts(client, urls):
    out = []
    for url in urls:
        client.get(url)  # warm caches
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        assert r.status_code == 200, url
        out.append(len(ctx.captured_queries))
    return out


def test_query_counts_do_not_grow_with_data(client, w):
    client.force_login(w["da"])
    urls = ["/facilities/", "/facilities/?facility_type=meal_point&street=370190001000", "/facilities/coverage/?type=meal_point",
            "/facilities/coverage/map.geojson?type=meal_point", "/facilities/coverage/export.csv?type=meal_point",
            "/facilities/coverage/export.xlsx?type=meal_point"]
    small = counts(client, urls)
    from geogrid.grids.models import Grid

    Grid.objects.bulk_create([Grid(code=f"3701900010010{300 + i}", name=f"加{i}", level=5, parent=w["Ga"].parent, community=w["c1"],
                                   households=10 + i, geom=gk_square(8000 + 1000 * i, 2000)) for i in range(30)])
    Facility.objects.bulk_create([Facility(facility_type_id=t, name=f"加设施{i}", geom=gk_point(8500 + 1000 * i, 2500), area=w["c1"])
                                  for i in range(30) for t in ("meal_point", "day_care")])
    assert counts(client, urls) == small


def test_report_map_is_a_standalone_html_file(client, w):
    from layers.maps import NOT_FETCHED, outside_urls

    client.force_login(w["da"])
    r = client.get("/facilities/coverage/map.html?type=meal_point&radius=1000")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment") and ".html" in r["Content-Disposition"]
    html = r.content.decode()
    assert [u for u in outside_urls(html) if u not in NOT_FETCHED] == []
    assert "助餐点 1000 米服务覆盖（全区）：未覆盖 465 户 / 共 2020 户" in html
    for label in ("未覆盖", "全部覆盖", "无住户", "服务半径 1000 米"):
        assert label in html
    assert html.count('"type": "Feature"') >= 6 + 3 + 3 or html.count('"type":"Feature"') >= 12


def test_import_page_reports_bad_rows_and_keeps_good_ones_when_asked(client, w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.facilities.town import gk_point

    p = gk_point(200, 200)
    body = f"设施类型,名称,经度,纬度\n助餐点,上传助餐点,{p.x},{p.y}\n动物园,坏行,{p.x},{p.y}\n".encode("utf-8-sig")
    client.force_login(w["cs1"])  # community staff: no permission to add facilities
    assert client.get("/facilities/import/").status_code == 403
    client.force_login(w["da"])
    from django.contrib.auth.models import Permission

    w["da"].user_permissions.add(Permission.objects.get(codename="add_facility"))
    assert client.get("/facilities/import/").status_code == 200
    r = client.post("/facilities/import/", {"file": SimpleUploadedFile("f.csv", body), "crs": "CGCS2000"})
    html = r.content.decode()
    assert r.status_code == 400 and "未写入任何数据" in html and '<td class="num">3</td><td>未知设施类型“动物园”</td>' in html
    assert not Facility.objects.filter(name="上传助餐点").exists()
    r = client.post("/facilities/import/", {"file": SimpleUploadedFile("f.csv", body), "crs": "CGCS2000", "keep_good": "on"})
    assert r.status_code == 200 and "新增 1" in r.content.decode() and "未知设施类型“动物园”" in r.content.decode()
    f = Facility.objects.get(name="上传助餐点")
    assert f.area == w["c1"]
    from geogrid.audit.models import AuditEvent

    assert AuditEvent.objects.get(action="import_add", object_id=str(f.pk)).actor == w["da"]
    r = client.post("/facilities/import/", {"file": SimpleUploadedFile("f.txt", b"x"), "crs": "CGCS2000"})
    assert r.status_code == 400 and "不支持的文件格式" in r.content.decode()


def test_the_exported_list_imports_back_unchanged(client, w):
    from geogrid.facilities.importing import import_facilities

    client.force_login(w["da"])
    r = client.get("/facilities/export.csv?facility_type=meal_point")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    text = r.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["设施类型", "名称", "地址", "经度"] and len(rows) == 1 + 4
    assert ["助餐点", "停业助餐点"] == rows[[x[1] for x in rows].index("停业助餐点")][:2]
    result = import_facilities(r.content, name="back.csv", crs="CGCS2000")
    assert (result.created, result.updated, result.unchanged, result.refused) == (0, 0, 4, 0)
    assert client.get("/facilities/export.csv?status=zoo").status_code == 400
    client.force_login(w["m"])
    assert client.get("/facilities/export.csv").status_code == 403
