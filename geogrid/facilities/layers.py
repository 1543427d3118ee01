"""Layers of the facilities app: civil-affairs facility points (closed ones are not published)."""
from django.db.models import F
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from layers.registry import Layer, registry

from .models import Facility


@registry.register
class FacilityLayer(Layer):
    name = "facilities"
    title = pgettext_lazy("map layer", "民政设施")
    model = Facility
    geometry_type = "point"
    # facility_type: the type's code (the column holds it); its name is added as facility_type_display.
    properties = ["name", "facility_type", "address", "capacity", "operator", "phone", "area__name", "facility_type__color"]
    color_property = "facility_type_color"  # each marker in its type's colour (admin data)
    labels = {"area_name": _("所在行政区")}
    style = {"color": "#6a3d9a", "weight": 1, "fill": True, "fillColor": "#cab2d6", "fillOpacity": 0.95, "radius": 6}
    min_zoom = 12
    search_fields = ("name", "address")

    def get_queryset(self):
        return Facility.objects.exclude(status=Facility.Status.CLOSED)

    def property_columns(self):
        """The type is data now (a foreign key, no choices): its name is published as the display label,
        as a choice's would be, so pop-ups read 助餐点, not meal_point."""
        cols = super().property_columns()
        at = next(i for i, (key, _expr, _label) in enumerate(cols) if key == "facility_type")
        label = cols[at][2]
        cols.insert(at + 1, ("facility_type_display", F("facility_type__name"), label))
        return cols
