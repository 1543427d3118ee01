"""Areas and lengths in metres, computed in the CGCS2000 3-degree Gauss-Krüger zone of the
feature (chosen from the centroid's longitude), never in degrees."""
from .crs import STORAGE_SRID, gk3_epsg


def _projected(geom):
    g = geom.clone()
    if not g.srid:
        g.srid = STORAGE_SRID
    if g.srid != STORAGE_SRID:
        g.transform(STORAGE_SRID)
    g.transform(gk3_epsg(g.centroid.x))
    return g


def area_m2(geom):
    if geom is None or geom.empty:
        return 0.0
    return _projected(geom).area


def area_m2_many(shapes):
    """area_m2 of an array of shapely geometries in EPSG:4490, each in its own zone, as a numpy
    array: the same figures for a city's 10⁵ grids at once (one PROJ call per zone)."""
    import numpy as np
    import shapely
    from pyproj import Transformer

    shapes = np.asarray(shapes, dtype=object)
    out = np.zeros(len(shapes))
    if not len(shapes):
        return out
    lon = shapely.get_x(shapely.centroid(shapes))
    zones = 4534 + (np.clip(3 * np.round(lon / 3.0), 75, 135).astype(int) - 75) // 3  # gk3_epsg, vectorised
    for zone in np.unique(zones):
        mask = zones == zone
        to_zone = Transformer.from_crs(STORAGE_SRID, int(zone), always_xy=True)
        projected = shapely.transform(shapes[mask], lambda xy: np.column_stack(to_zone.transform(xy[:, 0], xy[:, 1])))
        out[mask] = shapely.area(projected)
    return out


def length_m(geom):
    if geom is None or geom.empty:
        return 0.0
    return _projected(geom).length


def distance_m(a, b):
    """Distance in metres between two geometries (e.g. a registered and a measured marker)."""
    from django.contrib.gis.geos import GeometryCollection

    both = GeometryCollection(a.clone(), b.clone(), srid=a.srid or STORAGE_SRID)
    p = _projected(both)
    return p[0].distance(p[1])
