from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import BoundaryLine, BoundaryMarker


@admin.register(BoundaryLine)
class BoundaryLineAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "level", "side_a_name", "side_b_name", "length_m")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(BoundaryMarker)
class BoundaryMarkerAdmin(LeafletGeoAdmin):
    list_display = ("number", "line", "marker_type", "material", "year_installed")
    list_filter = ("marker_type", "material", "line")
    search_fields = ("number",)
