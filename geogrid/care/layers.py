"""Layers of the care app. Buildings (楼栋/院落) are published: a building is no one's personal
data. Households and care subjects are NOT published through the public layer registry: they are
personal data, shown only on the care pages to the people responsible for the grid (views.py)."""
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from layers.registry import Layer, registry

from .models import Building


@registry.register
class BuildingLayer(Layer):
    name = "care_buildings"
    title = pgettext_lazy("map layer", "楼栋/院落")
    model = Building
    geometry_type = "point"
    properties = ["name", "address", "grid__code", "grid__name"]
    labels = {"grid_code": _("五级网格编码"), "grid_name": _("五级网格")}
    style = {"color": "#555", "weight": 1, "fill": True, "fillColor": "#bbb", "fillOpacity": 0.9, "radius": 4}
    min_zoom = 14
    visible = False
    search_fields = ("name", "address")
