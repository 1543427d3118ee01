"""Pages of boundary work (thin: the rules are in services.py, who sees what in accounts.scope):

/boundaries/                 lines, my inspections, lines due, agreements to renew, disputes
/boundaries/inspections/new/ plan an inspection (an inspector of either party)
/boundaries/inspections/N/   the inspection: teams, workflow actions, checks to confirm, sections, problems
/boundaries/inspections/N/walk/   the phone page walking the markers in order (a patrol of them)
/boundaries/inspections/N/report/ the print view: map (layers.maps), checks, problems, both sign-offs
/boundaries/inspections/N/report/map.html   its map, the folium document in the report's sandboxed frame

Refusals show the service's message with its status (403 not a party, 409 wrong state, 400 bad
input) and write nothing. Every page runs a fixed number of queries (tests/boundaries/test_pages.py).
"""
from datetime import date

from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from geogrid.accounts.pages import refuse
from geogrid.accounts.scope import scope_of
from geogrid.geo.geojson import collection, feature
from geogrid.patrols import services as patrols
from geogrid.workflow.exceptions import WorkflowError

from . import services as boundaries
from .models import BoundaryAgreement, BoundaryDispute, BoundaryLine, BoundaryMarker, JointInspection, MarkerCheck, MarkerPhoto, RectificationItem, Side

CONDITION_COLOURS = {"intact": "#1a9850", "damaged": "#fdae61", "moved": "#d73027", "lost": "#7b3294", "buried": "#8c510a",
                     "other": "#4575b4", "unchecked": "#999999"}


def _error_text(exc):
    return exc.message if isinstance(exc, WorkflowError) else "；".join(exc.messages)


def _get_inspection(request, pk, qs=None):
    qs = boundaries.visible_inspections(request.user, qs if qs is not None else boundaries.inspection_detail_queryset())
    return get_object_or_404(qs, pk=pk)


@login_required
@require_GET
def index(request):
    user = request.user
    scope = scope_of(user)
    lines = list(boundaries.visible_lines(user).defer("geom").order_by("code"))
    inspections = list(boundaries.visible_inspections(user).select_related("line").defer("line__geom").order_by("-year", "line__code")[:50])
    mine = {x.pk for x in lines if scope.boundary_side(x.side_a_code, x.side_b_code)}
    # Due lines, renewals and disputes: of one's own lines (district admins: all of them).
    ours = BoundaryLine.objects.all() if scope.everything else BoundaryLine.objects.filter(pk__in=mine)
    shown = bool(mine) or scope.everything
    return render(request, "boundaries/index.html", {
        "lines": lines, "inspections": inspections, "plannable": [x for x in lines if x.pk in mine],
        "due": boundaries.lines_due(qs=ours) if shown else [],
        "renewals": boundaries.agreements_to_renew(lines=ours) if shown else [],
        "disputes": list(BoundaryDispute.objects.filter(line__in=ours).select_related("line").defer("line__geom")
                         .exclude(state="resolved")[:50]) if shown else [],
        "inspector": bool(scope.boundary_district), "year": timezone.localdate().year,
    })


