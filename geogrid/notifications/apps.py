from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """In-app notifications (and email) about the records a user has work on. It sits above the
    apps it listens to: the case workflow does not know it (workflow.engine.transitioned)."""

    name = "geogrid.notifications"
    verbose_name = _("通知")

    def ready(self):
        from geogrid.incidents.models import Incident
        from geogrid.workflow.engine import transitioned

        from .cases import on_transition

        transitioned.connect(on_transition, sender=Incident, dispatch_uid="notifications-incident-transition")
