from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import GridMemberViewSet, GridTeamView
from .locate import LocateView

router = SimpleRouter()
router.register("api/grid-members", GridMemberViewSet, basename="gridmember")

urlpatterns = [
    path("api/locate", LocateView.as_view(), name="locate"),
    path("api/grids/<str:code>/team/", GridTeamView.as_view(), name="grid-team"),
] + router.urls
