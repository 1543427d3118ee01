"""Care visits (关爱走访): the rules, read top to bottom.

- Who sees a care subject: the people responsible for its level-5 grid (accounts.scope.responsible_q:
  the grid's team or its level-4 parent's, its community and street staff). Everyone else, the
  district tier and the public included, reads aggregate counts only (statistics(), with the small
  cells of grids outside their scope hidden: privacy.suppress_small_cells).
- Who may open the full record (?reveal=1) and who may export: accounts.roles CARE_REVEAL_ROLES /
  CARE_EXPORT_ROLES, among those responsible; each reveal and export is written to the audit log.
- The schedule: a subject is due `interval_days` (the shortest interval of its categories) after the
  last visit at which the person was seen (or after `since` when never); the colour is the deadline
  rule of geogrid.workflow.deadlines (green, yellow from 80 % of the interval used, red past due).
- A visit (record_visit) is written with its schedule in one transaction; a need found becomes an
  incident (incidents.services.report_incident, 上门办 or 帮助办) in the same transaction, so a need
  that cannot become a case leaves no visit behind.
"""
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Max, Min, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from geogrid.accounts.roles import CARE_EXPORT_ROLES, CARE_REVEAL_ROLES, GRID_ROLES, Role
from geogrid.accounts.scope import COMMUNITY, scope_of
from geogrid.audit.services import record
from geogrid.grids.services import grids_at
from geogrid.incidents.models import Incident, IncidentMode
from geogrid.incidents.photos import prepare_photos
from geogrid.incidents.services import report_incident
from geogrid.notifications.models import Notification
from geogrid.notifications.services import Item, notify_all
from geogrid.workflow import deadlines
from geogrid.workflow.exceptions import TransitionForbidden

from .models import CareCategory, CareSubject, CareVisit, CareVisitPhoto, Household
from .privacy import mask_name, suppress_small_cells

NEED_MODES = (IncidentMode.VISIT, IncidentMode.HELP)  # 上门办 / 帮助办
DAY = timedelta(days=1)


def need_category():
    return getattr(settings, "GEOGRID_CARE_NEED_CATEGORY", "person_in_need")


def due_ahead_days():
    """"This week": subjects due within this many days are listed with the overdue ones."""
    return int(getattr(settings, "GEOGRID_CARE_DUE_AHEAD_DAYS", 7))


# --- who ---------------------------------------------------------------------------------------------
def visible_subjects(user, qs=None):
    """The care subjects this user may see (masked); the base of every subject query."""
    qs = CareSubject.objects.all() if qs is None else qs
    q = scope_of(user).responsible_q("household__grid")
    return qs.none() if q is None else qs.filter(q)


def _team_of(scope, subject):
    grid = subject.household.grid
    codes = scope.grid_codes
    return bool(codes) and (grid.code in codes or (grid.parent_id is not None and grid.parent.code in codes))


def _own_community(scope, subject):
    return scope.area_level == COMMUNITY and scope.user.area_id == subject.household.grid.community_id


def may_reveal(user, subject):
    """The full record: the grid's team (网格员/网格长) and the staff of its community."""
    scope = scope_of(user)
    if not scope.has_role(*CARE_REVEAL_ROLES):
        return False
    return ((scope.has_role(*GRID_ROLES) and _team_of(scope, subject))
            or (scope.has_role(Role.COMMUNITY_STAFF) and _own_community(scope, subject)))


def may_visit(user, subject):
    """A visit is recorded by the grid's team or the staff of its community."""
    scope = scope_of(user)
    return scope.authenticated and (_team_of(scope, subject) or (scope.has_role(Role.COMMUNITY_STAFF) and _own_community(scope, subject)))


def check_responsible(responsible, household):
    """The responsible member must be on the team of the household's grid (or its level-4 parent)."""
    if responsible is None or household is None:
        return
    grid = household.grid
    codes = scope_of(responsible).grid_codes
    if grid.code not in codes and (grid.parent_id is None or grid.parent.code not in codes):
        raise ValidationError({"responsible": [_("责任网格员须是该户所在网格（或其上级四级网格）的在岗成员")]})


def may_export(user):
    return scope_of(user).has_role(*CARE_EXPORT_ROLES) and scope_of(user).responsible_q("household__grid") is not None


# --- the schedule ----------------------------------------------------------------------------------------
def schedule(subject, now=None):
    """{due_at, status (green/yellow/red), days_overdue, started_at} of a subject at `now`."""
    now = now or timezone.now()
    started = subject.last_visited_at or subject.since
    due = started + subject.interval_days * DAY
    status = deadlines.deadline_status(started, due, now)
    return {"started_at": started, "due_at": due, "status": status, "days_overdue": days_overdue(due, now)}


