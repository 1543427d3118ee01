"""import_areas / import_grids: tiny purpose-built files, all-or-nothing, CRS, codes, versions."""
import io
import json
import subprocess

import pytest
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from geogrid.audit.models import AuditEvent
from geogrid.geo import gcj02
from geogrid.geo.measure import area_m2, distance_m
from geogrid.grids.importing import ImportFailed, area_code, import_areas, import_grids
from geogrid.grids.models import AdminArea, Grid, GridMember
from geogrid.incidents.services import report_incident
from tests.support import REPO, data_path
from tests.support.world import P_G4A, category, world

pytestmark = pytest.mark.django_db


def rect(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


BOWTIE = {"type": "Polygon", "coordinates": [[[116.70, 36.50], [116.71, 36.51], [116.71, 36.50], [116.70, 36.51], [116.70, 36.50]]]}


def geojson(path, features):
    """features: (properties, geometry) pairs → a GeoJSON FeatureCollection file (RFC 7946, WGS84)."""
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features]}, ensure_ascii=False))
    return path


def district_file(tmp_path, code=370190):
    return geojson(tmp_path / "district.geojson", [({"code": code, "name": "测试区"}, rect(116.70, 36.50, 116.80, 36.60))])


def streets_file(tmp_path):
    return geojson(tmp_path / "streets.geojson", [
        ({"code": "370190001", "name": "一街道"}, rect(116.70, 36.50, 116.75, 36.60)),
        ({"code": "370190002000", "name": "二街道"}, rect(116.75, 36.50, 116.80, 36.60)),
    ])


def communities_file(tmp_path):
    return geojson(tmp_path / "communities.geojson", [
        ({"code": "370190001001", "name": "一社区"}, rect(116.70, 36.50, 116.75, 36.55)),
        ({"code": "370190001002", "name": "二社区"}, rect(116.70, 36.55, 116.75, 36.60)),
        ({"code": "370190002001", "name": "三社区"}, rect(116.75, 36.50, 116.80, 36.60)),
    ])


def load_areas(tmp_path):
    import_areas(district_file(tmp_path), level="district")
    import_areas(streets_file(tmp_path), level="street")
    import_areas(communities_file(tmp_path), level="community")


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- areas -----------------------------------------------------------------------------------

def test_areas_import_by_level_with_parents_from_code_prefix(tmp_path):
    r = import_areas(district_file(tmp_path), level="district")
    assert (r.created, r.updated, r.unchanged) == (1, 0, 0)
    assert r.rows[0][:2] == ("370190000000", "测试区")  # 6-digit county code padded to 12
    r = import_areas(streets_file(tmp_path), level="street")
    assert [c for c, _n, _a in r.rows] == ["370190001000", "370190002000"]  # 9 digits padded
    import_areas(communities_file(tmp_path), level="community")
    c = AdminArea.objects.get(code="370190001002")
    assert c.level == "community" and c.parent.code == "370190001000" and c.parent.parent.code == "370190000000"
    # The row's km² is the Gauss-Krüger area of what was stored.
    d = AdminArea.objects.get(code="370190000000")
    assert r.rows[0][2] == pytest.approx(AdminArea.objects.get(code="370190001000").area_m2 / 1e6, rel=1e-6)
    assert d.area_m2 == pytest.approx(area_m2(d.geom)) and 99e6 < d.area_m2 < 100e6  # 0.1° × 0.1° at 36.5°N
    assert d.geom.geom_type == "MultiPolygon" and d.geom.srid == 4490


def test_parent_code_and_parent_field_override_the_prefix(tmp_path):
    import_areas(district_file(tmp_path), level="district")
    import_areas(district_file(tmp_path, code=370191), level="district")
    path = geojson(tmp_path / "s.geojson", [({"code": "370190003000", "name": "三街道", "up": "370191"}, rect(116.70, 36.50, 116.75, 36.60))])
    import_areas(path, level="street", parent_field="up")
    assert AdminArea.objects.get(code="370190003000").parent.code == "370191000000"
    r = import_areas(path, level="street", parent_code="370190000000")
    assert r.updated == 1 and AdminArea.objects.get(code="370190003000").parent.code == "370190000000"


