from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from . import stats_views
from .locate import LocateView
from .api import GridMemberViewSet, GridTeamView, IncidentViewSet, PatrolViewSet

router = SimpleRouter()
router.register("api/incidents", IncidentViewSet, basename="incident")
router.register("api/grid-members", GridMemberViewSet, basename="gridmember")
router.register("api/patrols", PatrolViewSet, basename="patrol")

urlpatterns = [
    path("api/locate", LocateView.as_view(), name="locate"),
    path("api/grids/<str:code>/team/", GridTeamView.as_view(), name="grid-team"),
    path("incidents/", views.console, name="incident_console"),
    path("incidents/report/", views.report, name="incident_report"),
    path("incidents/mine/", views.mine, name="incident_mine"),
    path("incidents/<int:pk>/", views.detail, name="incident_page"),
    path("incidents/<int:pk>/actions/<slug:action>/", views.act, name="incident_action"),
    path("incidents/<int:pk>/photos/<int:photo_id>/<str:size>/", views.photo, name="incident_photo"),
    path("stats/", stats_views.stats_page, name="stats"),
    path("stats/map.geojson", stats_views.stats_geojson, name="stats_geojson"),
    path("stats/export.csv", stats_views.export_csv, name="stats_csv"),
    path("stats/export.xlsx", stats_views.export_xlsx, name="stats_xlsx"),
    path("stats/map.html", stats_views.export_map, name="stats_map"),
] + router.urls
