from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoundariesConfig(AppConfig):
    name = "geogrid.boundaries"
    verbose_name = _("行政区域界线")
