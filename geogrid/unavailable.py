"""While the database cannot be reached (restarted, failed over, out of connections) every request
gets a 503 with Retry-After and a sentence a person can read, instead of a 500 traceback page: the
phone's outbox and API clients then retry (with their Idempotency-Key) and nothing is lost.

Installed as handler500 (geogrid/urls.py): Django calls it for an uncaught exception raised in a
view or in a middleware alike, inside the `except`, so the exception is in sys.exc_info(). Other
exceptions keep Django's 500. The connection is reopened by itself once the database is back
(settings: CONN_HEALTH_CHECKS)."""
import sys
from html import escape

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import server_error

RETRY_AFTER = 5  # seconds: a restart of PostgreSQL takes about that long
JSON_PREFIXES = ("/api/", "/open311/")


def wants_json(request):
    return request.path.startswith(JSON_PREFIXES) or "json" in request.headers.get("Accept", "")


def server_error_or_unavailable(request, template_name="500.html"):
    if not isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        return server_error(request, template_name)
    message = _("数据库暂时无法访问，请稍后重试（已提交的内容不会丢失，重发不会重复）")
    if wants_json(request):
        response = JsonResponse({"error": message, "code": "database_unavailable"}, status=503,
                                json_dumps_params={"ensure_ascii": False})
    else:
        # No template: base.html's context processors would query the database that is down.
        response = HttpResponse(f'<!doctype html><meta charset="utf-8"><title>503</title><p>{escape(message)}</p>', status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response
