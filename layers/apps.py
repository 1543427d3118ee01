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
    reading a tile never writes."""
    from django.db import DEFAULT_DB_ALIAS

    from .registry import registry
    from .versions import ensure

    if using == DEFAULT_DB_ALIAS:
        ensure([layer.name for layer in registry if not layer.login_required])
