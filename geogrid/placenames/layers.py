"""Layers of the place-names app: road centrelines and road-name signs."""
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from layers.registry import Layer, registry

from .models import Road, RoadSign


@registry.register
class RoadLayer(Layer):
    name = "roads"
    title = pgettext_lazy("map layer", "道路")
    model = Road
    geometry_type = "line"
    properties = ["code", "name", "working_name", "pinyin", "category", "status", "length_m"]
    style = {"color": "#e31a1c", "weight": 3, "opacity": 0.8}
    min_zoom = 11
    search_fields = ("code", "name", "working_name")


@registry.register
class RoadSignLayer(Layer):
    name = "road_signs"
    title = pgettext_lazy("map layer", "路名牌")
    model = RoadSign
    geometry_type = "point"
    properties = ["code", "name_text", "pinyin_text", "road__code", "direction_text", "door_range", "condition", "facing", "material", "installed_year"]
    labels = {"road_code": _("道路编码")}
    style = {"color": "#b15928", "weight": 1, "fill": True, "fillColor": "#ff7f00", "fillOpacity": 0.9, "radius": 5}
    min_zoom = 14
    # ~500 signs per district bury the map at district zoom: drawn when switched on.
    visible = False
    search_fields = ("code", "name_text")


def _gazetteer_ids(text):
    from .gazetteer import search  # the gazetteer: Chinese, full pinyin, initials, small typos

    return [hit["id"] for hit in search(text)]


registry.register_search("roads", _gazetteer_ids)
