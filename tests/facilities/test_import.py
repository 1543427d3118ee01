"""Import of facilities (CSV, XLSX, GeoJSON): bad rows reported by line with their reasons and
nothing written by default; the good rows kept when asked; GCJ-02 converted; a second import
updates instead of duplicating; the command prints what it did."""
import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from geogrid.audit.models import AuditEvent
from geogrid.facilities.importing import ImportRefused, UnreadableFile, import_facilities
from geogrid.facilities.models import Facility, FacilityType
from geogrid.facilities.seed import seed
from geogrid.geo import gcj02
from tests.support.district import small_district

pytestmark = pytest.mark.django_db

HEADER = "设施类型,名称,地址,经度,纬度,容量,运营单位,性质,运营状态,电话\n"
GOOD = [
    "助餐点,测试社区长者助餐点,测试路2号,116.745,36.545,60,颐康养老服务有限公司,公建民营,运营中,0531-80000001\n",
    "day_care,测试日间照料中心（二）,,116.755,36.555,,,,,\n",
]
BAD = [
    "助餐点,,测试路3号,116.745,36.545,,,,,\n",              # line 4: no name
    "动物园,测试动物园,,116.745,36.545,,,,,\n",             # line 5: unknown type
    "助餐点,坐标错,,abc,36.545,,,,,\n",                     # line 6: not a number
    "助餐点,填反了,,36.545,116.745,,,,,\n",                 # line 7: lat/lon swapped
    "助餐点,太远了,,118.5,36.0,-3,,国营,,\n",               # line 8: outside, bad capacity, bad ownership
    "助餐点,测试社区长者助餐点,,116.746,36.546,,,,,\n",     # line 9: the same type + name as line 2
    "助餐点,远处助餐点,,118.5,36.0,,,,,\n",                 # line 10: outside every area we know
]


def csv_bytes(rows, encoding="utf-8-sig"):
    return (HEADER + "".join(rows)).encode(encoding)


@pytest.fixture
def district():
    return small_district()


def test_bad_rows_are_reported_by_line_and_nothing_is_written(district):
    with pytest.raises(ImportRefused) as err:
        import_facilities(csv_bytes(GOOD + BAD), name="facilities.csv")
    errors = {e.line: e.reason for e in err.value.result.errors}
    assert sorted(errors) == [4, 5, 6, 7, 8, 9, 10]
    assert "缺少名称" in errors[4]
    assert "未知设施类型“动物园”" in errors[5]
    assert "经纬度必须是数字" in errors[6]
    assert "坐标超出范围" in errors[7] and "经纬度是否填反" in errors[7]
    assert "容量“-3”须是非负整数" in errors[8] and "性质“国营”无效" in errors[8] and "坐标超出" not in errors[8]
    assert "与第 2 行重复" in errors[9]
    assert errors[10] == "位置（118.500000, 36.000000）不在任何已知行政区内（坐标系是否选对？）"
    assert str(err.value.result.errors[0]).startswith("第 4 行：")
    assert Facility.objects.count() == 1  # small_district's own, nothing more
    assert not AuditEvent.objects.filter(action="import_add").exists()


def test_keep_good_writes_the_good_rows_with_derived_areas(district):
    result = import_facilities(csv_bytes(GOOD + BAD), name="f.csv", keep_good=True)
    assert (result.read, result.created, result.updated, result.refused) == (9, 2, 0, 7)
    meal = Facility.objects.get(name="测试社区长者助餐点")
    assert meal.facility_type_id == "meal_point" and meal.area == district["community"]  # derived, not read from the file
    assert (meal.capacity, meal.ownership, meal.status, meal.phone) == (60, "public_private", "open", "0531-80000001")
    assert (meal.geom.x, meal.geom.y) == pytest.approx((116.745, 36.545))
    day = Facility.objects.get(name="测试日间照料中心（二）")
    assert (day.capacity, day.ownership, day.status) == (None, "public", "open")
    assert AuditEvent.objects.filter(action="import_add").count() == 2


def test_a_second_import_updates_and_a_third_changes_nothing(district):
    import_facilities(csv_bytes(GOOD), name="f.csv")
    moved = GOOD[0].replace("116.745,36.545,60", "116.746,36.546,80")
    r = import_facilities(csv_bytes([moved, GOOD[1]]), name="f.csv")
    assert (r.created, r.updated, r.unchanged) == (0, 1, 1)
    assert Facility.objects.get(name="测试社区长者助餐点").capacity == 80
    r = import_facilities(csv_bytes([moved, GOOD[1]]), name="f.csv")
    assert (r.created, r.updated, r.unchanged) == (0, 0, 2)


