"""The transition table of a naming application (命名申请), on the shared workflow core.

draft → submit → submitted → review (综合评估) → reviewed → expert_review (专家论证) → expert_reviewed
→ consult (征求意见) → consulted → start_notice (公示) → notice → approve (批准) → approved
→ file (备案) → filed → announce (公告) → announced. A rejected step goes back to draft (return);
an open application may be withdrawn. Submission is refused while the name check finds an error;
approval while the notice period runs. Deadlines: filing and announcement are due GEOGRID_PLACENAME_FILING_DAYS / _ANNOUNCE_DAYS after approval (地名管理条例
Art. 13, 14: 15 days each), counted in calendar days.
"""
import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geogrid.accounts.roles import Role
from geogrid.workflow.engine import T, Workflow
from geogrid.workflow.exceptions import MissingFields

from .models import NamingApplication

S = NamingApplication.State
STAFF = (Role.PLACENAME_STAFF,)
TERMINAL = (S.ANNOUNCED, S.WITHDRAWN)


def setting(name, default):
    return getattr(settings, f"GEOGRID_PLACENAME_{name}", default)


def end_of(day):
    """The last moment of a calendar day, local time."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


def stage_hours(app, state):
    """Hours from the stage's start (the core has just set it) to the end of its due day; None: no limit."""
    # The notice period is a wait, not a time limit: approval after it ends is not late.
    due = {S.APPROVED: app.filing_due, S.FILED: app.announcement_due}.get(state)
    if due is None:
        return None
    start = app.state_entered_at or timezone.now()
    return max((end_of(due) - start).total_seconds() / 3600, 0.0)


def _date(fields, name, default=None):
    value = fields.get(name)
    if value in (None, ""):
        if default is not None:
            return default
        raise MissingFields(_("缺少日期"), fields={name: _("必填")})
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise MissingFields(_("日期格式应为 YYYY-MM-DD"), fields={name: _("日期格式应为 YYYY-MM-DD")})


def _not_future(day, name):
    if day > timezone.localdate():
        raise MissingFields(_("日期不能晚于今天"), fields={name: _("日期不能晚于今天")})
    return day


# --- hooks ------------------------------------------------------------------------------------------
def check_passes(app, now):
    """Errors of the name check block submission (409); services.transition runs the check again
    just before, so this reads its fresh result."""
    if app.check_errors:
        problems = (app.check_result or {}).get("problems", [])
        return _("名称检查未通过：%(p)s") % {"p": "；".join(p["message"] for p in problems if p["severity"] == "error")}
    return None


def notice_over(app, now):
    if app.notice_end and timezone.localdate(now) <= app.notice_end:
        return _("公示期至 %(d)s，期满后方可批准") % {"d": app.notice_end.isoformat()}
    return None


def clean_notice(app, user, fields):
    start = _date(fields, "notice_start", timezone.localdate())
    days = int(setting("NOTICE_DAYS", 30))
    return dict(fields, notice_start=start, notice_end=start + datetime.timedelta(days=days - 1))


def clean_approve(app, user, fields):
    body = str(fields.get("approving_body") or "").strip()
    if not body:
        raise MissingFields(_("请填写批准机关"), fields={"approving_body": _("必填")})
    day = _not_future(_date(fields, "approved_on"), "approved_on")
    if app.notice_end and day <= app.notice_end:
        raise MissingFields(_("批准日期须在公示期满之后"), fields={"approved_on": _("须晚于 %(d)s") % {"d": app.notice_end.isoformat()}})
    return dict(fields, approving_body=body[:100], approved_on=day)


def clean_file(app, user, fields):
    day = _not_future(_date(fields, "filed_on", timezone.localdate()), "filed_on")
    if day < app.approved_on:
        raise MissingFields(_("备案日期不能早于批准日期"), fields={"filed_on": _("不能早于批准日期")})
    return dict(fields, filed_on=day)