@pytest.mark.parametrize("value, expected", [(370113, "370113000000"), ("370113", "370113000000"), ("370113005", "370113005000"),
                                             ("370113005001", "370113005001"), (370113.0, "370113000000")])
def test_area_codes_are_padded_to_twelve_digits(value, expected):
    assert area_code(value) == expected


@pytest.mark.parametrize("code, words", [("3701130", "12 位"), ("37011300500", "12 位"), ("37A113", "不是数字"), ("", "不是数字"),
                                         ("370113001000", "不是区县级代码")])
def test_bad_area_codes_are_refused_naming_the_feature(tmp_path, code, words):
    path = geojson(tmp_path / "d.geojson", [({"code": "370112", "name": "好区"}, rect(116.6, 36.5, 116.7, 36.6)),
                                            ({"code": code, "name": "坏区"}, rect(116.7, 36.5, 116.8, 36.6))])
    with pytest.raises(ImportFailed) as err:
        import_areas(path, level="district")
    assert err.value.index == 1 and "feature #1" in str(err.value) and words in str(err.value)
    assert AdminArea.objects.count() == 0


def test_one_self_intersecting_polygon_stores_nothing(tmp_path):
    """Three districts, the third a bow-tie: the command fails naming feature #2 and its reason."""
    import_areas(district_file(tmp_path), level="district")
    before = AdminArea.objects.count()
    path = geojson(tmp_path / "three.geojson", [
        ({"code": "370191", "name": "甲区"}, rect(116.6, 36.5, 116.7, 36.6)),
        ({"code": "370192", "name": "乙区"}, rect(116.8, 36.5, 116.9, 36.6)),
        ({"code": "370193", "name": "丙区"}, BOWTIE),
    ])
    with pytest.raises(CommandError) as err:
        run("import_areas", str(path), "--level", "district")
    msg = str(err.value)
    assert "feature #2" in msg and "Self-intersection" in msg and "three.geojson" in msg and "未写入" in msg
    assert AdminArea.objects.count() == before
    assert not AdminArea.objects.filter(code__in=["370191000000", "370192000000"]).exists()


