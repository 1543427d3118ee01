"""User-facing errors of the CRS helper, the file reader and /api/locate go through gettext (house
rule), so the English catalogue can translate them. A marking stand-in for `_` shows each message
passed through it; the Chinese text itself is checked by test_geo, test_import and test_locate."""
import pytest

from geogrid.geo import crs, features
from geogrid.grids import locate as locate_view


def mark(monkeypatch, *modules):
    for m in modules:
        monkeypatch.setattr(m, "_", lambda s: "«" + s + "»")


def test_crs_errors_are_translatable(monkeypatch):
    mark(monkeypatch, crs)
    for call, words in [
        (lambda: crs.parse_input_crs("bd09"), "«未知坐标系"),
        (lambda: crs.point_to_storage("x", "36"), "«经纬度必须是数字"),
        (lambda: crs.point_to_storage("200", "36"), "«坐标超出范围"),
    ]:
        with pytest.raises(crs.CRSError) as err:
            call()
        assert str(err.value).startswith(words), err.value


def test_file_reader_errors_are_translatable(monkeypatch, tmp_path):
    mark(monkeypatch, features)
    with pytest.raises(features.FeatureError, match="«文件不存在»"):
        list(features.read_features(tmp_path / "absent.geojson"))
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": null}]}')
    with pytest.raises(features.FeatureError) as err:
        list(features.read_features(bad))
    assert "«第 0 个要素" in str(err.value) and "«几何缺失或无法读取" in str(err.value)


@pytest.mark.django_db
def test_locate_errors_are_translatable(monkeypatch, client):
    mark(monkeypatch, locate_view, crs)
    assert client.get("/api/locate", {"lat": "36"}).json()["error"].startswith("«缺少参数")
    assert client.get("/api/locate", {"lon": "x", "lat": "36"}).json()["error"].startswith("«经纬度")
    r = client.get("/api/locate", {"lon": "110", "lat": "30"})
    assert r.status_code == 404 and r.json()["error"].startswith("«该点不在")
