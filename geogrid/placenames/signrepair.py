"""Road-name sign repairs (路名牌维修工单) on the workflow core: dispatched → repaired → accepted
(a repair not accepted goes back to dispatched). Each stage is due GEOGRID_PLACENAME_SIGN_REPAIR_DAYS
(repair) / _SIGN_ACCEPT_DAYS (acceptance) calendar days after it began; acceptance sets the sign's
condition back to good. Also: the sign inventory's figures (conditions, mismatches, per year: inspected,
cleaned, dispatched, repaired)."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, ExpressionWrapper, F, Q
from django.db.models.fields import BooleanField
from django.db.models.functions import ExtractYear, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geogrid.accounts.roles import Role
from geogrid.audit.services import record
from geogrid.workflow.engine import T, Workflow, too_long
from layers.versions import bump_model

from .models import Road, RoadSign, SignInspection, SignRepair

R = SignRepair.State
STAFF = (Role.PLACENAME_STAFF,)


def stage_hours(repair, state):
    days = {R.DISPATCHED: getattr(settings, "GEOGRID_PLACENAME_SIGN_REPAIR_DAYS", 15),
            R.REPAIRED: getattr(settings, "GEOGRID_PLACENAME_SIGN_ACCEPT_DAYS", 5)}.get(state)
    return None if days is None else float(days) * 24


def do_repaired(repair, user, fields, now):
    repair.repaired_at = now
    return {}


def do_accept(repair, user, fields, now):
    repair.accepted_at = now
    RoadSign.objects.filter(pk=repair.sign_id).update(condition=RoadSign.Condition.GOOD)
    bump_model(RoadSign)  # an update sends no signal: the published condition changed (map tiles)
    return {"sign": repair.sign_id, "condition": "good"}


TRANSITIONS = [
    T(R.DISPATCHED, "repair", R.REPAIRED, STAFF, label=_("维修完成"), requires=("note",), effect=do_repaired),
    T(R.REPAIRED, "accept", R.ACCEPTED, STAFF, label=_("验收"), effect=do_accept),
    T(R.REPAIRED, "rework", R.DISPATCHED, STAFF, label=_("验收不合格"), requires=("note",)),
]
WORKFLOW = Workflow("sign_repair", TRANSITIONS, state_labels=dict(R.choices), deadline_hours=stage_hours, terminal=(R.ACCEPTED,),
                    overdue_field="overdue_stages", warn_field="deadline_warn_at")


def dispatch_repair(user, sign, problem, description="", contractor="", now=None):
    """Open a work order for a sign (one open order per sign)."""
    from .services import require_edit

    require_edit(user, "dispatch_repair")
    if problem not in RoadSign.Condition.values or problem == RoadSign.Condition.GOOD:
        raise ValidationError({"problem": [_("请选择问题：污损、褪色、损坏、倾斜、缺失或内容错误")]})
    errors = too_long(too_long({}, "description", _("问题描述"), description), "contractor", _("维修单位"), contractor, 100)
    if errors:  # refused, never cut
        raise ValidationError(errors)
    now = now or timezone.now()
    repair = SignRepair(sign=sign, problem=problem, description=str(description or "")[:2000], contractor=str(contractor or "")[:100],
                        dispatched_by=user, dispatched_at=now)
    WORKFLOW.restart_clock(repair, now)
    try:
        with transaction.atomic():
            repair.save()
            RoadSign.objects.filter(pk=sign.pk).update(condition=problem)
            bump_model(RoadSign)
            record(repair, "dispatch", actor=user, to_state=repair.state, note=description, at=now, sign=sign.code, problem=problem)
    except IntegrityError:
        raise ValidationError({"sign": [_("该路名牌已有未验收的维修工单")]})
    return repair


def transition(repair, action, user, note="", **fields):
    return WORKFLOW.perform(repair, action, user, note, **fields)


def mismatch_q():
    """Signs whose text is not their road's standard name (or its pinyin in capitals)."""
    return Q(road__status=Road.Status.NAMED) & (~Q(name_text=F("road__name")) | ~Q(pinyin_text=Upper(F("road__pinyin"))))


def with_mismatch(qs):
    return qs.annotate(mismatch=ExpressionWrapper(mismatch_q(), output_field=BooleanField()))


def yearly_figures():
    """Per year: signs inspected and signs cleaned (distinct signs, from the sign patrols' records),
    repair orders dispatched and accepted (three queries)."""
    dispatched = dict(SignRepair.objects.annotate(y=ExtractYear("dispatched_at")).values("y").annotate(n=Count("id")).values_list("y", "n").order_by())
    accepted = dict(SignRepair.objects.filter(accepted_at__isnull=False).annotate(y=ExtractYear("accepted_at")).values("y")
                    .annotate(n=Count("id")).values_list("y", "n").order_by())
    inspected = {r["y"]: r for r in SignInspection.objects.annotate(y=ExtractYear("inspected_at")).values("y").annotate(
        inspected=Count("sign", distinct=True), cleaned=Count("sign", filter=Q(cleaned=True), distinct=True)).order_by()}
    years = sorted(set(dispatched) | set(accepted) | set(inspected), reverse=True)
    return [{"year": y, "inspected": inspected.get(y, {}).get("inspected", 0), "cleaned": inspected.get(y, {}).get("cleaned", 0),
             "dispatched": dispatched.get(y, 0), "repaired": accepted.get(y, 0)} for y in years]
