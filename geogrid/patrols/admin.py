from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import Patrol


@admin.register(Patrol)
class PatrolAdmin(LeafletGeoAdmin):
    list_display = ("grid", "user", "started_at", "ended_at", "length_m")
    list_filter = ("grid__community",)
    search_fields = ("grid__code", "grid__name", "user__username", "user__full_name")
    readonly_fields = ("length_m",)
    autocomplete_fields = ("user", "grid")
