from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .admin_scope import AuditedAdmin
from .models import User
from .scope import scope_of


@admin.register(User)
class GeogridUserAdmin(AuditedAdmin, UserAdmin):
    """People, under the scope rule: staff read (and pick, when they add a team member) the users
    of their area and of the teams of its grids; district admins see everyone."""

    fieldsets = UserAdmin.fieldsets + ((_("单位与联系方式"), {"fields": ("full_name", "phone", "area")}),)
    list_display = ("username", "full_name", "phone", "area", "is_staff")
    list_select_related = ("area",)
    search_fields = ("username", "full_name", "phone")
    autocomplete_fields = ("area",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        scope = scope_of(request.user)
        if scope.everything:
            return qs
        q = Q(pk=request.user.pk)
        areas = scope.area_tree_q("area")
        teams = scope.area_q("grid_memberships__grid__community")
        for extra in (areas, teams):
            if extra is not None:
                q |= extra
        return qs.filter(pk__in=qs.filter(q).values("pk"))
