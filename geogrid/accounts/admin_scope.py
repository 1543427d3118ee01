"""The admin under the same rules as the pages and the API: one base for every ModelAdmin that
holds records of a part of the district.

- ScopedAdmin narrows get_queryset by the admin's `scope_queryset(request, qs)`, which asks the
  app's own scope function (built on accounts.scope). Change, delete and history pages find their
  object through get_queryset, so an out-of-scope object answers like a missing one (Django's
  "doesn't exist" redirect), and autocomplete widgets offer only what the user may see.
- AuditedAdmin writes one audit event for every admin save, delete and inline change:
  admin_add / admin_change / admin_delete, with the changed field names. An admin whose saves go
  through a service overrides `save_object` (not save_model), so the event is still written here.

Django's admin wraps each change page in a transaction: the audit event commits with the change.
"""
from geogrid.audit.services import record


class AuditedAdmin:
    """ModelAdmin mixin: every admin change is written to the audit log."""

    def save_object(self, request, obj, form, change):
        """Store the object; returns the row that was written (a service may write another)."""
        super().save_model(request, obj, form, change)
        return obj

    def save_model(self, request, obj, form, change):
        saved = self.save_object(request, obj, form, change)
        if change and not form.changed_data:
            return  # saved as it was: nothing to record
        record(saved if saved is not None else obj, "admin_change" if change else "admin_add", actor=request.user,
               fields=sorted(form.changed_data))

    def delete_model(self, request, obj):
        record(obj, "admin_delete", actor=request.user, note=str(obj))  # before the pk is gone
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record(obj, "admin_delete", actor=request.user, note=str(obj))
        super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        deleted = [f for f in formset.deleted_forms if f.instance.pk is not None]
        for f in deleted:
            record(f.instance, "admin_delete", actor=request.user, note=str(f.instance))
        extra = set(map(id, formset.extra_forms))
        super().save_formset(request, form, formset, change)
        for f in formset.forms:
            if f in deleted or not f.has_changed() or f.instance.pk is None:
                continue
            record(f.instance, "admin_add" if id(f) in extra else "admin_change", actor=request.user,
                   fields=sorted(f.changed_data))


class ScopedAdmin(AuditedAdmin):
    """ModelAdmin mixin: lists and pages hold only the records in the user's scope."""

    def scope_queryset(self, request, qs):
        """The records of qs this user may see; each admin says how (accounts.scope underneath)."""
        raise NotImplementedError(f"{type(self).__name__} must say how its records are scoped")

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))


class ReadOnlyAdmin:
    """ModelAdmin mixin: records written only by their services (or append-only) are read here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


__all__ = ["AuditedAdmin", "ReadOnlyAdmin", "ScopedAdmin"]
