"""The one layer registry. A layer is a small class (django-vectortiles style): which model, which
geometry field, which properties, which rows (a queryset hook) and how it looks on the map.

Apps declare their layers in `<app>/layers.py` and call `registry.register(LayerClass)`; the
layers app autodiscovers those modules. Nothing here knows about workflows: publishing (GeoJSON,
vector tiles, the map page) only reads what the registry holds. A layer may declare a PopupDetail:
a related record its pop-up fetches from the app's own URL (a grid's team), named by the app.
"""
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import get_language


class LayerError(LookupError):
    pass


@dataclass(frozen=True)
class PopupDetail:
    """A related detail shown in a feature's pop-up, fetched from another URL of the app that
    declares the layer (e.g. /api/grids/<code>/team/): the URL named `url_name`, its arguments the
    feature's properties `args` (str path converters); the answer is JSON whose `items` key holds a
    list of objects, shown one a line by their `fields`. With login_required, a visitor who is not
    signed in gets `login_text` instead of a request that would be refused."""

    title: str  # gettext_lazy: the heading of the detail in the pop-up
    url_name: str
    args: tuple
    items: str
    fields: tuple
    empty: str = ""  # shown when the list is empty
    login_required: bool = False
    login_text: str = ""

    def url_template(self):
        """The URL with {property} placeholders the map fills from the feature."""
        marks = [f"gg-arg-{i}" for i in range(len(self.args))]
        url = reverse(self.url_name, args=marks)
        for mark, key in zip(marks, self.args):
            url = url.replace(mark, "{" + key + "}")
        return url

    def describe(self):
        return {"title": str(self.title), "url": self.url_template(), "items": self.items, "fields": list(self.fields),
                "empty": str(self.empty), "login_required": self.login_required, "login_text": str(self.login_text)}


@dataclass(frozen=True)
class MapAction:
    """Something a user may do at a clicked point of the map, offered by the app that owns it
    (e.g. incidents: "在此上报" for those who may report): a link to the URL named `url_name` with
    ?lon=&lat= of the point; shown only to users for whom `allowed(user)` is true."""

    title: str  # gettext_lazy
    url_name: str
    allowed: object  # callable(user) -> bool

    def describe(self):
        return {"title": str(self.title), "url": reverse(self.url_name)}


class Layer:
    """Subclass and set the attributes; override get_queryset / get_tile_queryset for row rules."""

    name = None  # URL-safe identifier, e.g. "grids_l4"
    title = None  # gettext_lazy, shown in the layer control and legend
    model = None
    geom_field = "geom"
    geometry_type = None  # "polygon" | "line" | "point"
    # Field paths to publish ("code", "community__name"). A field with choices is published twice:
    # the stored value under its key and the display label under "<key>_display".
    properties = []
    labels = {}  # key -> label, overriding the field's verbose_name in pop-ups
    style = {}  # Leaflet path options: color, weight, fill, fillColor, fillOpacity, radius (points)
    # A published key whose value (#rrggbb) fills each feature instead of style's fillColor, e.g. a
    # facility's type colour (data); the map reads it, pop-ups do not show it. None: one style.
    color_property = None
    min_zoom = 0  # vector tiles below this zoom are empty
    visible = True  # drawn when the map opens; False: loaded only when switched on
    fit = False  # the map opens on the extent of this layer
    search_fields = ()  # keys the map's search box matches (code, name)
    popup_detail = None  # a PopupDetail: a related record the pop-up fetches (its args: published keys)
    # OGC API - Features: the collection id (default: the name with "-" for "_"); layers of one
    # model may share one collection (admin-areas: the three levels), titled collection_title.
    collection = None
    collection_title = None
    description = ""  # gettext_lazy: a sentence for the OGC API collection
    # Personal or workflow data: only signed-in users, each seeing get_user_queryset(user) — the
    # app's own scope rule. Such a layer is left out of every answer to a visitor and never cached
    # across users.
    login_required = False
    # The map draws this layer from vector tiles (True) or from GeoJSON (False); None: by size —
    # lines and polygons from tiles once the layer has GEOGRID_TILED_MIN_FEATURES features (200),
    # points (and smaller layers) as GeoJSON.
    tiled = None

    # --- rows -----------------------------------------------------------------------------------
    def get_queryset(self):
        return self.model._default_manager.all()

    def get_user_queryset(self, user):
        """Rows `user` may see (login_required layers override this with their scope rule)."""
        return self.get_queryset()

    def visible_to(self, user):
        return not self.login_required or bool(user and user.is_authenticated)

    def is_tiled(self, count=None):
        if self.tiled is not None:
            return bool(self.tiled)
        threshold = getattr(settings, "GEOGRID_TILED_MIN_FEATURES", 200)
        return self.geometry_type != "point" and count is not None and count >= threshold

    def collection_id(self):
        return self.collection or self.name.replace("_", "-")

    def get_tile_queryset(self, z, x, y):
        """Rows for one tile: per-zoom thinning is ordinary ORM code here."""
        return self.get_queryset()

    # --- properties -----------------------------------------------------------------------------
    def _field(self, path):
        model, field = self.model, None
        for part in path.split("__"):
            field = model._meta.get_field(part)
            if field.is_relation:
                model = field.related_model
        return field

    def property_columns(self):
        """[(key, expression, label)] for every published property, in order: built once per
        language (the labels are resolved in it; every tile, page of items and click asks)."""
        key = (get_language(), tuple(self.properties))
        built = self.__dict__.setdefault("_columns", {})
        if key not in built:
            built[key] = self._property_columns()
        return list(built[key])  # a subclass may add to its copy

    def _property_columns(self):
        cols = []
        for path in self.properties:
            key = path.replace("__", "_")
            try:
                field = self._field(path)
            except FieldDoesNotExist as exc:
                raise LayerError(f"layer {self.name}: no field {path!r} on {self.model.__name__}") from exc
            label = self.labels.get(key, capfirst(field.verbose_name))
            cols.append((key, F(path), label))
            if field.choices:
                # Display labels are resolved now, so they follow the request's language.
                display = Case(
                    *[When(Q(**{path: value}), then=Value(str(text), output_field=CharField())) for value, text in field.flatchoices],
                    default=Cast(F(path), CharField()), output_field=CharField(),
                )
                cols.append((f"{key}_display", display, label))
        return cols

    def popup_fields(self):
        """[(key, label)] shown in a pop-up: the display label of a choice, not its stored value."""
        cols = self.property_columns()
        keys = {k for k, _, _ in cols}
        return [(k, str(label)) for k, _, label in cols if f"{k}_display" not in keys and k != self.color_property]

    def describe(self):
        """What the map needs to know about this layer (JSON-ready)."""
        return {
            "name": self.name,
            "title": str(self.title),
            "geometry_type": self.geometry_type,
            "style": self.style,
            "color_property": self.color_property,
            "min_zoom": self.min_zoom,
            "visible": self.visible,
            "fit": self.fit,
            "search_fields": list(self.search_fields),
            "properties": [{"key": k, "label": label} for k, label in self.popup_fields()],
            "detail": self.popup_detail.describe() if self.popup_detail else None,
        }