def _id(value):
    """A record id from a form field; 0 (no record) for anything that is not one."""
    value = str(value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else 0


@login_required
@require_POST
def plan(request):
    user = request.user
    line = BoundaryLine.objects.filter(pk=_id(request.POST.get("line"))).first()
    if line is None:
        messages.error(request, _("请选择界线"))
        return redirect("boundaries")
    try:
        start = date.fromisoformat(request.POST.get("planned_start", ""))
        end = date.fromisoformat(request.POST.get("planned_end", ""))
        year = int(request.POST.get("year") or start.year)
    except ValueError:
        messages.error(request, _("日期格式应为 YYYY-MM-DD"))
        return redirect("boundaries")
    team_a, team_b = boundaries.inspectors_of(line.side_a_code), boundaries.inspectors_of(line.side_b_code)
    try:
        insp = boundaries.plan_inspection(user, line, year=year, planned_start=start, planned_end=end, team_a=team_a, team_b=team_b)
    except WorkflowError as exc:
        return refuse(request, exc.message, exc.status_code)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("boundaries")
    messages.success(request, _("已计划 %(i)s") % {"i": insp})
    return redirect("boundary_inspection", insp.pk)


@login_required
@require_POST
def import_markers(request):
    """Upload a marker table (CSV/XLSX) for a line of one's district; all or nothing, every bad row
    listed on the page."""
    from .importing import MarkerImportFailed
    from .importing import import_markers as run_import

    line = boundaries.inspector_lines(request.user).filter(pk=_id(request.POST.get("line"))).first()
    if line is None:
        return refuse(request, _("只有界线双方的联检人员可以导入该界线的界桩"))
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("请选择 CSV 或 XLSX 文件"))
        return redirect("boundaries")
    try:
        r = run_import(upload, input_crs=request.POST.get("crs") or "CGCS2000", line_code=line.code, name=upload.name, actor=request.user)
    except MarkerImportFailed as exc:
        for row, field, msg in exc.errors[:50]:
            messages.error(request, _("第 %(row)s 行 %(field)s：%(msg)s") % {"row": row, "field": field, "msg": msg})
        messages.error(request, _("文件有误，未导入任何界桩"))
        return redirect("boundaries")
    messages.success(request, _("已导入 %(n)s 个界桩：新建 %(c)s，更新 %(u)s") % {"n": len(r.rows), "c": r.created, "u": r.updated})
    return redirect("boundaries")


def _checks_by_marker(insp):
    return {c.marker_id: c for c in insp.checks.all()}


@login_required
@require_GET
def inspection(request, pk):
    insp = _get_inspection(request, pk)
    user = request.user
    side = boundaries.side_of(insp, user)
    markers = list(BoundaryMarker.objects.filter(line_id=insp.line_id).order_by("number"))
    checks = _checks_by_marker(insp)
    with_items = {p.marker_check_id for p in insp.problems.all()}
    rows = []
    for m in markers:
        c = checks.get(m.pk)
        rows.append({"marker": m, "check": c,
                     "can_confirm": bool(c and side and insp.state == "fieldwork" and getattr(c, f"confirmed_{side}_at") is None),
                     "needs_item": bool(c and c.condition in boundaries.PROBLEM_CONDITIONS and c.pk not in with_items)})
    return render(request, "boundaries/inspection.html", {
        "insp": insp, "side": side, "side_label": insp.party_name(side) if side else "", "rows": rows,
        "actions": boundaries.available_actions(insp, user), "team_a": [m for m in insp.members.all() if m.side == "a"],
        "team_b": [m for m in insp.members.all() if m.side == "b"], "sections": list(insp.sections.all()),
        "problems": list(insp.problems.all()), "markers": markers, "sides": Side.choices,
        "problem_checks": [r["check"] for r in rows if r["needs_item"]],
        "walk": boundaries.open_walk(insp, user) if side else None,
    })


@login_required
@require_POST
def act(request, pk):
    insp = _get_inspection(request, pk, JointInspection.objects.all())
    fields = {"report": request.POST["report"]} if request.POST.get("report") else {}
    try:
        boundaries.transition(insp, request.POST.get("action", ""), request.user, request.POST.get("note", ""), **fields)
    except WorkflowError as exc:
        if exc.status_code == 400:
            messages.error(request, exc.message)
            return redirect("boundary_inspection", pk)
        return refuse(request, exc.message, exc.status_code)
    messages.success(request, _("已完成：%(a)s") % {"a": boundaries.INSPECTION_WORKFLOW.label_of_action(request.POST.get("action"))})
    return redirect("boundary_inspection", pk)


@login_required
@require_POST
def confirm(request, pk):
    check = get_object_or_404(MarkerCheck.objects.filter(inspection__in=boundaries.visible_inspections(request.user)).select_related("inspection"), pk=pk)
    try:
        boundaries.confirm_check(check, request.user)
    except WorkflowError as exc:
        return refuse(request, exc.message, exc.status_code)
    messages.success(request, _("已确认 %(m)s 的检查") % {"m": check.marker})
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("boundary_inspection", args=[check.inspection_id])  # never off the site (an open redirect)
    return redirect(back)


