"""The national place-name database export: the census-form columns, 20-digit place codes from the
category-code table (given when a name becomes standard — at its announcement, in the admin, or by
`manage.py give_place_codes` for names loaded from elsewhere — never by the export, a GET that only
reads; stable once given, continuing per prefix), CSV and XLSX, who may export."""
import csv
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from geogrid.audit.models import AuditEvent
from geogrid.placenames import export
from geogrid.placenames.models import PlaceCategoryCode, Road
from tests.placenames.builders import road, town

pytestmark = pytest.mark.django_db

FORM = ["地名代码", "标准名称", "别名", "简称", "罗马字母拼写", "通名罗马字母拼写", "现名/曾用名", "命名时间", "设立年份", "废止年份",
        "地名标志数量", "东经起", "东经止", "北纬起", "北纬止", "坐标系", "实测/图解", "地名类别", "类别代码", "含义", "历史沿革",
        "地理实体概况", "资料来源", "所在行政区", "行政区划代码"]


def codes():
    return dict(Road.objects.exclude(place_code="").values_list("code", "place_code"))


def test_columns_and_place_codes():
    w = town()
    data, missing = export.rows()
    assert missing == 3 and {r["place_code"] for r in data} == {""}  # loaded, never announced: no codes yet
    assert export.give_place_codes() == 3
    data, missing = export.rows()
    assert [label for _k, label in export.COLUMNS] == FORM
    by_name = {r["name"]: r for r in data}
    assert set(by_name) == {"泉城路", "全程路", "大石路"} and missing == 0  # standard and historical names; unnamed roads are not exported
    q = by_name["泉城路"]
    assert q["place_code"] == "370112001" + "25114" + "000001" and len(q["place_code"]) == 20
    assert (q["current"], by_name["大石路"]["current"], q["crs"], q["generic_spelling"]) == ("现名", "曾用名", "CGCS2000", "Lu")
    assert (q["lon_min"], q["lon_max"], q["lat_min"]) == (116.71, 116.74, 36.58)
    # A road of a whole district (no street): township 000.
    assert by_name["全程路"]["place_code"] == "370113" + "000" + "25114" + "000001"
    w["unnamed1"].refresh_from_db()
    assert w["unnamed1"].place_code == ""


def test_codes_stay_and_continue():
    w = town()
    export.give_place_codes()
    first = codes()
    road("370112DL099", "新华路", 36.56, area=w["street"], pinyin="Xinhua Lu")
    road("370112DL098", "无区路", 36.56, pinyin="Wuqu Lu")  # no area: no county or township to code it with
    PlaceCategoryCode.objects.filter(category="branch").update(code="99999")  # the table changes later
    assert export.give_place_codes() == 1
    now = codes()
    assert {k: now[k] for k in first} == first  # given once, kept
    assert now["370112DL099"] == "370112001" + "99999" + "000001" and "370112DL098" not in now
    road("370112DL097", "新民路", 36.555, area=w["street"], pinyin="Xinmin Lu")
    export.give_place_codes()
    assert codes()["370112DL097"] == "370112001" + "99999" + "000002"  # the sequence of its prefix goes on


def test_the_export_is_a_get_that_writes_nothing(client):
    w = town()
    client.force_login(w["pn"])
    with CaptureQueriesContext(connection) as q:
        r = client.get("/api/placenames/export.csv")
    assert r.status_code == 200 and r["X-Place-Codes-Missing"] == "3"
    assert codes() == {} and not [s for s in q if "placenames_road" in s["sql"] and not s["sql"].lstrip().startswith("SELECT")]
    export.give_place_codes()
    assert client.get("/api/placenames/export.csv")["X-Place-Codes-Missing"] == "0"


def test_csv_and_xlsx(client):
    w = town()
    export.give_place_codes()
    client.force_login(w["pn"])
    r = client.get("/api/placenames/export.csv")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0] == FORM and len(table) == 4 and table[1][0] == "370112001" + "25114" + "000001"
    r = client.get("/api/placenames/export.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[1]] == FORM and ws.max_row == 4
    assert client.get("/api/placenames/export.pdf").status_code == 404
    client.force_login(w["gm"])
    assert client.get("/api/placenames/export.csv").status_code == 403


def test_the_command_gives_the_missing_codes():
    w = town()
    road("370112DL098", "无区路", 36.56, pinyin="Wuqu Lu")
    out = io.StringIO()
    call_command("give_place_codes", "--dry-run", stdout=out)
    assert "4" in out.getvalue() and "可赋予 3" in out.getvalue() and codes() == {}
    out = io.StringIO()
    call_command("give_place_codes", stdout=out)
    assert "已赋予 3" in out.getvalue() and "1 条缺少" in out.getvalue() and len(codes()) == 3
    assert codes()["370112DL001"] == "370112001" + "25114" + "000001" and w["quancheng"].code in codes()


def test_staff_give_codes_in_the_admin(client):
    from django.contrib.auth.models import Group, Permission

    w = town()
    pn = w["pn"]
    pn.is_staff = True
    pn.save()
    Group.objects.get(name="placename_staff").permissions.set(Permission.objects.filter(content_type__app_label="placenames"))
    client.force_login(pn)
    ids = [w["quancheng"].pk, w["unnamed1"].pk]
    r = client.post("/admin/placenames/road/", {"action": "give_place_codes", "_selected_action": ids})
    assert r.status_code == 302
    assert codes() == {"370112DL001": "370112001" + "25114" + "000001"}  # the unnamed road has no standard name to code
    assert AuditEvent.objects.filter(action="give_place_code", object_id=str(w["quancheng"].pk)).exists()
    # A standard name entered in the admin gets its code when saved.
    geom = '{"type": "MultiLineString", "coordinates": [[[116.71, 36.56], [116.74, 36.56]]]}'
    r = client.post("/admin/placenames/road/add/", {
        "code": "370112DL060", "name": "新华路", "specific": "新华", "generic": "路", "pinyin": "Xinhua Lu", "category": "branch",
        "geom": geom, "area": w["street"].pk, "status": "named", "built": "on"})
    assert r.status_code == 302, r.content.decode()[-2000:]
    assert codes()["370112DL060"] == "370112001" + "25114" + "000002"


def test_a_fixed_number_of_queries():
    w = town()
    export.give_place_codes()
    with CaptureQueriesContext(connection) as few:
        export.rows()
    for i in range(30):
        road(f"370112Z{i:03d}", f"测{chr(0x4e00 + i)}路", 36.51 + i * 0.0005, area=w["street"], pinyin="x")
    with CaptureQueriesContext(connection) as many:
        data, missing = export.rows()
    assert len(data) == 33 and missing == 30 and len(few) == len(many) == 3
