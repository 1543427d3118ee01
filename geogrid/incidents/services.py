"""Incidents (事件/案卷): reporting, numbering, duplicate suggestion and the transition table.

Pages and API call these functions; the rules are here and nowhere else:

- report_incident(user, category=, description=, lon=, lat=, crs=None, mode=None, photos=(), …)
- transition(incident, action, user, note="", **fields) — the one way a case changes state
- available_actions(incident, user), timeline(incident), deadline_status(incident, now=None)
- similar_open_incidents(category, point, …) and mark_duplicate(incident, original, user, note)
- candidate_assignees(incident): who a case may be dispatched to (clean_dispatch accepts only them)

Beyond register → dispatch → handle → verify → close: a 帮助办 or district-level case is passed to a
functional department (to_department; its users accept it), and a closed case is evaluated
(evaluate, 综合评价; a first "dissatisfied" sends it back to handling).
"""
import math
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.measure import D
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from geogrid.accounts.models import Department
from geogrid.accounts.roles import HANDLER_ROLES, STAFF_ROLES, Role
from geogrid.audit.services import history, record
from geogrid.geo.crs import CRSError, parse_input_crs, point_to_storage
from geogrid.grids.models import AdminArea, Grid, GridMember
from geogrid.grids.services import locate
from geogrid.workflow import deadlines
from geogrid.workflow.engine import T, Workflow
from geogrid.workflow.exceptions import MissingFields, TransitionForbidden

from .models import CategoryQuestion, Incident, IncidentCategory, IncidentCounter, IncidentMode, Satisfaction
from .permissions import (LEVELS, in_case_department, in_member_grid, in_own_community, in_staff_scope, staff_tier,
                          visible_incidents)
from .photos import prepare_photos, save_photos

S = Incident.State
OPEN = Incident.OPEN_STATES
TERMINAL = (S.REJECTED, S.CLOSED)
REPORTER_ROLES = HANDLER_ROLES
# 综合评价: how many times a "dissatisfied" evaluation sends a case back to handling; after that a
# dissatisfied evaluation is recorded and the case stays closed.
EVALUATION_REWORKS = 1
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)  # what the satisfaction rate counts


# --- time limits ------------------------------------------------------------------------------
def stage_hours(incident, state):
    """Hours allowed in `state`: the category's own limit, else the setting; × the 五办 mode factor."""
    limits = incident.category.time_limits or {}
    hours = limits.get(state, settings.GEOGRID_INCIDENT_STAGE_HOURS.get(state))
    if hours is None:
        return None
    return float(hours) * float(settings.GEOGRID_INCIDENT_MODE_FACTORS.get(incident.mode, 1.0))


# --- hooks of the table -----------------------------------------------------------------------
def level_index(incident):
    return LEVELS.index(incident.responsible_level)


def staff_at_level(incident, user):
    """Staff of the case's area working at (or above) the level the case is now the
    responsibility of: community staff for grid/community cases, the street for street cases…"""
    if not in_staff_scope(incident, user):
        return _("此案卷不在您的辖区内")
    if staff_tier(user) < max(1, level_index(incident)):
        return _("此案卷已上报至%(level)s，由上级处理") % {"level": incident.get_responsible_level_display()}
    return None


def is_assignee(incident, user):
    return incident.assignee_id == user.pk or _("只有承办人可以执行此操作")


def may_escalate(incident, user):
    """The assignee or grid team may pass a grid-level case up to the community; staff pass a case
    at their own level (or below) up one level."""
    tier = staff_tier(user)
    if tier == 0:
        if incident.responsible_level != Incident.Level.GRID:
            return _("此案卷已不在网格层级")
        return incident.assignee_id == user.pk or in_member_grid(incident, user) or _("只有承办人或本网格人员可以上报")
    if not in_staff_scope(incident, user):
        return _("此案卷不在您的辖区内")
    if tier < level_index(incident):
        return _("此案卷已上报至%(level)s，由上级处理") % {"level": incident.get_responsible_level_display()}
    return None


def below_district(incident, now):
    if incident.responsible_level == Incident.Level.DISTRICT:
        return _("已上报至区级部门，不能再上报")
    return None


