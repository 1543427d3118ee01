"""import_grids' set-based path (COPY into a staging table, checks in GEOS and PostGIS, one INSERT …
SELECT): the refusal is the first feature at fault in file order, whichever phase finds it; new and
known codes in one file; audit events, areas and the tiles' change counter as row-by-row saves gave
them; the bulk reader agrees with read_features."""
import json
import subprocess

import pytest
import shapely
from django.contrib.gis.geos import GEOSGeometry

from geogrid.audit.models import AuditEvent
from geogrid.geo import gcj02
from geogrid.geo.features import read_features, read_wkb
from geogrid.geo.measure import area_m2, area_m2_many
from geogrid.grids.importing import ImportFailed, import_grids
from geogrid.grids.models import Grid
from layers.versions import version
from tests.grids.test_import import BOWTIE, geojson, grids4_file, load_areas, rect

pytestmark = pytest.mark.django_db


def failure(path, level=4):
    with pytest.raises(ImportFailed) as err:
        import_grids(path, level=level)
    return err.value


@pytest.mark.parametrize("first, second, index, words", [
    # A container found missing by the spatial join (#0) comes before an invalid polygon (#1)…
    (({"code": "37019000100109", "name": "远"}, rect(117.5, 36.0, 117.6, 36.1)), ({"code": "37019000100108", "name": "蝴蝶"}, BOWTIE),
     0, "没有包含此网格的社区"),
    # … an invalid polygon (#0) before a bad name (#1) …
    (({"code": "37019000100109", "name": "蝴蝶"}, BOWTIE), ({"code": "37019000100108", "name": ""}, rect(116.70, 36.50, 116.71, 36.51)),
     0, "Self-intersection"),
    # … and, within one feature, a bad name before its invalid polygon, its polygon before its kind.
    (({"code": "37019000100109", "name": ""}, BOWTIE), ({"code": "37019000100108", "name": "好"}, rect(116.70, 36.50, 116.71, 36.51)),
     0, "名称"),
    (({"code": "37019000100109", "name": "怪", "kind": "weird"}, BOWTIE), ({"code": "37019000100108", "name": "好"}, rect(116.70, 36.50, 116.71, 36.51)),
     0, "Self-intersection"),
    # A code whose prefix is not its community's, found once the container is known, after a point.
    (({"code": "37019000200109", "name": "错社区"}, rect(116.70, 36.50, 116.71, 36.51)),
     ({"code": "37019000100108", "name": "点"}, {"type": "Point", "coordinates": [116.7, 36.5]}), 0, "应以所属社区/村的代码 370190001001 开头"),
    (({"code": "37019000100108", "name": "点"}, {"type": "Point", "coordinates": [116.7, 36.5]}),
     ({"code": "37019000200109", "name": "错社区"}, rect(116.70, 36.50, 116.71, 36.51)), 0, "Point"),
])
def test_the_first_feature_at_fault_is_named_whichever_check_finds_it(tmp_path, first, second, index, words):
    load_areas(tmp_path)
    err = failure(geojson(tmp_path / "g.geojson", [first, second]))
    assert err.index == index and f"feature #{index}" in str(err) and words in str(err), str(err)
    assert Grid.objects.count() == 0 and not AuditEvent.objects.filter(content_type__model="grid").exists()


def test_a_level5_grid_naming_a_parent_in_another_community_is_refused(tmp_path):
    load_areas(tmp_path)
    import_grids(grids4_file(tmp_path), level=4)
    path = geojson(tmp_path / "g5.geojson", [
        ({"code": "3701900010010101", "name": "甲一", "parent_code": "37019000100101"}, rect(116.70, 36.50, 116.71, 36.55)),
        ({"code": "3701900010010102", "name": "甲二", "parent_code": "37019000100101", "community_code": "370190002001"},
         rect(116.71, 36.50, 116.72, 36.55)),
    ])
    err = failure(path, level=5)
    assert err.index == 1 and "社区 370190002001 与上级四级网格 37019000100101 所属社区 370190001001 不一致" in str(err)
    assert not Grid.objects.filter(level=5).exists()


def test_new_unchanged_updated_and_redrawn_grids_in_one_file(tmp_path):
    load_areas(tmp_path)
    import_grids(grids4_file(tmp_path), level=4)
    before = {g.code: g.pk for g in Grid.objects.all()}
    tiles = version("grids_l4")
    path = geojson(tmp_path / "mixed.geojson", [
        ({"code": "37019000100201", "name": "新网格", "households": 7}, rect(116.70, 36.55, 116.72, 36.60)),  # new, in 二社区
        ({"code": "37019000100101", "name": "甲网格", "community_code": "370190001001", "households": 320, "population": 900},
         rect(116.70, 36.50, 116.725, 36.55)),  # unchanged
        ({"code": "37019000100102", "name": "乙网格（改名）"}, rect(116.725, 36.50, 116.75, 36.55)),  # renamed in place
        ({"code": "37019000200101", "name": "丙学校", "kind": "dedicated", "dedicated_type": "school"}, rect(116.75, 36.50, 116.79, 36.60)),  # redrawn
    ])
    r = import_grids(path, level=4)
    assert (r.created, r.updated, r.unchanged) == (1, 2, 1)
    assert [c for c, _n, _a in r.rows] == ["37019000100201", "37019000100101", "37019000100102", "37019000200101"]
    new = Grid.objects.get(code="37019000100201")
    assert (new.community.code, new.households, new.version, new.valid_from) == ("370190001002", 7, 1, Grid.objects.current().get(code="37019000200101").valid_from)
    assert new.geom.geom_type == "MultiPolygon" and new.geom.srid == 4490
    assert new.area_m2 == pytest.approx(area_m2(new.geom), rel=1e-9) and r.rows[0][2] == pytest.approx(new.area_m2 / 1e6, rel=1e-6)
    event = AuditEvent.objects.get(action="import_create", object_id=str(new.pk))
    assert (event.note, event.data, event.actor, event.at) == ("mixed.geojson", {"version": 1}, None, new.valid_from)
    assert Grid.objects.get(pk=before["37019000100102"]).name == "乙网格（改名）"
    assert Grid.objects.filter(code="37019000200101").count() == 2
    assert version("grids_l4") != tiles  # the tiles of the level-4 grids are drawn again
    # The same file again: nothing new, and the staging tables of the first import are gone.
    r = import_grids(path, level=4)
    assert (r.created, r.updated, r.unchanged) == (0, 0, 4)