@login_required
@require_POST
def add_problem(request, pk):
    insp = _get_inspection(request, pk, JointInspection.objects.all())
    try:
        due = date.fromisoformat(request.POST.get("due_date", "")) if request.POST.get("due_date") else None
        check = insp.checks.filter(pk=_id(request.POST.get("check"))).first()
        if request.POST.get("check") and check is None:  # named, but not a check of this inspection
            raise ValidationError({"check": [_("该检查不属于本次联检")]})
        owner = None
        if request.POST.get("owner"):  # a team member; the service checks they act for the owning side
            owner = insp.members.filter(user_id=_id(request.POST["owner"])).select_related("user").first()
            if owner is None:
                raise ValidationError({"owner": [_("责任人应是责任方的界线联检人员")]})
            owner = owner.user
        boundaries.add_problem(insp, request.user, description=request.POST.get("description", ""), owner_side=request.POST.get("owner_side"),
                               due_date=due, check=check, owner=owner)
    except WorkflowError as exc:
        return refuse(request, exc.message, exc.status_code)
    except (ValidationError, ValueError) as exc:
        messages.error(request, _error_text(exc) if isinstance(exc, ValidationError) else _("日期格式应为 YYYY-MM-DD"))
    return redirect("boundary_inspection", pk)


@login_required
@require_POST
def problem_done(request, pk):
    item = get_object_or_404(RectificationItem.objects.filter(inspection__in=boundaries.visible_inspections(request.user)).select_related("inspection"), pk=pk)
    try:
        boundaries.complete_problem(item, request.user)
    except WorkflowError as exc:
        return refuse(request, exc.message, exc.status_code)
    return redirect("boundary_inspection", item.inspection_id)


@login_required
@require_POST
def add_section(request, pk):
    insp = _get_inspection(request, pk, JointInspection.objects.all())
    try:
        boundaries.record_section(insp, request.user, from_marker=request.POST.get("from_marker"), to_marker=request.POST.get("to_marker"),
                                  references_complete=request.POST.get("references_complete") == "1",
                                  references_notes=request.POST.get("references_notes", ""),
                                  identifiable=request.POST.get("identifiable") == "1", notes=request.POST.get("notes", ""))
    except WorkflowError as exc:
        return refuse(request, exc.message, exc.status_code)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("boundary_inspection", pk)


# --- the marker walk (phone) -------------------------------------------------------------------------
@login_required
@require_GET
def walk(request, pk):
    insp = _get_inspection(request, pk)
    side = boundaries.side_of(insp, request.user)
    if side is None:
        return refuse(request, _("只有界线双方的联检人员可以在现场检查界桩"))
    checks = _checks_by_marker(insp)
    markers = list(BoundaryMarker.objects.filter(line_id=insp.line_id).order_by("number").prefetch_related("photos"))  # 登记照片
    walk_patrol = boundaries.open_walk(insp, request.user)
    items = []
    for i, m in enumerate(markers, start=1):
        c = checks.get(m.pk)
        items.append({"i": i, "marker": m, "check": c, "editable": c is None or c.side == side,
                      "next": markers[i] if i < len(markers) else None})
    config = {
        "checksUrl": reverse("boundary-inspection-checks", args=[insp.pk]),
        "patrolsUrl": reverse("patrol-list"),  # a walk started offline ends at …/<client key>/end/
        "sectionsUrl": reverse("boundary-inspection-sections", args=[insp.pk]),
        "line": collection([feature(insp.line.geom, kind="line", name=insp.line.name, code=insp.line.code)]),
        "markers": [{"number": m.number, "lon": round(m.geom.x, 7), "lat": round(m.geom.y, 7),
                     "condition": checks[m.pk].condition if m.pk in checks else None} for m in markers],
        "colours": CONDITION_COLOURS,
        "text": {"saved": _("已保存：偏移 %s 米"), "savedNoPos": _("已保存"), "failed": _("未能保存：%s"), "here": _("我的位置"),
                 "registered": _("登记位置"), "noGeo": _("无法获取位置：%s"), "accuracy": _("定位精度约 %s 米"), "distance": _("距登记位置约 %s"),
                 "m": _("米"), "km": _("公里"), "walkStartLabel": _("开始界桩巡查"), "walkEndLabel": _("结束界桩巡查"),
                 "walkStarted": _("已在手机上开始界桩巡查：联网后与检查一起按顺序发送。"),
                 "far": _("位置可疑：距登记位置过远，请核对经纬度和坐标系后复测，或确认界桩确已移位")},
    }
    return render(request, "boundaries/walk.html", {"insp": insp, "items": items, "side": side, "config": config, "walk": walk_patrol,
                                                    "conditions": MarkerCheck.Condition.choices, "fieldwork": insp.state == "fieldwork"})


