from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo district: `loaddemo` fills every app (areas and grids, teams, roads and signs,
    boundaries, facilities, users, cases) from boundary_data/, so it sits above them all."""

    name = "geogrid.demo"
    verbose_name = _("演示数据")
