"""Layers of the boundaries app: boundary lines and their markers."""
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from layers.registry import Layer, registry

from .models import BoundaryLine, BoundaryMarker


@registry.register
class BoundaryLineLayer(Layer):
    name = "boundary_lines"
    title = pgettext_lazy("map layer", "行政区域界线")
    model = BoundaryLine
    geometry_type = "line"
    properties = ["code", "name", "level", "side_a_name", "side_b_name", "length_m"]
    style = {"color": "#000000", "weight": 3, "dashArray": "10 4 2 4"}
    search_fields = ("code", "name")


@registry.register
class BoundaryMarkerLayer(Layer):
    name = "boundary_markers"
    title = pgettext_lazy("map layer", "界桩")
    model = BoundaryMarker
    geometry_type = "point"
    properties = ["number", "line__name", "marker_type", "material", "year_installed"]
    labels = {"line_name": _("界线")}
    style = {"color": "#000000", "weight": 2, "fill": True, "fillColor": "#ffff33", "fillOpacity": 1, "radius": 6}
    min_zoom = 12
    search_fields = ("number",)
