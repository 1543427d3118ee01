"""Open311 GeoReport v2 over the incident services: a thin adapter (views.py) that the incident
core knows nothing of."""
