from django.apps import AppConfig


class OfflineConfig(AppConfig):
    name = "geogrid.offline"
    verbose_name = "offline"
