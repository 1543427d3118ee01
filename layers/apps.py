from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class LayersConfig(AppConfig):
    name = "layers"
    verbose_name = _("图层发布")

    def ready(self):
        # Each app declares its published layers in its own layers.py.
        autodiscover_modules("layers")
        from .registry import registry
        from .versions import watch

        watch(registry)  # tiles and caches follow changes of the published models
        post_migrate.connect(_make_version_rows, sender=self)


def _make_version_rows(using, **kwargs):
    """Every public layer gets its counter row after migrate (and after a test flush), so that
    reading a tile never writes. The tile store keeps only the current versions: after a restore
    (then migrate), the numbers given after the backup will be given again, to other data."""
    import logging

    from django.db import DEFAULT_DB_ALIAS

    from . import tilestore
    from .registry import registry
    from .versions import ensure, versions

    if using == DEFAULT_DB_ALIAS:
        names = [layer.name for layer in registry if not layer.login_required]
        ensure(names)
        try:
            tilestore.prune_all(versions(names))
        except OSError as exc:  # a store that cannot be cleaned must not stop a migration
            logging.getLogger(__name__).warning("tile store not pruned: %s", exc)
