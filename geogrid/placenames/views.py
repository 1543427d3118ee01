"""Pages of place-name staff (地名科): batches with their state counts, the road work queue on a map,
an application with its check, timeline and actions, and the announcement print view. Thin: who may
see is accounts.scope (Scope.placenames), every change goes through services, and a refused change
comes back with the workflow's status and message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST, require_safe

from geogrid.accounts.pages import refuse
from geogrid.geo.geojson import feature
from geogrid.workflow import deadlines
from geogrid.workflow.exceptions import UnknownAction, WorkflowError

from . import services
from .models import NamingApplication, NamingBatch, Road
from .workflow import WORKFLOW

S = NamingApplication.State
SORTS = {"priority": ("priority", "difficulty", "pk"), "-priority": ("-priority", "difficulty", "pk"),
         "difficulty": ("difficulty", "priority", "pk"), "-difficulty": ("-difficulty", "priority", "pk"),
         "state": ("state", "priority", "pk"), "name": ("name", "pk")}
# Action forms: the extra fields each action asks for (the note is always there).
ACTION_FIELDS = {
    "start_notice": [("notice_start", _("公示开始日期"), "date")],
    "approve": [("approving_body", _("批准机关"), "text"), ("approved_on", _("批准日期"), "date")],
    "file": [("filed_on", _("备案日期"), "date")],
    "announce": [("announced_on", _("公告日期"), "date"), ("announcement_no", _("公告文号"), "text")],
}
NOTE_LABELS = {"review": _("综合评估报告"), "expert_review": _("专家论证报告"), "consult": _("征求意见报告")}


def gate(request, edit=False):
    """None when the user may use the place-name pages (edit: change them), else the refusal page."""
    if not (services.may_edit(request.user) if edit else services.may_view(request.user)):
        return refuse(request, _("只有地名科工作人员可以使用地名功能"))
    return None


def status_of(app, now=None):
    code = services.deadline_status(app, now)
    return {"code": code or "", "label": str(deadlines.STATUS_LABELS[code]) if code else ""}


def state_chips(counter):
    return [{"state": s, "label": label, "n": counter.get(s, 0)} for s, label in S.choices]


def road_feature(road, **extra):
    return feature(road.geom, kind="road", code=road.code, name=road.name or road.working_name, status=road.status, **extra)


# --- batches --------------------------------------------------------------------------------------------
@login_required
def batches(request):
    if (no := gate(request)) is not None:
        return no
    if request.method == "POST":
        if (no := gate(request, edit=True)) is not None:
            return no
        try:
            batch = services.create_batch(request.user, request.POST.get("title"), request.POST.get("note", ""))
        except ValidationError as exc:
            messages.error(request, "；".join(m for msgs in exc.message_dict.values() for m in msgs))
            return redirect("placenames")
        messages.success(request, _("已创建批次 %(code)s") % {"code": batch.code})
        return redirect("placename_batch", pk=batch.pk)
    rows = list(NamingBatch.objects.select_related("created_by").order_by("-created_at", "-pk"))
    counts = services.state_counts()
    for b in rows:
        b.chips = state_chips(counts.get(b.pk, {}))
        b.total = sum(counts.get(b.pk, {}).values())
    now = timezone.now()
    overdue = list(NamingApplication.objects.filter(services.overdue_q(now)).select_related("batch").defer("geom").order_by("deadline")[:50])
    roads = Road.objects.aggregate(unnamed=Count("id", filter=Q(status=Road.Status.UNNAMED, built=True)),
                                   proposed=Count("id", filter=Q(status=Road.Status.PROPOSED)),
                                   uncoded=Count("id", filter=Q(status__in=[Road.Status.NAMED, Road.Status.RETIRED], place_code="") & ~Q(name="")))
    return render(request, "placenames/batches.html", {"batches": rows, "overdue": overdue, "roads": roads,
                                                        "can_edit": services.may_edit(request.user)})


def sorted_applications(batch, sort):
    order = SORTS.get(sort, SORTS["priority"])
    return (batch.applications.select_related("road").defer("road__geom", "geom", "check_result").order_by(*order))


@login_required
@require_safe  # its forms post to their own URLs
def batch(request, pk):
    if (no := gate(request)) is not None:
        return no
    b = get_object_or_404(NamingBatch, pk=pk)
    sort = request.GET.get("sort", "priority")
    apps = list(sorted_applications(b, sort))
    now = timezone.now()
    for a in apps:
        a.status = status_of(a, now)
    counts = services.state_counts([b.pk]).get(b.pk, {})
    queue = list(Road.objects.filter(status=Road.Status.UNNAMED).exclude(applications__state__in=NamingApplication.OPEN_STATES)
                 .defer("geom").order_by("code")) if services.may_edit(request.user) else []
    return render(request, "placenames/batch.html", {
        "batch": b, "applications": apps, "chips": state_chips(counts), "total": sum(counts.values()), "sort": sort,
        "sorts": [("priority", _("紧急优先")), ("difficulty", _("容易优先")), ("-difficulty", _("困难优先")), ("state", _("按状态"))],
        "queue": queue, "levels": NamingApplication.Level.choices, "can_edit": services.may_edit(request.user),
        "preselect": request.GET.get("road", ""),
        "config": {"page": "batch", "checkUrl": reverse("placename-check"), "features": {"type": "FeatureCollection", "features": [
            feature(a.road.geom if a.road_id else a.geom, kind="application", name=a.name) for a in apps_geom(b)]}},
    })


def apps_geom(batch):
    """The batch's applications with the line each names (the road's or the drawn one), for the map."""
    return batch.applications.select_related("road").only("name", "geom", "batch", "road", "road__geom")


@login_required
@require_POST
def new_application(request, pk):
    if (no := gate(request, edit=True)) is not None:
        return no
    b = get_object_or_404(NamingBatch, pk=pk)
    p = request.POST
    road = Road.objects.filter(code=p.get("road", "")).first() if p.get("road") else None
    try:
        app = services.create_application(request.user, b, road=road, geom=p.get("geom") or None, name=p.get("name", ""),
                                          applicant=p.get("applicant", ""), reasons=p.get("reasons", ""), meaning=p.get("meaning", ""),
                                          location=p.get("location", ""), priority=p.get("priority") or 2, difficulty=p.get("difficulty") or 2)
    except ValidationError as exc:
        messages.error(request, "；".join(m for msgs in exc.message_dict.values() for m in msgs))
        return redirect(reverse("placename_batch", args=[b.pk]) + (f"?road={road.code}" if road else ""))
    messages.success(request, _("已添加申请“%(name)s”") % {"name": app.name})
    return redirect("placename_batch", pk=b.pk)


# --- the road work queue --------------------------------------------------------------------------------------
@login_required
@require_GET
def queue(request):
    if (no := gate(request)) is not None:
        return no
    built_only = request.GET.get("built", "1") == "1"
    roads = Road.objects.filter(status__in=[Road.Status.UNNAMED, Road.Status.PROPOSED], name="")
    if built_only:
        roads = roads.filter(built=True)
    roads = list(roads.select_related("area").defer("area__geom").order_by("-built", "status", "code"))
    open_apps = dict(NamingApplication.objects.filter(road__in=roads, state__in=NamingApplication.OPEN_STATES).values_list("road_id", "pk"))
    batches_open = list(NamingBatch.objects.order_by("-created_at", "-pk").values("pk", "code", "title")[:20])
    for r in roads:
        r.application_id = open_apps.get(r.pk)
    features = [road_feature(r, application=r.application_id or 0) for r in roads]
    return render(request, "placenames/queue.html", {
        "roads": roads, "batches": batches_open, "can_edit": services.may_edit(request.user), "built_only": built_only,
        "config": {"page": "queue", "features": {"type": "FeatureCollection", "features": features}},
    })


# --- one application ---------------------------------------------------------------------------------------------
def application_queryset():
    return (NamingApplication.objects.select_related("batch", "road", "road__area", "road__area__parent", "created_by")
            .defer("road__area__geom", "road__area__parent__geom"))


def application_context(request, app, error=None, bound=None):
    actions = services.available_actions(app, request.user)
    forms = []
    for a in actions:
        extra = ACTION_FIELDS.get(a["action"], [])
        values = (bound or {}) if bound is not None and bound.get("_action") == a["action"] else {}
        forms.append({"action": a["action"], "label": a["label"], "requires": a["requires"],
                      "note_label": NOTE_LABELS.get(a["action"], _("说明")), "note_required": "note" in a["requires"],
                      "fields": [{"name": n, "label": lbl, "type": t, "value": values.get(n, ""), "required": n in a["requires"]} for n, lbl, t in extra],
                      "url": reverse("placename_action", args=[app.pk, a["action"]])})
    geom = app.road.geom if app.road_id else app.geom
    features = [feature(geom, kind="application", name=app.name, code=app.road.code if app.road_id else "")] if geom else []
    return {
        "app": app, "status": status_of(app), "timeline": services.timeline(app), "action_forms": forms, "error": error,
        "check": app.check_result or {}, "can_edit": services.may_edit(request.user), "attachments": list(app.attachments.all()),
        "levels": NamingApplication.Level.choices,
        "config": {"page": "application", "features": {"type": "FeatureCollection", "features": features}},
    }


@login_required
@require_GET
def application(request, pk):
    if (no := gate(request)) is not None:
        return no
    app = get_object_or_404(application_queryset(), pk=pk)
    return render(request, "placenames/application.html", application_context(request, app))


@login_required
@require_POST
def act(request, pk, action):
    if (no := gate(request)) is not None:
        return no
    app = get_object_or_404(application_queryset(), pk=pk)
    fields = {n: request.POST.get(n, "").strip() for n, _l, _t in ACTION_FIELDS.get(action, [])}
    fields = {k: v for k, v in fields.items() if v}
    try:
        services.transition(app, action, request.user, request.POST.get("note", ""), **fields)
    except UnknownAction:
        raise Http404(action)
    except WorkflowError as exc:
        app = get_object_or_404(application_queryset(), pk=pk)
        return render(request, "placenames/application.html",
                      application_context(request, app, error=exc.message, bound=dict(request.POST.items(), _action=action)), status=exc.status_code)
    messages.success(request, _("已完成「%(label)s」，当前状态：%(state)s") % {"label": WORKFLOW.label_of_action(action), "state": app.get_state_display()})
    return redirect("placename_application", pk=app.pk)


@login_required
@require_POST
def recheck(request, pk):
    if (no := gate(request, edit=True)) is not None:
        return no
    app = get_object_or_404(NamingApplication, pk=pk)
    services.refresh_check(app)
    return redirect("placename_application", pk=pk)


@login_required
@require_POST
def fix_reading(request, pk):
    """Fix a reading from an application's alternatives; the application is checked again."""
    if (no := gate(request, edit=True)) is not None:
        return no
    app = get_object_or_404(NamingApplication, pk=pk)
    try:
        row = services.fix_reading(request.user, request.POST.get("phrase", ""), request.POST.get("syllables", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(m for msgs in exc.message_dict.values() for m in msgs))
    else:
        messages.success(request, _("已审定读音：%(p)s %(s)s") % {"p": row.phrase, "s": row.syllables})
        services.refresh_check(app)
    return redirect("placename_application", pk=pk)


@login_required
@require_GET
def announcement(request, pk):
    """公告 print view: the fields 地名管理条例 Art. 14 requires, and a map."""
    if (no := gate(request)) is not None:
        return no
    app = get_object_or_404(application_queryset(), pk=pk)
    if app.state not in (S.APPROVED, S.FILED, S.ANNOUNCED):
        return refuse(request, _("申请批准后才能生成公告"), status=409)
    road = app.road
    area = "".join(a.name for a in (road.area.parent, road.area) if a is not None) if road and road.area_id else ""
    location = app.location or (_("起于%(a)s，止于%(b)s") % {"a": road.start_point, "b": road.end_point} if road and road.start_point else "")
    location = location or (_("位于%(area)s") % {"area": area} if area else "")
    geom = road.geom if road else app.geom
    return render(request, "placenames/announcement.html", {
        "app": app, "area": area, "location": location, "length": round(road.length_m) if road else None,
        "config": {"page": "announcement", "features": {"type": "FeatureCollection", "features": [feature(geom, kind="application", name=app.name)]}},
    })


# --- road-name sign inventory and repairs ----------------------------------------------------------------------
SIGN_COLOURS = {"good": "#2e7d32", "dirty": "#8d6e63", "faded": "#9e9e9e", "damaged": "#ef6c00", "tilted": "#f9a825",
                "missing": "#c62828", "wrong": "#6a1b9a"}


@login_required
def signs(request):
    """路名牌 inventory on a map, coloured by condition; signs whose text is not their road's
    standard name flagged; open repair orders with their actions; yearly figures."""
    from . import signrepair
    from .models import RoadSign, SignInspection, SignRepair

    if (no := gate(request)) is not None:
        return no
    if request.method == "POST":
        if (no := gate(request, edit=True)) is not None:
            return no
        sign = RoadSign.objects.filter(code=request.POST.get("sign", "").strip()).first()
        try:
            if sign is None:
                raise ValidationError({"sign": [_("没有该编号的路名牌")]})
            signrepair.dispatch_repair(request.user, sign, request.POST.get("problem", ""), request.POST.get("description", ""),
                                       request.POST.get("contractor", ""))
        except ValidationError as exc:
            messages.error(request, "；".join(m for msgs in exc.message_dict.values() for m in msgs))
            return redirect("placename_signs")
        messages.success(request, _("已派维修工单：%(code)s") % {"code": sign.code})
        return redirect("placename_signs")
    qs = signrepair.with_mismatch(RoadSign.objects.select_related("road").defer("road__geom"))
    condition = request.GET.get("condition", "")
    if condition in RoadSign.Condition.values:
        qs = qs.filter(condition=condition)
    if request.GET.get("mismatch") == "1":
        qs = qs.filter(signrepair.mismatch_q())
    rows = list(qs.order_by("road__code", "code"))
    for s in rows:
        s.condition_colour = SIGN_COLOURS.get(s.condition, "#555")
    by_condition = dict(RoadSign.objects.values_list("condition").annotate(n=Count("id")).order_by())
    mismatched = RoadSign.objects.filter(signrepair.mismatch_q()).count()
    now = timezone.now()
    repairs = list(SignRepair.objects.exclude(state=SignRepair.State.ACCEPTED).select_related("sign", "sign__road")
                   .defer("sign__geom", "sign__road__geom").order_by("deadline", "pk"))
    for r in repairs:
        code = signrepair.WORKFLOW.deadline_status(r, now)
        r.status = {"code": code or "", "label": str(deadlines.STATUS_LABELS[code]) if code else ""}
        r.actions = [{"action": t.action, "label": str(t.label), "note": "note" in t.requires} for t in signrepair.WORKFLOW.available(r, request.user, now)]
    features = [feature(s.geom, kind="sign", code=s.code, name=s.name_text, condition=s.condition, colour=SIGN_COLOURS.get(s.condition, "#555"),
                        mismatch=bool(s.mismatch)) for s in rows]
    return render(request, "placenames/signs.html", {
        "signs": rows, "conditions": [{"code": c, "label": lbl, "n": by_condition.get(c, 0), "colour": SIGN_COLOURS[c]} for c, lbl in RoadSign.Condition.choices],
        "condition": condition, "mismatch_only": request.GET.get("mismatch") == "1", "mismatched": mismatched, "repairs": repairs,
        "figures": signrepair.yearly_figures(), "can_edit": services.may_edit(request.user),
        "inspections": list(SignInspection.objects.select_related("sign", "inspector").defer("sign__geom").order_by("-inspected_at", "-pk")[:20]),
        "problems": [c for c in RoadSign.Condition.choices if c[0] != "good"],
        "config": {"page": "signs", "features": {"type": "FeatureCollection", "features": features}},
    })


@login_required
@require_POST
def repair_action(request, pk, action):
    from . import signrepair
    from .models import SignRepair

    if (no := gate(request)) is not None:
        return no
    repair = get_object_or_404(SignRepair, pk=pk)
    try:
        signrepair.transition(repair, action, request.user, request.POST.get("note", ""))
    except UnknownAction:
        raise Http404(action)
    except WorkflowError as exc:
        messages.error(request, exc.message)
        return refuse(request, exc.message, status=exc.status_code)
    messages.success(request, _("已完成「%(label)s」") % {"label": signrepair.WORKFLOW.label_of_action(action)})
    return redirect("placename_signs")


# --- public gazetteer ---------------------------------------------------------------------------------------
@require_GET
def gazetteer_page(request):
    """地名查询: a public read-only page over /api/gazetteer with a map."""
    return render(request, "placenames/gazetteer.html", {"config": {"page": "gazetteer", "apiUrl": reverse("gazetteer-api"),
                                                                     "features": {"type": "FeatureCollection", "features": []},
                                                                     "text": {"none": _("没有找到"), "m": _("米")}}})


# --- residential-area and building names ------------------------------------------------------------------------
BUILDING_FIELDS = {"record_approval": ("approved_on", _("批准日期")), "file": ("filed_on", _("备案日期")), "announce": ("announced_on", _("公告日期"))}


@login_required
def buildings(request):
    """居住区、建筑物名称: requests for the bureau's opinion, and the approval, filing and announcement."""
    from . import buildingnames
    from .models import BuildingName

    if (no := gate(request)) is not None:
        return no
    if request.method == "POST":
        if (no := gate(request, edit=True)) is not None:
            return no
        p = request.POST
        try:
            b = buildingnames.register(request.user, name=p.get("name", ""), developer=p.get("developer", ""), kind=p.get("kind", "residential"),
                                       location=p.get("location", ""))
        except ValidationError as exc:
            messages.error(request, "；".join(m for msgs in exc.message_dict.values() for m in msgs))
        else:
            messages.success(request, _("已登记“%(name)s”") % {"name": b.name})
        return redirect("placename_buildings")
    now = timezone.now()
    rows = list(BuildingName.objects.select_related("created_by").defer("geom").order_by("-created_at", "-pk")[:200])
    for b in rows:
        code = buildingnames.WORKFLOW.deadline_status(b, now)
        b.status = {"code": code or "", "label": str(deadlines.STATUS_LABELS[code]) if code else ""}
        b.actions = []
        for t in buildingnames.WORKFLOW.available(b, request.user, now):
            field = BUILDING_FIELDS.get(t.action)
            b.actions.append({"action": t.action, "label": str(t.label), "note": "note" in t.requires,
                              "field": field[0] if field else "", "field_label": field[1] if field else ""})
    return render(request, "placenames/buildings.html", {"rows": rows, "kinds": BuildingName.Kind.choices, "can_edit": services.may_edit(request.user)})


@login_required
@require_POST
def building_action(request, pk, action):
    from . import buildingnames
    from .models import BuildingName

    if (no := gate(request)) is not None:
        return no
    b = get_object_or_404(BuildingName, pk=pk)
    field = BUILDING_FIELDS.get(action, ("", ""))[0]
    fields = {field: request.POST.get(field, "").strip()} if field and request.POST.get(field, "").strip() else {}
    try:
        buildingnames.transition(b, action, request.user, request.POST.get("note", ""), **fields)
    except UnknownAction:
        raise Http404(action)
    except WorkflowError as exc:
        return refuse(request, exc.message, status=exc.status_code)
    messages.success(request, _("已完成「%(label)s」") % {"label": buildingnames.WORKFLOW.label_of_action(action)})
    return redirect("placename_buildings")


@login_required
@require_POST
def attach(request, pk):
    if (no := gate(request, edit=True)) is not None:
        return no
    app = get_object_or_404(NamingApplication, pk=pk)
    try:
        services.add_attachment(request.user, app, request.FILES.get("file"))
    except ValidationError as exc:
        messages.error(request, "；".join(m for msgs in exc.message_dict.values() for m in msgs))
    return redirect("placename_application", pk=pk)


@login_required
@require_GET
def attachment(request, pk, att_id):
    """An attachment, to those who may see the application (no public /media/ URL)."""
    from django.http import FileResponse

    if (no := gate(request)) is not None:
        return no
    from .models import ApplicationAttachment

    att = get_object_or_404(ApplicationAttachment, pk=att_id, application_id=pk)
    try:
        return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.name)
    except FileNotFoundError:
        raise Http404(att_id)


