from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    """Figures per grid, community and street; no models of its own."""

    name = "geogrid.stats"
    verbose_name = _("事件统计")
