"""The admin of cases, under the incident scope (permissions.visible_incidents). A case changes only
through the workflow (services.transition: the case page and the API): state, deadline, assignee,
level, mode and category are read-only here, and so is the point, which located the case at report.
Only the wording (description, address) can be corrected, and that is audited (admin_scope)."""
from django.contrib import admin, messages
from django import forms
from django.contrib.gis import forms as gis_forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from geogrid.accounts.admin_scope import AuditedAdmin, ScopedAdmin

from .models import CategoryQuestion, Incident, IncidentCategory, IncidentPhoto, Open311Key
from .open311.keys import issue_key, key_problem, revoke_key
from .permissions import visible_incidents


class CategoryQuestionInline(admin.TabularInline):
    model = CategoryQuestion
    extra = 0
    fields = ("order", "code", "question", "datatype", "required", "values")


@admin.register(IncidentCategory)
class IncidentCategoryAdmin(AuditedAdmin, admin.ModelAdmin):
    inlines = [CategoryQuestionInline]
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


class Open311KeyForm(forms.ModelForm):
    class Meta:
        model = Open311Key
        fields = ["name", "user"]

    def clean(self):
        data = super().clean()
        problem = key_problem(data["user"]) if data.get("user") else None
        if problem:
            self.add_error("user", problem)
        return data


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    """Issue (the key is shown once, in the message after saving) and revoke Open311 client keys."""

    form = Open311KeyForm

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        return ["name", "user"] if obj is None else ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["user"] if obj is not None else [])

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        key, text = issue_key(obj.user, obj.name, by=request.user)  # the form has checked the user
        obj.pk = key.pk
        obj.refresh_from_db()
        messages.warning(request, _("Open311 密钥（只显示这一次，请复制交给客户端）：%(k)s") % {"k": text})

    @admin.action(description=_("吊销所选密钥"))
    def revoke(self, request, queryset):
        for key in queryset:
            revoke_key(key, by=request.user)
        messages.success(request, _("已吊销 %(n)s 个密钥") % {"n": queryset.count()})
