from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .api import NotificationViewSet

router = SimpleRouter()
router.register("api/notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("notifications/", views.page, name="notifications"),
    path("notifications/read/", views.read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/", views.open_one, name="notification_open"),
] + router.urls
