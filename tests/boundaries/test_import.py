"""Importing markers from CSV and XLSX: CGCS2000, WGS84 and GCJ-02 coordinates, upsert by number,
every bad row reported and nothing stored."""
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from geogrid.boundaries.importing import MarkerImportFailed, import_markers
from geogrid.boundaries.models import BoundaryMarker
from geogrid.geo import gcj02
from geogrid.geo.measure import distance_m
from tests.boundaries.builders import boundary_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return boundary_world(markers=2)


def csv_file(tmp_path, rows, name="m.csv", encoding="utf-8-sig"):
    p = tmp_path / name
    p.write_text("\n".join(",".join(map(str, r)) for r in rows), encoding=encoding)
    return p


def test_csv_in_cgcs2000_with_chinese_headers_creates_and_updates(tmp_path, w):
    code = w["line"].code
    p = csv_file(tmp_path, [["界桩编号", "界线编号", "界桩类型", "经度", "纬度", "材质", "埋设年份", "位置说明"],
                            [f"{code}010Q", code, "单立", 116.70, 36.55, "花岗岩", 2003, "山顶"],
                            [f"{code}011A", code, "双立", 116.6999, 36.54, "concrete", 2013, "河东岸"],
                            [f"{code}001Q", code, "single", 116.70, 36.591, "", "", "复测后位置"]])
    out = io.StringIO()
    call_command("import_markers", str(p), stdout=out)
    assert "created 2, updated 1" in out.getvalue()
    m = BoundaryMarker.objects.get(number=f"{code}011A")
    assert (m.marker_type, m.material, m.year_installed, m.description) == ("paired", "concrete", 2013, "河东岸")
    assert BoundaryMarker.objects.get(number=f"{code}001Q").geom.y == pytest.approx(36.591)


@pytest.mark.parametrize("crs", ["WGS84", "gcj02"])
def test_xlsx_in_wgs84_or_gcj02_is_converted_to_cgcs2000(tmp_path, w, crs):
    code = w["line"].code
    lon, lat = 116.70, 36.55
    x, y = gcj02.wgs84_to_gcj02(lon, lat) if crs == "gcj02" else (lon, lat)
    wb = Workbook()
    wb.active.append(["number", "marker_type", "lon", "lat", "year"])
    wb.active.append([f"{code}020Q", "single", x, y, 2020])
    p = tmp_path / "m.xlsx"
    wb.save(p)
    r = import_markers(p, input_crs=crs, line_code=code)
    assert r.created == 1
    from django.contrib.gis.geos import Point
    assert distance_m(BoundaryMarker.objects.get(number=f"{code}020Q").geom, Point(lon, lat, srid=4490)) < 0.5


def test_every_bad_row_is_reported_and_nothing_is_stored(tmp_path, w):
    code = w["line"].code
    p = csv_file(tmp_path, [["number", "line_code", "marker_type", "lon", "lat", "material", "year"],
                            [f"{code}030Q", code, "single", 116.70, 36.55, "granite", 2003],  # good
                            [f"{code}31Q", code, "single", 116.70, 36.55, "granite", 2003],  # 2-digit sequence
                            [f"{code}032A", code, "single", 116.70, 36.55, "granite", 2003],  # letter ≠ type
                            [f"{code}033Q", "999999999999", "single", 116.70, 36.55, "granite", 2003],  # no such line
                            [f"{code}034Q", code, "quad", 116.70, 36.55, "wood", "19x"],  # type, material, year
                            [f"{code}035Q", code, "single", 216.70, 36.55, "granite", 2003],  # lon out of range
                            [f"{code}030Q", code, "single", 116.70, 36.55, "granite", 2003]])  # duplicate of row 2
    with pytest.raises(MarkerImportFailed) as exc:
        import_markers(p)
    rows = sorted({r for r, _f, _m in exc.value.errors})
    assert rows == [3, 4, 5, 6, 7, 8]
    fields = {(r, f) for r, f, _m in exc.value.errors}
    assert {(6, "界桩类型"), (6, "材质"), (6, "埋设年份")} <= fields
    assert "第 3 行" in str(exc.value)
    assert BoundaryMarker.objects.count() == 2
    with pytest.raises(CommandError, match="第 7 行"):
        call_command("import_markers", str(p), stdout=io.StringIO())


def test_a_file_without_coordinates_or_with_an_unknown_crs_is_refused(tmp_path, w):
    p = csv_file(tmp_path, [["number", "x_coord"], ["a", 1]])
    with pytest.raises(MarkerImportFailed, match="lon"):
        import_markers(p)
    with pytest.raises(MarkerImportFailed, match="坐标系"):
        import_markers(p, input_crs="BD09")


def test_inspectors_upload_a_table_on_the_boundaries_page(client, tmp_path, w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    code = w["line"].code
    good = f"number,marker_type,lon,lat\n{code}040Q,single,116.70,36.55\n".encode()
    bad = f"number,marker_type,lon,lat\n{code}041Q,single,116.70,36.55\n{code}42Q,single,116.70,36.55\n".encode()
    client.force_login(w["m_a"])
    assert client.post("/boundaries/markers/import/", {"line": w["line"].pk, "file": SimpleUploadedFile("m.csv", good)}).status_code == 403
    client.force_login(w["ins_a"])
    r = client.post("/boundaries/markers/import/", {"line": w["line"].pk, "crs": "CGCS2000", "file": SimpleUploadedFile("m.csv", bad)}, follow=True)
    html = r.content.decode()
    assert "第 3 行" in html and "未导入任何界桩" in html and not BoundaryMarker.objects.filter(number=f"{code}041Q").exists()
    r = client.post("/boundaries/markers/import/", {"line": w["line"].pk, "crs": "WGS84", "file": SimpleUploadedFile("m.csv", good)}, follow=True)
    assert "新建 1" in r.content.decode() and BoundaryMarker.objects.filter(number=f"{code}040Q").exists()
