"""The one scope rule: which part of the district a user may see and act in.

Everything that narrows records to a user goes through `scope_of(user)`: incidents, patrols, teams,
statistics, Open311, exports and the admin. An app says only how its records reach the org tree
(the path to their community, street or grid code); the rule itself is here:

- superusers and district admins (区级管理员) see the whole district;
- community staff and street dispatchers see the part of the org tree their `User.area` names
  (a community, a street, or the whole district when their area is the district);
- a grid member sees the grids they are on duty in on a date (today): GridMember rows whose
  [start_date, end_date] contains it, matched by grid CODE so redrawn grid versions keep their records;
- a department user (部门工作人员 with User.department) sees what was passed to their department
  (the app says which rows: an incident's department);
- everyone sees what they did themselves (the app adds that: reporter, assignee, patroller);
- personal data of a grid (care subjects) only to the people responsible for it (responsible_q):
  its team (or its level-4 parent's) and the community/street staff above it, not the district;
- a boundary inspector (界线联检人员) acts for the district their area lies in: on the lines, and the
  inspections of lines, whose one side is that district (`boundary_side`, `boundary_q`); everyone
  else reads lines and markers only (district admins read inspections too).

A user's roles, area and grids are read once per user object — once per request — and kept on
it; any change to memberships, groups or users makes every kept scope stale (a generation counter).
"""
from functools import cached_property

from django.apps import apps
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from .roles import GRID_ROLES, STAFF_ROLES, Role

DISTRICT, STREET, COMMUNITY = "district", "street", "community"  # AdminArea.Level values
# How far up the org tree a user works: 0 their grids, 1 a community, 2 a street, 3 the district.
TIER_GRID, TIER_COMMUNITY, TIER_STREET, TIER_DISTRICT = 0, 1, 2, 3

_generation = [0]


def invalidate(*args, **kwargs):
    """Forget every kept scope (a membership, a group grant or a user's area changed)."""
    _generation[0] += 1


