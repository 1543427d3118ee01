"""Admin of facility types (data: name, icon, colour) and facilities. Facilities are scoped like the
list page (services.visible_facilities) and audited; the area is derived from the position on save."""
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from geogrid.accounts.admin_scope import AuditedAdmin, ScopedAdmin

from .models import Facility, FacilityType
from .services import place, visible_facilities


@admin.register(FacilityType)
class FacilityTypeAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "marker", "color", "active", "order")
    list_editable = ("active", "order")
    search_fields = ("code", "name")

    @admin.display(description=_("图标"))
    def marker(self, obj):
        return format_html('<span style="display:inline-block;min-width:1.4em;text-align:center;border-radius:50%;color:#fff;'
                           'background:{}">{}</span>', obj.color, obj.icon)

    def get_readonly_fields(self, request, obj=None):
        # The code is what facilities and imports refer to: fixed once a type exists.
        return ("code",) if obj is not None else ()


@admin.register(Facility)
class FacilityAdmin(ScopedAdmin, LeafletGeoAdmin):
    list_display = ("name", "facility_type", "address", "capacity", "ownership", "status", "area")
    list_filter = ("facility_type", "status", "ownership")
    list_select_related = ("facility_type", "area")
    search_fields = ("name", "address", "operator")
    readonly_fields = ("area",)
    fields = ("facility_type", "name", "address", "geom", "capacity", "operator", "ownership", "status", "phone", "area")

    def scope_queryset(self, request, qs):
        return visible_facilities(request.user, qs)

    def save_object(self, request, obj, form, change):
        place(obj)  # the admin area follows the position
        return super().save_object(request, obj, form, change)