def test_level5_grids_find_their_parents_by_location_in_bulk(tmp_path):
    load_areas(tmp_path)
    import_grids(grids4_file(tmp_path), level=4)
    cells = [({"code": f"370190001001{'01' if x < 116.725 else '02'}{i:02d}", "name": f"格{i}"}, rect(x, y, x + 0.0025, y + 0.005))
             for i, (x, y) in enumerate(((116.70 + 0.0025 * k, 36.50 + 0.005 * j) for k in range(20) for j in range(10)), 1)]
    r = import_grids(geojson(tmp_path / "g5.geojson", cells), level=5)
    assert r.created == 200
    parents = dict(Grid.objects.filter(level=5).values_list("code", "parent__code"))
    assert all(parents[code].startswith(code[:14]) for code in parents) and set(parents.values()) == {"37019000100101", "37019000100102"}
    assert AuditEvent.objects.filter(action="import_create", content_type__model="grid").count() == 3 + 200


def test_the_bulk_reader_reads_what_read_features_reads(tmp_path):
    ring = [[116.70, 36.50, 10.0], [116.72, 36.50, 11.0], [116.72, 36.52, 12.0], [116.70, 36.52, 13.0], [116.70, 36.50, 10.0]]
    src = tmp_path / "z.geojson"
    src.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "37019000100101", "n": 3, "r": 2.5, "s": "甲\t乙", "none": None},
         "geometry": {"type": "Polygon", "coordinates": [ring]}},
        {"type": "Feature", "properties": {"code": 37019000100102, "n": None, "r": 1.0, "s": "", "none": None},
         "geometry": {"type": "MultiPolygon", "coordinates": [[[p[:2] for p in ring]]]}}]}, ensure_ascii=False))
    gpkg = tmp_path / "z.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(gpkg), str(src)], check=True)
    for path in (src, gpkg):
        for crs in (None, "gcj02"):
            old, new = list(read_features(path, input_crs=crs)), read_wkb(path, input_crs=crs)
            assert [f.properties for f in old] == [f.properties for f in new]
            for a, b in zip(old, new):
                g = GEOSGeometry(memoryview(b.wkb))
                assert not g.hasz and a.geom.equals_exact(g, 1e-12), (path, crs)
    # GCJ-02 really converted: ~500 m from the raw numbers.
    raw, conv = read_wkb(src)[0], read_wkb(src, input_crs="gcj02")[0]
    moved = GEOSGeometry(memoryview(conv.wkb)).centroid
    assert moved.x == pytest.approx(gcj02.gcj02_to_wgs84(116.71, 36.51)[0], abs=1e-5)
    assert GEOSGeometry(memoryview(raw.wkb)).centroid.x == pytest.approx(116.71)


def test_areas_of_many_are_the_areas_of_each():
    shapes = [shapely.box(116.70, 36.50, 116.72, 36.52), shapely.box(118.40, 36.0, 118.70, 36.3),  # two zones (117°, 120°)
              shapely.box(75.0, 40.0, 75.1, 40.1)]
    got = area_m2_many(shapes)
    for shape, value in zip(shapes, got):
        assert value == pytest.approx(area_m2(GEOSGeometry(shape.wkt, srid=4490)), rel=1e-9)
    assert len(area_m2_many([])) == 0


def test_a_polygon_only_postgis_finds_invalid_is_still_named(tmp_path, monkeypatch):
    """The database's CHECK (ST_IsValid) is the last word: were the GEOS of shapely to pass a polygon
    PostGIS refuses, the import still fails naming it, and stores nothing."""
    import numpy as np

    load_areas(tmp_path)
    monkeypatch.setattr(shapely, "is_valid", lambda shapes: np.ones(len(shapes), dtype=bool))
    monkeypatch.setattr(shapely, "point_on_surface", lambda shapes: shapely.centroid(shapes))
    path = geojson(tmp_path / "g.geojson", [({"code": "37019000100109", "name": "好"}, rect(116.70, 36.50, 116.71, 36.51)),
                                            ({"code": "37019000100108", "name": "蝴蝶"}, BOWTIE)])
    err = failure(path)
    assert err.index == 1 and "Self-intersection" in str(err)
    assert Grid.objects.count() == 0