def overdue(incident, now):
    if incident.deadline is None or incident.deadline >= now:
        return _("此案卷本环节尚未超期，无需督办")
    return None


def _clean_mode(fields):
    mode = fields.get("mode")
    if mode in (None, ""):
        return None
    if mode not in IncidentMode.values:
        raise MissingFields(_("办理方式无效"), fields={"mode": _("可选：%(v)s") % {"v": "、".join(IncidentMode.values)}})
    return mode


def clean_mode(incident, user, fields):
    return dict(fields, mode=_clean_mode(fields))


def clean_dispatch(incident, user, fields):
    assignee = fields.get("assignee")
    User = get_user_model()
    if not isinstance(assignee, User):
        try:
            assignee = User.objects.get(pk=int(assignee), is_active=True)
        except (TypeError, ValueError, User.DoesNotExist):
            raise MissingFields(_("承办人不存在"), fields={"assignee": _("不存在或已停用的用户")})
    if not assignee.is_active or not assignee.has_role(*HANDLER_ROLES):
        raise MissingFields(_("承办人必须是网格员或工作人员"), fields={"assignee": _("没有可承办的角色")})
    if assignee.pk not in {u.pk for u, _desc in candidate_assignees(incident)}:
        raise MissingFields(
            _("%(name)s 不能承办此案卷：承办人须是%(where)s的人员") % {"name": assignee, "where": "、".join(responsible_places(incident))},
            fields={"assignee": _("其所属区域、网格或部门不包含此案卷")})
    return dict(fields, assignee=assignee, mode=_clean_mode(fields))


def clean_department(incident, user, fields):
    """The department to pass the case to: an active one, given as itself, its id or its code."""
    given = fields.get("department")
    value = given.pk if isinstance(given, Department) else str(given or "").strip()
    found = Department.objects.filter(active=True).filter(Q(pk=int(value)) if str(value).isdigit() else Q(code=value)).first()
    if found is None:
        raise MissingFields(_("承办部门不存在或已停用"), fields={"department": _("请选择启用中的职能部门")})
    return dict(fields, department=found)


def clean_reject(incident, user, fields):
    """A rejection may name the case this one duplicates (a case or its id). It must be a case the user
    may see: any other is refused like one that does not exist, so the answer tells nothing about cases
    out of scope. The link goes to the case that one was itself merged into (whose number its own page
    already shows), never to this case."""
    dup = fields.get("duplicate_of")
    if dup in (None, ""):
        return dict(fields, duplicate_of=None)
    try:
        pk = int(dup.pk if isinstance(dup, Incident) else dup)
        dup = visible_incidents(user, Incident.objects.select_related("duplicate_of")).get(pk=pk)
    except (TypeError, ValueError, Incident.DoesNotExist):
        raise MissingFields(_("找不到重复的原案卷：编号有误，或不在您可查看的范围内"), fields={"duplicate_of": _("不存在或无权查看")})
    root = dup.duplicate_of or dup
    if root.pk == incident.pk:
        raise MissingFields(_("案卷不能与自身重复"), fields={"duplicate_of": _("不能是本案卷")})
    return dict(fields, duplicate_of=root)


def set_mode(incident, user, fields, now):
    if fields.get("mode") and fields["mode"] != incident.mode:
        old, incident.mode = incident.mode, fields["mode"]
        return {"mode": incident.mode, "old_mode": old}
    return {}


def do_dispatch(incident, user, fields, now):
    """To a person. Dispatched to someone outside the department the case was passed to, the case
    leaves that department (whose users then no longer see it)."""
    data = set_mode(incident, user, fields, now)
    incident.assignee = fields["assignee"]
    data.update(assignee=incident.assignee.pk, assignee_name=str(incident.assignee))
    if incident.department_id is not None and not in_case_department(incident, incident.assignee):
        data.update(from_department=incident.department_id, from_department_name=str(incident.department))
        incident.department = None
    return data


