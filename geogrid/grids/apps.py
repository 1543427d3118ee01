from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "geogrid.grids"
    verbose_name = _("网格治理")

    def ready(self):
        # The incident pages on the home page (the top bar uses the same list: grids.views.LINKS).
        from geogrid.views import HOME_LINKS

        from .views import LINKS

        HOME_LINKS.extend(LINKS)
