from django.urls import path

from . import views

urlpatterns = [
    path("facilities/", views.facility_list, name="facility_list"),
    path("facilities/export.csv", views.facility_csv, name="facility_csv"),
    path("facilities/import/", views.facility_import, name="facility_import"),
    path("facilities/coverage/", views.coverage_page, name="coverage"),
    path("facilities/coverage/map.geojson", views.coverage_geojson, name="coverage_geojson"),
    path("facilities/coverage/export.csv", views.coverage_csv, name="coverage_csv"),
    path("facilities/coverage/export.xlsx", views.coverage_xlsx, name="coverage_xlsx"),
    path("facilities/coverage/map.html", views.coverage_map, name="coverage_map"),
]