def department_case(incident, now):
    """Functional departments take the cases handled as 帮助办 and those escalated to the district."""
    if incident.mode != IncidentMode.HELP and incident.responsible_level != Incident.Level.DISTRICT:
        return _("只有帮助办或已上报至区级部门的案卷可以转交职能部门")
    return None


def do_to_department(incident, user, fields, now):
    """The department's users see the case; one of them accepts it (and becomes its assignee)."""
    data = set_mode(incident, user, fields, now)
    incident.department = fields["department"]
    incident.assignee = None
    return dict(data, department=incident.department.pk, department_name=incident.department.name)


def may_accept(incident, user):
    """The assignee accepts; a case passed to a department without an assignee, any of its users."""
    if incident.assignee_id == user.pk:
        return None
    if incident.assignee_id is None and incident.department_id is not None:
        return in_case_department(incident, user) or _("只有承办部门的工作人员可以受理")
    return _("只有承办人可以执行此操作")


def do_accept(incident, user, fields, now):
    if incident.assignee_id is None:  # a department user takes the department's case
        incident.assignee = user
        return {"assignee": user.pk, "assignee_name": str(user)}
    return {}


def do_reject(incident, user, fields, now):
    incident.duplicate_of = fields.get("duplicate_of")
    return {"duplicate_of": incident.duplicate_of.number} if incident.duplicate_of else {}


def do_classify(incident, user, fields, now):
    data = set_mode(incident, user, fields, now)
    # Same stage, new mode: the stage clock keeps running, its time limit follows the mode.
    WORKFLOW.set_deadline(incident, incident.state_entered_at)
    return data


def do_close(incident, user, fields, now):
    incident.closed_at = now
    return {}


def do_escalate(incident, user, fields, now):
    old = incident.responsible_level
    incident.responsible_level = LEVELS[LEVELS.index(old) + 1]
    incident.assignee = None
    return {"from_level": old, "to_level": incident.responsible_level}


def do_urge(incident, user, fields, now):
    incident.urge_count += 1
    return {"urge_count": incident.urge_count}


# --- 综合评价 (evaluation of a closed case) ---------------------------------------------------------
def may_evaluate(incident, user):
    """The reporter, or community staff of the case's community, evaluate a closed case."""
    if incident.reporter_id == user.pk or in_own_community(incident, user):
        return None
    return _("只有上报人或案卷所在社区的工作人员可以评价")


def not_yet_evaluated(incident, now):
    """One evaluation per closing: after a rework the case is closed again and evaluated again."""
    if incident.evaluated_at is not None and (incident.closed_at is None or incident.evaluated_at >= incident.closed_at):
        return _("此案卷已评价（%(s)s）") % {"s": incident.get_satisfaction_display()}
    return None


def clean_evaluation(incident, user, fields):
    value = fields.get("satisfaction")
    if value not in Satisfaction.values:
        raise MissingFields(_("满意度无效"), fields={"satisfaction": _("可选：%(v)s") % {"v": "、".join(Satisfaction.values)}})
    if value == Satisfaction.DISSATISFIED and not fields.get("note"):
        raise MissingFields(_("评价为不满意时请写明原因"), fields={"note": _("必填")})
    return dict(fields, satisfaction=value)


def do_evaluate(incident, user, fields, now):
    """Store the evaluation. The first "dissatisfied" (up to EVALUATION_REWORKS) sends the case back
    to its assignee in handling (返工), its clock restarted; a later one is recorded and the case
    stays closed. The reason is the transition's note, so the timeline shows it."""
    incident.satisfaction = fields["satisfaction"]
    incident.evaluation_comment = fields.get("note", "")
    incident.evaluated_at = now
    rework = incident.satisfaction == Satisfaction.DISSATISFIED and incident.evaluation_reworks < EVALUATION_REWORKS
    if rework:
        incident.evaluation_reworks += 1
        incident.state = S.HANDLING
        incident.closed_at = None
        WORKFLOW.restart_clock(incident, now)
    return {"satisfaction": incident.satisfaction, "rework": rework}


STAFF, HANDLERS, ANYONE = STAFF_ROLES, HANDLER_ROLES, HANDLER_ROLES

