"""The patrol page (/patrols/, phone first): start a patrol of one of my grids; while it is open the
browser records the GPS track (static/geogrid/patrols.js), findings go through the report page
(?patrol=…), and the end form posts the track. Below: my recent patrols with their findings.

The staff page (/patrols/all/): the patrols in the user's staff area (services.visible_patrols),
filtered by PatrolFilter (grid, member, dates, open/ended), with length, findings and a map of the
tracks of the page; a user without a staff area is refused (403).

Thin: the rules are patrols.start_patrol / end_patrol. A refusal is shown on the page with the
service's message and status: 403 not on the grid's team or not your patrol, 409 a patrol already
open or already ended, 400 a bad track or an unknown grid; nothing is written then."""
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from geogrid.accounts.pages import refuse
from geogrid.accounts.scope import scope_of
from geogrid.geo.geojson import collection, feature
from geogrid.grids.models import Grid
from geogrid.grids.services import home_area
from geogrid.workflow.exceptions import WorkflowError

from . import services as patrols
from .filters import PatrolFilter
from .models import Patrol

RECENT = 20  # my patrols listed under the form
STAFF_PAGE_SIZE = 50  # patrols per page of the staff list (and tracks on its map)


def patrollable_grids(user):
    """The current grids the user may patrol: those they are on duty in and the L5 grids inside
    them (the rule of patrols.on_duty_in, as a query)."""
    codes = scope_of(user).grid_codes
    if not codes:
        return Grid.objects.none()
    return Grid.objects.current().filter(Q(code__in=codes) | Q(parent__code__in=codes)).order_by("level", "code")


def length_label(m):
    if m is None:
        return _("无轨迹")
    if m < 1000:
        return _("%(n)s 米") % {"n": round(m)}
    return _("%(n)s 公里") % {"n": f"{m / 1000:.2f}"}


