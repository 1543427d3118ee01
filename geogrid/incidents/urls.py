from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import views
from .api import IncidentViewSet, PatrolFindingsView
from .open311 import views as open311

router = SimpleRouter()
router.register("api/incidents", IncidentViewSet, basename="incident")

urlpatterns = [
    path("incidents/", views.console, name="incident_console"),
    path("incidents/report/", views.report, name="incident_report"),
    path("incidents/mine/", views.mine, name="incident_mine"),
    path("incidents/<int:pk>/", views.detail, name="incident_page"),
    path("incidents/<int:pk>/actions/<slug:action>/", views.act, name="incident_action"),
    path("incidents/<int:pk>/photos/<int:photo_id>/<str:size>/", views.photo, name="incident_photo"),
    # The patrol by its id or by the client key its phone gave it (a finding queued after an offline start).
    re_path(r"^api/patrols/(?P<pk>\d+|[0-9a-fA-F-]{32,36})/findings/$", PatrolFindingsView.as_view(), name="patrol-findings"),
    # Open311 GeoReport v2; {fmt} is json or xml (open311/views.py answers any other suffix with a 400).
    re_path(r"^open311/v2/discovery\.(?P<fmt>[^/]+)$", open311.DiscoveryView.as_view(), name="open311_discovery"),
    re_path(r"^open311/v2/services\.(?P<fmt>[^/]+)$", open311.ServicesView.as_view(), name="open311_services"),
    re_path(r"^open311/v2/services/(?P<code>[\w-]+)\.(?P<fmt>[^/]+)$", open311.ServiceDefinitionView.as_view(), name="open311_service"),
    re_path(r"^open311/v2/requests\.(?P<fmt>[^/]+)$", open311.RequestsView.as_view(), name="open311_requests"),
    re_path(r"^open311/v2/requests/(?P<number>[\w-]+)\.(?P<fmt>[^/]+)$", open311.RequestView.as_view(), name="open311_request"),
] + router.urls
