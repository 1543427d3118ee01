"""Patrols in the admin: to read, under the patrol scope (services.visible_patrols). Who, when and the
track come from the phone (services.start_patrol / end_patrol); nothing is edited here."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from geogrid.accounts.admin_scope import ReadOnlyAdmin, ScopedAdmin

from .models import Patrol, PatrolTarget
from .services import visible_patrols


class PatrolTargetInline(ReadOnlyAdmin, admin.TabularInline):
    """The targets of a patrol of targets (boundary markers, road signs…), in order."""

    model = PatrolTarget
    fields = ("order", "label", "target_type", "visited_at")


@admin.register(Patrol)
class PatrolAdmin(ReadOnlyAdmin, ScopedAdmin, admin.ModelAdmin):
    list_display = ("grid", "user", "started_at", "ended_at", "length_m")
    list_filter = (("grid__community", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("grid", "user")
    search_fields = ("grid__code", "grid__name", "user__username", "user__full_name")
    fields = ("grid", "user", "started_at", "ended_at", "length_m", "track_points", "note")
    readonly_fields = fields
    inlines = [PatrolTargetInline]

    def scope_queryset(self, request, qs):
        return qs & visible_patrols(request.user)

    @admin.display(description=_("轨迹点"))
    def track_points(self, obj):
        return len(obj.track.coords) if obj.track else 0