class Scope:
    """What one user may see on one date. Attributes are computed on first use (one query each)."""

    def __init__(self, user, on=None):
        self.user = user
        self.on = on or timezone.localdate()
        self.authenticated = bool(user is not None and user.is_authenticated and user.is_active)

    @cached_property
    def roles(self):
        if not self.authenticated:
            return frozenset()
        return frozenset(self.user.groups.values_list("name", flat=True))

    def has_role(self, *roles):
        if not self.authenticated:
            return False
        return self.user.is_superuser or bool(self.roles & {str(r) for r in roles})

    @cached_property
    def everything(self):
        """The whole district (superuser, district admin)."""
        return self.authenticated and (self.user.is_superuser or Role.DISTRICT_ADMIN.value in self.roles)

    @cached_property
    def area_level(self):
        """The level of the staff area (community / street / district), or None: no staff area."""
        if self.everything:
            return DISTRICT
        if not self.roles & {Role.COMMUNITY_STAFF.value, Role.STREET_DISPATCHER.value} or self.user.area_id is None:
            return None
        if "area" in self.user._state.fields_cache:  # already loaded by the caller
            return self.user.area.level
        # The level alone: a street's polygon is not worth reading on every request.
        return apps.get_model("grids", "AdminArea").objects.filter(pk=self.user.area_id).values_list("level", flat=True).first()

    @property
    def area_id(self):
        return self.user.area_id if self.area_level else None

    @cached_property
    def tier(self):
        if self.everything:
            return TIER_DISTRICT
        if Role.STREET_DISPATCHER.value in self.roles:
            return TIER_STREET
        if Role.COMMUNITY_STAFF.value in self.roles:
            return TIER_COMMUNITY
        return TIER_GRID

    @cached_property
    def grid_codes(self):
        """Codes of the grids the user is on duty in on `on`."""
        if not self.authenticated:
            return frozenset()
        GridMember = apps.get_model("grids", "GridMember")  # the org tree sits above accounts
        return frozenset(GridMember.objects.on_duty(self.on).filter(user=self.user).values_list("grid__code", flat=True))

    @property
    def department_id(self):
        """The functional department the user handles cases for, or None (not department staff)."""
        if not self.authenticated or Role.DEPARTMENT_STAFF.value not in self.roles:
            return None
        return self.user.department_id

    @cached_property
    def placenames(self):
        """What the user may do with place names (roads, naming, signs) — the whole district's:
        "edit" for place-name staff (地名科) and superusers, "view" for district admins, else None."""
        if not self.authenticated:
            return None
        if self.user.is_superuser or Role.PLACENAME_STAFF.value in self.roles:
            return "edit"
        return "view" if Role.DISTRICT_ADMIN.value in self.roles else None

    @cached_property
    def boundary_district(self):
        """The 12-digit code of the district a boundary inspector acts for (the district of their
        area: its first 6 digits), or None (not an inspector, or no area)."""
        if not self.authenticated or Role.BOUNDARY_INSPECTOR.value not in self.roles or self.user.area_id is None:
            return None
        if "area" in self.user._state.fields_cache:
            code = self.user.area.code
        else:
            code = apps.get_model("grids", "AdminArea").objects.filter(pk=self.user.area_id).values_list("code", flat=True).first()
        return f"{code[:6]}000000" if code else None

    def boundary_side(self, side_a_code, side_b_code):
        """"a" or "b": the side of a boundary (line or inspection, by its two district codes) this
        inspector acts for; None when the user is no inspector of either side."""
        d = self.boundary_district
        if d is None:
            return None
        return "a" if side_a_code == d else "b" if side_b_code == d else None

    def boundary_q(self, side_a="side_a_code", side_b="side_b_code"):
        """Q of the boundary rows (lines, inspections…) one of whose sides is the inspector's
        district; Q() for those who read every inspection (district admins); None for the rest."""
        if self.everything:
            return Q()
        d = self.boundary_district
        if d is None:
            return None
        return Q(**{side_a: d}) | Q(**{side_b: d})

    # -- as queries -------------------------------------------------------------------------
    def area_q(self, community, street=None):
        """Q of the rows in the staff area, given the path from the row to its community (an
        AdminArea FK) and, when the row has one of its own, to its street. Q() is everything;
        None means the user has no staff area (the caller adds nothing)."""
        if self.everything:
            return Q()
        level = self.area_level
        if level is None:
            return None
        street = street or f"{community}__parent"
        if level == COMMUNITY:
            return Q(**{f"{community}_id": self.user.area_id})
        if level == STREET:
            return Q(**{f"{street}_id": self.user.area_id})
        return Q(**{f"{street}__parent_id": self.user.area_id})

    def area_tree_q(self, path=""):
        """Q of the AdminArea rows (at `path`) inside the staff area, the area itself included."""
        if self.everything:
            return Q()
        if self.area_level is None:
            return None
        p = f"{path}__" if path else ""
        a = self.user.area_id
        return Q(**{f"{p}pk": a}) | Q(**{f"{p}parent_id": a}) | Q(**{f"{p}parent__parent_id": a})

    def grid_q(self, *paths):
        """Q of the rows whose grid (each path is a Grid FK) is one of the user's grids, by code;
        None when the user is on no grid's team."""
        if not self.grid_codes:
            return None
        q = Q()
        for path in paths:
            q |= Q(**{f"{path}__code__in": self.grid_codes})
        return q

    def responsible_q(self, grid_path):
        """Q of the rows of the grids the user is responsible for (care visits, personal data):
        on the team of the grid (`grid_path`, a Grid FK, usually level 5) or of its level-4 parent,
        by code; or community staff / street dispatcher whose area holds the grid's community.
        The district tier is not responsible for a grid (it reads aggregate counts). None: no grid."""
        q = None
        team = self.grid_q(grid_path, f"{grid_path}__parent")
        if team is not None:
            q = team
        if self.area_level in (COMMUNITY, STREET) and not self.everything:
            staff = self.area_q(f"{grid_path}__community")
            q = staff if q is None else q | staff
        return q

    @property
    def oversees_grids(self):
        """Does the user read the due and overdue work of grids (care visits due: the /care/due/ page
        and GET /api/care/due/)? Those on a grid's team and the staff with an area (the district tier
        reads counts only, responsible_q says what is personal). Place-name staff, inspectors,
        department users and members off duty: no (403)."""
        return bool(self.grid_codes) or self.area_level is not None

    def department_q(self, path):
        """Q of the rows passed to the user's department (`path` is a Department FK); None when the
        user is no department's staff."""
        department = self.department_id
        return None if department is None else Q(**{f"{path}_id": department})

    def covers(self, community_id=None, street_id=None, district_id=None):
        """Is a place with these ancestors (ids of AdminArea) inside the staff area?"""
        if self.everything:
            return True
        level = self.area_level
        if level is None:
            return False
        return self.user.area_id == {COMMUNITY: community_id, STREET: street_id, DISTRICT: district_id}[level]

    def sees_team_contacts(self, grid_codes, community_id=None, street_id=None, district_id=None):
        """Full phone numbers of a grid team: for the team itself (on duty in one of these grids:
        the grid and its level-4 parent) and the staff whose area covers the grid. Everyone else,
        signed in or not, sees them masked (PIPL: minimum necessary; the codes are public)."""
        if not self.authenticated:
            return False
        return bool(self.grid_codes & set(filter(None, grid_codes))) or self.covers(community_id, street_id, district_id)

    def covers_community(self, community):
        """covers() for an AdminArea community (its street and district read through parents)."""
        if community is None:
            return self.everything
        street = community.parent
        return self.covers(community.pk, street.pk if street else None, street.parent_id if street else None)


def scope_of(user, on=None):
    """The scope of a user on a date (today), kept on the user object until anything changes."""
    on = on or timezone.localdate()
    if user is None:
        return Scope(None, on)
    kept = getattr(user, "_geogrid_scope", None)
    if kept is not None and kept[0] == _generation[0] and kept[1].on == on:
        return kept[1]
    scope = Scope(user, on)
    try:
        user._geogrid_scope = (_generation[0], scope)
    except AttributeError:  # AnonymousUser has slots of its own; nothing to keep for it
        pass
    return scope


def member_grid_codes(user, on=None):
    return scope_of(user, on).grid_codes


def connect_signals():
    """Called from AccountsConfig.ready(): every change that can widen or narrow a scope."""
    User = apps.get_model("accounts", "User")
    for model in ("grids.GridMember", User):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"scope-save-{model}")
        post_delete.connect(invalidate, sender=model, dispatch_uid=f"scope-delete-{model}")
    m2m_changed.connect(invalidate, sender=User.groups.through, dispatch_uid="scope-groups")


__all__ = ["GRID_ROLES", "STAFF_ROLES", "Scope", "scope_of", "member_grid_codes", "invalidate"]
