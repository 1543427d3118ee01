from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from .models import AuditEvent


def record(obj, action, actor=None, from_state="", to_state="", note="", at=None, **data):
    """Append one audit event about obj at `at` (now): call inside the transaction that made the
    change, with the time the change took effect (a workflow step's `now`)."""
    return AuditEvent.objects.create(
        at=at or timezone.now(),
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        note=note or "",
        data=data,
    )


def history(obj):
    ct = ContentType.objects.get_for_model(obj)
    return AuditEvent.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("actor")
