"""Who sees which incidents, and who may act on them — one place for pages and API alike.

- a grid member (any 4+N membership on duty) sees the cases of their grid(s), at L5 or L4, matched
  by grid code so that redrawn grid versions keep their cases;
- everyone sees their own reports and the cases dispatched to them;
- community staff see their community, street dispatchers their street (by User.area; a staff
  user whose area is a street or the district sees all of it);
- district admins (and superusers) see everything.
"""
from django.db.models import Q
from django.utils import timezone

from geogrid.accounts.roles import Role

from .models import AdminArea, GridMember, Incident

GRID_ROLES = (Role.GRID_MEMBER, Role.GRID_HEAD)
STAFF_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_DISPATCHER, Role.DISTRICT_ADMIN)
HANDLER_ROLES = GRID_ROLES + STAFF_ROLES  # may report, be dispatched to, accept and report back
LEVELS = [Incident.Level.GRID, Incident.Level.COMMUNITY, Incident.Level.STREET, Incident.Level.DISTRICT]


def member_grid_codes(user, on=None):
    """Codes of the grids the user is on duty in on date `on` (today)."""
    on = on or timezone.localdate()
    return set(
        GridMember.objects.filter(user=user, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .values_list("grid__code", flat=True)
    )


def staff_tier(user):
    """0 grid, 1 community, 2 street, 3 district: the highest level the user works at."""
    if user.is_superuser or user.has_role(Role.DISTRICT_ADMIN):
        return 3
    if user.has_role(Role.STREET_DISPATCHER):
        return 2
    if user.has_role(Role.COMMUNITY_STAFF):
        return 1
    return 0


def staff_scope_q(user):
    """The Q of incidents in the user's staff scope, or None when the user has none."""
    if user.is_superuser or user.has_role(Role.DISTRICT_ADMIN):
        return Q()
    if not user.has_role(Role.COMMUNITY_STAFF, Role.STREET_DISPATCHER) or user.area_id is None:
        return None
    level = user.area.level
    if level == AdminArea.Level.COMMUNITY:
        return Q(community_id=user.area_id)
    if level == AdminArea.Level.STREET:
        return Q(street_id=user.area_id)
    return Q(street__parent_id=user.area_id)


def visible_incidents(user, qs=None):
    """The incidents this user may see (list and detail); the base of every incident query."""
    qs = Incident.objects.all() if qs is None else qs
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    staff = staff_scope_q(user)
    if staff is not None and not staff:  # Q() — everything
        return qs
    q = Q(reporter=user) | Q(assignee=user)
    codes = member_grid_codes(user)
    if codes:
        q |= Q(grid5__code__in=codes) | Q(grid4__code__in=codes)
    if staff is not None:
        q |= staff
    return qs.filter(q)


def in_staff_scope(incident, user):
    """Is the case in the area the user works for as staff (not merely reported by them)?"""
    if user.is_superuser or user.has_role(Role.DISTRICT_ADMIN):
        return True
    if not user.has_role(Role.COMMUNITY_STAFF, Role.STREET_DISPATCHER) or user.area_id is None:
        return False
    level = user.area.level
    if level == AdminArea.Level.COMMUNITY:
        return incident.community_id == user.area_id
    if level == AdminArea.Level.STREET:
        return incident.street_id == user.area_id
    return incident.street.parent_id == user.area_id


def in_member_grid(incident, user):
    codes = member_grid_codes(user)
    return bool(codes) and bool({g.code for g in (incident.grid5, incident.grid4) if g is not None} & codes)
