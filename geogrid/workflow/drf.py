"""DRF exception mapping: workflow errors → their status (409/403/404/400) with a clear body;
Django ValidationError → 400. Installed as REST_FRAMEWORK["EXCEPTION_HANDLER"]."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import WorkflowError

# The body of every refusal (WorkflowError.as_dict), for the OpenAPI schema.
ErrorBody = inline_serializer("WorkflowError", {
    "error": serializers.CharField(), "code": serializers.CharField(), "action": serializers.CharField(required=False),
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
    return drf_exception_handler(exc, context)
