from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import Facility


@admin.register(Facility)
class FacilityAdmin(LeafletGeoAdmin):
    list_display = ("name", "facility_type", "address", "capacity", "area")
    list_filter = ("facility_type",)
    search_fields = ("name", "address")
    autocomplete_fields = ("area",)
