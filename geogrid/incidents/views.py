"""Incident pages: report (phone first), my reports, the dispatcher console, the case page with its
actions, and the case photos. Thin: what a user may see is permissions.visible_incidents (as in the
API: a case out of scope is 404), every change goes through services.report_incident /
services.transition, and a refused change comes back with the workflow's status and message."""
import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from geogrid.accounts.pages import refuse
from geogrid.accounts.roles import HANDLER_ROLES
from geogrid.geo.geojson import feature
from geogrid.grids.services import home_area
from geogrid.patrols.models import Patrol
from geogrid.patrols.services import by_ref, visible_patrols
from geogrid.workflow import deadlines, worktime
from geogrid.workflow.exceptions import TransitionForbidden, UnknownAction, WorkflowError
from geogrid.workflow.idempotency import form_once

from . import services as incidents
from .filters import STATE_CHOICES, ConsoleFilter
from .forms import ActionForm, ReportForm
from .models import Incident, IncidentCategory
from .serializers import IncidentCreatedSerializer
from .permissions import visible_incidents
from .photos import photo_response

REPORTER_ROLES = incidents.REPORTER_ROLES
PAGE_SIZE = 25
MAP_LIMIT = 500  # open cases drawn on the console map
# Lists show the names of a case's grids and community: their polygons stay in the database.
LIST_POLYGONS = ("grid5__geom", "grid4__geom", "community__geom")


def status_info(incident, now=None):
    status = incidents.deadline_status(incident, now)
    return {"code": status, "label": str(deadlines.STATUS_LABELS[status]) if status else ""}


def annotate(cases, now=None):
    """Deadline colour of each case of a page (a list), for the templates."""
    now = now or timezone.now()
    for c in cases:
        c.status = status_info(c, now)
    return cases


# --- 1. report ------------------------------------------------------------------------------------
def report_initial(query):
    """What the patrol page's link pre-fills: the patrol, and the point where the member stands."""
    initial = {k: query[k] for k in ("patrol", "crs") if query.get(k)}
    try:
        lon, lat = float(query["lon"]), float(query["lat"])
    except (KeyError, ValueError):
        return initial
    if math.isfinite(lon) and math.isfinite(lat):
        initial.update(lon=lon, lat=lat)
    return initial


def own_patrol(request):
    """The user's patrol the report is a finding of, for the page's banner."""
    ref = request.POST.get("patrol") or request.GET.get("patrol") or ""
    return by_ref(Patrol.objects.filter(user=request.user), ref, request.user).select_related("grid").first() if ref else None