@login_required
@require_POST
def start_walk(request, pk):
    insp = _get_inspection(request, pk, JointInspection.objects.select_related("line"))
    try:
        boundaries.start_walk(insp, request.user)
    except WorkflowError as exc:
        return refuse(request, exc.message, exc.status_code)
    except ValidationError as exc:
        return refuse(request, _error_text(exc), 400)
    return redirect("boundary_walk", pk)


@login_required
@require_POST
def end_walk(request, pk):
    # The inspection in the user's scope, and the open walk of its markers: not any open patrol.
    walk_patrol = boundaries.open_walk(_get_inspection(request, pk, JointInspection.objects.all()), request.user)
    if walk_patrol is None:
        raise Http404
    try:
        patrols.end_patrol(walk_patrol, request.user)
    except WorkflowError as exc:
        return refuse(request, exc.message, exc.status_code)
    messages.success(request, _("界桩巡查已结束"))
    return redirect("boundary_walk", pk)


@login_required
@require_GET
def photo(request, pk):
    """A photo of a check (for those who see its inspection) or of a marker (everyone signed in):
    media leave the server only through their record's scope."""
    from django.db.models import Q
    from django.http import FileResponse

    p = get_object_or_404(MarkerPhoto.objects.filter(
        Q(marker__isnull=False) | Q(marker_check__inspection__in=boundaries.visible_inspections(request.user))), pk=pk)
    return FileResponse(p.image.open("rb"), content_type="image/jpeg" if p.image.name.lower().endswith((".jpg", ".jpeg")) else None)


@login_required
@require_GET
def agreement_document(request, pk):
    """The signed agreement's document, for the inspectors of the line's parties and district admins."""
    from django.http import FileResponse

    scope = scope_of(request.user)
    a = get_object_or_404(BoundaryAgreement.objects.select_related("line").defer("line__geom"), pk=pk)
    if not (scope.everything or scope.boundary_side(a.line.side_a_code, a.line.side_b_code)) or not a.document:
        raise Http404
    return FileResponse(a.document.open("rb"), as_attachment=True, filename=a.document.name.rsplit("/", 1)[-1])


@login_required
@require_GET
def record_table(request, pk):
    """联检记录表: the checks of an inspection as an XLSX sheet for the archive (one row a marker)."""
    import io

    from django.http import HttpResponse
    from openpyxl import Workbook
    from openpyxl.styles import Font

    insp = _get_inspection(request, pk)
    checks = _checks_by_marker(insp)
    wb = Workbook()
    ws = wb.active
    ws.title = _("联检记录表")
    ws.append([str(insp)])
    ws["A1"].font = Font(bold=True)
    heads = [_("序号"), _("界桩编号"), _("类型"), _("登记经度"), _("登记纬度"), _("现状"), _("实测经度"), _("实测纬度"), _("偏移（米）"),
             _("备注"), _("录入方"), _("甲方确认人"), _("乙方确认人")]
    ws.append(heads)
    for c in ws[2]:
        c.font = Font(bold=True)

    def text(v):  # a cell never starts a formula
        v = "" if v is None else str(v)
        return "'" + v if v[:1] in ("=", "+", "-", "@") else v

    for i, m in enumerate(BoundaryMarker.objects.filter(line_id=insp.line_id).order_by("number"), start=1):
        c = checks.get(m.pk)
        ws.append([i, m.number, str(m.get_marker_type_display()), round(m.geom.x, 7), round(m.geom.y, 7),
                   str(c.get_condition_display()) if c else str(_("未检查")),
                   round(c.geom.x, 7) if c and c.geom else None, round(c.geom.y, 7) if c and c.geom else None,
                   round(c.displacement_m, 2) if c and c.displacement_m is not None else None, text(c.notes) if c else "",
                   insp.party_name(c.side) if c else "", text(c.confirmed_a_by) if c and c.confirmed_a_by else "",
                   text(c.confirmed_b_by) if c and c.confirmed_b_by else ""])
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="inspection-{insp.line.code}-{insp.year}.xlsx"'
    return response


