from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .api import CareDueView, CareStatsView, CareSubjectViewSet, CareVisitViewSet

router = SimpleRouter()
router.register("api/care/subjects", CareSubjectViewSet, basename="care-subject")
router.register("api/care/visits", CareVisitViewSet, basename="care-visit")

urlpatterns = [
    path("care/", views.my_visits, name="care"),
    path("care/subjects/<int:pk>/", views.subject_page, name="care_subject"),
    path("care/due/", views.due_page, name="care_due"),
    path("care/stats/", views.stats_page, name="care_stats"),
    path("care/export.csv", views.export_csv, name="care_export"),
    path("care/visits/<int:visit>/photos/<int:photo>/<str:size>/", views.visit_photo, name="care_visit_photo"),
    path("api/care/due/", CareDueView.as_view(), name="care-due"),
    path("api/care/stats/", CareStatsView.as_view(), name="care-stats-api"),
] + router.urls
