"""Pages of care visits. Thin: the rules are in services.py, the scope in accounts.scope.

- /care/            phone first, "my visits this week": the subjects due within the week or overdue in
                    the member's grids, a map of their households coloured by the deadline rule
                    (green/yellow/red, days overdue), and the visit form. The form posts to the API
                    (POST /api/care/visits/) as one plain call, so it can later be queued offline.
- /care/subjects/<id>/  one subject, numbers masked; ?reveal=1 the full record (allowed roles, audited).
- /care/due/        staff: due and overdue visits per grid and per member (the district tier: counts
                    only), with the list and map of the households for those responsible.
- /care/stats/      aggregate figures for everyone: subjects per category and grid, visits on time,
                    needs found and resolved; small cells hidden outside the caller's grids.
- /care/export.csv  the personal data of one's grids, for the roles allowed, audited.
"""
import csv
from collections import OrderedDict
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from geogrid.accounts.pages import refuse
from geogrid.accounts.scope import TIER_GRID, scope_of
from geogrid.geo.geojson import collection, feature
from geogrid.grids.services import home_area
from geogrid.workflow import deadlines
from geogrid.workflow.exceptions import WorkflowError

from . import services as care
from .api import subject_rows
from .models import CareSubject, CareVisit, CareVisitPhoto
from .privacy import mask_id_number, mask_phone

RANK = {deadlines.GREEN: 0, deadlines.YELLOW: 1, deadlines.RED: 2, None: -1}
HISTORY = 20  # visits shown on a subject's page


def annotate(rows, now):
    for subject in rows:
        sch = care.schedule(subject, now)
        subject.due_at, subject.status, subject.days_overdue = sch["due_at"], sch["status"], sch["days_overdue"]
        subject.status_label = deadlines.STATUS_LABELS.get(sch["status"], "")
        subject.masked_phone = mask_phone(subject.phone)
        subject.masked_id = mask_id_number(subject.id_number)
        subject.category_names = "、".join(c.name for c in subject.categories.all())
    return rows


def household_map(subjects):
    """One point per household, its colour the worst of its subjects', with the subjects listed."""
    homes = OrderedDict()
    for s in subjects:
        h = s.household
        entry = homes.setdefault(h.pk, {"geom": h.geom, "address": h.address, "subjects": []})
        entry["subjects"].append({"id": s.pk, "name": s.name, "status": s.status, "days": s.days_overdue})
    out = []
    for pk, h in homes.items():
        worst = max(h["subjects"], key=lambda x: (RANK[x["status"]], x["days"]))
        out.append(feature(h["geom"], id=pk, address=h["address"], status=worst["status"], days=worst["days"], subjects=h["subjects"]))
    return collection(out)


def legend():
    return [{"code": c, "label": str(deadlines.STATUS_LABELS[c])} for c in (deadlines.GREEN, deadlines.YELLOW, deadlines.RED)]


@login_required
@require_GET
def my_visits(request):
    user = request.user
    scope = scope_of(user)
    if scope.responsible_q("household__grid") is None:
        return refuse(request, _("您不负责任何网格的关爱对象；全区汇总数字见关爱统计。"))
    now = timezone.now()
    mine = scope.tier == TIER_GRID
    due = annotate(list(subject_rows(care.due_subjects(user, now=now, mine=mine))), now)
    everyone = care.visible_subjects(user, CareSubject.objects.filter(active=True))
    if mine:
        everyone = everyone.filter(responsible=user) | everyone.filter(responsible__isnull=True)
    on_map = annotate(list(subject_rows(everyone).order_by("household__grid__code", "name", "id")), now)
    config = {
        "households": household_map(on_map), "area": home_area(user), "legend": legend(),
        "api": {"visits": reverse("care-visit-list")},
        "text": {"saved": _("已登记走访"), "incident": _("发现的需求已转为事件，编号 %s"), "failed": _("未能登记：%s"),
                 "overdue": _("超期 %s 天"), "visit": _("登记走访")},
    }
    return render(request, "care/my_visits.html", {
        "due": due, "overdue_n": sum(1 for s in due if s.status == deadlines.RED), "config": config, "now": now,
        "week_end": now + timedelta(days=care.due_ahead_days()), "legend": legend(),
    })