def test_command_exits_with_one_and_a_message(tmp_path):
    # A file that is not there fails before any database access, so a real process is safe here.
    proc = subprocess.run([str(REPO / ".venv/bin/python"), "manage.py", "import_areas", str(tmp_path / "nope.geojson"), "--level", "district"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 1 and "文件不存在" in proc.stderr and "nope.geojson" in proc.stderr


@pytest.mark.parametrize("props, geom, words", [
    ({"code": "370199003000", "name": "无上级街道"}, rect(116.7, 36.5, 116.8, 36.6), "上级区划 370199000000 不存在"),
    ({"code": "370190003000", "name": ""}, rect(116.7, 36.5, 116.8, 36.6), "名称"),
    ({"code": "370190003000", "name": "点街道"}, {"type": "Point", "coordinates": [116.7, 36.5]}, "Point"),
])
def test_bad_streets_are_refused_with_a_reason(tmp_path, props, geom, words):
    import_areas(district_file(tmp_path), level="district")
    path = geojson(tmp_path / "s.geojson", [({"code": "370190001000", "name": "好街道"}, rect(116.7, 36.5, 116.75, 36.6)), (props, geom)])
    with pytest.raises(ImportFailed) as err:
        import_areas(path, level="street")
    assert err.value.index == 1 and words in str(err.value)
    assert AdminArea.objects.count() == 1 and AuditEvent.objects.filter(action="import_create").count() == 1


def test_a_field_name_the_file_lacks_is_named_with_the_fields_it_has(tmp_path):
    with pytest.raises(ImportFailed, match=r"没有字段 adcode.*code、name"):
        import_areas(district_file(tmp_path), level="district", code_field="adcode")


def test_reimport_is_idempotent_and_updates_what_changed(tmp_path):
    load_areas(tmp_path)
    r = import_areas(communities_file(tmp_path), level="community")
    assert (r.created, r.updated, r.unchanged) == (0, 0, 3)
    path = geojson(tmp_path / "c2.geojson", [
        ({"code": "370190001001", "name": "一社区（新名）"}, rect(116.70, 36.50, 116.75, 36.55)),
        ({"code": "370190001002", "name": "二社区"}, rect(116.70, 36.55, 116.76, 36.60)),
        ({"code": "370190001003", "name": "新社区"}, rect(116.70, 36.55, 116.71, 36.56)),
    ])
    r = import_areas(path, level="community")
    assert (r.created, r.updated, r.unchanged) == (1, 2, 0)
    assert AdminArea.objects.get(code="370190001001").name == "一社区（新名）"
    assert AdminArea.objects.filter(level="community").count() == 4  # an import never deletes


def test_gcj02_coordinates_are_converted_on_input(tmp_path):
    wgs = [(116.70, 36.50), (116.72, 36.50), (116.72, 36.52), (116.70, 36.52)]
    ring = [list(gcj02.wgs84_to_gcj02(*p)) for p in wgs]
    path = geojson(tmp_path / "gcj.geojson", [({"code": "370190", "name": "测试区"}, {"type": "Polygon", "coordinates": [ring + [ring[0]]]})])
    import_areas(path, level="district", input_crs="gcj02")
    stored = AdminArea.objects.get().geom
    for (lon, lat), got in zip(wgs, stored[0][0]):
        assert distance_m(Point(lon, lat, srid=4490), Point(*got, srid=4490)) < 0.5
    # Taken as WGS84 the same numbers are ~500 m off: the conversion is real.
    import_areas(path, level="district", input_crs="EPSG:4326")
    raw = AdminArea.objects.get().geom
    assert 400 < distance_m(raw.centroid, stored.centroid) < 700


def test_shapefile_and_geopackage_read_through_gdal(tmp_path):
    src = communities_file(tmp_path)
    gpkg, shp = tmp_path / "c.gpkg", tmp_path / "c.shp"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(gpkg), str(src)], check=True)
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", str(shp), str(src)], check=True)
    import_areas(district_file(tmp_path), level="district")
    import_areas(streets_file(tmp_path), level="street")
    r = import_areas(gpkg, level="community")
    assert r.created == 3 and {n for _c, n, _a in r.rows} == {"一社区", "二社区", "三社区"}
    r = import_areas(shp, level="community")
    assert (r.created, r.updated, r.unchanged) == (0, 0, 3)  # same polygons, same names through the Shapefile


def test_command_prints_progress_table_and_counts(tmp_path):
    import_areas(district_file(tmp_path), level="district")
    out, err = run("import_areas", str(streets_file(tmp_path)), "--level", "street")
    assert "导入 2/2" in err
    assert "370190001000  一街道" in out and "370190002000  二街道" in out
    assert "新建 2，更新 0，未变 0" in out and "用时" in out
    km2 = AdminArea.objects.get(code="370190001000").area_m2 / 1e6
    assert f"{km2:,.3f}" in out


def test_real_jinan_districts_gcj02(tmp_path):
    path = data_path("realdata", "jinan_districts_370100.geojson")
    out, _err = run("import_areas", str(path), "--level", "district", "--input-crs", "gcj02", "--code-field", "adcode", "--name-field", "name")
    assert AdminArea.objects.filter(level="district").count() == 12
    changqing = AdminArea.objects.get(code="370113000000")
    assert changqing.name == "长清区"
    assert changqing.area_m2 / 1e6 == pytest.approx(1210, rel=0.02)
    assert "新建 12" in out and "长清区" in out
    _out, _err = run("import_areas", str(path), "--level", "district", "--input-crs", "gcj02", "--code-field", "adcode")
    assert "未变 12" in _out


# --- grids -----------------------------------------------------------------------------------

