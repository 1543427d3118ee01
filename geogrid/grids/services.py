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


# The lookup of a point in a grid, in one statement: the finest grid containing or touching the point
# (a point on a shared edge goes to the lowest code), its parent grid, community, street and
# district, and the 4+N team on duty of the grid and its parent. MapIt-style: the GiST index
# prefilters by bounding box; no polygon is read back.
LOCATE_SQL = """
WITH hit AS (
  SELECT g.id, g.code, g.name, g.level, g.parent_id, g.community_id FROM grids_grid g
  WHERE ST_Intersects(g.geom, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4490))
    AND CASE WHEN %(when)s::timestamptz IS NULL THEN g.valid_to IS NULL
             ELSE g.valid_from <= %(when)s::timestamptz AND (g.valid_to IS NULL OR g.valid_to > %(when)s::timestamptz) END
  ORDER BY g.level DESC, g.code LIMIT 1)
SELECT hit.id, hit.code, hit.name, hit.level, hit.parent_id, hit.community_id,
       p.code, p.name, p.community_id,
       c.code, c.name, c.parent_id, s.code, s.name, s.parent_id, d.code, d.name,
       (SELECT COALESCE(json_agg(json_build_array(COALESCE(NULLIF(u.full_name, ''), u.username), m.role,
                                                  COALESCE(NULLIF(m.phone, ''), u.phone), tg.code)
                                 ORDER BY tg.level DESC, array_position(%(roles)s::varchar[], m.role::varchar), u.full_name), '[]')
        FROM grids_gridmember m JOIN grids_grid tg ON m.grid_id = tg.id JOIN accounts_user u ON m.user_id = u.id
        WHERE m.grid_id IN (hit.id, hit.parent_id) AND m.start_date <= %(on)s
          AND (m.end_date IS NULL OR m.end_date >= %(on)s))
FROM hit LEFT JOIN grids_grid p ON hit.parent_id = p.id JOIN grids_adminarea c ON hit.community_id = c.id
LEFT JOIN grids_adminarea s ON c.parent_id = s.id LEFT JOIN grids_adminarea d ON s.parent_id = d.id
"""


def _row_of(model, **values):
    """A model instance of these columns; the others (polygons among them) load only if read."""
    return model.from_db("default", list(values), list(values.values()))


def _locate_in_grid(point, when, on):
    from django.db import connection

    roles = [r for r, _label in GridMember.Role.choices]
    with connection.cursor() as cur:
        cur.execute(LOCATE_SQL, {"lon": point.x, "lat": point.y, "when": when, "on": on, "roles": roles})
        row = cur.fetchone()
    if row is None:
        return None
    (gid, code, name, level, parent_id, community_id, p_code, p_name, p_community, c_code, c_name, street_id,
     s_code, s_name, district_id, d_code, d_name, team) = row
    grid = _row_of(Grid, id=gid, code=code, name=name, level=level, parent_id=parent_id, community_id=community_id)
    parent = _row_of(Grid, id=parent_id, code=p_code, name=p_name, level=4, parent_id=None, community_id=p_community) if parent_id else None
    community = _row_of(AdminArea, id=community_id, code=c_code, name=c_name, level=AdminArea.Level.COMMUNITY, parent_id=street_id)
    street = _row_of(AdminArea, id=street_id, code=s_code, name=s_name, level=AdminArea.Level.STREET, parent_id=district_id) if street_id else None
    district = _row_of(AdminArea, id=district_id, code=d_code, name=d_name, level=AdminArea.Level.DISTRICT, parent_id=None) if district_id else None
    labels = dict(GridMember.Role.choices)
    members = [{"name": n, "role": str(labels.get(r, r)), "role_code": r, "phone": ph or "", "grid": g} for n, r, ph, g in team]
    grid5, grid4 = (grid, parent) if level == 5 else (None, grid)
    return grid4, grid5, community, street, district, members


def locate(point, when=None):
    """What a point falls in: street, community, L4 and L5 grid, and the grid's team on duty.
    Returns None when the point is outside every area we know. One statement when the point is in a
    grid (LOCATE_SQL); outside every grid, the areas are looked up by polygon in turn."""
    found = _locate_in_grid(point, when, timezone.localdate())
    if found is not None:
        grid4, grid5, community, street, district, members = found
    else:
        grid4 = grid5 = None
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
        if district is None and street is None and community is None:
            return None
        members = []
    return {
        "district": _ref(district),
        "street": _ref(street),
        "community": _ref(community),
        "grid4": _ref(grid4),
        "grid5": _ref(grid5),
        "members": members,
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
