"""File exports (#12): every format opened again with GDAL — same feature count, Chinese text
intact, CGCS2000; the Shapefile zipped with its .cpg; CSV/XLSX cells that a spreadsheet would run
as formulas neutralised; filtered exports over HTTP and from Python."""
import csv
import io
import json
import shutil
import subprocess
import zipfile

import pytest
from django.contrib.gis.geos import Point
from openpyxl import load_workbook

from geogrid.facilities.models import Facility
from geogrid.grids.models import Grid
from layers.exports import ExportError, export, neutralise
from layers.registry import registry
from tests.support.district import small_district

pytestmark = pytest.mark.django_db

OGR2OGR, OGRINFO = shutil.which("ogr2ogr"), shutil.which("ogrinfo")
HOSTILE = ["=HYPERLINK(\"http://x\",\"点我\")", "+86 531 1234", "-1+1", "@SUM(A1)", "\tTAB", "普通文本"]


def read_back(path):
    """GDAL opens the file; its features as GeoJSON."""
    if not OGR2OGR:
        pytest.fail("GDAL's command-line tools are missing: scripts/bootstrap.sh installs gdal-bin")
    r = subprocess.run([OGR2OGR, "-f", "GeoJSON", "/vsistdout/", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)["features"]


def srs_of(path):
    r = subprocess.run([OGRINFO, "-ro", "-so", "-al", str(path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def download(client, name, fmt, tmp_path, status=200, **params):
    r = client.get(f"/layers/{name}/export.{fmt}", params)
    assert r.status_code == status, r.content[:300]
    if status != 200:
        return r
    assert r["Content-Disposition"].startswith(f'attachment; filename="{name}-') and r["Content-Disposition"].endswith(fmt.replace("shp", "shp.zip") + '"')
    path = tmp_path / f"{name}.{fmt.replace('shp', 'shp.zip')}"
    path.write_bytes(r.content)
    return path


def facilities(community):
    for i, name in enumerate(HOSTILE):
        Facility.objects.create(name=name, facility_type_id="day_care", address=f"历山路{i}号", operator="某某社工站",
                                capacity=10 + i, geom=Point(116.741 + i * 0.001, 36.545, srid=4490), area=community)
    return 1 + len(HOSTILE)


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "geojson"])
def test_spatial_formats_open_in_gdal_with_every_feature_and_chinese_text(client, tmp_path, fmt):
    n = facilities(small_district()["community"])
    path = download(client, "facilities", fmt, tmp_path)
    if fmt == "shp":
        with zipfile.ZipFile(path) as z:
            names = sorted(z.namelist())
            assert names == ["facilities.cpg", "facilities.dbf", "facilities.prj", "facilities.shp", "facilities.shx"]
            assert z.read("facilities.cpg").decode().strip().upper() in ("UTF-8", "UTF8")
        path = f"/vsizip/{path}"
    feats = read_back(path)
    assert len(feats) == n
    names = {f["properties"]["name"] for f in feats}
    assert set(HOSTILE) <= names and "测试日间照料中心" in names  # exactly as stored: no apostrophes in GIS formats
    addr = next(f["properties"]["address"] for f in feats if f["properties"]["name"] == "普通文本")
    assert addr == "历山路5号"
    # choice labels too (Shapefile field names are cut to 10 characters by GDAL, so found by value)
    for f in feats:
        assert "日间照料中心" in f["properties"].values()
        if fmt != "shp":
            assert f["properties"]["facility_type_display"] == "日间照料中心"
    pt = next(f for f in feats if f["properties"]["name"] == "普通文本")["geometry"]["coordinates"]
    assert pt[0] == pytest.approx(116.746) and pt[1] == pytest.approx(36.545)  # lon, lat
    if fmt != "geojson":
        info = srs_of(path)
        assert "China Geodetic Coordinate System 2000" in info or "CGCS2000" in info or "4490" in info


def test_csv_opens_in_gdal_and_neutralises_formulas(client, tmp_path):
    n = facilities(small_district()["community"])
    path = download(client, "facilities", "csv", tmp_path)
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    head, body = table[0], table[1:]
    assert len(body) == n and head[0] == "ID" and "名称" in head and head[-1].startswith("几何")
    names = [row[head.index("名称")] for row in body]
    for text in HOSTILE[:5]:
        assert "'" + text in names and text not in names
    assert "普通文本" in names and "测试日间照料中心" in names
    assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for row in table for cell in row)
    assert body[0][-1].startswith("POINT(")
    assert len(read_back(path)) == n  # GDAL's CSV driver reads the same rows


def test_xlsx_opens_in_gdal_and_openpyxl_with_formulas_neutralised(client, tmp_path):
    n = facilities(small_district()["community"])
    path = download(client, "facilities", "xlsx", tmp_path)
    ws = load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    head, body = rows[0], rows[1:]
    assert len(body) == n and ws.title == "民政设施"
    name_col, cap_col = head.index("名称"), head.index("容量（床位/座位/人）")
    names = [r[name_col] for r in body]
    assert "'=HYPERLINK(\"http://x\",\"点我\")" in names and "'@SUM(A1)" in names and "普通文本" in names
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)  # not one formula cell
    assert all(isinstance(r[cap_col], int) for r in body)  # numbers stay numbers
    feats = read_back(path)
    assert len(feats) == n and "普通文本" in json.dumps(feats, ensure_ascii=False)


