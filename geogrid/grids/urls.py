from django.urls import path
from rest_framework.routers import SimpleRouter

from .locate import LocateView
from .api import GridMemberViewSet, GridTeamView, IncidentViewSet, PatrolViewSet

router = SimpleRouter()
router.register("api/incidents", IncidentViewSet, basename="incident")
router.register("api/grid-members", GridMemberViewSet, basename="gridmember")
router.register("api/patrols", PatrolViewSet, basename="patrol")

urlpatterns = [
    path("api/locate", LocateView.as_view(), name="locate"),
    path("api/grids/<str:code>/team/", GridTeamView.as_view(), name="grid-team"),
] + router.urls
