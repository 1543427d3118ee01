from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .api import PatrolViewSet

router = SimpleRouter()
router.register("api/patrols", PatrolViewSet, basename="patrol")

urlpatterns = [
    path("patrols/", views.page, name="patrols"),
    path("patrols/all/", views.staff_page, name="patrols_staff"),
    path("patrols/start/", views.start, name="patrol_start"),
    path("patrols/<int:pk>/end/", views.end, name="patrol_end"),
] + router.urls
