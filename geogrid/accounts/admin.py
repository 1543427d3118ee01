from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from .admin_scope import AuditedAdmin
from .models import Department, User
from .roles import Role
from .scope import scope_of


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin, admin.ModelAdmin):
    """District functional departments: data of the whole district (no scope), every change audited.
    Their users are people with the role 部门工作人员 and this department on their user record."""

    list_display = ("code", "name", "active", "order", "staff_count")
    list_editable = ("active", "order")
    list_filter = ("active",)
    search_fields = ("code", "name")
    readonly_fields = ("staff",)
    fields = ("code", "name", "active", "order", "staff")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_staff=Count("users", filter=Q(users__is_active=True)))

    @admin.display(description=_("工作人员数"), ordering="n_staff")
    def staff_count(self, obj):
        return obj.n_staff

    @admin.display(description=_("工作人员"))
    def staff(self, obj):
        if obj.pk is None:
            return "—"
        users = obj.users.filter(is_active=True).order_by("full_name", "username")
        if not users:
            return _("还没有工作人员：在用户的“所属部门”中选择本部门，并授予“%(role)s”角色") % {"role": Role.DEPARTMENT_STAFF.label}
        return format_html_join(
            "、", '<a href="{}">{}</a>', ((reverse("admin:accounts_user_change", args=[u.pk]), str(u)) for u in users))


@admin.register(User)
class GeogridUserAdmin(AuditedAdmin, UserAdmin):
    """People, under the scope rule: staff read (and pick, when they add a team member) the users
    of their area and of the teams of its grids; district admins see everyone."""

    fieldsets = UserAdmin.fieldsets + ((_("单位与联系方式"), {"fields": ("full_name", "phone", "area", "department")}),)
    list_display = ("username", "full_name", "phone", "area", "department", "is_staff")
    list_filter = UserAdmin.list_filter + ("department",)
    list_select_related = ("area", "department")
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
