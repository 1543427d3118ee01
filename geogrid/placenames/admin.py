"""Admin of place names. Roads and signs are edited here; the check's data tables (通名, forbidden
words, fixed readings, category codes) are edited here too, audited. Batches, applications and
repair orders change only through their workflow pages: read-only here."""
from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from geogrid.accounts.admin_scope import AuditedAdmin, ReadOnlyAdmin

from .models import (BuildingName, FixedReading, ForbiddenWord, GenericName, NamingApplication, NamingBatch, PlaceCategoryCode, Road, RoadSign,
                     SignInspection, SignRepair)


@admin.register(Road)
class RoadAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "working_name", "pinyin", "category", "status", "built", "length_m", "place_code")
    list_filter = ("status", "built", "category")
    search_fields = ("code", "name", "working_name", "pinyin")
    autocomplete_fields = ("area",)


@admin.register(RoadSign)
class RoadSignAdmin(LeafletGeoAdmin):
    list_display = ("code", "road", "name_text", "pinyin_text", "condition")
    list_filter = ("condition",)
    search_fields = ("code", "name_text", "road__name")
    autocomplete_fields = ("road",)


@admin.register(GenericName)
class GenericNameAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "spelling", "active")
    list_editable = ("spelling", "active")


@admin.register(ForbiddenWord)
class ForbiddenWordAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("word", "kind", "note")
    list_filter = ("kind",)
    search_fields = ("word",)


@admin.register(FixedReading)
class FixedReadingAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("phrase", "syllables", "fixed_by", "fixed_at")
    search_fields = ("phrase",)
    readonly_fields = ("fixed_by",)


@admin.register(PlaceCategoryCode)
class PlaceCategoryCodeAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("category", "code", "name")


@admin.register(NamingBatch)
class NamingBatchAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("code", "title", "created_by", "created_at")


@admin.register(NamingApplication)
class NamingApplicationAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only; attachments are listed on the application page (files leave only through it)."""

    list_display = ("name", "batch", "road", "state", "priority", "difficulty", "deadline")
    list_filter = ("state", "batch")
    search_fields = ("name", "pinyin")


@admin.register(SignRepair)
class SignRepairAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("sign", "problem", "state", "dispatched_at", "deadline")
    list_filter = ("state", "problem")


@admin.register(BuildingName)
class BuildingNameAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    list_display = ("name", "kind", "developer", "state", "deadline")
    list_filter = ("state", "kind")


@admin.register(SignInspection)
class SignInspectionAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: records are made on the sign patrol page; the photo leaves only through that app's view."""

    list_display = ("sign", "condition", "cleaned", "inspector", "inspected_at", "repair")
    list_filter = ("condition", "cleaned")
    search_fields = ("sign__code",)
    exclude = ("photo",)
    list_select_related = ("sign", "inspector", "repair", "repair__sign")