def days_overdue(due, now):
    """Whole days past due, at least 1 once past it; 0 before."""
    return max(1, (now - due).days) if now > due else 0


def with_schedule(qs):
    """qs annotated with due_at and warn_at (when it turns yellow), in SQL, so lists filter and sort."""
    start = Coalesce("last_visited_at", "since")
    return qs.annotate(
        due_at=ExpressionWrapper(start + F("interval_days") * DAY, output_field=DateTimeField()),
        warn_at=ExpressionWrapper(start + F("interval_days") * timedelta(days=deadlines.yellow_fraction()), output_field=DateTimeField()),
    )


def colour_q(status, now):
    if status == deadlines.RED:
        return Q(due_at__lt=now)
    if status == deadlines.YELLOW:
        return Q(due_at__gte=now, warn_at__lte=now)
    return Q(warn_at__gt=now)


def recompute_schedule(subject):
    """Keep the schedule columns of a subject true: the shortest interval of its active categories
    (the setting's default without any) and its last visit at which the person was seen."""
    agg = CareCategory.objects.filter(subjects=subject, active=True).aggregate(n=Min("visit_interval_days"))
    last = CareVisit.objects.filter(subject=subject, seen=True).aggregate(t=Max("visited_at"))["t"]
    interval = agg["n"] or int(getattr(settings, "GEOGRID_CARE_DEFAULT_INTERVAL_DAYS", 30))
    CareSubject.objects.filter(pk=subject.pk).update(interval_days=interval, last_visited_at=last)
    subject.interval_days, subject.last_visited_at = interval, last
    return subject


def due_subjects(user, now=None, ahead_days=None, mine=False):
    """Subjects the user may see whose visit is due within ahead_days (this week) or overdue, most
    overdue first; mine: only those the user is responsible for (or nobody is, in their grids)."""
    now = now or timezone.now()
    ahead = due_ahead_days() if ahead_days is None else ahead_days
    qs = with_schedule(visible_subjects(user, CareSubject.objects.filter(active=True)))
    if mine:
        qs = qs.filter(Q(responsible=user) | Q(responsible__isnull=True))
    return qs.filter(due_at__lte=now + ahead * DAY).order_by("due_at", "id")


# --- households ----------------------------------------------------------------------------------------
def place_household(household, when=None):
    """The level-5 grid of a household's point (derived, never typed in); ValidationError outside."""
    grid = next((g for g in grids_at(household.geom, when) if g.level == 5), None)
    if grid is None:
        raise ValidationError({"geom": [_("该位置不在任何五级网格内，请检查户的位置")]})
    household.grid = grid
    return household


# --- visits ------------------------------------------------------------------------------------------------
def _parse_when(value, now):
    if value in (None, ""):
        return now
    when = value if hasattr(value, "tzinfo") else parse_datetime(str(value))
    if when is None:
        raise ValidationError({"visited_at": [_("走访时间格式应为 ISO 8601，如 2026-05-01T09:30:00+08:00")]})
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when


