"""Residential-area and building names (居住区、建筑物名称), the lighter workflow: the housing
department approves them after consulting civil affairs, so the bureau records the request
(received), gives its opinion (opinion, due GEOGRID_PLACENAME_OPINION_DAYS), records the approval,
the filing (due 15 days after approval) and the announcement (due 15 days after approval).
The check: pinyin with the building 通名 table (data/building_generics.json), forbidden words,
foreign letters, rare characters, duplicates (error) and homophones (warning) among the other
residential-area and building names."""
import datetime
import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from geogrid.accounts.roles import Role
from geogrid.audit.services import record
from geogrid.workflow.engine import T, Workflow, too_long

from . import pinyin as py
from .models import BuildingName
from .services import ERROR, MAX_NAME, WARNING, check_name, clean_name, require_edit
from .workflow import _date, _not_future, end_of

B = BuildingName.State
STAFF = (Role.PLACENAME_STAFF,)
GENERICS = dict(json.loads((Path(__file__).resolve().parent / "data" / "building_generics.json").read_text(encoding="utf-8")))


def check_building_name(name, exclude=None):
    """The road check's problems that apply (forbidden words, letters, rare characters) with the
    building 通名 table for the spelling, and duplicates/homophones among building names."""
    name = clean_name(name)
    road = check_name(name)
    problems = [p for p in road["problems"] if p["code"] not in ("unknown_generic", "duplicate", "homophone")]
    parts = py.split_name(name if len(name) <= MAX_NAME else "", GENERICS)  # too long: refused by check_name, not spelled
    spelling = py.romanize(parts, GENERICS.get(parts.generic, ""), fixed={f["phrase"]: f["syllables"].split() for f in road["fixed_readings"]})
    key = road["sound"]
    qs = BuildingName.objects.filter(Q(name=name) | (Q(sound_key=key) if key else Q(pk__in=[]))).only("pk", "name", "state")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    duplicates, homophones = [], []
    for b in qs.order_by("pk"):
        (duplicates if b.name == name else homophones).append({"id": b.pk, "name": b.name, "status_label": str(b.get_state_display())})
    if duplicates:
        problems.append({"code": "duplicate", "severity": ERROR, "message": _("与已登记的居住区、建筑物名称重名：%(n)s") % {"n": name}})
    if homophones:
        problems.append({"code": "homophone", "severity": WARNING,
                         "message": _("与下列名称同音：%(n)s") % {"n": "、".join(sorted({h["name"] for h in homophones}))}})
    return {"name": name, "pinyin": spelling if name else "", "sign_text": py.sign_text(spelling) if name else "", "sound": key,
            "duplicates": duplicates, "homophones": homophones, "problems": problems,
            "errors": sum(p["severity"] == ERROR for p in problems), "warnings": sum(p["severity"] == WARNING for p in problems)}


def stage_hours(b, state):
    if state == B.RECEIVED:
        return float(getattr(settings, "GEOGRID_PLACENAME_OPINION_DAYS", 10)) * 24
    if state in (B.APPROVED, B.FILED) and b.approved_on:
        days = getattr(settings, "GEOGRID_PLACENAME_FILING_DAYS" if state == B.APPROVED else "GEOGRID_PLACENAME_ANNOUNCE_DAYS", 15)
        start = b.state_entered_at or timezone.now()
        return max((end_of(b.approved_on + datetime.timedelta(days=days)) - start).total_seconds() / 3600, 0.0)
    return None


def set_opinion(b, user, fields, now):
    b.opinion = fields["note"]
    return {"errors": b.check_errors}


def clean_day(name):
    def clean(b, user, fields):
        day = _not_future(_date(fields, name, timezone.localdate()), name)
        if name != "approved_on" and b.approved_on and day < b.approved_on:
            from geogrid.workflow.exceptions import MissingFields

            raise MissingFields(_("不能早于批准日期"), fields={name: _("不能早于批准日期")})
        return dict(fields, **{name: day})
    return clean


def setter(name):
    def effect(b, user, fields, now):
        setattr(b, name, fields[name])
        return {name: fields[name].isoformat()}
    return effect


TRANSITIONS = [
    T(B.RECEIVED, "give_opinion", B.OPINION, STAFF, label=gettext_lazy("回复意见"), requires=("note",), effect=set_opinion),
    T(B.OPINION, "record_approval", B.APPROVED, STAFF, label=gettext_lazy("登记批准"), requires=("approved_on",), clean=clean_day("approved_on"),
      effect=setter("approved_on")),
    T(B.APPROVED, "file", B.FILED, STAFF, label=gettext_lazy("备案"), clean=clean_day("filed_on"), effect=setter("filed_on")),
    T(B.FILED, "announce", B.ANNOUNCED, STAFF, label=gettext_lazy("公告"), clean=clean_day("announced_on"), effect=setter("announced_on")),
]
WORKFLOW = Workflow("building_name", TRANSITIONS, state_labels=dict(B.choices), deadline_hours=stage_hours, terminal=(B.ANNOUNCED,),
                    overdue_field="overdue_stages", warn_field="deadline_warn_at")


def register(user, *, name, developer, kind="residential", location="", now=None):
    """Record a request for an opinion on a residential-area or building name (checked at once)."""
    require_edit(user, "register_building_name")
    errors = {}
    if not clean_name(name):
        errors["name"] = [_("请填写拟用名称")]
    if not str(developer or "").strip():
        errors["developer"] = [_("请填写建设单位")]
    if kind not in BuildingName.Kind.values:
        errors["kind"] = [_("可选：居住区、建筑物")]
    too_long(errors, "name", _("拟用名称"), clean_name(name), BuildingName._meta.get_field("name").max_length)
    too_long(errors, "developer", _("建设单位"), str(developer or "").strip(), 100)
    too_long(errors, "location", _("位置"), location, 200)
    if errors:
        raise ValidationError(errors)
    result = check_building_name(name)
    now = now or timezone.now()
    b = BuildingName(name=result["name"], kind=kind, developer=str(developer).strip()[:100], location=str(location or "")[:200],
                     pinyin=result["pinyin"], sound_key=result["sound"], check_result=result, check_errors=result["errors"], created_by=user)
    WORKFLOW.restart_clock(b, now)
    with transaction.atomic():
        b.save()
        record(b, "register", actor=user, to_state=b.state, note=b.name, at=now, errors=b.check_errors)
    return b


def transition(b, action, user, note="", **fields):
    return WORKFLOW.perform(b, action, user, note, **fields)