def grids4_file(tmp_path, name="g4.geojson", east=116.725):
    return geojson(tmp_path / name, [
        ({"code": "37019000100101", "name": "甲网格", "community_code": "370190001001", "households": 320, "population": 900},
         rect(116.70, 36.50, east, 36.55)),
        ({"code": 37019000100102, "name": "乙网格"}, rect(east, 36.50, 116.75, 36.55)),  # community by location
        ({"code": "37019000200101", "name": "丙学校", "kind": "专属网格", "dedicated_type": "学校"}, rect(116.75, 36.50, 116.80, 36.60)),
    ])


def test_grids_import_with_community_by_field_or_location(tmp_path):
    load_areas(tmp_path)
    r = import_grids(grids4_file(tmp_path), level=4)
    assert r.created == 3
    a, b, c = Grid.objects.order_by("code")
    assert (a.community.code, a.households, a.population, a.kind) == ("370190001001", 320, 900, "ordinary")
    assert b.community.code == "370190001001" and b.households == 0
    assert (c.community.code, c.kind, c.dedicated_type) == ("370190002001", "dedicated", "school")
    assert all(g.version == 1 and g.valid_to is None for g in (a, b, c))
    l5 = geojson(tmp_path / "g5.geojson", [
        ({"code": "3701900010010101", "name": "甲一", "parent_code": "37019000100101"}, rect(116.70, 36.50, 116.7125, 36.55)),
        ({"code": "3701900010010102", "name": "甲二"}, rect(116.7125, 36.50, 116.725, 36.55)),  # parent by location
    ])
    r = import_grids(l5, level=5)
    assert r.created == 2
    assert {g.parent.code for g in Grid.objects.filter(level=5)} == {"37019000100101"}
    assert {g.community.code for g in Grid.objects.filter(level=5)} == {"370190001001"}


@pytest.mark.parametrize("props, words", [
    ({"code": "3701900010010", "name": "短码"}, "不符合第 4 级网格编码规则"),
    ({"code": "37019000100109", "name": "无社区", "community_code": "370190009009"}, "社区 370190009009 不存在"),
    ({"code": "37019000100109", "name": "专属", "kind": "dedicated"}, "专属网格类别"),
    ({"code": "37019000100109", "name": "怪类", "kind": "weird"}, "网格类型"),
    ({"code": "37019000100109", "name": "负户", "households": -3}, "户数"),
    ({"code": "37019000100101", "name": "重复"}, "重复"),
])
def test_bad_grids_are_refused_naming_the_feature(tmp_path, props, words):
    load_areas(tmp_path)
    path = geojson(tmp_path / "g.geojson", [({"code": "37019000100101", "name": "好"}, rect(116.70, 36.50, 116.72, 36.55)),
                                            (props, rect(116.72, 36.50, 116.73, 36.55))])
    with pytest.raises(ImportFailed) as err:
        import_grids(path, level=4)
    assert err.value.index == 1 and "feature #1" in str(err.value) and words in str(err.value)
    assert Grid.objects.count() == 0


def test_grid_outside_every_community_or_l5_without_l4_is_refused(tmp_path):
    load_areas(tmp_path)
    far = geojson(tmp_path / "far.geojson", [({"code": "37019000100109", "name": "远"}, rect(117.5, 36.0, 117.6, 36.1))])
    with pytest.raises(ImportFailed, match="没有包含此网格的社区"):
        import_grids(far, level=4)
    orphan = geojson(tmp_path / "o.geojson", [({"code": "3701900010010101", "name": "孤", "parent_code": "37019000100101"},
                                               rect(116.70, 36.50, 116.71, 36.51))])
    with pytest.raises(ImportFailed, match="上级四级网格 37019000100101 不存在"):
        import_grids(orphan, level=5)
    assert Grid.objects.count() == 0


