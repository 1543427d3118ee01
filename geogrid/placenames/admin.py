"""Admin of place names. Roads and signs are edited here; the check's data tables (通名, forbidden
words, fixed readings, category codes) are edited here too, audited. Batches, applications and
repair orders change only through their workflow pages: read-only here."""
from django.contrib import admin
from django.utils.translation import gettext as _, gettext_lazy
from leaflet.admin import LeafletGeoAdmin

from geogrid.accounts.admin_scope import AuditedAdmin, ReadOnlyAdmin
from geogrid.audit.services import record

from . import export

from .models import (BuildingName, FixedReading, ForbiddenWord, GenericName, NamingApplication, NamingBatch, PlaceCategoryCode, Road, RoadSign,
                     SignInspection, SignRepair)


@admin.register(Road)
class RoadAdmin(AuditedAdmin, LeafletGeoAdmin):
    """A road saved here with a standard (or historical) name gets its national place code, as an
    announced one does (export.give_place_codes); the action gives the codes a list is missing."""

    list_display = ("code", "name", "working_name", "pinyin", "category", "status", "built", "length_m", "place_code")
    list_filter = ("status", "built", "category")
    search_fields = ("code", "name", "working_name", "pinyin")
    autocomplete_fields = ("area",)
    actions = ["give_place_codes"]

    def save_object(self, request, obj, form, change):
        super().save_object(request, obj, form, change)
        export.give_place_codes([obj])
        return obj

    @admin.action(description=gettext_lazy("赋予地名代码（已命名、已废止且尚无代码的道路）"))
    def give_place_codes(self, request, queryset):
        roads = list(queryset.filter(place_code="").select_related("area").defer("geom", "area__geom"))
        n = export.give_place_codes(roads)
        for road in roads:
            if road.place_code:
                record(road, "give_place_code", actor=request.user, note=road.place_code)
        self.message_user(request, _("已赋予 %(n)s 条道路地名代码；%(m)s 条缺少所在行政区或类别代码，未赋予") % {
            "n": n, "m": sum(1 for r in roads if not r.place_code and r.status in export.EXPORTED and r.name)})


@admin.register(RoadSign)
class RoadSignAdmin(LeafletGeoAdmin):
    list_display = ("code", "road", "name_text", "pinyin_text", "material", "installed_year", "condition")
    list_filter = ("condition", "material")
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
