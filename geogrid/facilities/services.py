"""Rules of the facilities domain, as plain functions.

- A facility's admin area is derived from its position (`place`): the finest area the one point
  lookup (geogrid.grids.services.locate) finds there — community, else street, else district.
- Who sees which facilities (list page, admin): staff roles, narrowed to their staff area by the one
  scope rule (accounts.scope) through the facility's area; the map layer is public like every layer.
- Import: importing.py. Coverage analysis: coverage.py.
"""
from django.db.models import Count, Q

from geogrid.accounts.roles import STAFF_ROLES
from geogrid.accounts.scope import scope_of
from geogrid.grids.models import AdminArea
from geogrid.grids.services import locate

from .models import Facility, FacilityType


def area_at(point):
    """The AdminArea a facility at `point` belongs to (community, else street, else district), or None."""
    found = locate(point)
    if found is None:
        return None
    objs = found["grid_objects"]
    return objs["community"] or objs["street"] or objs["district"]


def place(facility):
    """Set facility.area from its position (not saved)."""
    facility.area = area_at(facility.geom)
    return facility


# --- who sees what ------------------------------------------------------------------------------------
def may_read_facilities(user):
    return scope_of(user).has_role(*STAFF_ROLES)


def visible_facilities(user, qs=None):
    """The facilities in the user's staff area (by their derived area: a community, or a street or the
    district for a facility outside every community); none without a staff area."""
    qs = Facility.objects.all() if qs is None else qs
    scope = scope_of(user)
    if scope.everything:
        return qs
    tree = scope.area_tree_q("area")
    if tree is None or not scope.has_role(*STAFF_ROLES):
        return qs.none()
    return qs.filter(tree)


def areas_in_scope(user, level):
    """AdminAreas of a level inside the user's staff area (the list and coverage filters offer them)."""
    tree = scope_of(user).area_tree_q()
    if tree is None:
        return AdminArea.objects.none()
    return AdminArea.objects.filter(tree, level=level).defer("geom").order_by("code")


def types_with_counts(user):
    """Active facility types with how many facilities of each the user sees (one query)."""
    visible = visible_facilities(user).values("pk")
    return FacilityType.objects.filter(active=True).annotate(n=Count("facilities", filter=Q(facilities__in=visible)))
