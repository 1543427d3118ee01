"""GeoJSON for the page maps (RFC 7946, lon/lat). Storage CGCS2000 is within a metre of WGS84,
so geometries are written as stored, as the API does."""
import json


def feature(geom, **props):
    """A GeoJSON Feature dict of a GEOS geometry with these properties."""
    return {"type": "Feature", "geometry": json.loads(geom.json), "properties": props}


def collection(features):
    return {"type": "FeatureCollection", "features": list(features)}
