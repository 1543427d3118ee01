"""The home page: the one page that reads every app (through geogrid.overview and navigation)."""
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from geogrid import overview
from geogrid.accounts.roles import GRID_ROLES, HANDLER_ROLES, Role
from geogrid.grids.services import home_area
from geogrid.navigation import ADMIN, links_for
from geogrid.patrols.services import open_patrol


@require_safe  # a page, not a form: a POST is a 405 (tests/site/test_bad_page_input.py)
def home(request):
    """One page for everyone: what geogrid is (anonymous); otherwise the big buttons of the pages
    this user may open, then a card per job: my grids (grid team), my area (staff), the map and
    admin pages (place-name staff, boundary inspectors). The figures come from geogrid.overview."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "home.html", {})
    grids = overview.my_grids(user)
    patrol = open_patrol(user)
    links = []
    for link in links_for(user):
        if link["key"] == "admin":
            continue
        if link["key"] == "patrols":
            if not (grids or patrol):
                continue  # no grid to patrol
            link = dict(link, label=_("继续巡查") if patrol else _("开始巡查"), open=patrol is not None)
        links.append(link)
    staff = overview.staff_summary(user)
    area = home_area(user) if grids or staff else None
    return render(request, "home.html", {
        "links": links, "grids": grids, "patrol": patrol, "staff": staff,
        "assigned": overview.assigned_open(user) if user.has_role(*HANDLER_ROLES) else None,
        "grid_role": user.has_role(*GRID_ROLES) and not user.is_superuser,
        "mapper": user.has_role(Role.PLACENAME_STAFF, Role.BOUNDARY_INSPECTOR), "admin_links": links_for(user, ADMIN),
        "area": area if area and area["features"] else None,
    })
