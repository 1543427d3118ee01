"""Layers of the grids app: administrative areas (three levels) and current level-4/5 grids."""
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from layers.registry import Layer, PopupDetail, registry

from .models import AdminArea, Grid


class _AdminAreaLayer(Layer):
    model = AdminArea
    geometry_type = "polygon"
    properties = ["code", "name", "level", "parent__name"]
    labels = {"parent_name": _("上级")}
    search_fields = ("code", "name")
    level = None
    collection, collection_title = "admin-areas", _("行政区划")  # one OGC API collection for the three levels

    def get_queryset(self):
        return AdminArea.objects.filter(level=self.level)


@registry.register
class DistrictLayer(_AdminAreaLayer):
    name = "admin_district"
    title = pgettext_lazy("map layer", "区县")
    level = AdminArea.Level.DISTRICT
    style = {"color": "#4a3b8f", "weight": 3, "fill": False, "dashArray": "8 4"}
    fit = True


@registry.register
class StreetLayer(_AdminAreaLayer):
    name = "admin_street"
    title = pgettext_lazy("map layer", "街道/乡镇")
    level = AdminArea.Level.STREET
    style = {"color": "#7b5ea7", "weight": 2, "fill": False}


@registry.register
class CommunityLayer(_AdminAreaLayer):
    name = "admin_community"
    title = pgettext_lazy("map layer", "社区/村")
    level = AdminArea.Level.COMMUNITY
    style = {"color": "#a58bd0", "weight": 1.5, "fill": False, "dashArray": "4 3"}
    min_zoom = 10


class _GridLayer(Layer):
    model = Grid
    geometry_type = "polygon"
    properties = ["code", "name", "level", "kind", "dedicated_type", "community__name", "households", "population", "version"]
    labels = {"community_name": _("所属社区/村")}
    search_fields = ("code", "name")
    level = None
    # The pop-up shows the grid's 4+N team on duty (GridTeamView: signed-in users only).
    popup_detail = PopupDetail(
        title=_("4+N 队伍（在岗）"), url_name="grid-team", args=("code",), items="members", fields=("name", "role", "phone"),
        empty=_("暂无在岗的队伍成员"), login_required=True, login_text=_("登录后可查看网格的 4+N 队伍"))

    def get_queryset(self):
        # Only the grids in force: earlier versions stay in the table for old records.
        return Grid.objects.current().filter(level=self.level)


@registry.register
class GridL4Layer(_GridLayer):
    name = "grids_l4"
    title = pgettext_lazy("map layer", "四级网格")
    level = 4
    style = {"color": "#1f78b4", "weight": 1.5, "fill": True, "fillColor": "#a6cee3", "fillOpacity": 0.25}
    min_zoom = 11


@registry.register
class GridL5Layer(_GridLayer):
    name = "grids_l5"
    title = pgettext_lazy("map layer", "五级网格")
    level = 5
    style = {"color": "#33a02c", "weight": 1, "fill": True, "fillColor": "#b2df8a", "fillOpacity": 0.2}
    min_zoom = 13
    visible = False  # ~10³ polygons per district: fetched when switched on