@login_required
@require_POST
def edit(request, pk):
    """Change a draft (its name is checked again)."""
    if (no := gate(request, edit=True)) is not None:
        return no
    app = get_object_or_404(NamingApplication, pk=pk)
    data = {k: request.POST[k] for k in ("name", "applicant", "reasons", "meaning", "location", "priority", "difficulty") if k in request.POST}
    try:
        services.update_application(request.user, app, **data)
    except ValidationError as exc:
        messages.error(request, "；".join(m for msgs in exc.message_dict.values() for m in msgs))
    except WorkflowError as exc:
        return refuse(request, exc.message, status=exc.status_code)
    else:
        messages.success(request, _("已保存修改"))
    return redirect("placename_application", pk=pk)


# --- road-name sign patrol (phone) ------------------------------------------------------------------------
@login_required
@require_GET
def sign_patrol(request):
    """The phone page: choose a road or an area and start; then walk its signs in order on a map with
    one's own position, record each sign (through the API, with an Idempotency-Key), end the patrol."""
    from . import signpatrol
    from .models import RoadSign

    if (no := gate(request, edit=True)) is not None:
        return no
    patrol = signpatrol.open_sign_patrol(request.user)
    text = {"saved": _("已记录：%s"), "repair": _("已派维修工单 #%s"), "repairOpen": _("已有维修工单 #%s"), "failed": _("未能保存：%s"),
            "here": _("我的位置"), "noGeo": _("无法获取位置：%s"), "accuracy": _("定位精度约 %s 米"), "distance": _("距此路名牌约 %s"),
            "m": _("米"), "km": _("公里"), "cleaned": _("已清洗")}
    if patrol is None:
        # The walk may start on the phone without a network (signpatrol.js): the page carries every
        # sign of the scope in walking order, the roads' lines and each area's signs.
        signs, area_signs = signpatrol.offline_choices()
        lines = {s.road.code: s.road for s in signs}
        config = {
            "apiUrl": reverse("placename-sign-patrol-list"),
            "roads": {"type": "FeatureCollection", "features": [road_feature(r) for r in lines.values()]},
            "signs": [{"code": s.code, "road": s.road.code, "roadName": str(s.road), "lon": round(s.geom.x, 7), "lat": round(s.geom.y, 7),
                       "condition": s.condition, "name": s.name_text, "pinyin": s.pinyin_text, "direction": s.direction_text,
                       "door": s.door_range} for s in signs],
            "areas": area_signs,
            "colours": SIGN_COLOURS,
            "conditions": dict(RoadSign.Condition.choices),
            "text": dict(text, label=_("路名牌巡查：%s"), startQueued=_("已在手机上开始路名牌巡查：联网后与各块记录一起按顺序发送。"),
                         startRefused=_("路名牌巡查未能开始：%s"), startLabel=_("开始路名牌巡查：%s"), endLabel=_("结束路名牌巡查"),
                         noSigns=_("%s 没有路名牌")),
        }
        return render(request, "placenames/sign_patrol.html", {
            "patrol": None, "roads": list(signpatrol.roads_with_signs()), "areas": list(signpatrol.patrol_areas()), "config": config,
            "conditions": RoadSign.Condition.choices})
    stops = signpatrol.walk(patrol)
    road_ids = {sign.road_id for _t, sign, _i in stops}
    roads = [road_feature(r) for r in Road.objects.filter(pk__in=road_ids).order_by("code")]
    items = [{"i": n, "target": t, "sign": sign, "inspection": insp, "colour": SIGN_COLOURS.get(sign.condition, "#555")}
             for n, (t, sign, insp) in enumerate(stops, start=1)]
    config = {
        "inspectionsUrl": reverse("placename-sign-patrol-inspections", args=[patrol.pk]),
        # A walk started on this phone offline: its records still queued are addressed by its client key.
        "keyUrl": reverse("placename-sign-patrol-inspections", args=[str(patrol.client_key)]) if patrol.client_key else "",
        "key": str(patrol.client_key or ""),
        "roads": {"type": "FeatureCollection", "features": roads},
        "signs": [{"code": sign.code, "lon": round(sign.geom.x, 7), "lat": round(sign.geom.y, 7), "condition": sign.condition,
                   "name": sign.name_text, "done": insp is not None} for _t, sign, insp in stops],
        "colours": SIGN_COLOURS,
        "text": text,
    }
    return render(request, "placenames/sign_patrol.html", {
        "patrol": patrol, "items": items, "config": config, "conditions": RoadSign.Condition.choices,
        "done": sum(1 for it in items if it["inspection"] is not None)})


