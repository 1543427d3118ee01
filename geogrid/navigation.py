"""The one list of page links: the top bar, the home page's big buttons and its admin links all
read it. An entry is shown to the users its rule admits (roles through accounts.scope, computed
once per request)."""
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from geogrid.accounts.roles import GRID_ROLES, HANDLER_ROLES, STAFF_ROLES, Role
from geogrid.accounts.scope import scope_of

TOP, ADMIN = "top", "admin"


@dataclass(frozen=True)
class Link:
    key: str
    label: str
    url_name: str
    roles: tuple = ()  # empty: everyone signed in
    place: str = TOP  # TOP: top bar and home buttons; ADMIN: the home page's admin links
    staff_only: bool = False  # pages of the admin site need is_staff

    def shown_to(self, user, scope):
        if self.staff_only and not user.is_staff:
            return False
        return not self.roles or scope.has_role(*self.roles)


LINKS = [
    Link("report", _("上报事件"), "incident_report", HANDLER_ROLES),
    Link("patrols", _("巡查"), "patrols", GRID_ROLES),
    Link("mine", _("我的上报"), "incident_mine"),
    Link("console", _("案卷"), "incident_console", HANDLER_ROLES),
    Link("patrols_staff", _("辖区巡查"), "patrols_staff", STAFF_ROLES),
    Link("stats", _("事件统计"), "stats", STAFF_ROLES),
    Link("facilities", _("民政设施"), "facility_list", STAFF_ROLES),
    Link("care", _("本周走访"), "care", GRID_ROLES),
    Link("care_due", _("走访督办"), "care_due", STAFF_ROLES + (Role.GRID_HEAD,)),
    Link("care_stats", _("关爱统计"), "care_stats", STAFF_ROLES),
    Link("placenames", _("道路命名"), "placenames", (Role.PLACENAME_STAFF,)),
    Link("placename_queue", _("待命名道路"), "placename_queue", (Role.PLACENAME_STAFF,)),
    Link("placename_signs", _("路名牌"), "placename_signs", (Role.PLACENAME_STAFF,)),
    Link("placename_buildings", _("小区楼宇名称"), "placename_buildings", (Role.PLACENAME_STAFF,)),
    Link("boundaries", _("界线联检"), "boundaries", (Role.BOUNDARY_INSPECTOR,)),
    Link("admin", _("管理后台"), "admin:index", staff_only=True),
    # What place-name staff and boundary inspectors open until their own workflow pages exist.
    Link("roads", _("道路"), "admin:placenames_road_changelist", (Role.PLACENAME_STAFF,), ADMIN, True),
    Link("signs", _("路名牌"), "admin:placenames_roadsign_changelist", (Role.PLACENAME_STAFF,), ADMIN, True),
    Link("boundary_lines", _("行政区域界线"), "admin:boundaries_boundaryline_changelist", (Role.BOUNDARY_INSPECTOR,), ADMIN, True),
    Link("markers", _("界桩"), "admin:boundaries_boundarymarker_changelist", (Role.BOUNDARY_INSPECTOR,), ADMIN, True),
]


def links_for(user, place=TOP):
    """[{key, label, url}] of the links of `place` this user may open."""
    if not (user and user.is_authenticated):
        return []
    scope = scope_of(user)
    return [{"key": link.key, "label": link.label, "url": reverse(link.url_name)}
            for link in LINKS if link.place == place and link.shown_to(user, scope)]


def nav(request):
    """Context processor: `nav_links`, the top bar's links, computed only when a page shows them."""
    return {"nav_links": SimpleLazyObject(lambda: links_for(request.user))}
