"""The shared tile store (#9, layers/tilestore.py): tiles as files keyed by layer, version,
language and z/x/y, shared by every server process; a data edit makes a new version whose next
tile shows it; the old versions' files go; a read never writes a LayerVersion row; a stored tile
costs no query when asked with its version (as the map asks), one without."""
import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import mapbox_vector_tile
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geogrid.facilities.models import Facility
from geogrid.grids.importing import redraw_grid
from layers import publish, tilestore, versions
from layers.models import LayerVersion
from layers.registry import registry
from tests.support.district import box, small_district

pytestmark = pytest.mark.django_db

Z, X, Y = 14, 13505, 6402  # holds 116.75E 36.55N (the facility of small_district)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _own_store(settings, tmp_path):
    settings.GEOGRID_TILE_DIR = tmp_path / "tiles"  # the other tests' rolled-back versions stay in the run's store


def tiles_url(client, layer):
    (info,) = [i for i in client.get("/layers/").json()["layers"] if i["name"] == layer]
    return info["tiles_url"]


def tile_path(client, layer, z=Z, x=X, y=Y):
    return tiles_url(client, layer).replace("{z}/{x}/{y}", f"{z}/{x}/{y}")


def version_dirs(layer):
    tilestore.wait()  # the old versions' directories are deleted by a thread
    base = tilestore.root() / layer
    return sorted(p.name for p in base.iterdir()) if base.is_dir() else []


