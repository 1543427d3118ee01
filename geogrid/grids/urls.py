from django.urls import path

from .locate import LocateView

urlpatterns = [
    path("api/locate", LocateView.as_view(), name="locate"),
]
