from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "geogrid.geo"
    verbose_name = _("坐标与量算")