def duration_label(seconds):
    minutes = int(seconds // 60)
    if minutes < 60:
        return _("%(m)s 分钟") % {"m": minutes}
    return _("%(h)s 小时 %(m)s 分钟") % {"h": minutes // 60, "m": minutes % 60}


def recent_patrols(user):
    # Findings are incidents; this app reaches them only through the relation (imports run one way).
    rows = list(Patrol.objects.filter(user=user).select_related("grid").prefetch_related("findings").order_by("-started_at")[:RECENT])
    now = timezone.now()
    for p in rows:
        p.length_label = length_label(p.length_m) if p.ended_at else ""  # measured when it ends
        p.duration_label = duration_label(((p.ended_at or now) - p.started_at).total_seconds())
        p.finding_list = sorted(p.findings.all(), key=lambda i: (i.reported_at, i.pk))
    return rows


def render_page(request, *, error=None, status=200):
    user = request.user
    patrol = patrols.open_patrol(user)
    grids = list(patrollable_grids(user))
    recent = recent_patrols(user)
    shown = ([patrol.grid] if patrol.grid_id else []) if patrol else grids
    config = {
        "patrol": None,
        "grids": {"type": "FeatureCollection", "features": [feature(g.geom, kind="grid", name=g.name, code=g.code) for g in shown]},
        "storagePrefix": "geogrid.patrol.",
        # The patrols the server knows by the phone's key: a patrol started offline that is not among
        # them is still in the phone's outbox (static/offline/patrol.js shows it from there).
        "knownKeys": [str(p.client_key) for p in recent if p.client_key],
        "apiUrl": reverse("patrol-list"), "reportUrl": reverse("incident_report"),
        # Track points go to the server in batches while walking: after this many points or seconds.
        "batchPoints": 12, "batchSeconds": 60,
        "minStepM": 3,  # fixes closer than this to the last point add nothing but noise
        "maxAccuracyM": 100,  # fixes vaguer than this are left out of the track
        "text": {"located": _("已定位，精度约 %s 米"), "noGeo": _("无法获取位置：%s"),
                 "unsupported": _("此浏览器不支持定位，轨迹无法记录"), "vague": _("定位精度不足（约 %s 米），本点未记入轨迹"),
                 "meters": _("米"), "km": _("公里"), "here": _("当前位置"), "title": _("正在巡查：%s"),
                 "startRefused": _("巡查未能开始：%s"), "startQueued": _("已在手机上开始巡查：开始、轨迹和发现都保存在手机上，联网后按顺序自动发送。")},
    }
    if patrol:
        config["patrol"] = {"id": patrol.pk, "key": str(patrol.client_key) if patrol.client_key else None,
                            "grid": patrol.grid.code if patrol.grid_id else "",
                            "elapsed": max(0, int((timezone.now() - patrol.started_at).total_seconds())),
                            "reportUrl": reverse("incident_report") + f"?patrol={patrol.pk}"}
    return render(request, "patrols/patrols.html", {
        "patrol": patrol, "findings": list(patrol.findings.order_by("reported_at", "id")) if patrol else [],
        "grids": grids, "on_duty": bool(grids), "recent": recent, "error": error, "config": config,
    }, status=status)


@login_required
@require_GET
def page(request):
    return render_page(request)


@login_required
@require_POST
def start(request):
    code = request.POST.get("grid", "").strip()
    grid = Grid.objects.current().filter(code=code).first()
    if grid is None:
        return render_page(request, error=_("网格“%(code)s”不存在或已失效，请从列表中选择网格") % {"code": code}, status=400)
    try:
        patrol = patrols.start_patrol(request.user, grid, note=request.POST.get("note", ""), client_key=request.POST.get("client_key"))
    except WorkflowError as exc:
        return render_page(request, error=exc.message, status=exc.status_code)
    except ValidationError as exc:
        return render_page(request, error="；".join(exc.messages), status=400)
    messages.success(request, _("已开始巡查 %(grid)s，轨迹随定位记录") % {"grid": patrol.grid.name})
    return redirect("patrols")


@login_required
@require_POST
def end(request, pk):
    # Someone else's patrol that one may not see is "not found", as a missing id is: the answer
    # must not tell which patrol ids exist.
    patrol = get_object_or_404(patrols.visible_patrols(request.user), pk=pk)
    raw = request.POST.get("track", "").strip()
    try:
        track = json.loads(raw) if raw else None
    except ValueError:
        track = raw  # not JSON: let parse_track say what a track must look like
    try:
        patrol = patrols.end_patrol(patrol, request.user, track=track, crs=request.POST.get("crs") or None,
                                    note=request.POST.get("note"))
    except WorkflowError as exc:
        return render_page(request, error=exc.message, status=exc.status_code)
    except ValidationError as exc:
        return render_page(request, error=_("未能结束巡查：%(why)s") % {"why": "；".join(exc.messages)}, status=400)
    messages.success(request, _("巡查已结束：%(grid)s，轨迹 %(length)s，发现问题 %(n)s 件") % {
        "grid": patrol.grid.name if patrol.grid_id else str(patrol), "length": length_label(patrol.length_m), "n": patrol.findings.count()})
    return redirect("patrols")


# --- the staff page ---------------------------------------------------------------------------------
@login_required
@require_GET
def staff_page(request):
    user = request.user
    if scope_of(user).area_level is None:
        return refuse(request, _("巡查记录仅供有辖区的工作人员查看"))
    rows = patrols.visible_patrols(user)
    filters = PatrolFilter(request.GET, queryset=rows, request=request)
    filters.is_valid()  # a value that does not validate is shown on the form and left out
    chosen = filters.qs
    # Findings are incidents, reached through the relation only (imports run one way).
    summary = chosen.aggregate(n=Count("id"), open=Count("id", filter=Q(ended_at__isnull=True)), length_m=Sum("length_m"))
    summary["findings"] = Patrol._meta.get_field("findings").related_model.objects.filter(patrol__in=chosen).count()
    summary["length_label"] = length_label(summary["length_m"] or 0)
    qs = (chosen.select_related("grid", "user").defer("grid__geom").annotate(findings_n=Count("findings"))
          .order_by("-started_at", "-id"))
    page = Paginator(qs, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    tracks = []
    for p in page.object_list:
        p.length_label = length_label(p.length_m) if p.ended_at else ""
        p.duration_label = duration_label(((p.ended_at or now) - p.started_at).total_seconds())
        if p.track:
            tracks.append(feature(p.track, id=p.pk, grid=p.grid.name if p.grid_id else "", code=p.grid.code if p.grid_id else "", member=str(p.user),
                                  started=timezone.localtime(p.started_at).strftime("%Y-%m-%d %H:%M"), length=p.length_label,
                                  findings=p.findings_n))
    params = request.GET.copy()
    params.pop("page", None)
    config = {"tracks": collection(tracks), "area": home_area(user),
              "text": {"findings": _("发现问题 %s 件")}}
    return render(request, "patrols/staff.html", {
        "form": filters.form, "page": page, "summary": summary, "config": config, "query": params.urlencode(),
    })
