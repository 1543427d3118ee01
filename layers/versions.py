"""Per-layer change counters and the server-side tile cache keyed by them.

Every registered layer depends on its model and on the models its published properties pass
through (a grid's "community__name": a renamed community changes the grid tiles). post_save and
post_delete of any of them bump the counter of each layer that depends on it, inside the writing
transaction. Writers that bypass model signals (QuerySet.update, bulk_create, raw SQL, COPY) call
bump_model(Model) after writing. A tile is stored under (layer, version, language, z, x, y) in the
shared tile store (tilestore.py): a new version simply misses; the old versions' tiles are removed
once the change is committed. Reads never write: the rows are made after `migrate` (ensure).
"""
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

from . import tilestore

_depends = {}  # model -> {layer names}
_cache = None


def tile_cache():
    """The small per-version values of the layer list and the OGC API (extents, counts), not the
    tiles (those are in the shared store, tilestore.py). settings.GEOGRID_TILE_CACHE names a cache
    alias; by default each process keeps its own in-memory cache."""
    global _cache
    if _cache is None:
        alias = getattr(settings, "GEOGRID_TILE_CACHE", None)
        _cache = caches[alias] if alias else LocMemCache("geogrid-tiles", {"OPTIONS": {"MAX_ENTRIES": 4000}, "TIMEOUT": 3600})
    return _cache


def _models_of(layer):
    found = {layer.model}
    for path in layer.properties:
        model = layer.model
        for part in path.split("__")[:-1]:
            model = model._meta.get_field(part).related_model
            found.add(model)
    return found


def watch(registry):
    """Connect the change signals of every model a registered layer depends on (idempotent).
    login_required layers are never cached, so they have no version: a busy table (incidents)
    must not make every writing transaction queue for the lock on one counter row."""
    for layer in registry:
        if layer.login_required:
            continue
        for model in _models_of(layer):
            names = _depends.setdefault(model, set())
            if not names:
                post_save.connect(_changed, sender=model, dispatch_uid=f"layers-version-save-{model._meta.label}")
                post_delete.connect(_changed, sender=model, dispatch_uid=f"layers-version-delete-{model._meta.label}")
            names.add(layer.name)


def _changed(sender, **kwargs):
    bump_model(sender)


def bump_model(model):
    """Mark every layer that depends on `model` as changed (call after bulk writes)."""
    names = sorted(_depends.get(model, ()))
    if names:
        bump(*names)


# Versions come from one sequence (layers migration 0002, started at a random number): a number
# is never given twice in a database, even when the transaction that took it rolls back (tests
# roll back every change), so a stored tile's path (layers/tilestore.py) names one content for
# good. The random start keeps a rebuilt database from meeting an old process's or store's numbers.
_NEXT = "nextval('layers_version_counter')"


def bump(*names):
    with connection.cursor() as cur:
        cur.execute(f"""
            INSERT INTO layers_layerversion (name, version, changed_at)
            SELECT unnest(%s::text[]), {_NEXT}, now()
            ON CONFLICT (name) DO UPDATE SET version = {_NEXT}, changed_at = now()
            RETURNING name, version
        """, [list(names)])
        bumped = cur.fetchall()
    # The stored tiles of the old versions go once the change is committed (a rollback keeps them).
    for name, new in bumped:
        transaction.on_commit(lambda name=name, new=new: tilestore.prune(name, keep=new))


def ensure(names):
    """Make the missing counter rows (after migrate: a read never writes)."""
    if names:
        with connection.cursor() as cur:
            cur.execute(f"""
                INSERT INTO layers_layerversion (name, version, changed_at) SELECT unnest(%s::text[]), {_NEXT}, now()
                ON CONFLICT (name) DO NOTHING
            """, [list(names)])


def version(name):
    """The layer's change counter: one primary-key lookup; None when the layer has no row yet
    (nothing is then cached for it; `migrate` makes the rows)."""
    with connection.cursor() as cur:
        cur.execute("SELECT version FROM layers_layerversion WHERE name = %s", [name])
        row = cur.fetchone()
    return row[0] if row else None


def versions(names):
    """{name: version} of several layers: one query (a layer without a row is left out)."""
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    with connection.cursor() as cur:
        cur.execute("SELECT name, version FROM layers_layerversion WHERE name = ANY(%s)", [names])
        return dict(cur.fetchall())


def cached_extents(layers):
    """{name: (w, s, e, n) or None} of public layers, cached per layer version: one query for the
    versions, at most one more for the extents not cached yet."""
    return extents_and_versions(layers)[0]


def extents_and_versions(layers):
    """cached_extents and the {name: version} it looked up."""
    from . import publish  # publish does not import this module; the import is here to keep it so

    public = [layer for layer in layers if not layer.login_required]
    vers = versions([layer.name for layer in public])
    cache = tile_cache()
    keys = {layer.name: f"extent:{layer.name}:{vers.get(layer.name)}" for layer in public}
    known = cache.get_many(list(keys.values()))
    missing = [layer for layer in public if keys[layer.name] not in known]
    if missing:
        for layer, extent in zip(missing, publish.layer_extents(missing)):
            known[keys[layer.name]] = extent
            if layer.name in vers:
                cache.set(keys[layer.name], extent)
    return {name: known[key] for name, key in keys.items()}, vers
