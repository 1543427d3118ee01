"""What the home page tells a signed-in user at a glance: for a grid member, their grids (place,
households, 4+N team on duty, open cases by deadline colour); for staff, the open cases of the area
they work for; for both, the open cases dispatched to them. Counts go through visible_incidents
and incidents.services.deadline_counts, as the console's do, so the home page and the console
agree; each figure is one query however many grids a member has."""
from django.utils import timezone

from geogrid.accounts.roles import STAFF_ROLES
from geogrid.accounts.scope import scope_of
from geogrid.grids.models import Grid
from geogrid.grids.services import active_members
from geogrid.incidents.models import Incident
from geogrid.incidents.permissions import visible_incidents
from geogrid.incidents.services import deadline_counts


def open_cases(user):
    return visible_incidents(user).filter(state__in=Incident.OPEN_STATES)


def my_grids(user, now=None):
    """The current grids the user is on duty in (L4 first), each with its community and street,
    its team on duty and its open cases (matched by grid code, as visible_incidents does)."""
    codes = scope_of(user).grid_codes
    if not codes:
        return []
    now = now or timezone.now()
    grids = list(Grid.objects.current().filter(code__in=codes).select_related("community__parent")
                 .defer("geom", "community__geom", "community__parent__geom").order_by("level", "code"))
    cases = open_cases(user)
    # A case is in an L4 grid by its grid4 code, in an L5 grid by its grid5 code: one grouped query each.
    counts = {4: deadline_counts(cases, now, by="grid4__code"), 5: deadline_counts(cases, now, by="grid5__code")}
    team = active_members(grids)
    out = []
    for g in grids:
        c = counts[g.level][g.code]
        out.append({"grid": g, "community": g.community, "street": g.community.parent,
                    "team": [m for m in team if m["grid"] == g.code], "open": c["open"], "colours": c["colours"]})
    return out


def assigned_open(user):
    """Open cases dispatched to the user (派给我的)."""
    return open_cases(user).filter(assignee=user).count()


def staff_summary(user, now=None):
    """The area a staff user works for and the open cases in their scope; None for non-staff."""
    if not user.has_role(*STAFF_ROLES):
        return None
    cases = open_cases(user)
    c = deadline_counts(cases, now)
    return {"area": user.area, "open": c["open"], "waiting": cases.filter(state=Incident.State.REPORTED).count(),
            "colours": c["colours"]}
