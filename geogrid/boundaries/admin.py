"""Boundaries in the admin. Lines and markers: read by everyone with the view permission, edited by
boundary inspectors (audited; a marker's number is checked by the model's clean against the
pattern). Inspections and their checks are written through the pages and the API (the workflow
core); here they are read, under the same scope (services.visible_inspections). Agreements and
disputes are edited here by the inspectors of the line's parties."""
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from leaflet.admin import LeafletGeoAdmin

from geogrid.accounts.admin_scope import AuditedAdmin, ReadOnlyAdmin, ScopedAdmin
from geogrid.accounts.scope import scope_of
from geogrid.uploads import check_image

from .models import (BoundaryAgreement, BoundaryDispute, BoundaryLine, BoundaryMarker, InspectionMember, JointInspection, MarkerCheck,
                     MarkerPhoto, RectificationItem)
from .services import inspector_lines, visible_inspections


class MarkerPhotoForm(forms.ModelForm):
    class Meta:
        model = MarkerPhoto
        fields = ("image",)

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if image and "image" in self.changed_data:  # a new upload: checked and kept without EXIF, like every photo
            try:
                return check_image(image, "image")
            except ValidationError as exc:
                raise forms.ValidationError(exc.message_dict["image"])
        return image


class MarkerPhotoInline(admin.TabularInline):
    """登记照片 of a marker: shown on the walk page and in the API (served by /boundaries/photos/N/)."""

    model = MarkerPhoto
    form = MarkerPhotoForm
    fk_name = "marker"
    fields = ("image", "uploaded_at")
    readonly_fields = ("uploaded_at",)
    extra = 0


@admin.register(BoundaryLine)
class BoundaryLineAdmin(AuditedAdmin, LeafletGeoAdmin):
    list_display = ("code", "name", "level", "side_a_name", "side_b_name", "length_m")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(BoundaryMarker)
class BoundaryMarkerAdmin(AuditedAdmin, LeafletGeoAdmin):
    list_display = ("number", "line", "marker_type", "material", "year_installed")
    list_filter = ("marker_type", "material", "line")
    list_select_related = ("line",)
    search_fields = ("number",)
    inlines = [MarkerPhotoInline]


class MemberInline(ReadOnlyAdmin, admin.TabularInline):
    model = InspectionMember
    fields = ("side", "user", "leader")


class CheckInline(ReadOnlyAdmin, admin.TabularInline):
    model = MarkerCheck
    fields = ("marker", "side", "condition", "displacement_m", "checked_by", "confirmed_a_by", "confirmed_b_by", "notes")


class ProblemInline(ReadOnlyAdmin, admin.TabularInline):
    model = RectificationItem
    fk_name = "inspection"
    fields = ("description", "owner_side", "owner", "due_date", "state")


@admin.register(JointInspection)
class JointInspectionAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    list_display = ("year", "line", "party_a_name", "party_b_name", "planned_start", "state")
    list_filter = ("state", "year")
    list_select_related = ("line",)
    inlines = [MemberInline, CheckInline, ProblemInline]
    exclude = ()

    def get_queryset(self, request):
        return super().get_queryset(request).defer("line__geom")

    def scope_queryset(self, request, qs):
        return visible_inspections(request.user, qs)


class _PartyAdmin(ScopedAdmin):
    """Rows of a line: everyone with the view permission reads; the parties' inspectors edit."""

    def scope_queryset(self, request, qs):
        return qs

    def _party(self, request, obj):
        if obj is None or obj.line_id is None:
            return scope_of(request.user).boundary_district is not None or scope_of(request.user).everything
        return scope_of(request.user).boundary_side(obj.line.side_a_code, obj.line.side_b_code) is not None or request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._party(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # New rows only on one's own lines (district admins and superusers: any line).
        if db_field.name == "line" and not scope_of(request.user).everything:
            kwargs["queryset"] = inspector_lines(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._party(request, obj)


@admin.register(BoundaryAgreement)
class BoundaryAgreementAdmin(_PartyAdmin, admin.ModelAdmin):
    list_display = ("title", "line", "party_a_name", "party_b_name", "signed_on", "valid_until")
    list_select_related = ("line",)
    date_hierarchy = "valid_until"


@admin.register(BoundaryDispute)
class BoundaryDisputeAdmin(_PartyAdmin, LeafletGeoAdmin):
    list_display = ("reported_at", "line", "parties", "state")
    list_filter = ("state",)
    list_select_related = ("line",)
