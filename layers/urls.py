from django.urls import path

from . import ogc_views, views

app_name = "layers"

urlpatterns = [
    path("layers/", views.layer_list, name="list"),
    path("layers/at", views.layer_at, name="at"),
    path("layers/search", views.layer_search, name="search"),
    path("layers/<slug:name>.geojson", views.layer_geojson, name="geojson"),
    path("layers/<slug:name>/export.<slug:fmt>", views.layer_export, name="export"),
    path("tiles/<slug:name>/<int:z>/<int:x>/<int:y>.pbf", views.layer_tile, name="tile"),
    path("map/", views.map_page, name="map"),
    # OGC API - Features; "ogc" without the slash too: GDAL and QGIS are given the bare URL.
    path("ogc/", ogc_views.landing, name="ogc-landing"),
    path("ogc", ogc_views.landing),
    path("ogc/conformance", ogc_views.conformance, name="ogc-conformance"),
    path("ogc/api", ogc_views.api, name="ogc-api"),
    path("ogc/collections", ogc_views.collections, name="ogc-collections"),
    path("ogc/collections/<slug:cid>", ogc_views.collection, name="ogc-collection"),
    path("ogc/collections/<slug:cid>/items", ogc_views.items, name="ogc-items"),
    path("ogc/collections/<slug:cid>/items/<int:fid>", ogc_views.item, name="ogc-item"),
]
