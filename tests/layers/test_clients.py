"""Real clients against a live test server (#12): GDAL's OAPIF driver (ogrinfo, ogr2ogr from the
system package) and OWSLib read the OGC API as QGIS would; every feature arrives, paged through the
next links, with its Chinese text and its coordinates."""
import json
import shutil
import subprocess

import pytest
from owslib.ogcapi.features import Features

from geogrid.grids.models import Grid
from tests.support import box
from tests.support.district import small_district

pytestmark = pytest.mark.django_db(transaction=True)

OGRINFO, OGR2OGR = shutil.which("ogrinfo"), shutil.which("ogr2ogr")
IDS = ["admin-areas", "grids-l4", "grids-l5", "roads", "road-signs", "boundary-lines", "boundary-markers", "facilities", "care-buildings"]


def gdal(*args, timeout=120):
    if not OGRINFO or not OGR2OGR:
        pytest.fail("GDAL's command-line tools are missing: scripts/bootstrap.sh installs gdal-bin")
    # No proxy for the local server; GDAL's HTTP cache off so every run asks the server.
    env = {"PATH": "/usr/bin:/bin", "NO_PROXY": "*", "GDAL_HTTP_TIMEOUT": "60", "CPL_VSIL_CURL_USE_CACHE": "NO"}
    r = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    assert r.returncode == 0, r.stderr + r.stdout
    return r.stdout


def district_of_grids(n_side=30):
    """The small district and n_side² level-5 grids in the west grid: 900 + 1 features, more
    than one page of any client."""
    d = small_district()
    parent = Grid.objects.get(code="37011200100101")
    step = 0.01 / n_side
    Grid.objects.bulk_create([
        Grid(code=f"37011200100101{i * n_side + j:04d}", name=f"第{i * n_side + j}号小网格", level=5, parent=parent,
             community=d["community"], households=i + j, geom=box(116.74 + i * step, 36.54 + j * step, 116.74 + (i + 1) * step,
                                                                  36.54 + (j + 1) * step))
        for i in range(n_side) for j in range(n_side)])
    return 1 + n_side * n_side


def test_ogrinfo_lists_the_collections(live_server):
    small_district()
    out = gdal(OGRINFO, "-ro", "-q", f"OAPIF:{live_server.url}/ogc")
    layers = [line.split(": ", 1)[1].split(" (")[0] for line in out.splitlines() if ": " in line and line.split(":")[0].strip().isdigit()]
    assert layers == IDS, out
    summary = gdal(OGRINFO, "-ro", "-so", f"OAPIF:{live_server.url}/ogc", "facilities")
    assert "Feature Count: 1" in summary and "name: String" in summary


def test_ogr2ogr_copies_every_grid_to_a_geopackage(live_server, tmp_path):
    n = district_of_grids()
    gpkg = tmp_path / "grids.gpkg"
    # PAGE_SIZE 200: GDAL follows the next links through five pages
    gdal(OGR2OGR, "-f", "GPKG", str(gpkg), f"OAPIF:{live_server.url}/ogc", "grids-l5", "-oo", "PAGE_SIZE=200", timeout=300)
    back = json.loads(gdal(OGR2OGR, "-f", "GeoJSON", "/vsistdout/", str(gpkg)))
    feats = back["features"]
    assert len(feats) == n
    names = {f["properties"]["name"] for f in feats}
    assert "西一小网格" in names and "第899号小网格" in names and len(names) == n
    one = next(f for f in feats if f["properties"]["name"] == "第31号小网格")  # i=1, j=1
    xs = [x for ring in one["geometry"]["coordinates"][0] for x, _y in ring] if one["geometry"]["type"] == "MultiPolygon" \
        else [x for x, _y in one["geometry"]["coordinates"][0]]
    assert min(xs) == pytest.approx(116.74 + 0.01 / 30, abs=1e-7)  # lon first: GDAL read CRS84 as lon,lat
    assert one["properties"]["households"] == 2


def test_ogr2ogr_with_a_spatial_filter(live_server, tmp_path):
    district_of_grids(10)
    out = tmp_path / "part.geojson"
    # -spat in lon/lat: GDAL sends it as a CRS84 bbox meeting grids i, j ∈ {1, 2} (0.001° each) and the L5 grid of the district
    gdal(OGR2OGR, "-f", "GeoJSON", str(out), f"OAPIF:{live_server.url}/ogc", "grids-l5", "-spat", "116.7412", "36.5412", "116.7428",
         "36.5428")
    feats = json.loads(out.read_text())["features"]
    assert sorted(f["properties"]["name"] for f in feats) == ["第11号小网格", "第12号小网格", "第21号小网格", "第22号小网格", "西一小网格"]


def test_owslib_conformance_collections_and_paged_items(live_server):
    n = district_of_grids(5)
    api = Features(f"{live_server.url}/ogc")
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]
    assert [c["id"] for c in api.collections()["collections"]] == IDS
    meta = api.collection("grids-l5")
    assert meta["title"] == "五级网格" and meta["extent"]["spatial"]["bbox"][0][0] == pytest.approx(116.74)
    first = api.collection_items("grids-l5", limit=10)
    assert first["numberMatched"] == n and first["numberReturned"] == 10
    ids = [f["id"] for f in first["features"]]
    offset = 10
    while len(ids) < n:
        page = api.collection_items("grids-l5", limit=10, offset=offset)
        assert page["numberReturned"] == min(10, n - offset)
        ids += [f["id"] for f in page["features"]]
        offset += 10
    assert len(set(ids)) == n
    dedicated = api.collection_items("grids-l4", kind="dedicated")
    assert [f["properties"]["name"] for f in dedicated["features"]] == ["东网格"]
    item = api.collection_item("grids-l4", str(dedicated["features"][0]["id"]))
    assert item["properties"]["kind_display"] == "专属网格"