# The transition table of a case (GB/T 30428 style). Read a row as: from these states, this
# action leads to that state, for these roles, if the hook allows, given these fields.
INCIDENT_TRANSITIONS = [
    T(S.REPORTED, "register", S.REGISTERED, STAFF, label=_("立案"), allowed=staff_at_level, clean=clean_mode, effect=set_mode),
    T(S.REPORTED, "reject", S.REJECTED, STAFF, label=pgettext_lazy("case action", "不予立案"), requires=("note",), allowed=staff_at_level,
      clean=clean_reject, effect=do_reject),
    T((S.REGISTERED, S.DISPATCHED), "dispatch", S.DISPATCHED, STAFF, label=_("派遣"), requires=("assignee",),
      allowed=staff_at_level, clean=clean_dispatch, effect=do_dispatch),
    T((S.REGISTERED, S.DISPATCHED), "to_department", S.DISPATCHED, STAFF, label=_("转交职能部门"), requires=("department",),
      allowed=staff_at_level, condition=department_case, clean=clean_department, effect=do_to_department),
    T(S.DISPATCHED, "accept", S.HANDLING, HANDLERS, label=_("受理"), allowed=may_accept, effect=do_accept),
    T(S.HANDLING, "report", S.HANDLED, HANDLERS, label=_("处置反馈"), requires=("note",), allowed=is_assignee),
    T(S.HANDLED, "verify", S.VERIFIED, STAFF, label=_("核查通过"), allowed=staff_at_level),
    T((S.HANDLED, S.VERIFIED), "rework", S.HANDLING, STAFF, label=_("返工"), requires=("note",), allowed=staff_at_level),
    T(S.VERIFIED, "close", S.CLOSED, STAFF, label=_("结案"), allowed=staff_at_level, effect=do_close),
    T((S.REGISTERED, S.DISPATCHED, S.HANDLING), "escalate", S.REGISTERED, ANYONE, label=_("上报上级"), requires=("note",),
      allowed=may_escalate, condition=below_district, effect=do_escalate),
    T(OPEN, "urge", None, STAFF, label=_("督办"), allowed=staff_at_level, condition=overdue, effect=do_urge),
    T((S.REPORTED, S.REGISTERED, S.DISPATCHED, S.HANDLING), "classify", None, STAFF, label=_("调整办理方式"), requires=("mode",),
      allowed=staff_at_level, clean=clean_mode, effect=do_classify),
    # 综合评价: the case stays closed, but a first "dissatisfied" sends it back to handling (do_evaluate).
    T(S.CLOSED, "evaluate", None, HANDLERS, label=_("综合评价"), requires=("satisfaction",), allowed=may_evaluate,
      condition=not_yet_evaluated, clean=clean_evaluation, effect=do_evaluate),
]

WORKFLOW = Workflow(
    "incident", INCIDENT_TRANSITIONS, state_labels=dict(S.choices), deadline_hours=stage_hours, terminal=TERMINAL,
    overdue_field="overdue_stages", warn_field="deadline_warn_at", working_time=lambda incident: incident.category.working_time,
)


# --- numbering ----------------------------------------------------------------------------------
def next_number(year):
    """The next case number of a year: "2026000001"… One atomic upsert on the year's counter row;
    the row stays locked until the caller's transaction ends, so numbers are unique and gapless."""
    table = IncidentCounter._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        seq = cur.fetchone()[0]
    if seq > 999_999:
        raise ValidationError(_("本年度案卷编号已用尽"))
    return f"{year}{seq:06d}"


# --- reporting ----------------------------------------------------------------------------------
def resolve_category(category):
    if isinstance(category, IncidentCategory):
        cat = category
    else:
        key = str(category)
        # Whether it has questions, in the same statement: most have none, and their report then
        # skips the questions' query (#9: statements per report).
        cats = IncidentCategory.objects.annotate(has_questions=Exists(CategoryQuestion.objects.filter(category=OuterRef("pk"))))
        cat = cats.filter(code=key).first()
        if cat is None and key.isdigit():  # older clients send the id
            cat = cats.filter(pk=int(key)).first()
    if cat is None or not cat.active:
        raise ValidationError({"category": [_("未知或已停用的事件类别：%(c)s") % {"c": category}]})
    return cat


