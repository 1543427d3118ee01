from django.urls import path

from . import views

urlpatterns = [
    path("stats/", views.stats_page, name="stats"),
    path("stats/map.geojson", views.stats_geojson, name="stats_geojson"),
    path("stats/export.csv", views.export_csv, name="stats_csv"),
    path("stats/export.xlsx", views.export_xlsx, name="stats_xlsx"),
    path("stats/map.html", views.export_map, name="stats_map"),
]
