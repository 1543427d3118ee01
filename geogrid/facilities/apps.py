from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    name = "geogrid.facilities"
    verbose_name = _("民政设施")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import FacilityType

        # The facility layer publishes its type's name (layers.py): a renamed type changes its tiles.
        for signal in (post_save, post_delete):
            signal.connect(_type_changed, sender=FacilityType, dispatch_uid=f"facilities-type-{signal is post_save}")


def _type_changed(sender, **kwargs):
    from layers.versions import bump_model

    from .models import Facility

    bump_model(Facility)
