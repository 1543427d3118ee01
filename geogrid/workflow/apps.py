from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "geogrid.workflow"
    verbose_name = _("流程")

    def ready(self):
        from .worktime import connect_signals

        connect_signals()
