"""Rules of the grids domain, as plain functions."""
from django.utils import timezone

from geogrid.accounts.scope import scope_of
from geogrid.geo.geojson import collection, feature

from .models import AdminArea, Grid, GridMember


def _ref(obj):
    return {"code": obj.code, "name": obj.name} if obj is not None else None


# A point lookup tests the polygons in the database and reads back codes and names: none of the
# polygons it passes through (grid, parent grid, community, street, district) comes back.
GRID_POLYGONS = ("geom", "parent__geom", "community__geom", "community__parent__geom", "community__parent__parent__geom")


def grids_at(point, when=None):
    """Grids (current, or valid at `when`) whose polygon contains or touches the point, finest
    first, with their parent grid, community, street and district (without polygons). A point on a
    shared edge belongs to both neighbours; the lowest code wins, so the answer is deterministic.
    The GiST index on geom serves the bounding-box prefilter."""
    qs = Grid.objects.valid_at(when) if when else Grid.objects.current()
    return (qs.filter(geom__intersects=point).select_related("parent", "community__parent__parent").defer(*GRID_POLYGONS)
            .order_by("-level", "code"))


def locate(point, when=None):
    """What a point falls in: street, community, L4 and L5 grid, and the grid's team on duty.
    Returns None when the point is outside every area we know. Two queries when the point is in a
    grid (the grid with its ancestors, the team); no polygon is read back."""
    grid = grids_at(point, when).first()
    if grid is not None:
        grid5 = grid if grid.level == 5 else None
        grid4 = grid.parent if grid5 else grid
        community = grid.community
    else:
        grid5 = grid4 = None
        community = (
            AdminArea.objects.filter(level=AdminArea.Level.COMMUNITY, geom__intersects=point)
            .select_related("parent__parent").defer("geom", "parent__geom", "parent__parent__geom").order_by("code").first()
        )
    if community is not None:
        street = community.parent
        district = street.parent if street else None
    else:
        areas = AdminArea.objects.filter(geom__intersects=point).defer("geom").order_by("code")
        street = areas.filter(level=AdminArea.Level.STREET).select_related("parent").defer("parent__geom").first()
        district = street.parent if street else areas.filter(level=AdminArea.Level.DISTRICT).first()
    if district is None and street is None and community is None and grid is None:
        return None
    team_grids = [g for g in (grid5, grid4) if g is not None]
    return {
        "district": _ref(district),
        "street": _ref(street),
        "community": _ref(community),
        "grid4": _ref(grid4),
        "grid5": _ref(grid5),
        "members": active_members(team_grids),
        "grid_objects": {"grid4": grid4, "grid5": grid5, "community": community, "street": street, "district": district},
    }


def active_members(grids, on=None):
    """The 4+N team on duty on date `on` (today) for these grids, finest grid first."""
    if not grids:
        return []
    on = on or timezone.localdate()
    qs = (
        GridMember.objects.on_duty(on).filter(grid__in=grids)
        .select_related("user", "grid").defer("grid__geom")
        .order_by("-grid__level", "role", "user__full_name")
    )
    order = {k: i for i, k in enumerate(["head", "fulltime", "building", "volunteer", "other"])}
    members = sorted(qs, key=lambda m: (-m.grid.level, order.get(m.role, 9)))
    return [
        {"name": str(m.user), "role": m.get_role_display(), "role_code": m.role, "phone": m.phone or m.user.phone, "grid": m.grid.code}
        for m in members
    ]


def home_area(user):
    """What a user's maps open on: their own grids (L4/L5, current), else the area they work for."""
    codes = scope_of(user).grid_codes
    grids = Grid.objects.current().filter(code__in=codes).order_by("level", "code") if codes else []
    features = [feature(g.geom, kind="grid", name=g.name, code=g.code) for g in grids]
    if not features and getattr(user, "area_id", None):
        features = [feature(user.area.geom, kind="area", name=user.area.name, code=user.area.code)]
    return collection(features)
