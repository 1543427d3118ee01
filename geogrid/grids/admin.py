from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import AdminArea, Grid, GridMember


@admin.register(AdminArea)
class AdminAreaAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "level", "parent", "area_km2")
    list_filter = ("level",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)

    @admin.display(description="面积（km²）", ordering="area_m2")
    def area_km2(self, obj):
        return f"{obj.area_m2 / 1e6:.2f}"


class GridMemberInline(admin.TabularInline):
    model = GridMember
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Grid)
class GridAdmin(LeafletGeoAdmin):
    list_display = ("code", "name", "level", "kind", "community", "households", "population", "version", "valid_to")
    list_filter = ("level", "kind", "dedicated_type")
    search_fields = ("code", "name")
    autocomplete_fields = ("parent", "community")
    readonly_fields = ("version", "valid_from", "valid_to")
    inlines = [GridMemberInline]


@admin.register(GridMember)
class GridMemberAdmin(admin.ModelAdmin):
    list_display = ("grid", "role", "user", "phone", "start_date", "end_date")
    list_filter = ("role",)
    search_fields = ("grid__code", "grid__name", "user__username", "user__full_name")
    autocomplete_fields = ("user", "grid")
