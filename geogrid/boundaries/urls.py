from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views
from .api import CheckViewSet, InspectionViewSet, LineViewSet, MarkerViewSet

router = SimpleRouter()
router.register("api/boundaries/lines", LineViewSet, basename="boundary-line")
router.register("api/boundaries/markers", MarkerViewSet, basename="boundary-marker")
router.register("api/boundaries/inspections", InspectionViewSet, basename="boundary-inspection")
router.register("api/boundaries/checks", CheckViewSet, basename="boundary-check")

urlpatterns = [
    path("boundaries/", views.index, name="boundaries"),
    path("boundaries/inspections/new/", views.plan, name="boundary_plan"),
    path("boundaries/markers/import/", views.import_markers, name="boundary_import_markers"),
    path("boundaries/inspections/<int:pk>/", views.inspection, name="boundary_inspection"),
    path("boundaries/inspections/<int:pk>/act/", views.act, name="boundary_act"),
    path("boundaries/inspections/<int:pk>/walk/", views.walk, name="boundary_walk"),
    path("boundaries/inspections/<int:pk>/walk/start/", views.start_walk, name="boundary_walk_start"),
    path("boundaries/inspections/<int:pk>/walk/end/", views.end_walk, name="boundary_walk_end"),
    path("boundaries/inspections/<int:pk>/report/", views.report, name="boundary_report"),
    path("boundaries/inspections/<int:pk>/report/map.html", views.report_map_document, name="boundary_report_map"),
    path("boundaries/inspections/<int:pk>/record.xlsx", views.record_table, name="boundary_record_table"),
    path("boundaries/inspections/<int:pk>/problems/", views.add_problem, name="boundary_problem"),
    path("boundaries/inspections/<int:pk>/sections/", views.add_section, name="boundary_section"),
    path("boundaries/checks/<int:pk>/confirm/", views.confirm, name="boundary_confirm"),
    path("boundaries/problems/<int:pk>/done/", views.problem_done, name="boundary_problem_done"),
    path("boundaries/photos/<int:pk>/", views.photo, name="boundary_photo"),
    path("boundaries/agreements/<int:pk>/document/", views.agreement_document, name="boundary_agreement_document"),
] + router.urls
