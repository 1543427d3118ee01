from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import views
from .api import ApplicationViewSet, BatchViewSet, CheckView, ExportView, GazetteerView, ReadingView, SignFiguresView, SignPatrolViewSet

router = SimpleRouter()
router.register("api/placenames/batches", BatchViewSet, basename="placename-batch")
router.register("api/placenames/applications", ApplicationViewSet, basename="placename-application")
router.register("api/placenames/sign-patrols", SignPatrolViewSet, basename="placename-sign-patrol")

urlpatterns = [
    path("placenames/", views.batches, name="placenames"),
    path("placenames/queue/", views.queue, name="placename_queue"),
    path("placenames/batches/<int:pk>/", views.batch, name="placename_batch"),
    path("placenames/batches/<int:pk>/applications/", views.new_application, name="placename_new_application"),
    path("placenames/applications/<int:pk>/", views.application, name="placename_application"),
    path("placenames/applications/<int:pk>/actions/<slug:action>/", views.act, name="placename_action"),
    path("placenames/applications/<int:pk>/attachments/", views.attach, name="placename_attach"),
    path("placenames/applications/<int:pk>/attachments/<int:att_id>/", views.attachment, name="placename_attachment"),
    path("placenames/applications/<int:pk>/edit/", views.edit, name="placename_edit"),
    path("placenames/applications/<int:pk>/recheck/", views.recheck, name="placename_recheck"),
    path("placenames/applications/<int:pk>/reading/", views.fix_reading, name="placename_fix_reading"),
    path("placenames/applications/<int:pk>/announcement/", views.announcement, name="placename_announcement"),
    path("placenames/signs/", views.signs, name="placename_signs"),
    path("placenames/signs/patrol/", views.sign_patrol, name="placename_sign_patrol"),
    path("placenames/signs/patrol/start/", views.sign_patrol_start, name="placename_sign_patrol_start"),
    path("placenames/signs/patrol/<int:pk>/end/", views.sign_patrol_end, name="placename_sign_patrol_end"),
    path("placenames/signs/inspections/<int:pk>/photo/", views.sign_inspection_photo, name="placename_sign_inspection_photo"),
    path("placenames/buildings/", views.buildings, name="placename_buildings"),
    path("placenames/buildings/<int:pk>/actions/<slug:action>/", views.building_action, name="placename_building_action"),
    path("placenames/repairs/<int:pk>/actions/<slug:action>/", views.repair_action, name="placename_repair_action"),
    path("gazetteer/", views.gazetteer_page, name="gazetteer"),
    path("api/gazetteer", GazetteerView.as_view(), name="gazetteer-api"),
    re_path(r"^api/placenames/export\.(?P<fmt>csv|xlsx)$", ExportView.as_view(), name="placename-export"),
    path("api/placenames/check", CheckView.as_view(), name="placename-check"),
    path("api/placenames/readings", ReadingView.as_view(), name="placename-readings"),
    path("api/placenames/signs/figures", SignFiguresView.as_view(), name="placename-sign-figures"),
] + router.urls
