"""Bad input to the import commands (issue 13): for each command, a file with good features and one
bad one ends in a CommandError that names the feature (or line) and says what is wrong, and the
database is as it was (every table's row count; the good features are not kept either).

The commands' own tests go deeper (tests/grids/test_import.py: codes, parents, the bow-tie;
tests/boundaries/test_import.py: marker numbers and every bad row; tests/facilities/test_import.py:
types, duplicates, --keep-good). This table holds the coordinates and geometry every command must
refuse the same way."""
import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.site.test_bad_input import table_counts
from tests.support.district import small_district

pytestmark = pytest.mark.django_db


def ring(*pts):
    return {"type": "Polygon", "coordinates": [[list(p) for p in pts]]}


def rect(x0, y0, x1, y1):
    return ring((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))


# Bad geometries of a polygon feature, each inside the test district where a position applies.
BAD_POLYGONS = {
    "self-intersecting": (ring((116.745, 36.545), (116.755, 36.555), (116.755, 36.545), (116.745, 36.555), (116.745, 36.545)), "Self-intersection"),
    "unclosed ring": (ring((116.745, 36.545), (116.755, 36.545), (116.755, 36.555), (116.745, 36.555)), ""),
    "lat/lon swapped": (rect(36.545, 116.745, 36.555, 116.755), "填反"),
    "out of range": (rect(216.745, 36.545, 216.755, 36.555), "超出范围"),
    "no geometry": (None, "几何"),
    "a point": ({"type": "Point", "coordinates": [116.75, 36.55]}, "Point"),
}


def geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features]}, ensure_ascii=False))
    return path


def run(*args):
    call_command(*args, stdout=io.StringIO(), stderr=io.StringIO())


def refused(args, where, words):
    before = table_counts()
    with pytest.raises(CommandError) as err:
        run(*args)
    message = str(err.value)
    assert where in message and words in message, message
    assert table_counts() == before, "a refused import wrote something"
    return message


@pytest.mark.parametrize("bad", BAD_POLYGONS)
def test_import_areas_refuses_a_file_with_one_bad_feature(tmp_path, bad):
    small_district()
    geom, words = BAD_POLYGONS[bad]
    path = geojson(tmp_path / "communities.geojson", [({"code": "370112001002", "name": "好社区"}, rect(116.70, 36.50, 116.74, 36.54)),
                                                       ({"code": "370112001003", "name": "坏社区"}, geom)])
    refused(["import_areas", str(path), "--level", "community"], "feature #1", words)


@pytest.mark.parametrize("bad", BAD_POLYGONS)
def test_import_grids_refuses_a_file_with_one_bad_feature(tmp_path, bad):
    small_district()
    geom, words = BAD_POLYGONS[bad]
    path = geojson(tmp_path / "grids.geojson", [({"code": "37011200100104", "name": "好网格"}, rect(116.74, 36.54, 116.745, 36.545)),
                                                ({"code": "37011200100105", "name": "坏网格"}, geom)])
    refused(["import_grids", str(path), "--level", "4"], "feature #1", words)


# Bad coordinates of a point row (CSV): lon, lat, and what the message must say.
BAD_POINTS = {
    "lat/lon swapped": ("36.55", "116.75", "填反"),
    "not numbers": ("东经116", "北纬36", "数字"),
    "out of range": ("216.75", "36.55", "超出范围"),
    "NaN": ("nan", "36.55", "超出范围"),
    "Infinity": ("116.75", "inf", "超出范围"),
}


@pytest.mark.parametrize("bad", BAD_POINTS)
def test_import_markers_refuses_a_file_with_one_bad_row(tmp_path, bad):
    small_district()
    lon, lat, words = BAD_POINTS[bad]
    path = tmp_path / "markers.csv"
    path.write_text("number,marker_type,lon,lat\nB001002Q,single,116.70,36.52\nB001003Q,single,%s,%s\n" % (lon, lat), encoding="utf-8")
    refused(["import_markers", str(path), "--line", "B001"], "第 3 行", words)


@pytest.mark.parametrize("bad", BAD_POINTS)
def test_import_facilities_refuses_a_file_with_one_bad_row(tmp_path, bad):
    small_district()
    lon, lat, words = BAD_POINTS[bad]
    path = tmp_path / "facilities.csv"
    path.write_text("设施类型,名称,地址,经度,纬度\n助餐点,好助餐点,测试路1号,116.745,36.545\n助餐点,坏助餐点,测试路2号,%s,%s\n" % (lon, lat),
                    encoding="utf-8")
    refused(["import_facilities", str(path), "--crs", "CGCS2000"], "第 3 行", words)