def record_visit(user, subject, *, visited_at=None, seen, situation, needs="", need_mode=None, photos=(), now=None):
    """Record a visit; a need found becomes an incident in the subject's grid in the same step.
    Everything is checked first; ValidationError (400) or TransitionForbidden (403) leave nothing."""
    if not (user and user.is_authenticated) or not may_visit(user, subject):
        raise TransitionForbidden(_("只有本网格的网格员或本社区工作人员可以登记走访"), action="care_visit")
    now = now or timezone.now()
    errors = {}
    try:
        when = _parse_when(visited_at, now)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        when = None
    if when is not None and when > now + timedelta(minutes=10):
        errors["visited_at"] = [_("走访时间不能晚于现在")]
    if when is not None and when < subject.since - timedelta(days=366):
        errors["visited_at"] = [_("走访时间早于纳入关爱的时间一年以上，请核对")]
    if not isinstance(seen, bool):
        errors["seen"] = [_("请说明是否见到本人")]
    situation = (situation or "").strip()
    if not situation:
        errors["situation"] = [_("请填写走访情况")]
    elif len(situation) > 2000:
        errors["situation"] = [_("走访情况不能超过 2000 字")]
    needs = (needs or "").strip()
    if len(needs) > 2000:
        errors["needs"] = [_("需求不能超过 2000 字")]
    mode = need_mode or IncidentMode.VISIT
    if needs and mode not in NEED_MODES:
        errors["need_mode"] = [_("需求的办理方式只能是上门办或帮助办")]
    if not subject.active:
        errors["subject"] = [_("该关爱对象已不在册")]
    if errors:
        raise ValidationError(errors)
    prepared = prepare_photos(photos)  # checked before anything is written
    household = subject.household
    with transaction.atomic():
        subject = CareSubject.objects.select_for_update().get(pk=subject.pk)
        previous = (CareVisit.objects.filter(subject=subject, seen=True, visited_at__lt=when)
                    .aggregate(t=Max("visited_at"))["t"])
        due = (previous or subject.since) + subject.interval_days * DAY
        visit = CareVisit.objects.create(subject=subject, visitor=user, grid=household.grid, visited_at=when, seen=seen,
                                         situation=situation, needs=needs, due_at=due, on_time=when <= due, recorded_at=now)
        save_visit_photos(visit, prepared)
        if needs:  # the case gets the photos too: they show what is needed
            categories = "、".join(c.name for c in subject.categories.all())
            description = _("走访发现需求（%(who)s，%(cats)s）：%(needs)s") % {"who": mask_name(subject.name), "cats": categories, "needs": needs}
            visit.incident = report_incident(user, category=need_category(), description=description[:2000], lon=household.geom.x,
                                             lat=household.geom.y, crs="EPSG:4490", mode=mode, photos=photos, address=household.address,
                                             now=now)
            visit.save(update_fields=["incident"])
        if seen and (subject.last_visited_at is None or when > subject.last_visited_at):
            subject.last_visited_at = when
            CareSubject.objects.filter(pk=subject.pk).update(last_visited_at=when)
        record(visit, "care_visit", actor=user, at=now, subject=subject.pk, seen=seen, on_time=visit.on_time,
               incident=visit.incident.number if visit.incident else None, photos=len(prepared))
    return visit


def save_visit_photos(visit, prepared):
    for p in prepared:
        photo = CareVisitPhoto(visit=visit, content_type=p.content_type, size=len(p.content), sha256=p.sha256)
        photo.image.save(p.name, ContentFile(p.content), save=False)
        photo.thumbnail.save(p.name.rsplit(".", 1)[0] + "_thumb.jpg", ContentFile(p.thumbnail), save=False)
        photo.width, photo.height = p.width, p.height
        photo.save()


# --- personal data ---------------------------------------------------------------------------------------
def reveal_subject(user, subject, now=None):
    """The full record of a subject for a user allowed to see it, written to the audit log first."""
    if not may_reveal(user, subject):
        raise TransitionForbidden(_("您无权查看该关爱对象的完整信息（身份证号、电话）"), action="care_reveal")
    record(subject, "care_reveal", actor=user, at=now or timezone.now(), fields=["id_number", "phone"])
    return subject


def export_subjects(user, now=None):
    """The subjects (full numbers) a user may export, the export written to the audit log."""
    if not may_export(user):
        raise TransitionForbidden(_("导出个人信息需要社区工作人员角色，且仅限本人负责的网格"), action="care_export")
    rows = list(visible_subjects(user, CareSubject.objects.filter(active=True))
                .select_related("household__grid", "responsible").defer("household__grid__geom")
                .prefetch_related("categories").order_by("household__grid__code", "name", "id"))
    record(user, "care_export", actor=user, at=now or timezone.now(), count=len(rows), subjects=[s.pk for s in rows])
    return rows


# --- overviews and statistics ---------------------------------------------------------------------------
def colour_counts(qs, now, by):
    """{value of `by`: {"n", "green", "yellow", "red"}} for active subjects of qs, one query."""
    qs = with_schedule(qs.filter(active=True))
    aggs = {"n": Count("id", distinct=True)}
    for c in (deadlines.GREEN, deadlines.YELLOW, deadlines.RED):
        aggs[c] = Count("id", filter=colour_q(c, now), distinct=True)
    return {tuple(row[k] for k in by): row for row in qs.values(*by).annotate(**aggs).order_by(*by)}


def due_overview(user, now=None):
    """Due and overdue visits per grid and per member. Those responsible for grids see their grids;
    other staff (the district tier) the whole district, in counts only."""
    now = now or timezone.now()
    scope = scope_of(user)
    q = scope.responsible_q("household__grid")
    base = CareSubject.objects.all() if q is None else CareSubject.objects.filter(q)
    grids = colour_counts(base, now, ("household__grid__code", "household__grid__name"))
    members = colour_counts(base, now, ("responsible__full_name", "responsible__username", "household__grid__name"))
    return {"personal": q is not None, "grids": list(grids.values()), "members": list(members.values())}


def min_cell():
    """Public statistics hide a grid's count below this (privacy.suppress_small_cells)."""
    return int(getattr(settings, "GEOGRID_CARE_STATS_MIN_CELL", 3))


