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
