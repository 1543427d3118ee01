from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "geogrid.accounts"
    verbose_name = _("用户与角色")

    def ready(self):
        from .scope import connect_signals

        connect_signals()
