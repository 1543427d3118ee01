"""Context processor of the top bar's unread count (settings.TEMPLATES): `unread_notifications`,
counted only when a page shows it (one query), never for an anonymous visitor."""
from django.utils.functional import SimpleLazyObject

from .services import unread_count


def unread(request):
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(getattr(request, "user", None)))}