@login_required
@require_GET
def subject_page(request, pk):
    subject = (subject_rows(care.visible_subjects(request.user)).select_related("household__building__head__user")
               .filter(pk=pk).first())
    if subject is None:
        raise Http404(_("没有找到该记录，或您无权查看"))
    reveal = request.GET.get("reveal") == "1"
    if reveal:
        try:
            care.reveal_subject(request.user, subject)
        except WorkflowError as exc:
            return refuse(request, exc.message, status=exc.status_code)
    now = timezone.now()
    annotate([subject], now)
    visits = list(CareVisit.objects.filter(subject=subject).select_related("visitor", "incident").prefetch_related("photos")
                  .order_by("-visited_at", "-id")[:HISTORY])
    return render(request, "care/subject.html", {
        "subject": subject, "reveal": reveal, "may_reveal": care.may_reveal(request.user, subject), "visits": visits,
        "id_shown": subject.id_number if reveal else subject.masked_id, "phone_shown": subject.phone if reveal else subject.masked_phone,
    })


@login_required
@require_GET
def due_page(request):
    user = request.user
    scope = scope_of(user)
    personal = scope.responsible_q("household__grid") is not None
    if not scope.oversees_grids:  # the same rule as GET /api/care/due/
        return refuse(request, _("待走访汇总仅供网格人员和有辖区的工作人员查看"))
    now = timezone.now()
    overview = care.due_overview(user, now)
    rows, config = [], None
    if personal:
        rows = annotate(list(subject_rows(care.due_subjects(user, now=now))), now)
        config = {"households": household_map(rows), "area": home_area(user), "legend": legend(),
                  "text": {"overdue": _("超期 %s 天")}}
    return render(request, "care/due.html", {"overview": overview, "rows": rows, "config": config, "personal": personal,
                                              "legend": legend(), "may_export": care.may_export(user)})


STATS_DAYS = 30  # the visits counted: the last 30 days unless ?days= says otherwise


@require_GET
def stats_page(request):
    raw = request.GET.get("days", str(STATS_DAYS))
    if not raw.isdigit() or not 1 <= int(raw) <= 366:
        return refuse(request, _("统计天数应为 1–366 的整数"), status=400)
    now = timezone.now()
    figures = care.statistics(now=now, start=now - timedelta(days=int(raw)), end=now, user=request.user)
    return render(request, "care/stats.html", {"s": figures, "days": int(raw)})


@login_required
@require_GET
def export_csv(request):
    try:
        rows = care.export_subjects(request.user)
    except WorkflowError as exc:
        return refuse(request, exc.message, status=exc.status_code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="care_subjects.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM
    out = csv.writer(response)
    out.writerow([_("网格编码"), _("网格"), _("地址"), _("姓名"), _("身份证号"), _("联系电话"), _("关爱类别"), _("责任网格员"), _("最近走访")])
    for s in rows:
        out.writerow([s.household.grid.code, s.household.grid.name, s.household.address, s.name, s.id_number, s.phone,
                      "、".join(c.name for c in s.categories.all()), str(s.responsible or ""),
                      timezone.localtime(s.last_visited_at).strftime("%Y-%m-%d %H:%M") if s.last_visited_at else ""])
    return response


@login_required
@require_GET
def visit_photo(request, visit, photo, size):
    """A visit's photo (or its thumbnail), for those who may see the subject: the one way out."""
    if size not in ("full", "thumb"):
        raise Http404(size)
    p = CareVisitPhoto.objects.filter(pk=photo, visit_id=visit, visit__subject__in=care.visible_subjects(request.user)).first()
    if p is None:
        raise Http404(_("照片不存在"))
    field = p.thumbnail if size == "thumb" else p.image
    try:
        fh = field.open("rb")
    except FileNotFoundError:
        raise Http404(_("照片文件不存在"))
    resp = FileResponse(fh, content_type="image/jpeg" if size == "thumb" else p.content_type)
    resp["Cache-Control"] = "private, max-age=86400"
    return resp
