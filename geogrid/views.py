from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from geogrid.accounts.roles import Role
from geogrid.grids import overview
from geogrid.grids.permissions import GRID_ROLES, HANDLER_ROLES
from geogrid.grids.views import home_area

# Apps add entries here ((label, url name or path, roles or None for everyone signed in)).
HOME_LINKS = []

# What place-name staff and boundary inspectors open until their own workflow pages exist.
ROLE_ADMIN_LINKS = [
    (Role.PLACENAME_STAFF, [(_("道路"), "admin:placenames_road_changelist"), (_("路名牌"), "admin:placenames_roadsign_changelist")]),
    (Role.BOUNDARY_INSPECTOR, [(_("行政区域界线"), "admin:boundaries_boundaryline_changelist"),
                               (_("界桩"), "admin:boundaries_boundarymarker_changelist")]),
]


def home(request):
    """One page for everyone: what geogrid is (anonymous); otherwise the big buttons of the pages
    this user may open, then a card per job: my grids (grid team), my area (staff), the map and
    admin pages (place-name staff, boundary inspectors). The figures come from grids.overview."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "home.html", {})
    links = [{"label": label, "url": url} for label, url, roles in HOME_LINKS if roles is None or user.has_role(*roles)]
    grids = overview.my_grids(user)
    patrol = overview.open_patrol(user)
    if grids or patrol:
        label = _("继续巡查") if patrol else _("开始巡查")
        links.insert(min(1, len(links)), {"label": label, "url": reverse("patrols"), "open": patrol is not None})
    staff = overview.staff_summary(user)
    admin_links = [{"label": label, "url": reverse(name)} for role, pairs in ROLE_ADMIN_LINKS if user.is_staff and user.has_role(role)
                   for label, name in pairs]
    area = home_area(user) if grids or staff else None
    return render(request, "home.html", {
        "links": links, "grids": grids, "patrol": patrol, "staff": staff,
        "assigned": overview.assigned_open(user) if user.has_role(*HANDLER_ROLES) else None,
        "grid_role": user.has_role(*GRID_ROLES) and not user.is_superuser,
        "mapper": user.has_role(Role.PLACENAME_STAFF, Role.BOUNDARY_INSPECTOR), "admin_links": admin_links,
        "area": area if area and area["features"] else None,
    })