@login_required
def report(request):
    if not request.user.has_role(*REPORTER_ROLES):
        return refuse(request, _("只有网格员和工作人员可以上报事件"))
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        # A patrol one may not see is "not found", as a missing id is: ids must not be told apart.
        form.fields["patrol"].queryset = visible_patrols(request.user)
        form.fields["patrol"].owner = request.user
        if form.is_valid():
            d = form.cleaned_data
            fields = dict(category=d["category"], description=d["description"], lon=d["lon"], lat=d["lat"], crs=d["crs"] or None,
                          address=d["address"], photos=d["photos"])
            def create():
                if d["patrol"] is not None:
                    return incidents.report_finding(d["patrol"], request.user, **fields)
                return incidents.report_incident(request.user, **fields)

            key = (request.POST.get("outbox_key") or "").strip()[:255]
            try:
                if key:  # the phone's key: a resend of this form, or its replay by the outbox, makes no second case
                    answer, _new = form_once(request.user, key, create, lambda i: IncidentCreatedSerializer(i).data)
                    incident = Incident.objects.get(pk=answer["id"])
                else:
                    incident = create()
            except ValidationError as exc:
                form.add_service_errors(exc)
            except TransitionForbidden as exc:
                return refuse(request, exc.message)
            else:
                messages.success(request, _("已上报，案卷编号 %(number)s") % {"number": incident.number})
                if d["patrol"] is not None:
                    return redirect("patrols")  # back to the patrol under way
                return redirect("incident_page", pk=incident.pk)
        status = 400
    else:
        form = ReportForm(initial=report_initial(request.GET))
    config = {
        "page": "report",
        "similarUrl": reverse("incident-similar"),
        "maxPhotos": settings.GEOGRID_PHOTO_MAX_COUNT,
        "modes": {c.code: c.get_default_mode_display() for c in IncidentCategory.objects.filter(active=True)},
        "area": home_area(request.user),
        "text": {
            "locating": _("正在定位…"), "located": _("已定位，精度约 %s 米"), "noGeo": _("无法获取位置：%s，请在地图上点选"),
            "picked": _("已选位置：%s"), "noSimilar": _("附近没有同类未结案件"),
            "similar": _("附近已有 %s 件同类未结案件，请确认不是重复上报："), "meters": _("米"),
            "tooMany": _("最多只能上传 %s 张照片"), "defaultMode": _("默认办理方式：%s"),
        },
    }
    return render(request, "incidents/report.html", {
        "form": form, "config": config, "patrol": own_patrol(request), "had_photos": bool(request.FILES),
        "photo_max": settings.GEOGRID_PHOTO_MAX_COUNT, "photo_max_mb": settings.GEOGRID_PHOTO_MAX_BYTES // 1048576}, status=status)


# --- 2. my reports --------------------------------------------------------------------------------
@login_required
@require_GET
def mine(request):
    qs = visible_incidents(request.user).filter(reporter=request.user).select_related("category", "grid5", "grid4").defer(
        "grid5__geom", "grid4__geom")
    page = Paginator(qs.order_by("-reported_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    annotate(page.object_list)
    return render(request, "incidents/mine.html", {"page": page})


# --- 3. console -----------------------------------------------------------------------------------
def urgent_first(qs):
    """Open cases first, the nearest (most overdue) deadline first; then the rest, newest first."""
    return qs.annotate(closed_rank=Case(When(state__in=Incident.OPEN_STATES, then=Value(0)), default=Value(1),
                                        output_field=IntegerField())).order_by(
        "closed_rank", F("deadline").asc(nulls_last=True), "-reported_at", "-id")


@login_required
@require_GET
def console(request):
    if not request.user.has_role(*HANDLER_ROLES):
        return refuse(request, _("案卷台账仅供网格员和工作人员使用"))
    now = timezone.now()
    cases = visible_incidents(request.user).select_related("category", "grid5", "grid4", "community", "assignee").defer(*LIST_POLYGONS)
    filters = ConsoleFilter(request.GET, queryset=cases, request=request)
    filters.is_valid()  # a value that does not validate is shown on the form and left out
    state = filters.form.cleaned_data["state"]
    # Counts beside each filter choice: per state under the other filters, per colour under the state.
    by_state = dict(filters.filter_queryset(cases, without=("state", "deadline")).values_list("state").annotate(n=Count("id")).order_by())
    counts = {"open": sum(n for s, n in by_state.items() if s in Incident.OPEN_STATES), "all": sum(by_state.values()), **by_state}
    state_counts = [{"code": code, "label": label, "n": counts.get(code, 0)} for code, label in STATE_CHOICES]
    # The home page's figures come from the same function.
    colour_counts = incidents.deadline_counts(filters.filter_queryset(cases, without=("deadline",)), now)["colours"]
    qs = urgent_first(filters.qs)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    annotate(page.object_list, now)
    points = [feature(c.geom, id=c.pk, number=c.number, category=c.category.name, state=c.get_state_display(),
                      status=status_info(c, now)["code"], url=reverse("incident_page", args=[c.pk]))
              for c in qs.filter(state__in=Incident.OPEN_STATES)[:MAP_LIMIT]]
    params = request.GET.copy()
    params.pop("page", None)
    config = {"page": "console", "cases": {"type": "FeatureCollection", "features": points}, "area": home_area(request.user),
              "text": {"open": _("查看"), "none": _("列表中没有未结案件")}}
    return render(request, "incidents/console.html", {
        "form": filters.form, "page": page, "state": state, "state_counts": state_counts, "colour_counts": colour_counts,
        "query": params.urlencode(), "config": config, "total": page.paginator.count,
        "uncovered_years": worktime.uncovered_years(),
    })


# --- 4. case page and its actions -----------------------------------------------------------------
def case_queryset(user):
    """A case with everything its page names; of the polygons only its grids' (the page's map)."""
    qs = Incident.objects.select_related("category", "grid5", "grid4", "community", "street", "reporter", "assignee", "duplicate_of",
                                         "department")
    return visible_incidents(user, qs.defer("community__geom", "street__geom"))


def related_cases(incident, user):
    """Possible duplicates nearby, reported before or after this case (scoped, as the API's
    …/similar/), and the cases merged into this one. A suggestion the user may still reject (it is
    `reported`) is marked merge_here while this case is open: the page offers to merge it into this one."""
    found = incidents.similar_open_incidents(incident.category, incident.geom, at=incident.reported_at, exclude=incident)
    similar = list(visible_incidents(user, found.select_related("street").defer("street__geom"))[:20])
    open_here = incident.state in Incident.OPEN_STATES
    for c in similar:
        c.merge_here = open_here and incidents.WORKFLOW.can(c, "reject", user)
    merged = visible_incidents(user, incident.duplicates.select_related("reporter")).order_by("reported_at")
    return similar, list(merged)


def case_context(request, incident, bound=None):
    """Everything the case page shows; `bound` is a submitted ActionForm to show with its errors."""
    user = request.user
    similar, merged = related_cases(incident, user)
    answers = incidents.answer_rows(incident)
    actions = incidents.available_actions(incident, user)
    assignees = incidents.candidate_assignees(incident) if any(a["action"] == "dispatch" for a in actions) else []
    forms = []
    for a in actions:
        if bound is not None and bound.action == a["action"]:
            form = bound
        else:
            form = ActionForm(action=a["action"], requires=a["requires"], incident=incident, assignees=assignees, duplicates=similar)
        forms.append({"action": a["action"], "label": a["label"], "form": form, "requires": a["requires"],
                      "url": reverse("incident_action", args=[incident.pk, a["action"]])})
    features = [feature(incident.geom, kind="case", number=incident.number)]
    grid = incident.grid5 or incident.grid4
    if grid is not None:
        features.insert(0, feature(grid.geom, kind="grid", name=grid.name, code=grid.code))
    return {
        "incident": incident, "status": status_info(incident), "timeline": incidents.timeline(incident),
        "photos": list(incident.photos.all()), "similar": similar, "merged": merged, "action_forms": forms, "answers": answers,
        "config": {"page": "case", "features": {"type": "FeatureCollection", "features": features}},
    }


@login_required
@require_GET
def detail(request, pk):
    incident = get_object_or_404(case_queryset(request.user), pk=pk)
    return render(request, "incidents/detail.html", case_context(request, incident))


@login_required
@require_POST
def act(request, pk, action):
    incident = get_object_or_404(case_queryset(request.user), pk=pk)
    actions = {a["action"]: a for a in incidents.available_actions(incident, request.user)}
    requires = actions.get(action, {}).get("requires", [])
    similar, _merged = related_cases(incident, request.user)
    assignees = incidents.candidate_assignees(incident) if action == "dispatch" else []
    form = ActionForm(request.POST, action=action, requires=requires, incident=incident, assignees=assignees, duplicates=similar)
    status, error = 400, _("输入有误，请检查后重试")
    if form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "note" and v not in (None, "")}
        note = form.cleaned_data.get("note", "")
        try:
            if action == "reject" and fields.get("duplicate_of"):
                incidents.mark_duplicate(incident, fields["duplicate_of"], request.user, note)
            else:
                incidents.transition(incident, action, request.user, note, **fields)
        except UnknownAction:
            raise Http404(action)
        except WorkflowError as exc:
            status, error = exc.status_code, exc.message
            for name, msg in exc.fields.items():
                form.add_error(name if name in form.fields else None, str(msg))
        else:
            if incident.duplicate_of_id and request.POST.get("back") == str(incident.duplicate_of_id):
                # "并入本案" on the original's page: back to it.
                messages.success(request, _("已将 %(number)s 作为重复上报并入本案") % {"number": incident.number})
                return redirect("incident_page", pk=incident.duplicate_of_id)
            messages.success(request, _("已完成「%(label)s」，当前状态：%(state)s") % {
                "label": incidents.WORKFLOW.label_of_action(action), "state": incident.get_state_display()})
            return redirect("incident_page", pk=incident.pk)
    incident.refresh_from_db()
    context = case_context(request, incident, bound=form)
    context["error"] = error
    return render(request, "incidents/detail.html", context, status=status)


@login_required
@require_GET
def photo(request, pk, photo_id, size):
    """A photo of a case (or its thumbnail), for those who may see the case only."""
    return photo_response(get_object_or_404(case_queryset(request.user), pk=pk), photo_id, size)

