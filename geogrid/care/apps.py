from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "geogrid.care"
    verbose_name = _("关爱走访")