def test_gbk_csv_and_gcj02_are_converted(district):
    lon, lat = gcj02.wgs84_to_gcj02(116.745, 36.545)
    row = f"助餐点,火星坐标助餐点,,{lon},{lat},,,,,\n"
    import_facilities(csv_bytes([row], encoding="gb18030"), name="f.csv", crs="GCJ-02")
    p = Facility.objects.get(name="火星坐标助餐点").geom
    assert abs(p.x - 116.745) < 1e-6 and abs(p.y - 36.545) < 1e-6  # back to CGCS2000 within ~0.1 m


def test_xlsx_with_english_headers_and_line_numbers(district):
    wb = Workbook()
    ws = wb.active
    ws.append(["name", "facility_type", "lon", "lat", "capacity", "phone"])
    ws.append(["表格助餐点", "meal_point", 116.745, 36.545, 30, 53180000002])
    ws.append([None, None, None, None, None, None])  # a blank row is skipped, not an error
    ws.append(["无坐标助餐点", "meal_point", None, None, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ImportRefused) as err:
        import_facilities(buf.getvalue(), name="f.xlsx")
    assert [(e.line, e.reason) for e in err.value.result.errors] == [(4, "缺少经度或纬度")]
    r = import_facilities(buf.getvalue(), name="f.xlsx", keep_good=True)
    assert r.created == 1 and Facility.objects.get(name="表格助餐点").phone == "53180000002"


def test_geojson_features_are_numbered(district):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"facility_type": "meal_point", "name": "点要素助餐点", "ownership": "private"},
         "geometry": {"type": "Point", "coordinates": [116.745, 36.545]}},
        {"type": "Feature", "properties": {"facility_type": "meal_point", "name": "面要素"},
         "geometry": {"type": "Polygon", "coordinates": [[[116.74, 36.54], [116.75, 36.54], [116.75, 36.55], [116.74, 36.54]]]}},
        {"type": "Feature", "properties": {"facility_type": "meal_point", "name": "无几何"}, "geometry": None},
    ]}
    with pytest.raises(ImportRefused) as err:
        import_facilities(json.dumps(fc).encode(), name="f.geojson")
    assert [(e.line, e.reason) for e in err.value.result.errors] == [
        (2, "几何须是点（Point），此处为 Polygon"), (3, "几何须是点（Point），此处为 空")]
    assert Facility.objects.filter(name="点要素助餐点").count() == 0


def test_rows_the_database_cannot_hold_are_reported_not_crashed(district):
    """A capacity beyond the integer column, a NUL character (PostgreSQL text cannot hold one), a
    feature whose properties are not an object: each a reported row (they were 500s)."""
    rows = ["助餐点,大容量助餐点,,116.745,36.545,99999999999,,,,\n", "助餐点,坏\x00字助餐点,,116.745,36.545,,,,,\n"]
    with pytest.raises(ImportRefused) as err:
        import_facilities(csv_bytes(GOOD + rows), name="f.csv")
    assert [(e.line, e.reason) for e in err.value.result.errors] == [
        (4, "容量“99999999999”过大（最多 2147483647）"), (5, "含有空字符（NUL），文件可能已损坏")]
    assert import_facilities(csv_bytes(GOOD + rows), name="f.csv", keep_good=True).created == 2
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": ["meal_point", "列表属性"], "geometry": {"type": "Point", "coordinates": [116.745, 36.545]}}]}
    with pytest.raises(ImportRefused) as err:
        import_facilities(json.dumps(fc).encode(), name="f.geojson")
    assert [(e.line, e.reason) for e in err.value.result.errors] == [(1, "要素的属性（properties）须是对象；缺少设施类型；缺少名称")]


@pytest.mark.parametrize("data,name,message", [
    (b"\x00\x01", "f.xlsx", "无法读取 XLSX"),
    (b"{not json", "f.geojson", "不是有效的 GeoJSON"),
    ("名称,地址\n甲,乙\n".encode(), "f.csv", "表头缺少列：设施类型、经度、纬度"),
    (b"", "f.csv", "文件是空的"),
    (b"x", "f.shp", "不支持的文件格式"),
])
def test_unreadable_files(data, name, message):
    seed(FacilityType)
    with pytest.raises(UnreadableFile, match=message):
        import_facilities(data, name=name)


def test_the_command_reports_and_refuses(district, tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes(GOOD + BAD[:1]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="有 1 行无法导入"):
        call_command("import_facilities", str(path), stderr=err)
    assert "第 4 行：缺少名称" in err.getvalue()
    out = io.StringIO()
    call_command("import_facilities", str(path), "--keep-good", "--crs", "CGCS2000", stdout=out, stderr=io.StringIO())
    assert "读取 3 行：新增 2，更新 0，未变 0，拒收 1" in out.getvalue()
    with pytest.raises(UnreadableFile, match="未知坐标系"):
        import_facilities(str(path), crs="BD-09")  # the service says it; the command's choices stop it earlier
