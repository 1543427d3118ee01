"""Per-layer change counters and the server-side tile cache keyed by them.

Every registered layer depends on its model and on the models its published properties pass
through (a grid's "community__name": a renamed community changes the grid tiles). post_save and
post_delete of any of them bump the counter of each layer that depends on it, inside the writing
transaction. Writers that bypass model signals (QuerySet.update, bulk_create, raw SQL, COPY) call
bump_model(Model) after writing. A tile is cached under (layer, version, language, z, x, y): a new
version simply misses, stale tiles age out of the cache.
"""
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.db.models.signals import post_delete, post_save

_depends = {}  # model -> {layer names}
_cache = None


def tile_cache():
    """settings.GEOGRID_TILE_CACHE names a cache alias (e.g. a shared Redis or file cache); by
    default each process keeps its own in-memory cache of a few thousand tiles."""
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


# A counter starts at a random number, not 0: after a database is restored, flushed or rebuilt
# (tests roll back every change), a process's cached tile of "version 0" must not match again.
_START = "(random() * 4503599627370496)::bigint"


def bump(*names):
    with connection.cursor() as cur:
        cur.execute(f"""
            INSERT INTO layers_layerversion (name, version, changed_at)
            SELECT unnest(%s::text[]), {_START}, now()
            ON CONFLICT (name) DO UPDATE SET version = layers_layerversion.version + 1, changed_at = now()
        """, [list(names)])


def version(name):
    """The layer's change counter: one primary-key lookup (the first time, the row is made)."""
    with connection.cursor() as cur:
        cur.execute("SELECT version FROM layers_layerversion WHERE name = %s", [name])
        row = cur.fetchone()
        if row is None:
            cur.execute(f"""
                INSERT INTO layers_layerversion (name, version, changed_at) VALUES (%s, {_START}, now())
                ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING version
            """, [name])
            row = cur.fetchone()
    return row[0]


def versions(names):
    """{name: version} of several layers: one query (the first time, one more makes the rows)."""
    names = list(dict.fromkeys(names))
    if not names:
        return {}
    with connection.cursor() as cur:
        cur.execute("SELECT name, version FROM layers_layerversion WHERE name = ANY(%s)", [names])
        found = dict(cur.fetchall())
        missing = [n for n in names if n not in found]
        if missing:
            cur.execute(f"""
                INSERT INTO layers_layerversion (name, version, changed_at) SELECT unnest(%s::text[]), {_START}, now()
                ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING name, version
            """, [missing])
            found.update(cur.fetchall())
    return found


def cached_extents(layers):
    """{name: (w, s, e, n) or None} of public layers, cached per layer version: one query for the
    versions, at most one more for the extents not cached yet."""
    from . import publish  # publish does not import this module; the import is here to keep it so

    public = [layer for layer in layers if not layer.login_required]
    vers = versions([layer.name for layer in public])
    cache = tile_cache()
    keys = {layer.name: f"extent:{layer.name}:{vers[layer.name]}" for layer in public}
    known = cache.get_many(list(keys.values()))
    missing = [layer for layer in public if keys[layer.name] not in known]
    if missing:
        for layer, extent in zip(missing, publish.layer_extents(missing)):
            known[keys[layer.name]] = extent
            cache.set(keys[layer.name], extent)
    return {name: known[key] for name, key in keys.items()}