def test_filtered_exports_over_http(client, tmp_path):
    small_district()
    feats = read_back(download(client, "grids_l4", "geojson", tmp_path, kind="dedicated"))
    assert [f["properties"]["name"] for f in feats] == ["东网格"]
    feats = read_back(download(client, "grids_l4", "gpkg", tmp_path, bbox="116.741,36.545,116.745,36.555"))
    assert [f["properties"]["name"] for f in feats] == ["西网格"]
    assert "error" in download(client, "grids_l4", "csv", tmp_path, 400, colour="red").json()
    assert "error" in download(client, "grids_l4", "pdf", tmp_path, 400).json()
    assert "error" in download(client, "grids_l4", "csv", tmp_path, 400, bbox="1,2").json()
    assert client.get("/layers/nope/export.csv").status_code == 404
    assert client.get("/layers/incidents/export.csv").status_code == 404  # a visitor: no such layer


def test_an_incident_export_holds_the_signed_in_users_cases_only(client, tmp_path):
    """incidents (login_required): the export is the reader's own scope, as on the map and in
    the OGC API, and never left in a shared cache."""
    from tests.support.world import P_G4A, P_G4D, report, world

    w = world()
    mine, other = report(w, "m_a", at=P_G4A), report(w, "m_d", at=P_G4D)
    client.force_login(w["m_a"])
    r = client.get("/layers/incidents/export.csv")
    assert r.status_code == 200 and r["Cache-Control"] == "private, no-store"
    body = r.content.decode("utf-8-sig")
    assert mine.number in body and other.number not in body
    feats = read_back(download(client, "incidents", "gpkg", tmp_path))
    assert [f["properties"]["number"] for f in feats] == [mine.number]
    client.force_login(w["da"])  # the district admin: both
    feats = read_back(download(client, "incidents", "geojson", tmp_path))
    assert sorted(f["properties"]["number"] for f in feats) == sorted([mine.number, other.number])


def test_export_of_a_filtered_queryset_from_python(tmp_path):
    small_district()
    layer = registry.get("grids_l4")
    data, content_type, filename = export(layer, "gpkg", queryset=Grid.objects.current().filter(level=4, name="西网格"))
    assert content_type == "application/geopackage+sqlite3" and filename.endswith(".gpkg")
    path = tmp_path / filename
    path.write_bytes(data)
    assert [f["properties"]["name"] for f in read_back(path)] == ["西网格"]
    with pytest.raises(ExportError):
        export(layer, "gpkg", queryset=Facility.objects.all())


@pytest.mark.parametrize("value,expected", [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A", "'@A"), ("\r=1", "'\r=1"),
                                            ("文本", "文本"), (-5, -5), (None, None), ("", "")])
def test_neutralise(value, expected):
    assert neutralise(value) == expected
