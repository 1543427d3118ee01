"""The admin of areas, grids and teams, under accounts.scope (geogrid.accounts.admin_scope):

- AdminArea: the staff area's subtree; edits (geometry included) are corrections in place, as
  import_areas makes them, and audited; code and level are fixed once stored.
- Grid: the grids of the staff area plus the user's own; a changed polygon makes the next version
  through importing.redraw_grid (as import_grids does); closed versions are history, read-only.
  The code rule (pattern, community or parent prefix) is Grid.clean's, so the form refuses what
  import_grids refuses.
- GridMember: added through teams.assign_member and ended through teams.end_membership, so the
  scope, overlap and one-head rules hold here too; nothing else of a membership is edited and
  nothing is deleted (end it instead).
"""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from leaflet.admin import LeafletGeoAdmin

from geogrid.accounts.admin_scope import ScopedAdmin
from geogrid.accounts.scope import scope_of
from geogrid.workflow.exceptions import WorkflowError

from . import teams
from .importing import GRID_ATTRS, same_shape, redraw_grid
from .models import AdminArea, Grid, GridMember


@admin.register(AdminArea)
class AdminAreaAdmin(ScopedAdmin, LeafletGeoAdmin):
    list_display = ("code", "name", "level", "parent", "area_km2")
    list_filter = ("level",)
    list_select_related = ("parent",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)

    def scope_queryset(self, request, qs):
        q = scope_of(request.user).area_tree_q()
        # No staff area (place-name, boundary staff): their work spans the district, and the
        # areas are its reference map (road and facility forms pick them); the permission decides.
        return qs if q is None else qs.filter(q)

    def get_readonly_fields(self, request, obj=None):
        return ("code", "level") if obj is not None else ()  # import_areas keys areas by code

    @admin.display(description=gettext_lazy("面积（km²）"), ordering="area_m2")
    def area_km2(self, obj):
        return f"{obj.area_m2 / 1e6:.2f}"


class ReadOnlyFormSet(BaseInlineFormSet):
    def save(self, commit=True):
        # Teams change only through teams.py: whatever is posted, this inline writes nothing (a
        # view-only inline still goes through save(), under the row a redraw may have closed).
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class GridMemberInline(admin.TabularInline):
    """The team of this grid row, to read; each membership opens in the GridMember admin."""

    model = GridMember
    formset = ReadOnlyFormSet
    extra = 0
    fields = ("role", "user", "phone", "start_date", "end_date")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class GridForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        grid = self.instance
        # Lock the row until the admin's transaction ends; a version closed meanwhile is refused.
        if grid.pk is not None and not Grid.objects.select_for_update().filter(pk=grid.pk, valid_to__isnull=True).exists():
            raise ValidationError(_("网格 %(c)s 的这个版本已失效，请打开现行版本修改") % {"c": grid.code})
        return cleaned


@admin.register(Grid)
class GridAdmin(ScopedAdmin, LeafletGeoAdmin):
    form = GridForm
    list_display = ("code", "name", "level", "kind", "community", "households", "population", "version", "valid_to")
    list_filter = ("level", "kind", "dedicated_type")
    list_select_related = ("community",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent", "community")
    inlines = [GridMemberInline]

    def scope_queryset(self, request, qs):
        scope = scope_of(request.user)
        q = scope.area_q("community")
        if q is not None and not q:
            return qs
        if scope.grid_codes:
            mine = Q(code__in=scope.grid_codes) | scope.grid_q("parent")  # own grids and their L5 grids
            q = mine if q is None else q | mine
        return qs.none() if q is None else qs.filter(q)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("version", "valid_from", "valid_to")
        return ("code", "level", "version", "valid_from", "valid_to")  # a code is the grid across versions

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.valid_to is not None:
            return False  # a closed version is what earlier records point at
        return super().has_change_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        qs, distinct = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "gridmember":  # autocomplete of a team form: current rows
            qs = qs.filter(valid_to__isnull=True)
        return qs, distinct

    def save_object(self, request, obj, form, change):
        if change and "geom" in form.changed_data:
            old = Grid.objects.get(pk=obj.pk)
            if not same_shape(old.geom, obj.geom):
                new = redraw_grid(old, obj.geom, by=request.user, **{name: getattr(obj, name) for name in GRID_ATTRS})
                obj._redrawn_as = new
                return new
        return super().save_object(request, obj, form, change)

    def response_change(self, request, obj):
        new = getattr(obj, "_redrawn_as", None)
        if new is None:
            return super().response_change(request, obj)
        self.message_user(request, _("网格 %(c)s 的范围已改，已生成第 %(v)s 版；旧版本留给此前的事件和巡查")
                          % {"c": new.code, "v": new.version}, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:grids_grid_change", args=[new.pk]))


class GridMemberForm(forms.ModelForm):
    """The team services are the form's validation: assign_member on add, end_membership when the
    end date changes. They write inside the admin's transaction (a savepoint here), so a refusal
    is a form error and leaves nothing behind."""

    request = None  # set by GridMemberAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            with transaction.atomic():
                self.member = self._through_services(cleaned)
        except ValidationError as exc:
            for field, errors in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
                self.add_error(field if field in self.fields else None, errors)
        except WorkflowError as exc:  # out of scope: TransitionForbidden
            self.add_error(None, exc.message)
        return cleaned

    def _through_services(self, cleaned):
        by = self.request.user
        if self.instance.pk is None:
            return teams.assign_member(cleaned["grid"], cleaned["user"], cleaned["role"], by=by,
                                       start_date=cleaned.get("start_date"), end_date=cleaned.get("end_date"),
                                       phone=cleaned.get("phone", ""), other_kind=cleaned.get("other_kind", ""))
        if "end_date" not in self.changed_data:
            return self.instance
        if cleaned.get("end_date") is None:
            raise ValidationError({"end_date": [_("任职终止后不能撤销；如需继续任职，请新增一条任职")]})
        return teams.end_membership(self.instance, by=by, end_date=cleaned["end_date"])


@admin.register(GridMember)
class GridMemberAdmin(ScopedAdmin, admin.ModelAdmin):
    form = GridMemberForm
    list_display = ("grid", "role", "user", "phone", "start_date", "end_date")
    list_filter = ("role",)
    search_fields = ("grid__code", "grid__name", "user__username", "user__full_name")
    autocomplete_fields = ("user", "grid")

    def scope_queryset(self, request, qs):
        return teams.manageable_members(request.user, qs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("grid", "user", "role", "other_kind", "phone", "start_date")  # a new role or grid is a new membership

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "grid":  # current rows of the grids the user manages
            q = scope_of(request.user).area_q("community")
            kwargs["queryset"] = Grid.objects.current().filter(q) if q is not None else Grid.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_object(self, request, obj, form, change):
        member = form.member  # written by the services in GridMemberForm.clean
        for f in obj._meta.concrete_fields:
            setattr(obj, f.attname, getattr(member, f.attname))
        obj._state.adding = False
        return member

    def has_delete_permission(self, request, obj=None):
        return False  # end the membership: the history of who was on duty stays
