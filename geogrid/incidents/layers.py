"""The incidents layer: cases as points, only for signed-in users and only the cases they may see
(permissions.visible_incidents, the one scope rule of cases). Published by layers/ like any other
layer: the OGC API collection "incidents", GeoJSON and tiles, never cached across users."""
from django.utils.translation import gettext_lazy as _, pgettext_lazy

from layers.registry import Layer, MapAction, registry

from .models import Incident
from .permissions import visible_incidents
from .services import REPORTER_ROLES


@registry.register
class IncidentLayer(Layer):
    name = "incidents"
    title = pgettext_lazy("map layer", "事件")
    description = _("网格内上报的事件（案卷），仅限登录用户在其权限范围内查看")
    model = Incident
    geometry_type = "point"
    properties = ["number", "category__name", "mode", "state", "address", "reported_at", "deadline"]
    labels = {"category_name": _("类别")}
    style = {"color": "#b2182b", "weight": 1, "fill": True, "fillColor": "#ef8a62", "fillOpacity": 0.9, "radius": 5}
    min_zoom = 12
    visible = False
    search_fields = ("number",)
    login_required = True

    def get_queryset(self):
        return Incident.objects.none()  # nobody in particular sees nothing

    def get_user_queryset(self, user):
        return visible_incidents(user, Incident.objects.all())


def _may_report(user):
    return user.has_role(*REPORTER_ROLES)


# "Report here" on the map for those who may report (grid members and staff): the report page
# opens with the clicked point filled in (views.report_initial reads ?lon=&lat=).
registry.register_action(MapAction(title=_("在此上报事件"), url_name="incident_report", allowed=_may_report))
