from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import Road, RoadSign


@admin.register(Road)
class RoadAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "working_name", "pinyin", "category", "status", "length_m")
    list_filter = ("status", "category")
    search_fields = ("code", "name", "working_name", "pinyin")
    autocomplete_fields = ("area",)


@admin.register(RoadSign)
class RoadSignAdmin(LeafletGeoAdmin):
    list_display = ("code", "road", "name_text", "pinyin_text", "condition")
    list_filter = ("condition",)
    search_fields = ("code", "name_text", "road__name")
    autocomplete_fields = ("road",)
