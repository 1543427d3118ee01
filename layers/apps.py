from django.apps import AppConfig
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
