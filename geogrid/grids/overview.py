"""What the home page tells a signed-in user at a glance: for a grid member, their grids (place,
households, 4+N team on duty, open cases by deadline colour); for staff, the open cases of the area
they work for; for both, the open cases dispatched to them. Counts go through visible_incidents
and incidents.deadline_filter, as the console's do, so the home page and the console agree."""
from django.db.models import Q
from django.utils import timezone

from geogrid.workflow import deadlines

from . import incidents
from .models import Grid, Incident, Patrol
from .permissions import STAFF_ROLES, member_grid_codes, visible_incidents
from .services import active_members

COLOURS = (deadlines.RED, deadlines.YELLOW, deadlines.GREEN)


def deadline_counts(qs, now=None):
    """Open cases of qs per deadline colour, most urgent first: [{code, label, n}]."""
    now = now or timezone.now()
    return [{"code": c, "label": deadlines.STATUS_LABELS[c], "n": incidents.deadline_filter(qs, c, now).count()} for c in COLOURS]


def open_cases(user):
    return visible_incidents(user).filter(state__in=Incident.OPEN_STATES)


def my_grids(user, now=None):
    """The current grids the user is on duty in (L4 first), each with its community and street,
    its team on duty and its open cases (matched by grid code, as visible_incidents does)."""
    codes = member_grid_codes(user)
    if not codes:
        return []
    now = now or timezone.now()
    grids = Grid.objects.current().filter(code__in=codes).select_related("community__parent").order_by("level", "code")
    cases = open_cases(user)
    out = []
    for g in grids:
        in_grid = cases.filter(Q(grid5__code=g.code) | Q(grid4__code=g.code))
        out.append({"grid": g, "community": g.community, "street": g.community.parent, "team": active_members([g]),
                    "open": in_grid.count(), "colours": deadline_counts(in_grid, now)})
    return out


def assigned_open(user):
    """Open cases dispatched to the user (派给我的)."""
    return open_cases(user).filter(assignee=user).count()


def staff_summary(user, now=None):
    """The area a staff user works for and the open cases in their scope; None for non-staff."""
    if not user.has_role(*STAFF_ROLES):
        return None
    cases = open_cases(user)
    return {"area": user.area, "open": cases.count(), "waiting": cases.filter(state=Incident.State.REPORTED).count(),
            "colours": deadline_counts(cases, now)}


def open_patrol(user):
    """The user's patrol not yet ended (at most one), or None."""
    return Patrol.objects.filter(user=user, ended_at__isnull=True).select_related("grid").first()
