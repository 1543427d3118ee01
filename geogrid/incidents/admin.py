from django.contrib import admin
from leaflet.admin import LeafletGeoAdmin

from .models import Incident, IncidentCategory, IncidentPhoto


@admin.register(IncidentCategory)
class IncidentCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "default_mode", "active", "order")
    list_editable = ("active", "order")
    list_filter = ("active", "default_mode")
    search_fields = ("code", "name")


class IncidentPhotoInline(admin.TabularInline):
    model = IncidentPhoto
    extra = 0
    fields = ("image", "thumbnail", "width", "height", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # photos are checked on upload by the API and pages (photos.py)


@admin.register(Incident)
class IncidentAdmin(LeafletGeoAdmin):
    """Read-mostly: states move only through the workflow (API and pages), never by editing."""

    list_display = ("number", "category", "mode", "state", "responsible_level", "street", "community", "grid4", "reported_at", "deadline")
    list_filter = ("state", "mode", "responsible_level", "category")
    search_fields = ("number", "description")
    date_hierarchy = "reported_at"
    readonly_fields = ("number", "state", "state_entered_at", "deadline", "responsible_level", "grid5", "grid4", "community", "street",
                       "reporter", "assignee", "duplicate_of", "patrol", "urge_count", "reported_at", "closed_at", "input_crs")
    fields = ("number", "category", "mode", "description", "address", "geom") + readonly_fields[1:]
    inlines = [IncidentPhotoInline]

    def has_add_permission(self, request):
        return False  # report through the API or the pages: they locate, number and check photos
