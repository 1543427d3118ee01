"""The notification pages: /notifications/ lists the signed-in user's own, newest first, the unread
marked; opening one marks it read and goes to its record; "mark all read". Thin: services.py."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from . import services

PAGE_SIZE = 50


@login_required
@require_GET
def page(request):
    listing = Paginator(services.notifications_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": listing})


@login_required
@require_GET
def open_one(request, pk):
    """Mark one of my notifications read and go to what it is about (another's: 404)."""
    notification = get_object_or_404(services.notifications_of(request.user), pk=pk)
    services.mark_read(request.user, notification.pk)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("notifications")


@login_required
@require_POST
def read_all(request):
    n = services.mark_read(request.user)
    if n:
        messages.success(request, ngettext("%(n)d 条通知已标为已读", "%(n)d 条通知已标为已读", n) % {"n": n})
    return redirect("notifications")
