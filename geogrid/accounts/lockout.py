"""What a locked-out login gets (django-axes calls this): the login page again with the reason,
or a JSON error for API clients, with 429 Too Many Requests."""
import math

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def message():
    minutes = max(1, math.ceil(float(settings.AXES_COOLOFF_TIME) * 60))
    return _("密码错误次数过多，此账号在本设备上已暂停登录 %(m)s 分钟。请稍后再试，或请管理员解锁。") % {"m": minutes}


def locked_out(request, original_response=None, credentials=None, *args, **kwargs):
    if request.path.startswith(("/api/", "/open311/")) or "json" in request.headers.get("Accept", ""):
        return JsonResponse({"error": message()}, status=429, json_dumps_params={"ensure_ascii": False})
    return render(request, "registration/login.html", {"lockout": message(), "next": request.POST.get("next", "")}, status=429)


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check before the password backend, for logins that arrive over HTTP. A call
    without a request (the test client's login(), a script) has no address to count against, so
    it goes straight to the password check instead of failing."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