def responsible_grid_codes(user):
    """Codes of the grids (with households) the user is responsible for (accounts.scope.responsible_q)."""
    q = scope_of(user).responsible_q("grid")
    return frozenset() if q is None else frozenset(Household.objects.filter(q).values_list("grid__code", flat=True).distinct())


def statistics(now=None, start=None, end=None, user=None):
    """Aggregate figures of the whole district (no personal data): subjects per category and grid,
    visits in the period and on time, coverage (subjects not overdue), needs found and resolved.
    Exact in the grids `user` is responsible for; elsewhere (the public, other grids, the district
    tier) small cells are hidden (privacy.suppress_small_cells). A fixed number of queries."""
    now = now or timezone.now()
    end = end or now
    start = start or end - timedelta(days=30)
    active = CareSubject.objects.filter(active=True)
    by_cat = defaultdict(dict)
    for row in (active.values("household__grid__code", "household__grid__name", "categories__name")
                .annotate(n=Count("id")).order_by("household__grid__code")):
        by_cat[(row["household__grid__code"], row["household__grid__name"])][row["categories__name"]] = row["n"]
    cats = list(CareCategory.objects.filter(active=True).values_list("name", flat=True))
    colours = colour_counts(CareSubject.objects.all(), now, ("household__grid__code",))
    visits = CareVisit.objects.filter(visited_at__gte=start, visited_at__lte=end)
    per_grid_visits = {r["grid__code"]: r for r in visits.values("grid__code").annotate(
        n=Count("id"), on_time=Count("id", filter=Q(on_time=True)), needs=Count("incident"),
        resolved=Count("incident", filter=Q(incident__state=Incident.State.CLOSED))).order_by()}
    rows = []
    for (code, name), per in sorted(by_cat.items()):
        c = colours.get((code,), {})
        v = per_grid_visits.get(code, {})
        rows.append({"code": code, "name": name, "per_category": [per.get(cat, 0) for cat in cats],
                     "subjects": c.get("n", 0), "overdue": c.get(deadlines.RED, 0),
                     "coverage": percent(c.get("n", 0) - c.get(deadlines.RED, 0), c.get("n", 0)),
                     "visits": v.get("n", 0), "on_time": percent(v.get("on_time", 0), v.get("n", 0)),
                     "needs": v.get("needs", 0), "resolved": v.get("resolved", 0)})
    total = visits.aggregate(n=Count("id"), on_time=Count("id", filter=Q(on_time=True)), needs=Count("incident"),
                             resolved=Count("incident", filter=Q(incident__state=Incident.State.CLOSED)))
    subjects = sum(r["subjects"] for r in rows)
    overdue = sum(r["overdue"] for r in rows)
    table = {"start": start, "end": end, "categories": cats, "rows": rows, "min_cell": min_cell(),
             "per_category": [sum(r["per_category"][i] for r in rows) for i in range(len(cats))],
             "total": {"subjects": subjects, "overdue": overdue, "coverage": percent(subjects - overdue, subjects),
                       "visits": total["n"], "on_time": percent(total["on_time"], total["n"]),
                       "needs": total["needs"], "resolved": total["resolved"]}}
    return suppress_small_cells(table, responsible_grid_codes(user), min_cell())


def notify_due_visits(now=None):
    """The nightly check of visits (manage.py notify_care_due): each responsible member is told of
    their subjects whose visit turned yellow (临期) or red (超期), once per subject, due date and
    colour, so running it twice tells nobody twice. Names are masked: a notification may be mailed.
    A fixed number of queries."""
    now = now or timezone.now()
    qs = (with_schedule(CareSubject.objects.filter(active=True, responsible__isnull=False, responsible__is_active=True))
          .filter(warn_at__lte=now).select_related("responsible"))
    items, counts = [], {"due_soon": 0, "overdue": 0}
    for subject in qs:
        red = subject.due_at < now
        kind = Notification.Kind.OVERDUE if red else Notification.Kind.DUE_SOON
        counts["overdue" if red else "due_soon"] += 1
        title = (_("走访超期：%(who)s 应于 %(due)s 走访") if red else _("走访临期：%(who)s 应于 %(due)s 前走访")) % {
            "who": mask_name(subject.name), "due": timezone.localtime(subject.due_at).strftime("%m-%d")}
        items.append(Item(subject.responsible, kind, subject, title, url=reverse("care_subject", args=[subject.pk]),
                          key=f"care:{subject.pk}:{subject.due_at.isoformat()}:{kind}"))
    made = notify_all(items, now=now)
    return dict(counts, new=len(made), told_before=len(items) - len(made))


def percent(part, whole):
    return None if not whole else round(100.0 * part / whole, 1)

