from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class GeogridUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + ((_("单位与联系方式"), {"fields": ("full_name", "phone", "area")}),)
    list_display = ("username", "full_name", "phone", "area", "is_staff")
    search_fields = ("username", "full_name", "phone")
    autocomplete_fields = ("area",)
