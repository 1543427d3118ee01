"""Care data in the admin, under the care scope (services.visible_subjects: the grids one is
responsible for). Categories are data; households get their grid from their point; a subject's
numbers are masked in lists, and shown in full on the form only to the roles allowed to reveal
them (services.may_reveal, the rule of ?reveal=1), and each form so shown is written to the audit
log like a reveal; visits are read here (recorded on the phone page or the API)."""
from django.contrib import admin
from django.contrib.gis.admin import GISModelAdmin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from geogrid.accounts.admin_scope import AuditedAdmin, ReadOnlyAdmin, ScopedAdmin
from geogrid.accounts.roles import CARE_REVEAL_ROLES
from geogrid.accounts.scope import scope_of

from . import services as care
from .models import Building, CareCategory, CareSubject, CareVisit, Household
from .privacy import clean_id_number, clean_phone, mask_id_number, mask_phone


def grid_scope(request, path):
    return scope_of(request.user).responsible_q(path)


@admin.register(CareCategory)
class CareCategoryAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "code", "visit_interval_days", "active", "order")
    list_editable = ("visit_interval_days", "active", "order")

    def save_object(self, request, obj, form, change):
        super().save_object(request, obj, form, change)
        for subject in obj.subjects.all():  # the schedule follows the interval
            care.recompute_schedule(subject)
        return obj


@admin.register(Building)
class BuildingAdmin(ScopedAdmin, GISModelAdmin):
    list_display = ("name", "grid", "address", "head")
    list_select_related = ("grid", "head__user")
    search_fields = ("name", "address", "grid__code")
    raw_id_fields = ("grid", "head")

    def scope_queryset(self, request, qs):
        q = grid_scope(request, "grid")
        return qs.none() if q is None else qs.filter(q)


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin, GISModelAdmin):
    list_display = ("address", "grid", "building", "size")
    list_select_related = ("grid", "building")
    search_fields = ("address", "grid__code")
    readonly_fields = ("grid",)
    raw_id_fields = ("building",)

    def scope_queryset(self, request, qs):
        q = grid_scope(request, "grid")
        return qs.none() if q is None else qs.filter(q)

    def save_object(self, request, obj, form, change):
        care.place_household(obj)
        return super().save_object(request, obj, form, change)


@admin.register(CareSubject)
class CareSubjectAdmin(ScopedAdmin, admin.ModelAdmin):
    list_display = ("name", "grid_code", "masked_id", "masked_phone", "responsible", "interval_days", "last_visited_at", "active")
    list_select_related = ("household__grid", "responsible")
    list_filter = ("categories", "active")
    search_fields = ("name", "household__address", "household__grid__code")
    filter_horizontal = ("categories",)
    raw_id_fields = ("household", "responsible")

    def scope_queryset(self, request, qs):
        return care.visible_subjects(request.user, qs)

    def full_numbers(self, request, obj=None):
        """A new subject's numbers are typed by the roles that may reveal; an existing subject's are
        shown to those who may reveal it (services.may_reveal)."""
        if obj is None:
            return request.user.is_superuser or scope_of(request.user).has_role(*CARE_REVEAL_ROLES)
        return care.may_reveal(request.user, obj)

    def get_fields(self, request, obj=None):
        fields = ["household", "name", "id_number", "phone", "categories", "responsible", "note", "active", "since"]
        if not self.full_numbers(request, obj):
            fields[2:4] = ["masked_id", "masked_phone"]
        return fields

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.full_numbers(request, obj):
            care.reveal_subject(request.user, obj)  # the form shows the full record: audited like ?reveal=1
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_readonly_fields(self, request, obj=None):
        return ("masked_id", "masked_phone", "interval_days", "last_visited_at")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        def field_check(check, name):
            def clean(self):
                try:
                    return check(self.cleaned_data.get(name))
                except ValidationError as exc:  # the checks name their field; a form field wants its messages
                    raise ValidationError(exc.message_dict[name])
            return clean

        def clean(self):
            data = form.clean(self)
            try:
                care.check_responsible(data.get("responsible"), data.get("household"))
            except ValidationError as exc:
                self.add_error("responsible", exc.message_dict["responsible"])
            return data

        return type("CareSubjectForm", (form,), {"clean_id_number": field_check(clean_id_number, "id_number"),
                                                 "clean_phone": field_check(clean_phone, "phone"), "clean": clean})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        care.recompute_schedule(form.instance)

    @admin.display(description=_("网格"))
    def grid_code(self, obj):
        return obj.household.grid.code

    @admin.display(description=_("身份证号"))
    def masked_id(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


@admin.register(CareVisit)
class CareVisitAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    list_display = ("subject", "grid", "visitor", "visited_at", "seen", "on_time", "incident")
    list_select_related = ("subject", "grid", "visitor", "incident")
    fields = ("subject", "grid", "visitor", "visited_at", "seen", "situation", "needs", "incident", "due_at", "on_time", "recorded_at")
    readonly_fields = fields

    def scope_queryset(self, request, qs):
        q = grid_scope(request, "subject__household__grid")
        return qs.none() if q is None else qs.filter(q)