@login_required
@require_POST
def sign_patrol_start(request):
    from . import signpatrol

    if (no := gate(request, edit=True)) is not None:
        return no
    try:  # with the phone's client key (signpatrol.js adds it), a start posted twice is one walk
        patrol = signpatrol.start_sign_patrol(request.user, road=request.POST.get("road"), area=request.POST.get("area"),
                                              client_key=request.POST.get("client_key"))
    except WorkflowError as exc:
        return refuse(request, exc.message, exc.status_code)
    except ValidationError as exc:
        messages.error(request, "；".join(m for msgs in exc.message_dict.values() for m in msgs))
        return redirect("placename_sign_patrol")
    messages.success(request, _("路名牌巡查已开始：共 %(n)s 块") % {"n": patrol.targets.count()})
    return redirect("placename_sign_patrol")


@login_required
@require_POST
def sign_patrol_end(request, pk):
    from . import signpatrol

    if (no := gate(request, edit=True)) is not None:
        return no
    patrol = get_object_or_404(signpatrol.visible_sign_patrols(request.user), pk=pk)
    try:
        signpatrol.end_sign_patrol(patrol, request.user)
    except WorkflowError as exc:
        return refuse(request, exc.message, exc.status_code)
    messages.success(request, _("路名牌巡查已结束"))
    return redirect("placename_signs")


@login_required
@require_GET
def sign_inspection_photo(request, pk):
    """A patrol photo, for those who may see place names (media leave only through their record's scope)."""
    from django.http import FileResponse

    from .models import SignInspection

    if (no := gate(request)) is not None:
        return no
    insp = get_object_or_404(SignInspection.objects.exclude(photo=""), pk=pk)
    return FileResponse(insp.photo.open("rb"))
