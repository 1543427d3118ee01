"""Refuse, with a 400 a person can read, the input that would otherwise end as a server error
deep below the view that received it:

- a NUL character in the path, the query string or a text field: PostgreSQL text cannot hold one,
  so any filter, lookup or save with it fails inside the database driver;
- JSON nested deeper than MAX_JSON_DEPTH: Python's parser gives up with RecursionError, which no
  parser turns into a 400 (and Open311 reads the body before it checks the key).

One middleware for pages, API and Open311 alike, so no endpoint added later can miss it.
"""
import json
import xml.etree.ElementTree as ET

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

MAX_JSON_DEPTH = 64


def _has_nul(values):
    return any("\x00" in v for v in values if isinstance(v, str))


def _too_deep(body):
    """True when the JSON body nests deeper than MAX_JSON_DEPTH (or deeper than Python can parse)."""
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False  # cannot be that deep: no need to look
    try:
        data = json.loads(body)
    except RecursionError:
        return True
    except ValueError:
        return False  # not JSON at all: the view says so
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return False


def problem(request):
    """The message for a request to refuse, or None."""
    try:
        return _problem(request)
    except RequestDataTooBig:  # a body past DATA_UPLOAD_MAX_MEMORY_SIZE (files do not count)
        return _("提交的内容太大（文件以外的内容不能超过 %(mb)s MB）") % {"mb": round(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 2**20, 1)}
    except (MultiPartParserError, SuspiciousOperation):  # no boundary, too many fields…: Django would answer 500 or a bare 400
        return _("提交的表单无法解析（multipart 格式有误或字段过多）")


def _problem(request):
    if "\x00" in request.path or _has_nul(v for _k, vs in request.GET.lists() for v in [_k, *vs]):
        return _("请求地址或查询参数中含有空字符（\\0），无法处理")
    if request.method in ("POST", "PUT", "PATCH"):
        ctype = request.content_type or ""
        if ctype == "application/json" or ctype.endswith("+json"):
            body = request.body
            if b"\x00" in body or b"\\u0000" in body:
                return _("提交的内容中含有空字符（\\0），无法保存")
            if _too_deep(body):
                return _("提交的 JSON 嵌套超过 %(n)s 层，无法处理") % {"n": MAX_JSON_DEPTH}
        elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if _has_nul(v for _k, vs in request.POST.lists() for v in [_k, *vs]):
                return _("提交的内容中含有空字符（\\0），无法保存")
    return None


class RequestGuard:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        message = problem(request)
        if message is None:
            return self.get_response(request)
        if request.path.startswith("/open311/"):  # GeoReport v2's error list, in the format asked for
            if request.path.endswith(".xml"):
                root = ET.Element("errors")
                error = ET.SubElement(root, "error")
                ET.SubElement(error, "code").text = "400"
                ET.SubElement(error, "description").text = message
                return HttpResponseBadRequest(ET.tostring(root, encoding="utf-8", xml_declaration=True), content_type="text/xml; charset=utf-8")
            return JsonResponse([{"code": 400, "description": message}], status=400, safe=False, json_dumps_params={"ensure_ascii": False})
        if request.path.startswith("/api/") or "json" in request.headers.get("Accept", ""):
            return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