def crs_name(crs):
    parsed = parse_input_crs(crs)
    return "gcj02" if parsed == "gcj02" else f"EPSG:{parsed}"


def locate_case(point, when):
    """Street, community and the grid rows valid at `when` for a point, or ValidationError when the
    point is outside the district (no street contains it)."""
    found = locate(point, when)
    objs = found["grid_objects"] if found else {}
    if not objs.get("street"):
        raise ValidationError({"location": [_("该点不在本区范围内（未落入任何街道），请检查坐标和坐标系")]})
    # The one lookup has found the grid rows too (valid at `when`): no second query for them.
    return {"street": objs["street"], "community": objs.get("community"), "grid4": objs.get("grid4"), "grid5": objs.get("grid5")}


def clean_answers(category, answers):
    """(answers cleaned by the category's questions, errors by "answers.<code>"). Unknown codes,
    missing required answers, a number that is none, a datetime that is not ISO 8601, a choice
    outside the list: each one error. Lists of choices come as lists; stored as given keys."""
    from django.utils.dateparse import parse_date, parse_datetime

    answers = dict(answers or {})
    asked = category is not None and getattr(category, "has_questions", True)  # resolve_category knows
    questions = {q.code: q for q in category.questions.all()} if asked else {}
    out, errors = {}, {}
    for code in sorted(set(answers) - set(questions)):
        errors[f"answers.{code}"] = [_("此类别没有这个问题")]
    D = CategoryQuestion.Datatype
    for code, q in questions.items():
        value = answers.get(code)
        values = [str(v).strip() for v in value] if isinstance(value, (list, tuple)) else ([] if value is None else [str(value).strip()])
        values = [v for v in values if v]
        if not values:
            if q.required:
                errors[f"answers.{code}"] = [_("必答：%(q)s") % {"q": q.question}]
            continue
        if q.datatype != D.MULTI and len(values) > 1:
            errors[f"answers.{code}"] = [_("只能有一个回答")]
            continue
        v = values[0]
        if q.datatype == D.NUMBER:
            try:
                n = float(v)
                if n != n or n in (float("inf"), float("-inf")):
                    raise ValueError
            except ValueError:
                errors[f"answers.{code}"] = [_("应为数字：%(v)s") % {"v": v}]
                continue
            out[code] = int(n) if n.is_integer() else n
        elif q.datatype == D.DATETIME:
            try:
                parsed = parse_datetime(v) or parse_date(v)
            except ValueError:
                parsed = None
            if parsed is None:
                errors[f"answers.{code}"] = [_("应为 ISO 8601 日期时间：%(v)s") % {"v": v}]
                continue
            out[code] = parsed.isoformat()
        elif q.datatype in (D.SINGLE, D.MULTI):
            wrong = [x for x in values if x not in q.keys()]
            if wrong:
                errors[f"answers.{code}"] = [_("不在选项中：%(v)s（可选 %(ok)s）") % {"v": "、".join(wrong), "ok": "、".join(q.keys())}]
                continue
            out[code] = values if q.datatype == D.MULTI else v
        else:
            limit = 200 if q.datatype == D.STRING else 2000
            if len(v) > limit:
                errors[f"answers.{code}"] = [_("回答不能超过 %(n)s 字") % {"n": limit}]
                continue
            out[code] = v
    return out, errors


def answer_rows(incident):
    """(question, answer text) of a case's answers, in the questions' order; no query without answers."""
    if not incident.answers:
        return []
    rows = []
    for q in incident.category.questions.all():
        if q.code in incident.answers:
            value = incident.answers[q.code]
            names = {str(v.get("key")): v.get("name") for v in q.values if isinstance(v, dict)}
            shown = [names.get(str(x), x) for x in (value if isinstance(value, list) else [value])]
            rows.append((q.question, "、".join(str(x) for x in shown)))
    return rows


