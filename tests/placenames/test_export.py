"""The national place-name database export: the census-form columns, 20-digit place codes from the
category-code table (stable once given, continuing per prefix), CSV and XLSX, who may export."""
import csv
import io

import pytest
from openpyxl import load_workbook

from geogrid.placenames import export
from geogrid.placenames.models import PlaceCategoryCode, Road
from tests.placenames.builders import road, town

pytestmark = pytest.mark.django_db

FORM = ["地名代码", "标准名称", "别名", "简称", "罗马字母拼写", "通名罗马字母拼写", "现名/曾用名", "命名时间", "设立年份", "废止年份",
        "地名标志数量", "东经起", "东经止", "北纬起", "北纬止", "坐标系", "实测/图解", "地名类别", "类别代码", "含义", "历史沿革",
        "地理实体概况", "资料来源", "所在行政区", "行政区划代码"]


def test_columns_and_place_codes(client):
    w = town()
    data, given = export.rows()
    assert [label for _k, label in export.COLUMNS] == FORM
    by_name = {r["name"]: r for r in data}
    assert set(by_name) == {"泉城路", "全程路", "大石路"}  # standard and historical names; unnamed roads are not exported
    q = by_name["泉城路"]
    assert q["place_code"] == "370112001" + "25114" + "000001" and len(q["place_code"]) == 20
    assert (q["current"], by_name["大石路"]["current"], q["crs"], q["generic_spelling"]) == ("现名", "曾用名", "CGCS2000", "Lu")
    assert (q["lon_min"], q["lon_max"], q["lat_min"]) == (116.71, 116.74, 36.58)
    # A road of a whole district (no street): township 000.
    assert by_name["全程路"]["place_code"] == "370113" + "000" + "25114" + "000001"
    assert given == 3 and w["unnamed1"].place_code == ""


def test_codes_stay_and_continue(client):
    w = town()
    export.rows()
    first = dict(Road.objects.exclude(place_code="").values_list("code", "place_code"))
    road("370112DL099", "新华路", 36.56, area=w["street"], pinyin="Xinhua Lu")
    PlaceCategoryCode.objects.filter(category="branch").update(code="99999")  # the table changes later
    export.rows()
    codes = dict(Road.objects.exclude(place_code="").values_list("code", "place_code"))
    assert {k: codes[k] for k in first} == first  # given once, kept
    assert codes["370112DL099"] == "370112001" + "99999" + "000001"


def test_csv_and_xlsx(client):
    w = town()
    client.force_login(w["pn"])
    r = client.get("/api/placenames/export.csv")
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0] == FORM and len(table) == 4
    r = client.get("/api/placenames/export.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[1]] == FORM and ws.max_row == 4
    assert client.get("/api/placenames/export.pdf").status_code == 404
    client.force_login(w["gm"])
    assert client.get("/api/placenames/export.csv").status_code == 403


def test_a_fixed_number_of_queries():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = town()
    export.rows()  # codes given
    with CaptureQueriesContext(connection) as few:
        export.rows()
    for i in range(30):
        road(f"370112Z{i:03d}", f"测{chr(0x4e00 + i)}路", 36.51 + i * 0.0005, area=w["street"], pinyin="x")
    export.rows()
    with CaptureQueriesContext(connection) as many:
        data, given = export.rows()
    assert len(data) == 33 and given == 0 and len(few) == len(many)
