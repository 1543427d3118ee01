"""Who sees which incidents, and who may act on them — the scope rule of geogrid.accounts.scope
applied to cases, for pages, API, Open311, statistics and the admin alike:

- a grid member sees the cases of the grids they are on duty in (at L5 or L4, by grid code);
- everyone sees their own reports and the cases dispatched to them;
- staff see the cases of their area (community, street or district, by the case's community and
  street as located at report time); district admins see everything;
- department users see the cases passed to their department (Incident.department).
"""
from django.db.models import Q

from geogrid.accounts.roles import Role
from geogrid.accounts.scope import COMMUNITY, scope_of

from .models import Incident

LEVELS = [Incident.Level.GRID, Incident.Level.COMMUNITY, Incident.Level.STREET, Incident.Level.DISTRICT]


def visible_incidents(user, qs=None):
    """The incidents this user may see (list and detail); the base of every incident query."""
    qs = Incident.objects.all() if qs is None else qs
    scope = scope_of(user)
    if not scope.authenticated:
        return qs.none()
    staff = scope.area_q("community", "street")
    if staff is not None and not staff:  # Q() — everything
        return qs
    q = Q(reporter=user) | Q(assignee=user)
    for extra in (scope.grid_q("grid5", "grid4"), staff, scope.department_q("department")):
        if extra is not None:
            q |= extra
    return qs.filter(q)


def staff_tier(user):
    """0 grid, 1 community, 2 street, 3 district: the highest level the user works at."""
    return scope_of(user).tier


def in_staff_scope(incident, user):
    """Is the case in the area the user works for as staff (not merely reported by them)?"""
    street = incident.street
    return scope_of(user).covers(incident.community_id, incident.street_id, street.parent_id if street else None)


def in_member_grid(incident, user):
    codes = scope_of(user).grid_codes
    return bool(codes) and bool({g.code for g in (incident.grid5, incident.grid4) if g is not None} & codes)


def in_own_community(incident, user):
    """Is the user community staff (社区工作人员) of the case's own community (not the street's or
    the district's staff, who see it too)?"""
    scope = scope_of(user)
    return (incident.community_id is not None and scope.has_role(Role.COMMUNITY_STAFF) and scope.area_level == COMMUNITY
            and user.area_id == incident.community_id)


def in_case_department(incident, user):
    """Is the user staff of the department the case was passed to?"""
    return incident.department_id is not None and scope_of(user).department_id == incident.department_id
