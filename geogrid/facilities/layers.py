"""Layers of the facilities app: civil-affairs facility points."""
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from layers.registry import Layer, registry

from .models import Facility


@registry.register
class FacilityLayer(Layer):
    name = "facilities"
    title = pgettext_lazy("map layer", "民政设施")
    model = Facility
    geometry_type = "point"
    properties = ["name", "facility_type", "address", "capacity", "operator", "phone", "area__name"]
    labels = {"area_name": _("所在行政区")}
    style = {"color": "#6a3d9a", "weight": 1, "fill": True, "fillColor": "#cab2d6", "fillOpacity": 0.95, "radius": 6}
    min_zoom = 12
    search_fields = ("name", "address")
