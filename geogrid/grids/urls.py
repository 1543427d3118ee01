from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import views
from . import patrol_views
from . import stats_views
from . import open311
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
    path("patrols/", patrol_views.page, name="patrols"),
    path("patrols/start/", patrol_views.start, name="patrol_start"),
    path("patrols/<int:pk>/end/", patrol_views.end, name="patrol_end"),
    path("stats/", stats_views.stats_page, name="stats"),
    path("stats/map.geojson", stats_views.stats_geojson, name="stats_geojson"),
    path("stats/export.csv", stats_views.export_csv, name="stats_csv"),
    path("stats/export.xlsx", stats_views.export_xlsx, name="stats_xlsx"),
    path("stats/map.html", stats_views.export_map, name="stats_map"),
    # Open311 GeoReport v2; {fmt} is json or xml (open311.py answers other suffixes with a 400).
    re_path(r"^open311/v2/discovery\.(?P<fmt>\w+)$", open311.DiscoveryView.as_view(), name="open311_discovery"),
    re_path(r"^open311/v2/services\.(?P<fmt>\w+)$", open311.ServicesView.as_view(), name="open311_services"),
    re_path(r"^open311/v2/services/(?P<code>[\w-]+)\.(?P<fmt>\w+)$", open311.ServiceDefinitionView.as_view(), name="open311_service"),
    re_path(r"^open311/v2/requests\.(?P<fmt>\w+)$", open311.RequestsView.as_view(), name="open311_requests"),
    re_path(r"^open311/v2/requests/(?P<number>[\w-]+)\.(?P<fmt>\w+)$", open311.RequestView.as_view(), name="open311_request"),
] + router.urls
