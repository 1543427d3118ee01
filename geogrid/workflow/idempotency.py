"""Idempotency keys for write requests (the `Idempotency-Key` header of the IETF draft): a phone
that sends a request again — after a timeout, a double tap, from a second tab, or from its offline
queue — gets the first answer back instead of the work being done twice.

`@idempotent` on a DRF handler: with the header, the handler runs in one transaction with the
record of its key (unique per user), so of two concurrent requests with one key the second waits
for the first and then replays its answer. The same key with another body is a 409. An answer of
4xx/5xx (or an exception) is not kept: the client may correct the request and retry with the key.
"""
import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from .models import IdempotentRequest

HEADER = "Idempotency-Key"
# The fingerprint of a key first used by a page form (the report page posted as a page): its body is
# not the API's, so an API replay with that key (the phone's outbox, after the answer was lost) is
# taken as the same request and gets the stored answer.
FROM_FORM = "form"
KEEP = timedelta(hours=48)  # a phone may stay offline over a weekend night


def fingerprint(request):
    """SHA-256 of the method, the path and the parsed body (files by their content)."""
    h = hashlib.sha256(f"{request.method} {request.path}".encode())
    data = request.data
    items = sorted(data.lists()) if hasattr(data, "lists") else sorted((k, [v]) for k, v in data.items())
    for name, values in items:
        h.update(b"\x1f" + name.encode())
        for value in values:
            if hasattr(value, "chunks"):  # an uploaded file
                for chunk in value.chunks():
                    h.update(chunk)
                value.seek(0)
            else:
                h.update(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode())
    return h.hexdigest()


def _refusal(message, status):
    return Response({"error": message}, status=status)


PARAMETER = OpenApiParameter(
    HEADER, str, OpenApiParameter.HEADER, required=False,
    description=gettext_lazy("可选。同一用户以同一键重发同一请求时返回首次的应答（不会重复创建）；同一键、不同内容返回 409。"))


def _claim(user, key, print_):
    """(record, True) when this request is the key's first use (its row made, inside the caller's
    transaction); (the stored record, False) when a twin came first — the unique index makes this
    insert wait until the twin has committed, so its answer is there to replay."""
    IdempotentRequest.objects.filter(user=user, created_at__lt=timezone.now() - KEEP).delete()
    try:
        with transaction.atomic():  # a savepoint: the twin's row makes this insert fail
            return IdempotentRequest.objects.create(user=user, key=key, fingerprint=print_), True
    except IntegrityError:
        return IdempotentRequest.objects.get(user=user, key=key), False


def idempotent(handler):
    @extend_schema(parameters=[PARAMETER])
    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > 255 or not key.isprintable():
            return _refusal(_("Idempotency-Key 须为 1–255 个可打印字符"), 400)
        print_ = fingerprint(request)
        with transaction.atomic():
            record, first = _claim(request.user, key, print_)
            if not first:
                if record.fingerprint not in (print_, FROM_FORM):
                    return _refusal(_("该 Idempotency-Key 已用于另一内容不同的请求，请换一个新的键"), 409)
                replay = Response(record.response, status=record.status)
                replay["Idempotent-Replayed"] = "true"
                return replay
            response = handler(view, request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)  # nothing kept: the corrected request may use the key
                return response
            record.status, record.response = response.status_code, response.data
            record.save(update_fields=["status", "response"])
            return response
    return wrapper


def form_once(user, key, create, answer):
    """The same rule for a page form carrying a key (the report page's hidden `outbox_key`): the
    first post runs create() and stores answer(result) — the API's answer for it — under the key;
    a later post with the key, or an API replay from the outbox, gets that answer instead of a
    second result. Returns (stored answer, created now?). A refused create() keeps nothing."""
    with transaction.atomic():
        record, first = _claim(user, key, FROM_FORM)
        if not first:
            return record.response, False
        result = create()
        record.status, record.response = 201, answer(result)
        record.save(update_fields=["status", "response"])
        return record.response, True
