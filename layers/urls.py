from django.urls import path

from . import views

app_name = "layers"

urlpatterns = [
    path("layers/", views.layer_list, name="list"),
    path("layers/<slug:name>.geojson", views.layer_geojson, name="geojson"),
    path("tiles/<slug:name>/<int:z>/<int:x>/<int:y>.pbf", views.layer_tile, name="tile"),
    path("map/", views.map_page, name="map"),
]
