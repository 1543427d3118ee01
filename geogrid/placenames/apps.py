from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacenamesConfig(AppConfig):
    name = "geogrid.placenames"
    verbose_name = _("地名管理")