class Registry:
    def __init__(self):
        self._layers = {}
        self._actions = {}
        self._searches = {}

    def register_search(self, layer_name, find):
        """An app's own search for one of its layers (the gazetteer for roads: pinyin, initials,
        typos): find(text) -> row ids, best first. The map's search box asks it besides the
        layers' search_fields."""
        self._searches[layer_name] = find
        return find

    def search_of(self, layer_name):
        return self._searches.get(layer_name)

    def register_action(self, action):
        """Offer a MapAction on the map (idempotent per URL name)."""
        if not isinstance(action, MapAction):
            raise LayerError("register_action takes a MapAction")
        self._actions[action.url_name] = action
        return action

    def actions_for(self, user):
        return [a for a in self._actions.values() if user is not None and user.is_authenticated and a.allowed(user)]

    def register(self, layer_class):
        layer = layer_class()
        for attr in ("name", "title", "model", "geometry_type"):
            if not getattr(layer, attr, None):
                raise LayerError(f"{layer_class.__name__}: {attr} is required")
        if layer.geometry_type not in ("polygon", "line", "point"):
            raise LayerError(f"{layer_class.__name__}: geometry_type must be polygon, line or point")
        if layer.name in self._layers and type(self._layers[layer.name]) is not layer_class:
            raise LayerError(f"layer name {layer.name!r} is registered twice")
        for path in layer.properties:  # fail at start-up on a misspelt field, not on the first request
            try:
                layer._field(path)
            except FieldDoesNotExist as exc:
                raise LayerError(f"layer {layer.name}: no field {path!r} on {layer.model.__name__}") from exc
        published = {path.replace("__", "_") for path in layer.properties}
        if layer.color_property and layer.color_property not in published:
            raise LayerError(f"layer {layer.name}: color_property {layer.color_property!r} is not a published property")
        detail = layer.popup_detail
        if detail is not None:
            keys = {path.replace("__", "_") for path in layer.properties}
            missing = [k for k in detail.args if k not in keys]
            if not isinstance(detail, PopupDetail) or missing:
                raise LayerError(f"layer {layer.name}: popup_detail must be a PopupDetail whose args are published properties "
                                 f"(not published: {missing})")
        self._layers[layer.name] = layer
        return layer_class  # usable as a class decorator

    def get(self, name):
        try:
            return self._layers[name]
        except KeyError:
            raise LayerError(name) from None

    def __iter__(self):
        return iter(self._layers.values())

    def __len__(self):
        return len(self._layers)

    def names(self):
        return list(self._layers)


registry = Registry()
