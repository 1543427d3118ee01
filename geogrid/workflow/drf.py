"""DRF exception mapping: workflow errors → their status (409/403/404/400) with a clear body;
Django ValidationError → 400. Installed as REST_FRAMEWORK["EXCEPTION_HANDLER"].

Every refusal of the API has one shape, {"error": a message for people, "code", "fields"?}: DRF's own
refusals (field errors, not found, not signed in, bad JSON) are put into it here, and
`document_errors` (a drf-spectacular hook) lists them in the schema of every operation."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import APIException, NotFound, ParseError, Throttled
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import WorkflowError

# The body of every refusal (WorkflowError.as_dict), for the OpenAPI schema.
ErrorBody = inline_serializer("WorkflowError", {
    "error": serializers.CharField(), "code": serializers.CharField(required=False), "action": serializers.CharField(required=False),
    "state": serializers.CharField(required=False), "fields": serializers.DictField(required=False),
})


def validation_error_body(exc):
    if hasattr(exc, "message_dict"):
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        first = next(iter(fields.values()), [""])
        return {"error": "；".join(m for msgs in fields.values() for m in msgs) or str(first), "fields": fields}
    return {"error": "；".join(str(m) for m in exc.messages)}


def exception_handler(exc, context):
    if isinstance(exc, WorkflowError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(validation_error_body(exc), status=400)
    if isinstance(exc, Http404):
        # Django's "No <Model> matches the given query." is English and would tell an outsider
        # nothing useful; out of scope and absent look the same on purpose.
        exc = NotFound(_("没有找到该记录，或您无权查看"))
    if isinstance(exc, Throttled):  # the rate limits (throttling.py); DRF puts the wait in Retry-After
        exc.detail = _("请求过于频繁，请在 %(s)d 秒后再试") % {"s": max(1, round(exc.wait or 1))}
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, APIException):
        response.data = drf_error_body(exc)
    return response


def _messages(detail, prefix=""):
    """(field path, message) pairs of a DRF error detail (nested dicts and lists of any depth)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _messages(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(detail, list):
        for value in detail:
            yield from _messages(value, prefix)
    else:
        yield prefix, str(detail)


def drf_error_body(exc):
    """A DRF refusal in the API's shape. Field errors are listed under "fields" (and stay where DRF
    puts them); the message names each field, so it reads on its own. "detail" stays likewise."""
    detail = exc.detail
    if isinstance(detail, (dict, list)):
        pairs = list(_messages(detail))
        message = "；".join(f"{field}：{msg}" if field and field != "non_field_errors" else msg for field, msg in pairs)
        body = {"error": message or str(exc.default_detail), "code": "invalid"}
        if isinstance(detail, dict):
            fields = {field: [m for f, m in pairs if f == field or f.startswith(field + ".")] for field in map(str, detail)}
            # DRF's own keys (one per field) stay too, clients read them; not those that are
            # ErrorBody's own ("state", "action"…: a filter may be called so), which "fields" has.
            kept = {k: v for k, v in exc.detail.items() if k not in ERROR_KEYS}
            body = {**kept, **body, "fields": fields}
        return body
    if isinstance(exc, ParseError):  # DRF's text is the parser's, in English
        message = _("提交的内容无法解析（不是有效的 JSON 或表单）：%(e)s") % {"e": detail}
        return {"error": message, "code": "parse_error", "detail": message}
    return {"error": str(detail), "code": getattr(detail, "code", None) or exc.default_code, "detail": str(detail)}


ERROR_KEYS = {"error", "code", "action", "state", "fields", "detail"}

# Refusals any operation may answer with (the handler above gives them ErrorBody's shape).
ERROR_STATUSES = {
    "400": _("输入有误（error 说明原因，fields 按字段列出）"),
    "401": _("未登录或令牌无效"),
    "403": _("无权执行此操作"),
    "404": _("没有找到该记录，或您无权查看"),
    "405": _("不支持此请求方法"),
    "406": _("无法提供所请求的格式"),
    "415": _("不支持此内容类型"),
    "429": _("请求过于频繁"),
}


def document_errors(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation of /api/ lists the refusals the
    exception handler can give (an operation's own description of a status wins)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    if "WorkflowError" not in schemas:
        return result
    ref = {"$ref": "#/components/schemas/WorkflowError"}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status_code, description in ERROR_STATUSES.items():
                responses.setdefault(status_code, {"content": {"application/json": {"schema": ref}}, "description": str(description)})
    return result