# --- the report (print view) -------------------------------------------------------------------------
def report_map(insp, markers, checks):
    """The standalone folium map of the report (layers.maps): the line and every marker coloured
    by its condition in this inspection."""
    from layers.maps import MapLayer, render_map

    labels = dict(MarkerCheck.Condition.choices) | {"unchecked": _("未检查")}
    fc = collection([feature(m.geom, number=m.number, condition=str(labels[checks[m.pk].condition if m.pk in checks else "unchecked"]),
                             displacement_m=(round(checks[m.pk].displacement_m, 2) if m.pk in checks and checks[m.pk].displacement_m is not None else None))
                     for m in markers])
    colours = {str(labels[k]): v for k, v in CONDITION_COLOURS.items()}
    layers = [
        MapLayer("boundary_lines", queryset=BoundaryLine.objects.filter(pk=insp.line_id)),
        MapLayer(fc, title=_("界桩（按现状着色）"), color_by="condition", colors=colours, tooltip="number",
                 fields=[("number", _("界桩编号")), ("condition", _("现状")), ("displacement_m", _("偏移（米）"))]),
    ]
    # The line's disputes not yet resolved (the register's locations), for the parties reading the report.
    disputes = BoundaryDispute.objects.filter(line_id=insp.line_id).exclude(state=BoundaryDispute.State.RESOLVED).order_by("reported_at")
    dfc = collection([feature(d.geom, parties=d.parties, state=str(d.get_state_display()), description=d.description[:80]) for d in disputes])
    if dfc["features"]:
        layers.append(MapLayer(dfc, title=_("涉界矛盾纠纷（未化解）"), tooltip="parties",
                               style={"color": "#000000", "fillColor": "#e7298a", "fillOpacity": 1, "radius": 7},
                               fields=[("parties", _("当事方")), ("state", _("状态")), ("description", _("情况描述"))]))
    return render_map(layers, title=str(insp))


@login_required
@require_GET
def report(request, pk):
    insp = _get_inspection(request, pk)
    markers = list(BoundaryMarker.objects.filter(line_id=insp.line_id).order_by("number"))
    checks = _checks_by_marker(insp)
    rows = [{"marker": m, "check": checks.get(m.pk)} for m in markers]
    return render(request, "boundaries/report.html", {
        "insp": insp, "rows": rows, "problems": list(insp.problems.all()),
        "sections": list(insp.sections.all()), "team_a": [m for m in insp.members.all() if m.side == "a"],
        "team_b": [m for m in insp.members.all() if m.side == "b"], "colours": CONDITION_COLOURS,
        "agreed": sum(1 for c in checks.values() if c.agreed), "now": timezone.now(),
    })


# The report's map is the standalone folium document (layers.maps), all inline code: it is served on
# its own, in an <iframe sandbox="allow-scripts"> of the report, so that its scripts run in an
# opaque origin (no cookies, no access to the report) and only this document's policy allows them.
@login_required
@require_GET
@xframe_options_sameorigin
@csp_replace({"script-src": ["'unsafe-inline'"], "frame-ancestors": ["'self'"], "sandbox": ["allow-scripts"]})
def report_map_document(request, pk):
    insp = _get_inspection(request, pk)
    markers = list(BoundaryMarker.objects.filter(line_id=insp.line_id).order_by("number"))
    return HttpResponse(report_map(insp, markers, _checks_by_marker(insp)), content_type="text/html; charset=utf-8")