def report_incident(user, *, category, description, lon, lat, crs=None, mode=None, photos=(), address="", answers=None, patrol=None,
                    now=None):
    """Register a new case in state `reported`. Everything is checked before anything is written:
    bad input raises ValidationError (400) or TransitionForbidden (403) and leaves nothing behind."""
    if user is None or not user.is_authenticated or not user.has_role(*REPORTER_ROLES):
        raise TransitionForbidden(_("只有网格员和工作人员可以上报事件"), action="open")
    errors = {}
    try:
        cat = resolve_category(category)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        cat = None
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("请填写事件描述")]
    elif len(description) > 2000:
        errors["description"] = [_("描述不能超过 2000 字")]
    address = (address or "").strip()
    if len(address) > 200:  # refused like the API's field, never cut: the caller would not know
        errors["address"] = [_("地址不能超过 200 字（现有 %(n)s 字）") % {"n": len(address)}]
    if mode not in (None, "") and mode not in IncidentMode.values:
        errors["mode"] = [_("办理方式无效，可选：%(v)s") % {"v": "、".join(IncidentMode.values)}]
    answers, problems = clean_answers(cat, answers)
    errors.update(problems)
    point = None
    try:
        input_crs = crs_name(crs)
        point = point_to_storage(lon, lat, crs)
    except CRSError as exc:
        errors["location"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    where = locate_case(point, now)
    prepared = prepare_photos(photos)
    with transaction.atomic():
        incident = Incident(
            number=next_number(timezone.localtime(now).year), category=cat, mode=mode or cat.default_mode,
            description=description, address=address, answers=answers, geom=point, input_crs=input_crs,
            reporter=user, reported_at=now, patrol=patrol, state=S.REPORTED, **where,
        )
        WORKFLOW.restart_clock(incident, now)
        incident.save()
        save_photos(incident, prepared, user)
        record(incident, "open", actor=user, to_state=S.REPORTED, note=description[:200], at=now, number=incident.number,
               input_crs=input_crs, photos=len(prepared))
    return incident


def report_finding(patrol, user, **incident_fields):
    """A finding of a patrol becomes a case (report_incident's arguments); only in one's own patrol."""
    if patrol.user_id != getattr(user, "pk", None):
        raise TransitionForbidden(_("只能在自己的巡查中上报发现"), action="report_finding")
    return report_incident(user, patrol=patrol, **incident_fields)


# --- transitions ----------------------------------------------------------------------------------
def transition(incident, action, user, note="", *, now=None, **fields):
    """Perform a workflow action on a case (see INCIDENT_TRANSITIONS). Raises UnknownAction (404),
    TransitionForbidden (403), InvalidTransition (409, also for the loser of a race),
    MissingFields (400)."""
    return WORKFLOW.perform(incident, action, user, note, now=now, **fields)


def mark_duplicate(incident, original, user, note=""):
    """不予立案 of `incident` as a duplicate of `original` (a case or its id; see clean_reject: one the
    user may see, linked to the case it was itself merged into). Without a note, the note names that
    case. Only a case still `reported` can be merged; into which of two reports of one problem is the
    dispatcher's choice, from either case's page or the API."""
    if not note:
        root = clean_reject(incident, user, {"duplicate_of": original})["duplicate_of"]
        note = _("重复上报，已并入 %(n)s") % {"n": root.number}
    return transition(incident, "reject", user, note, duplicate_of=original)


def available_actions(incident, user, now=None):
    """[{action, label, requires}] the user may take now."""
    return [{"action": t.action, "label": str(t.label), "requires": list(t.requires)} for t in WORKFLOW.available(incident, user, now)]


def deadline_status(incident, now=None):
    """green / yellow / red / None for the case's current stage."""
    return WORKFLOW.deadline_status(incident, now)


ACTION_LABELS = {"open": _("信息采集上报"), **{t.action: t.label for t in INCIDENT_TRANSITIONS}}


def timeline(incident):
    """The case's audit events as dicts, oldest first, with actor names and labels (an evaluation's
    satisfaction too)."""
    labels = dict(S.choices)
    satisfaction = dict(Satisfaction.choices)
    return [
        {
            "at": e.at, "actor": str(e.actor) if e.actor else "", "actor_id": e.actor_id, "action": e.action,
            "action_label": str(ACTION_LABELS.get(e.action, e.action)), "from_state": e.from_state, "to_state": e.to_state,
            "from_label": str(labels.get(e.from_state, e.from_state)), "to_label": str(labels.get(e.to_state, e.to_state)),
            "note": e.note, "data": e.data,
            "satisfaction_label": str(satisfaction.get((e.data or {}).get("satisfaction"), "")),
        }
        for e in history(incident)
    ]


# --- duplicates ------------------------------------------------------------------------------------
def similar_open_incidents(category, point, *, at=None, radius_m=None, window_h=None, exclude=None):
    """Open cases of the same category within radius_m metres (GEOGRID_DUPLICATE_RADIUS_M) reported
    within window_h hours (GEOGRID_DUPLICATE_WINDOW_H) before or after `at` (default now), nearest
    first, annotated distance_m.

    Before a report: the point and now (so the last window_h hours). For a case (its page, the API's
    …/similar/): its point, `at` its report time and `exclude` the case, so earlier and later reports
    of the same problem come up, but not the case itself nor the reports already merged into it."""
    from django.contrib.gis.db.models.functions import Distance

    at = at or timezone.now()
    radius_m = float(settings.GEOGRID_DUPLICATE_RADIUS_M if radius_m is None else radius_m)
    window_h = float(settings.GEOGRID_DUPLICATE_WINDOW_H if window_h is None else window_h)
    cat = resolve_category(category)
    # Index prefilter in degrees (generous: a degree of longitude shrinks with cos(lat)), then the
    # exact distance on the spheroid in metres.
    deg = radius_m / 111_000.0 / max(math.cos(math.radians(point.y)), 0.1) * 1.2
    window = timedelta(hours=window_h)
    qs = (
        Incident.objects.filter(category=cat, state__in=OPEN, reported_at__range=(at - window, at + window))
        .filter(geom__dwithin=(point, deg))
        .filter(geom__distance_lte=(point, D(m=radius_m)))
        .annotate(distance=Distance("geom", point))
        .select_related("category")
        .order_by("distance", "reported_at")
    )
    if exclude is not None:
        pk = exclude.pk if isinstance(exclude, Incident) else exclude
        qs = qs.exclude(pk=pk).exclude(duplicate_of=pk)  # merged reports are rejected, so never open: said for the reader
    return qs


# --- deadline queries -------------------------------------------------------------------------------
def deadline_q(status, now):
    """Q (on open cases with a deadline) of a deadline colour; the yellow moment is stored with the
    deadline (deadline_warn_at), both on the case's clock (working time or round the clock)."""
    if status == deadlines.RED:
        return Q(deadline__lt=now)
    if status == deadlines.YELLOW:
        return Q(deadline__gte=now, deadline_warn_at__lte=now)
    if status == deadlines.GREEN:
        return Q(deadline_warn_at__gt=now)
    raise ValidationError({"deadline_status": [_("可选：green、yellow、red")]})


def deadline_filter(qs, status, now=None):
    """Cases of an open stage whose deadline status is green / yellow / red (overdue)."""
    now = now or timezone.now()
    return qs.filter(state__in=OPEN, deadline__isnull=False).filter(deadline_q(status, now))


COLOURS = (deadlines.RED, deadlines.YELLOW, deadlines.GREEN)


def deadline_counts(qs, now=None, by=None):
    """Open cases of qs, and per deadline colour (most urgent first), in one query:
    {"open": n, "colours": [{code, label, n}]}; with `by` (a field path) a dict of those per value."""
    now = now or timezone.now()
    has_deadline = Q(deadline__isnull=False)
    aggs = {"open": Count("id"), **{c: Count("id", filter=has_deadline & deadline_q(c, now)) for c in COLOURS}}
    qs = qs.filter(state__in=OPEN)

    def shape(row):
        row = row or {}
        return {"open": row.get("open", 0),
                "colours": [{"code": c, "label": deadlines.STATUS_LABELS[c], "n": row.get(c, 0)} for c in COLOURS]}

    if by is None:
        return shape(qs.aggregate(**aggs))
    return defaultdict(lambda: shape(None), {row[by]: shape(row) for row in qs.values(by).annotate(**aggs).order_by()})


# --- who a case may be dispatched to ---------------------------------------------------------------
def _cached(incident, name):
    return Incident._meta.get_field(name).is_cached(incident)


def _grid_codes(incident):
    """Codes of the case's grids (the rows loaded with the case, or read without their polygons)."""
    if _cached(incident, "grid5") and _cached(incident, "grid4"):
        return [g.code for g in (incident.grid5, incident.grid4) if g is not None]
    ids = [pk for pk in (incident.grid5_id, incident.grid4_id) if pk is not None]
    return list(Grid.objects.filter(pk__in=ids).values_list("code", flat=True)) if ids else []


def _district_id(incident):
    if _cached(incident, "street"):
        return incident.street.parent_id
    return AdminArea.objects.filter(pk=incident.street_id).values_list("parent_id", flat=True).first()


def responsible_places(incident):
    """In words, whose people may handle the case: its grids, community, street, district and the
    department it was passed to (for the refusal of a dispatch)."""
    ids = [pk for pk in (incident.grid5_id, incident.grid4_id) if pk is not None]
    grids = list(Grid.objects.filter(pk__in=ids).order_by("-level").values_list("name", flat=True)) if ids else []
    areas = dict(AdminArea.objects.filter(pk__in=[incident.community_id, incident.street_id, _district_id(incident)])
                 .values_list("level", "name"))
    places = grids + [areas[level] for level in ("community", "street", "district") if level in areas]
    if incident.department_id is not None:
        places.append(str(incident.department))
    return places


STAFF_BY_LEVEL = {"community": Role.COMMUNITY_STAFF, "street": Role.STREET_DISPATCHER, "district": Role.DISTRICT_ADMIN}


def candidate_assignees(incident, on=None):
    """Who a case may be dispatched to, in the order a dispatcher picks from: the staff of the
    department it was passed to (if any); the 4+N team on duty in the case's grids (matched by code,
    so a redrawn grid keeps its team); the staff whose area is the case's community, street or
    district. [(user, description)], each user once, only active users with a handling role.
    clean_dispatch accepts exactly these: nobody whose area, grid or department does not cover the case."""
    User = get_user_model()
    on = on or timezone.localdate()
    handlers = User.objects.filter(is_active=True, groups__name__in=[str(r) for r in HANDLER_ROLES]).distinct()
    out, seen = [], set()

    def add(user, description):
        if user.pk not in seen:
            seen.add(user.pk)
            out.append((user, description))

    if incident.department_id is not None:
        for u in (handlers.filter(department_id=incident.department_id, groups__name=Role.DEPARTMENT_STAFF.value)
                  .select_related("department").order_by("full_name", "username")):
            add(u, f"{u.department.name} {Role.DEPARTMENT_STAFF.label}")
    members = (
        GridMember.objects.on_duty(on).filter(grid__code__in=_grid_codes(incident), user__in=handlers)
        .select_related("user", "grid").defer("grid__geom")
    )
    rank = {role: i for i, role in enumerate(GridMember.Role.values)}  # 网格长 first, as in the 4+N order
    for m in sorted(members, key=lambda m: (-m.grid.level, m.grid.code, rank.get(m.role, 99), m.user.full_name, m.user.username)):
        add(m.user, f"{m.grid.name} {m.get_role_display()}")
    areas = [pk for pk in (incident.community_id, incident.street_id, _district_id(incident)) if pk is not None]
    order = {"community": 0, "street": 1, "district": 2}
    staff = (handlers.filter(area_id__in=areas, groups__name__in=[str(r) for r in STAFF_ROLES])
             .select_related("area").defer("area__geom"))
    for u in sorted(staff, key=lambda u: (order.get(u.area.level, 9), u.full_name, u.username)):
        add(u, f"{u.area.name} {STAFF_BY_LEVEL[u.area.level].label if u.area.level in STAFF_BY_LEVEL else ''}".strip())
    return out