def clean_announce(app, user, fields):
    day = _not_future(_date(fields, "announced_on", timezone.localdate()), "announced_on")
    if day < app.approved_on:
        raise MissingFields(_("公告日期不能早于批准日期"), fields={"announced_on": _("不能早于批准日期")})
    return dict(fields, announced_on=day, announcement_no=str(fields.get("announcement_no") or "").strip()[:50])


def report_setter(field):
    def effect(app, user, fields, now):
        setattr(app, field, fields["note"])
        return {}
    return effect


def do_submit(app, user, fields, now):
    return {"pinyin": app.pinyin, "warnings": app.check_warnings}


def do_notice(app, user, fields, now):
    app.notice_start, app.notice_end = fields["notice_start"], fields["notice_end"]
    return {"notice_start": app.notice_start.isoformat(), "notice_end": app.notice_end.isoformat()}


def do_approve(app, user, fields, now):
    app.approving_body, app.approved_on = fields["approving_body"], fields["approved_on"]
    app.filing_due = app.approved_on + datetime.timedelta(days=int(setting("FILING_DAYS", 15)))
    app.announcement_due = app.approved_on + datetime.timedelta(days=int(setting("ANNOUNCE_DAYS", 15)))
    return {"approving_body": app.approving_body, "approved_on": app.approved_on.isoformat(), "filing_due": app.filing_due.isoformat()}


def do_file(app, user, fields, now):
    app.filed_on = fields["filed_on"]
    return {"filed_on": app.filed_on.isoformat(), "late": app.filed_on > app.filing_due}


def do_announce(app, user, fields, now):
    from .services import give_road_its_name

    app.announced_on, app.announcement_no = fields["announced_on"], fields["announcement_no"]
    road = give_road_its_name(app)
    return {"announced_on": app.announced_on.isoformat(), "road": road.code, "late": app.announced_on > app.announcement_due}


def do_return(app, user, fields, now):
    app.notice_start = app.notice_end = None
    return {}


TRANSITIONS = [
    T(S.DRAFT, "submit", S.SUBMITTED, STAFF, label=_("提交"), condition=check_passes, effect=do_submit),
    T(S.SUBMITTED, "review", S.REVIEWED, STAFF, label=_("综合评估"), requires=("note",), effect=report_setter("assessment_report")),
    T(S.REVIEWED, "expert_review", S.EXPERT_REVIEWED, STAFF, label=_("专家论证"), requires=("note",), effect=report_setter("expert_report")),
    T(S.EXPERT_REVIEWED, "consult", S.CONSULTED, STAFF, label=_("征求意见"), requires=("note",), effect=report_setter("consultation_report")),
    T(S.CONSULTED, "start_notice", S.NOTICE, STAFF, label=_("开始公示"), clean=clean_notice, effect=do_notice),
    T(S.NOTICE, "approve", S.APPROVED, STAFF, label=_("批准"), requires=("approving_body", "approved_on"), condition=notice_over,
      clean=clean_approve, effect=do_approve),
    T(S.APPROVED, "file", S.FILED, STAFF, label=_("备案"), requires=("filed_on",), clean=clean_file, effect=do_file),
    T(S.FILED, "announce", S.ANNOUNCED, STAFF, label=_("公告"), requires=("announced_on",), clean=clean_announce, effect=do_announce),
    T((S.SUBMITTED, S.REVIEWED, S.EXPERT_REVIEWED, S.CONSULTED, S.NOTICE), "return", S.DRAFT, STAFF, label=_("退回修改"),
      requires=("note",), effect=do_return),
    T((S.DRAFT, S.SUBMITTED, S.REVIEWED, S.EXPERT_REVIEWED, S.CONSULTED, S.NOTICE), "withdraw", S.WITHDRAWN, STAFF, label=_("撤回"),
      requires=("note",)),
]

WORKFLOW = Workflow("naming", TRANSITIONS, state_labels=dict(S.choices), deadline_hours=stage_hours, terminal=TERMINAL,
                    overdue_field="overdue_stages", warn_field="deadline_warn_at")
