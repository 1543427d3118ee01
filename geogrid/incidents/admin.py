"""The admin of cases, under the incident scope (permissions.visible_incidents). A case changes only
through the workflow (services.transition: the case page and the API): state, deadline, assignee,
level, mode and category are read-only here, and so is the point, which located the case at report.
Only the wording (description, address) can be corrected, and that is audited (admin_scope)."""
from django.contrib import admin
from django.contrib.gis import forms as gis_forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from geogrid.accounts.admin_scope import AuditedAdmin, ScopedAdmin

from .models import Incident, IncidentCategory, IncidentPhoto
from .permissions import visible_incidents


@admin.register(IncidentCategory)
class IncidentCategoryAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("code", "name", "default_mode", "working_time", "active", "order")
    list_editable = ("active", "order")
    list_filter = ("active", "default_mode", "working_time")
    search_fields = ("code", "name")


class IncidentPhotoInline(admin.TabularInline):
    model = IncidentPhoto  # scoped through its case: the inline lists the photos of one visible case
    extra = 0
    fields = ("image", "thumbnail", "width", "height", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # photos are checked on upload by the API and pages (photos.py)


class LocatedPointField(gis_forms.PointField):
    def has_changed(self, initial, data):
        return False  # disabled; GeometryField.has_changed does not look at that


@admin.register(Incident)
class IncidentAdmin(ScopedAdmin, LeafletGeoAdmin):
    list_display = ("number", "category", "mode", "state", "responsible_level", "street", "community", "grid4", "reported_at", "deadline")
    list_filter = ("state", "mode", "responsible_level", "category", "department", "satisfaction")
    list_select_related = ("category", "street", "community", "grid4")
    search_fields = ("number", "description")
    date_hierarchy = "reported_at"
    readonly_fields = ("number", "case_page", "category", "mode", "state", "state_entered_at", "deadline", "responsible_level",
                       "grid5", "grid4", "community", "street", "reporter", "assignee", "department", "duplicate_of", "patrol",
                       "urge_count", "reported_at", "closed_at", "satisfaction", "evaluation_comment", "evaluated_at", "input_crs")
    fields = ("number", "case_page", "category", "mode", "description", "address", "geom") + readonly_fields[4:]
    inlines = [IncidentPhotoInline]
    modifiable = False  # the point on a map without drawing tools

    def scope_queryset(self, request, qs):
        return visible_incidents(request.user, qs)

    def formfield_for_dbfield(self, db_field, request=None, **kwargs):
        if db_field.name == "geom":  # a posted point is ignored: the case was located by it at report
            kwargs.update(form_class=LocatedPointField, disabled=True)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("办理"))
    def case_page(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("incident_page", args=[obj.pk]),
                           _("到案卷页办理（立案、派遣、调整办理方式等）"))

    def has_add_permission(self, request):
        return False  # report through the API or the pages: they locate, number and check photos

    def has_delete_permission(self, request, obj=None):
        return False  # a case ends by rejection or closure; its timeline stays
