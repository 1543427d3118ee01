"""Notifications: storing, counting, reading and mailing them. The rules of who is told what about a
case are in cases.py; pages and the API call these functions:

- notify(user, kind, obj, title, text="", url="", key=None) — one notification (None: skipped)
- notify_all(items) — many at once, in three queries however many: the nightly deadline check
- notifications_of(user), unread_count(user), mark_read(user, pk=None)

A notification goes to an active user only, once per (recipient, key). It is written in the
transaction of what caused it (a refused or rolled-back transition tells nobody) and mailed after
that transaction commits, when the bureau switched mail on (GEOGRID_NOTIFY_EMAIL, Django's EMAIL_*
settings) and the recipient has an address. A mail server that fails is logged; it never undoes
or breaks the step that caused the notification.
"""
import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import Notification

log = logging.getLogger(__name__)
Kind = Notification.Kind


@dataclass(frozen=True)
class Item:
    """One notification to make: to `user`, about `obj`."""

    user: object
    kind: str
    obj: object
    title: str
    text: str = ""
    url: str = ""
    key: str = ""


def notify(user, kind, obj, title, text="", url="", key=None, *, now=None):
    """Tell `user` about `obj`; the Notification, or None when skipped (no user, an inactive one, or
    one already told under this key)."""
    made = notify_all([Item(user, kind, obj, title, text, url, key or "")], now=now)
    return made[0] if made else None


def notify_all(items, *, now=None):
    """Make the notifications of `items` that are new; returns the ones made. Items to no one or to
    an inactive user are dropped, and so are those whose key the recipient was already told under
    (also a repeated key within `items`)."""
    now = now or timezone.now()
    items = [i for i in items if i.user is not None and i.user.is_active]
    keyed = [i for i in items if i.key]
    told = set()
    if keyed:
        told = set(Notification.objects.filter(key__in={i.key for i in keyed}, recipient__in={i.user.pk for i in keyed})
                   .values_list("recipient_id", "key"))
    rows, users = [], {}
    for i in items:
        if i.key:
            if (i.user.pk, i.key) in told:
                continue
            told.add((i.user.pk, i.key))
        users[i.user.pk] = i.user
        rows.append(Notification(recipient_id=i.user.pk, kind=str(i.kind), content_type=ContentType.objects.get_for_model(i.obj),
                                 object_id=str(i.obj.pk), title=str(i.title)[:200], text=str(i.text), url=str(i.url),
                                 created_at=now, key=i.key))
    if not rows:
        return []
    made = _insert(rows)
    for n in made:
        n.recipient = users[n.recipient_id]
    mail = [n for n in made if n.recipient.email]
    if mail and settings.GEOGRID_NOTIFY_EMAIL:
        transaction.on_commit(partial(send_mails, mail))
    return made


def _insert(rows):
    """Insert rows in one statement; when a concurrent run told someone in the meantime (a key
    conflict), row by row, keeping the other run's and leaving ours out."""
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(rows)
    except IntegrityError:
        made = []
        for row in rows:
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
                made.append(row)
            except IntegrityError as exc:
                if "notification_once_per_key" not in str(exc):
                    raise
        return made


def send_mails(notifications):
    """Mail these notifications through Django's mail settings, in one connection. Failures are
    logged, never raised: the change that caused them is already committed."""
    base = settings.GEOGRID_SITE_URL.rstrip("/")
    messages = []
    for n in notifications:
        body = n.title + ("\n\n" + n.text if n.text else "") + ("\n\n" + base + n.url if n.url else "")
        messages.append(EmailMessage(f"[geogrid] {n.title}", body, settings.DEFAULT_FROM_EMAIL, [n.recipient.email]))
    try:
        with get_connection() as connection:
            return connection.send_messages(messages) or 0
    except Exception:  # SMTP, DNS, timeouts: whatever the mail server does, the work goes on
        log.warning("notification mail to %s failed", ", ".join(m.to[0] for m in messages), exc_info=True)
        return 0


# --- reading ----------------------------------------------------------------------------------------
def notifications_of(user):
    """The user's own notifications, newest first (no one sees another's)."""
    if not (user and user.is_authenticated):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user):
    """How many of the user's notifications are unread: one query; none for an anonymous user."""
    if not (user and user.is_authenticated):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, pk=None, *, now=None):
    """Mark one of the user's notifications (pk) or all of them read; how many were unread. Another
    user's notification is not touched (0)."""
    q = Q(recipient=user, read_at__isnull=True) if user and user.is_authenticated else Q(pk__in=[])
    if pk is not None:
        q &= Q(pk=pk)
    return Notification.objects.filter(q).update(read_at=now or timezone.now())
