"""The shared tile store: vector tiles of the public layers as files on disk, as tile servers keep
them, so every server process (and a restart) finds a tile another one has made.

    <GEOGRID_TILE_DIR>/<database>/<layer>/<version>/<language>/<z>/<x>/<y>.pbf

A layer's version (layers/versions.py) is never given twice in a database, so a file's content is
fixed by its path: it is written once (a temporary file in the same directory, then os.replace, so
a reader sees the whole tile or none) and read without the database. An empty file is an empty
tile (204). The layer's extent, which lets tiles outside it skip the database, is kept beside its
tiles (extent.json), and a tile's gzip beside it for the front (layers/front.py). When a layer's version changes, the directories of its other versions are
removed after the commit (prune); `manage.py prune_tiles` removes whatever a race left behind (a
tile being built while its layer changes can land in the old version's directory after it went:
only URLs of that old version reach it, and the next change, migrate or the command removes it).
Tiles deeper than GEOGRID_TILE_STORE_MAX_ZOOM are built each time: the map scales z16 tiles past
z16, and a crawler over z22 must not fill the disk.
"""
import contextlib
import gzip
import json
import logging
import os
import shutil
import threading
from pathlib import Path

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)
MAX_ZOOM = 16  # default of settings.GEOGRID_TILE_STORE_MAX_ZOOM


def root():
    return Path(settings.GEOGRID_TILE_DIR) / connection.settings_dict["NAME"]


def _version_dir(layer_name, version):
    return root() / layer_name / str(int(version))


def tile_file(layer_name, version, lang, z, x, y):
    """The tile's file name as a string (built without pathlib: the front's every request)."""
    return f"{settings.GEOGRID_TILE_DIR}/{connection.settings_dict['NAME']}/{layer_name}/{int(version)}/{lang}/{z}/{x}/{y}.pbf"


def tile_path(layer_name, version, lang, z, x, y):
    return Path(tile_file(layer_name, version, lang, z, x, y))


def stores(z):
    return z <= getattr(settings, "GEOGRID_TILE_STORE_MAX_ZOOM", MAX_ZOOM)


def read(layer_name, version, lang, z, x, y):
    """The stored tile's bytes (b"" for an empty tile), or None when it is not stored."""
    try:
        with open(tile_file(layer_name, version, lang, z, x, y), "rb") as f:
            return f.read()
    except (FileNotFoundError, NotADirectoryError):
        return None


def _write_atomic(path, data):
    # A temporary name of this process and thread in the same directory, then os.replace: a reader
    # sees the whole file or none, and two processes writing the same tile both leave a whole one.
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        fd = os.open(tmp, flags, 0o644)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(tmp), exist_ok=True)
        fd = os.open(tmp, flags, 0o644)
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


GZIP_MIN = 200  # as Django's GZipMiddleware: smaller answers are sent as they are


def write(layer_name, version, lang, z, x, y, data):
    """Store the tile and, for the front (layers/front.py), its gzip beside it (y.pbf.gz), written
    first: a reader that finds y.pbf finds its .gz too, as Django would compress it. A store that
    cannot be written (disk full, rights) is logged; the tile is still answered, built each time."""
    try:
        _write(layer_name, version, lang, z, x, y, data)
    except OSError as exc:
        logger.warning("tile not stored (%s/%s/%s/%s/%s): %s", layer_name, version, z, x, y, exc)


def _write(layer_name, version, lang, z, x, y, data):
    if stores(z):
        path = tile_file(layer_name, version, lang, z, x, y)
        if len(data) >= GZIP_MIN:
            packed = gzip.compress(data, compresslevel=6, mtime=0)
            if len(packed) < len(data):
                _write_atomic(f"{path}.gz", packed)
        _write_atomic(path, data)


_NO_EXTENT = object()


def read_extent(layer_name, version):
    """The stored extent (w, s, e, n, count), None for a layer without rows, or _NO_EXTENT."""
    try:
        value = json.loads((_version_dir(layer_name, version) / "extent.json").read_text())
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return _NO_EXTENT
    return tuple(value) if value is not None else None


def write_extent(layer_name, version, extent):
    try:
        _write_atomic(_version_dir(layer_name, version) / "extent.json", json.dumps(extent).encode())
    except OSError as exc:
        logger.warning("extent not stored (%s/%s): %s", layer_name, version, exc)


_removing = []  # threads deleting renamed directories


def _remove(path):
    """Renamed at once (atomic: no reader finds a tile of it any more), deleted by a thread: a
    version of a large layer can be 10⁴ files, and the edit that made a new one should not wait."""
    trash = path.with_name(f".old-{path.name}-{os.getpid()}-{threading.get_ident()}")
    try:
        path.rename(trash)
    except OSError:
        return
    thread = threading.Thread(target=shutil.rmtree, args=(trash,), kwargs={"ignore_errors": True}, daemon=True)
    thread.start()
    _removing.append(thread)


def wait():
    """Until the directories being deleted are gone (tests, the command)."""
    while _removing:
        _removing.pop().join()


def prune(layer_name, keep):
    """Remove the stored tiles of every version of the layer but `keep` (None: all of them)."""
    base = root() / layer_name
    if not base.is_dir():
        return
    for entry in base.iterdir():
        if entry.name != str(keep) and entry.is_dir() and not entry.name.startswith(".old-"):  # those: being deleted
            _remove(entry)


def prune_all(current):
    """Keep only the current version of each layer ({name: version}); layers not in `current`
    (renamed or no longer public) lose all their tiles. Deletes before it returns (the command,
    migrate). Returns the number of version directories removed."""
    base = root()
    removed = 0
    if not base.is_dir():
        return removed
    for layer_dir in base.iterdir():
        if not layer_dir.is_dir():
            continue
        keep = str(current[layer_dir.name]) if layer_dir.name in current else None
        for entry in layer_dir.iterdir():
            if entry.is_dir() and entry.name != keep:
                removed += 1
                shutil.rmtree(entry, ignore_errors=True)
        if keep is None:
            shutil.rmtree(layer_dir, ignore_errors=True)
    return removed