def test_grid_reimport_unchanged_or_updated_in_place(tmp_path):
    load_areas(tmp_path)
    import_grids(grids4_file(tmp_path), level=4)
    r = import_grids(grids4_file(tmp_path), level=4)
    assert (r.created, r.updated, r.unchanged) == (0, 0, 3)
    path = geojson(tmp_path / "g.geojson", [({"code": "37019000100101", "name": "甲网格", "households": 400},
                                             rect(116.70, 36.50, 116.725, 36.55))])
    r = import_grids(path, level=4)
    assert r.updated == 1
    g = Grid.objects.get(code="37019000100101")  # attributes change in place: still one row, version 1
    assert (g.version, g.households, g.valid_to) == (1, 400, None)


def test_redrawn_grid_gets_a_new_version_and_old_records_keep_the_old_one(tmp_path):
    w = world()  # G4a = 37011200100101 (116.70–116.725), G5a inside it; m_a and head_a serve in G4a
    inc = report_incident(w["m_a"], category=category(), description="井盖缺失", lon=P_G4A[0], lat=P_G4A[1])
    old = w["g4a"]
    assert inc.grid4_id == old.pk
    path = geojson(tmp_path / "redraw.geojson", [({"code": "37011200100101", "name": "甲网格"}, rect(116.70, 36.50, 116.73, 36.55))])
    r = import_grids(path, level=4)
    assert (r.created, r.updated, r.unchanged) == (0, 1, 0)
    old.refresh_from_db()
    new = Grid.objects.current().get(code=old.code)
    assert old.valid_to is not None and old.version == 1
    assert new.version == 2 and new.pk != old.pk and new.valid_from == old.valid_to
    assert new.community == old.community and new.area_m2 > old.area_m2
    inc.refresh_from_db()
    assert inc.grid4_id == old.pk and inc.grid4.version == 1  # the case keeps the version it was made in
    w["g5a"].refresh_from_db()
    assert w["g5a"].parent_id == new.pk  # current children follow the grid in force
    assert set(GridMember.objects.filter(user__username__in=["m_a", "head_a"]).values_list("grid_id", flat=True)) == {new.pk}
    assert AuditEvent.objects.filter(action="import_version", object_id=str(new.pk)).exists()
    # Redrawing again: version 3; re-importing the same file again: unchanged.
    import_grids(geojson(tmp_path / "r3.geojson", [({"code": "37011200100101", "name": "甲网格"}, rect(116.70, 36.50, 116.72, 36.55))]), level=4)
    assert list(Grid.objects.filter(code=old.code).order_by("version").values_list("version", flat=True)) == [1, 2, 3]
    assert import_grids(tmp_path / "r3.geojson", level=4).unchanged == 1


def test_grid_import_command_fails_whole_on_a_bad_feature(tmp_path):
    load_areas(tmp_path)
    path = geojson(tmp_path / "g.geojson", [
        ({"code": "37019000100101", "name": "甲"}, rect(116.70, 36.50, 116.72, 36.55)),
        ({"code": "37019000100102", "name": "乙"}, rect(116.72, 36.50, 116.74, 36.55)),
        ({"code": "37019000100103", "name": "丙"}, BOWTIE),
    ])
    with pytest.raises(CommandError, match=r"feature #2.*Self-intersection"):
        run("import_grids", str(path), "--level", "4")
    assert Grid.objects.count() == 0
    out, _err = run("import_grids", str(grids4_file(tmp_path)), "--level", "4")
    assert "37019000200101  丙学校" in out and "新建 3" in out


def test_an_import_that_writes_rows_refreshes_the_planner_statistics(tmp_path):
    from django.db import connection

    def analyzed(table):
        with connection.cursor() as cur:
            cur.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            return cur.fetchone()[0]

    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "370190000000", "name": "示例区"},
         "geometry": {"type": "Polygon", "coordinates": [[[116.7, 36.5], [116.8, 36.5], [116.8, 36.6], [116.7, 36.6], [116.7, 36.5]]]}}]}))
    import_areas(path, level="district")
    assert analyzed("grids_adminarea") >= 1  # -1 (never analysed) or 0 before