def test_a_stored_tile_is_the_fresh_tile_byte_for_byte_and_costs_no_query(client):
    small_district()
    path = tile_path(client, "facilities")
    v = versions.version("facilities")
    assert path == f"/tiles/facilities/{Z}/{X}/{Y}.pbf?v={v}"
    fresh = publish.tile(registry.get("facilities"), Z, X, Y)
    first = client.get(path)
    assert first.status_code == 200 and first.content == fresh and len(fresh) > 20
    assert tilestore.tile_path("facilities", v, "zh-hans", Z, X, Y).read_bytes() == fresh
    with CaptureQueriesContext(connection) as q:
        again = client.get(path)
    assert again.content == fresh and len(q) == 0
    assert again["ETag"] == first["ETag"] == f'"facilities.{v}.zh-hans.{Z}.{X}.{Y}"'
    assert again["Cache-Control"] == "max-age=86400, immutable" and "Accept-Language" in again["Vary"]
    assert client.get(path, HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304
    # Without ?v= (a client that does not read the layer list): the version lookup, then the file.
    with CaptureQueriesContext(connection) as q:
        plain = client.get(f"/tiles/facilities/{Z}/{X}/{Y}.pbf")
    assert plain.content == fresh and [x["sql"] for x in q] == ["SELECT version FROM layers_layerversion WHERE name = 'facilities'"]
    assert plain["Cache-Control"] == "max-age=60" and plain["ETag"] == first["ETag"]
    # English labels are another file, not the Chinese one.
    en = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert en["ETag"] != first["ETag"] and tilestore.tile_path("facilities", v, "en", Z, X, Y).exists()


def test_a_cached_tile_costs_the_same_queries_for_3_and_300_features(client):
    c = small_district()["community"]
    w, s, e, n = publish.tile_lonlat_bounds(Z, X, Y)

    def cached_queries():
        path = tile_path(client, "facilities")
        assert client.get(path).status_code == 200  # made and stored
        with CaptureQueriesContext(connection) as versioned:
            client.get(path)
        with CaptureQueriesContext(connection) as plain:
            client.get(path.split("?")[0])
        return len(versioned), len(plain)

    few = cached_queries()
    Facility.objects.bulk_create([Facility(name=f"设施{i}", facility_type_id="day_care", address="某路", area=c,
                                           geom=_point(w + (e - w) * (i % 20) / 20, s + (n - s) * (i // 20) / 15))
                                  for i in range(300)])
    versions.bump_model(Facility)
    assert few == cached_queries() == (0, 1)


def _point(lon, lat):
    from django.contrib.gis.geos import Point

    return Point(lon, lat, srid=4490)


CHILD = """
import hashlib, json, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
with CaptureQueriesContext(connection) as q:
    r = Client().get({path!r})
print(json.dumps({{"status": r.status_code, "queries": [x["sql"] for x in q], "sha": hashlib.sha256(r.content).hexdigest(),
                  "etag": r.get("ETag")}}))
"""


def test_another_process_serves_the_tile_this_one_stored_without_the_database(client):
    """Two server processes (gunicorn's workers) share the store: a second Python process, on the
    same database and store, answers the tile this one made without a single query."""
    small_district()
    path = tile_path(client, "grids_l4")
    made = client.get(path)
    assert made.status_code == 200
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "geogrid.settings", "GEOGRID_TILE_DIR": str(settings.GEOGRID_TILE_DIR),
           "GEOGRID_DB_NAME": connection.settings_dict["NAME"]}
    out = subprocess.run([sys.executable, "-c", CHILD.format(path=path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    child = json.loads(out.stdout.strip().splitlines()[-1])
    # The grids of this test are not committed: the other process could not have computed them.
    assert child == {"status": 200, "queries": [], "sha": hashlib.sha256(made.content).hexdigest(), "etag": made["ETag"]}


def _merc(lon, lat, z, x, y):
    """lon/lat -> the tile's integer coordinates (4096 a side, y down)."""
    n = 1 << z
    mx = (lon + 180) / 360 * n - x
    my = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n - y
    return round(mx * publish.TILE_EXTENT), round(my * publish.TILE_EXTENT)


def test_a_grid_redrawn_by_the_service_is_in_the_next_tile_exactly(client, django_capture_on_commit_callbacks):
    d = small_district()
    old = d["grid_a"]
    before_url = tile_path(client, "grids_l4")
    before = client.get(before_url)
    assert old.pk in {f["id"] for f in mapbox_vector_tile.decode(before.content)["grids_l4"]["features"]}
    # The new polygon: a box inside the tile, so the tile holds all of it.
    w, s, e, n = publish.tile_lonlat_bounds(Z, X, Y)
    lon0, lat0, lon1, lat1 = w + (e - w) * 0.25, s + (n - s) * 0.25, w + (e - w) * 0.5, s + (n - s) * 0.6
    with django_capture_on_commit_callbacks(execute=True):
        new = redraw_grid(old, box(lon0, lat0, lon1, lat1), name="西网格（调整）")
    after_url = tile_path(client, "grids_l4")
    assert after_url != before_url  # the layer list gives the new version
    after = client.get(after_url)
    decoded = mapbox_vector_tile.decode(after.content, default_options={"y_coord_down": True})
    feats = {f["id"]: f for f in decoded["grids_l4"]["features"]}
    assert set(feats) == {new.pk, d["grid_b"].pk}  # the closed version is gone from the tile
    f = feats[new.pk]
    assert f["geometry"]["type"] == "Polygon"
    ring = f["geometry"]["coordinates"][0]
    corners = {_merc(lon, lat, Z, X, Y) for lon, lat in ((lon0, lat0), (lon1, lat0), (lon1, lat1), (lon0, lat1))}
    assert len(ring) == 5 and ring[0] == ring[-1] and {tuple(p) for p in ring} == corners
    assert {x for x, _ in corners} == {1024, 2048}  # a quarter and a half of the tile's width
    geojson = {feat["id"]: feat["properties"] for feat in client.get("/layers/grids_l4.geojson").json()["features"]}
    assert f["properties"] == {k: v for k, v in geojson[new.pk].items() if v is not None}
    assert f["properties"]["name"] == "西网格（调整）"
    # A map still holding the old URL is not given the old tile: its file went with the commit.
    stale = client.get(before_url)
    assert stale.content == after.content and stale["Cache-Control"] == "max-age=60"
    assert client.get(before_url.split("?")[0]).content == after.content


def test_reading_tiles_and_the_layer_list_never_writes_a_version_row(client):
    small_district()
    LayerVersion.objects.filter(name="facilities").delete()
    with CaptureQueriesContext(connection) as q:
        listed = client.get("/layers/")
        r = client.get(f"/tiles/facilities/{Z}/{X}/{Y}.pbf")
        client.get(f"/tiles/roads/{Z}/{X}/{Y}.pbf")
    touching = [x["sql"] for x in q if "layers_layerversion" in x["sql"]]
    assert touching and all(sql.lstrip().upper().startswith("SELECT") for sql in touching)
    assert not LayerVersion.objects.filter(name="facilities").exists()
    # Without a counter the tile is built and not kept; the list gives its URL without a version.
    assert r.status_code == 200 and r["Cache-Control"] == "no-cache" and not r.has_header("ETag")
    assert version_dirs("facilities") == []
    (info,) = [i for i in listed.json()["layers"] if i["name"] == "facilities"]
    assert info["tiles_url"] == "/tiles/facilities/{z}/{x}/{y}.pbf"
    # migrate makes the missing rows (post_migrate), not a read.
    versions.ensure(["facilities"])
    assert versions.version("facilities") is not None


def test_the_store_keeps_one_version_a_layer(client, django_capture_on_commit_callbacks):
    small_district()
    f = Facility.objects.get()
    seen = set()
    for i in range(3):
        assert client.get(tile_path(client, "facilities")).status_code == 200
        seen.add(versions.version("facilities"))
        assert version_dirs("facilities") == [str(versions.version("facilities"))]
        with django_capture_on_commit_callbacks(execute=True):
            f.name = f"改名{i}"
            f.save()
        assert version_dirs("facilities") == []  # the old version's tiles went with the commit
    assert len(seen) == 3
    # What a race or a crash leaves behind, and a layer no longer published, go by the command.
    client.get(tile_path(client, "facilities"))
    current = str(versions.version("facilities"))
    tilestore.write("facilities", 12345, "zh-hans", 1, 0, 0, b"old")
    tilestore.write("no_such_layer", 7, "zh-hans", 1, 0, 0, b"old")
    call_command("prune_tiles", stdout=open(os.devnull, "w"))
    assert version_dirs("facilities") == [current] and version_dirs("no_such_layer") == []
    # migrate (after a restore: the numbers given since the backup come again) keeps only the current.
    tilestore.write("facilities", versions.version("facilities") + 1, "zh-hans", 1, 0, 0, b"later")
    from django.apps import apps
    from django.db.models.signals import post_migrate

    from layers.apps import _make_version_rows

    assert post_migrate.has_listeners(apps.get_app_config("layers"))
    _make_version_rows(using="default")
    assert version_dirs("facilities") == [current]
    # Deeper than the store keeps (the map scales z16 tiles): built, not stored.
    assert client.get(tile_path(client, "facilities", 18, X * 16, Y * 16)).status_code in (200, 204)
    assert not (tilestore.root() / "facilities" / current / "zh-hans" / "18").exists()


def test_a_store_that_cannot_be_written_still_answers_tiles(client, settings, tmp_path):
    small_district()
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the store's directory should be")
    settings.GEOGRID_TILE_DIR = blocked
    fresh = publish.tile(registry.get("facilities"), Z, X, Y)
    for _ in range(2):
        r = client.get(tile_path(client, "facilities"))
        assert r.status_code == 200 and r.content == fresh


def test_rows_compiled_once_a_version_give_the_same_tiles_in_each_language(client):
    """publish.tile(version=…) reuses the layer's compiled rows (per version and language): the
    tiles are those compiled afresh, and the choice labels stay in their language."""
    from django.utils import translation

    d = small_district()
    layer = registry.get("grids_l4")
    v = versions.version("grids_l4")
    labels = {}
    for lang in ("zh-hans", "en", "zh-hans"):
        with translation.override(lang):
            for _ in range(2):
                assert publish.tile(layer, Z, X, Y, version=v) == publish.tile(layer, Z, X, Y)
            feats = mapbox_vector_tile.decode(publish.tile(layer, Z, X, Y, version=v))["grids_l4"]["features"]
            labels[lang] = {f["properties"]["kind_display"] for f in feats if f["id"] == d["grid_b"].pk}
    assert labels["zh-hans"] != labels["en"] and len(labels["en"]) == 1
    assert (layer.name, v, "en") in publish._compiled
    # A new version is compiled again: its rows may differ (a renamed community's name is a join).
    versions.bump("grids_l4")
    publish.tile(layer, Z, X, Y, version=versions.version("grids_l4"))
    assert (layer.name, versions.version("grids_l4"), "zh-hans") in publish._compiled
