"""The rules of boundary work, in the words of the domain:

- who sees what: everyone signed in reads lines and markers; inspections (and their checks,
  sections, problems) are seen by the inspectors of the two parties and by district admins, acted on
  by the parties' inspectors only (accounts.scope: Scope.boundary_side / boundary_q);
- a joint inspection (联检) of one line in one year runs on the workflow core (INSPECTION_WORKFLOW):
  planned → fieldwork → report drafted → signed by both parties → filed;
- a marker check is entered by one side during field work and counts as agreed when an inspector of
  each side has confirmed it (entering it confirms for one's own side); the other side confirms it
  but cannot change it; changing it asks the other side to confirm again;
- displacement: the distance between the registered and the measured position, in metres, in the
  Gauss-Krüger zone (geo.measure.distance_m); a measured position may be sent in GCJ-02; one further
  than GEOGRID_MARKER_SUSPECT_OFFSET_M is kept but flagged, and holds up the report (FAR_CONDITIONS);
- a line is due for inspection GEOGRID_BOUNDARY_INSPECTION_YEARS after the year of its last filed
  inspection (条例 Art. 12: every 5 years); an agreement is due for renewal
  GEOGRID_AGREEMENT_RENEWAL_DAYS before it ends; both parties' inspectors are reminded (notify_due).
"""
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from geogrid.accounts.roles import Role
from geogrid.accounts.scope import scope_of
from geogrid.audit.services import record
from geogrid.geo.crs import CRSError, parse_input_crs, point_to_storage
from geogrid.geo.measure import distance_m
from geogrid.patrols import services as patrols
from geogrid.uploads import check_image
from geogrid.workflow.engine import T, Workflow, too_long
from geogrid.workflow.exceptions import InvalidTransition, TransitionForbidden

from .models import (BoundaryAgreement, BoundaryDispute, BoundaryLine, BoundaryMarker, InspectionMember, JointInspection, MarkerCheck,
                     MarkerPhoto, RectificationItem, SectionRecord, Side)

S = JointInspection.State
INSPECTORS = (Role.BOUNDARY_INSPECTOR,)
# Conditions that are problems of the marker (a rectification item is proposed for them).
PROBLEM_CONDITIONS = {MarkerCheck.Condition.DAMAGED, MarkerCheck.Condition.MOVED, MarkerCheck.Condition.LOST, MarkerCheck.Condition.BURIED}
# A measured position is needed unless the marker could not be found.
NO_POSITION = {MarkerCheck.Condition.LOST, MarkerCheck.Condition.BURIED}
# A check measured far from its marker (MarkerCheck.far_from_marker) is kept, not refused — the
# offline queue sends it long after it was entered, a refusal would lose the field work — but the
# report waits until it is re-measured or both sides have agreed the marker is moved or lost.
FAR_CONDITIONS = {MarkerCheck.Condition.MOVED, MarkerCheck.Condition.LOST}


# --- scope ------------------------------------------------------------------------------------------
def visible_lines(user):
    return BoundaryLine.objects.all() if scope_of(user).authenticated else BoundaryLine.objects.none()


def inspector_lines(user):
    """The lines one of whose sides is the inspector's district (they may plan inspections of them)."""
    q = scope_of(user).boundary_q()
    if q is None or not scope_of(user).boundary_district:
        return BoundaryLine.objects.none()
    return BoundaryLine.objects.filter(q)


def inspectors_of(district_code):
    """The boundary inspectors acting for a district (their area is in it), by username."""
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(groups__name=Role.BOUNDARY_INSPECTOR.value, is_active=True,
                                                area__code__startswith=district_code[:6]).order_by("username").distinct())


def visible_inspections(user, qs=None):
    qs = JointInspection.objects.all() if qs is None else qs
    q = scope_of(user).boundary_q("party_a_code", "party_b_code")
    return qs.none() if q is None else qs.filter(q)


def side_of(inspection, user):
    """"a"/"b": the party the user inspects for in this inspection, or None."""
    return scope_of(user).boundary_side(inspection.party_a_code, inspection.party_b_code)


def require_side(inspection, user, action):
    side = side_of(inspection, user)
    if side is None:
        raise TransitionForbidden(_("只有界线双方的联检人员可以操作此联检"), action=action)
    return side


def require_state(inspection, action, *states):
    if inspection.state not in states:
        raise InvalidTransition(_("联检当前状态为「%(s)s」，不能%(what)s") % {"s": inspection.get_state_display(), "what": ACTION_WORDS[action]},
                                action=action, state=inspection.state)


ACTION_WORDS = {"check": gettext_lazy("录入界桩检查"), "confirm": gettext_lazy("确认界桩检查"), "section": gettext_lazy("记录界线段"),
                "problem": gettext_lazy("登记整改事项"), "walk": gettext_lazy("开始巡查界桩")}


# --- the inspection workflow -------------------------------------------------------------------------
def party_inspector(inspection, user):
    return side_of(inspection, user) is not None or _("只有界线双方的联检人员可以操作此联检")


def checks_agreed(inspection, now):
    markers = inspection.line.markers.count()
    checks = inspection.checks.all()
    done, agreed = checks.count(), checks.filter(confirmed_a_at__isnull=False, confirmed_b_at__isnull=False).count()
    if done < markers:
        return _("还有 %(n)s 个界桩未检查") % {"n": markers - done}
    if agreed < done:
        return _("还有 %(n)s 条界桩检查未经双方确认") % {"n": done - agreed}
    # Problems found become rectification items: a damaged, moved, lost or buried marker needs one.
    open_ = checks.filter(condition__in=PROBLEM_CONDITIONS, problems__isnull=True).values_list("marker__number", flat=True)
    if open_:
        return _("以下界桩有问题但未登记整改事项：%(m)s") % {"m": "、".join(open_)}
    far = checks.filter(displacement_m__gt=settings.GEOGRID_MARKER_SUSPECT_OFFSET_M).exclude(condition__in=FAR_CONDITIONS)
    if far_numbers := list(far.values_list("marker__number", flat=True)):
        return _("以下界桩的实测位置距登记位置超过 %(d)s 米，请复测，或将现状改为移位或丢失：%(m)s") % {
            "d": settings.GEOGRID_MARKER_SUSPECT_OFFSET_M, "m": "、".join(far_numbers)}
    return None


def may_sign(inspection, user):
    side = side_of(inspection, user)
    if side is None:
        return _("只有界线双方的联检人员可以签署")
    if getattr(inspection, f"signed_{side}_at") is not None:
        return _("本方（%(p)s）已签署") % {"p": inspection.party_name(side)}
    return None


def do_sign(inspection, user, fields, now):
    side = side_of(inspection, user)
    setattr(inspection, f"signed_{side}_by", user)
    setattr(inspection, f"signed_{side}_at", now)
    if inspection.signed_a_at and inspection.signed_b_at:
        inspection.state = S.SIGNED  # both parties signed: the report is agreed
        inspection.state_entered_at = now
    return {"side": side}


def do_draft(inspection, user, fields, now):
    inspection.report = fields["report"].strip()
    inspection.signed_a_by = inspection.signed_b_by = inspection.signed_a_at = inspection.signed_b_at = None
    return {}


def do_revise(inspection, user, fields, now):
    inspection.signed_a_by = inspection.signed_b_by = inspection.signed_a_at = inspection.signed_b_at = None
    return {}


def do_file(inspection, user, fields, now):
    inspection.filed_at = now
    return {}


INSPECTION_TRANSITIONS = [
    T(S.PLANNED, "start_fieldwork", S.FIELDWORK, INSPECTORS, label=gettext_lazy("开始外业检查"), allowed=party_inspector),
    T(S.FIELDWORK, "draft_report", S.DRAFTED, INSPECTORS, label=gettext_lazy("起草联检报告"), requires=("report",), allowed=party_inspector,
      condition=checks_agreed, effect=do_draft),
    T(S.DRAFTED, "sign", None, INSPECTORS, label=gettext_lazy("签署联检报告"), allowed=may_sign, effect=do_sign),
    T(S.DRAFTED, "revise", S.FIELDWORK, INSPECTORS, label=gettext_lazy("退回补充检查"), requires=("note",), allowed=party_inspector,
      effect=do_revise),
    T(S.SIGNED, "file", S.FILED, INSPECTORS, label=gettext_lazy("归档"), allowed=party_inspector, effect=do_file),
]
INSPECTION_WORKFLOW = Workflow("joint_inspection", INSPECTION_TRANSITIONS, state_labels=dict(S.choices), deadline_field=None,
                               terminal=(S.FILED,))


def transition(inspection, action, user, note="", *, now=None, **fields):
    return INSPECTION_WORKFLOW.perform(inspection, action, user, note, now=now, **fields)


def available_actions(inspection, user):
    return [{"action": t.action, "label": str(t.label), "requires": list(t.requires)} for t in INSPECTION_WORKFLOW.available(inspection, user)]


def plan_inspection(user, line, *, year, planned_start, planned_end, team_a=(), team_b=(), now=None):
    """A campaign of one line in one year, planned by an inspector of either party, with each side's
    team (inspectors of that side's district). Everything is checked before anything is written."""
    if scope_of(user).boundary_side(line.side_a_code, line.side_b_code) is None:
        raise TransitionForbidden(_("只有界线双方的联检人员可以计划联检"), action="plan")
    errors = {}
    if planned_start is None or planned_end is None:
        errors["planned_start"] = [_("请填写计划开始和结束日期")]
    elif planned_end < planned_start:
        errors["planned_end"] = [_("计划结束日期不能早于开始日期")]
    if not year or not 2000 <= int(year) <= 2100:
        errors["year"] = [_("年度无效")]
    for side, team, code in (("a", team_a, line.side_a_code), ("b", team_b, line.side_b_code)):
        for member in team:
            if scope_of(member).boundary_district != code:
                errors.setdefault(f"team_{side}", []).append(_("%(u)s 不是%(p)s的界线联检人员") % {
                    "u": member, "p": line.side_a_name if side == "a" else line.side_b_name})
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    try:
        with transaction.atomic():
            inspection = JointInspection.objects.create(
                line=line, year=int(year), party_a_code=line.side_a_code, party_a_name=line.side_a_name, party_b_code=line.side_b_code,
                party_b_name=line.side_b_name, planned_start=planned_start, planned_end=planned_end, created_by=user, created_at=now,
                state_entered_at=now)
            InspectionMember.objects.bulk_create(
                [InspectionMember(inspection=inspection, user=u, side=Side.A, leader=i == 0) for i, u in enumerate(team_a)]
                + [InspectionMember(inspection=inspection, user=u, side=Side.B, leader=i == 0) for i, u in enumerate(team_b)])
            record(inspection, "plan", actor=user, to_state=S.PLANNED, at=now, year=inspection.year,
                   team_a=[u.username for u in team_a], team_b=[u.username for u in team_b])
    except IntegrityError:
        raise ValidationError({"year": [_("%(line)s 在 %(y)s 年已有联检") % {"line": line.name, "y": year}]})
    return inspection


# --- photos -----------------------------------------------------------------------------------------
def checked_photos(files):
    """Uploaded images checked by content and size before anything is written (geogrid.uploads)."""
    files = list(files or [])
    if len(files) > settings.GEOGRID_PHOTO_MAX_COUNT:
        raise ValidationError({"photos": [_("最多 %(n)s 张照片") % {"n": settings.GEOGRID_PHOTO_MAX_COUNT}]})
    return [check_image(f, "photos") for f in files]


# --- marker checks ----------------------------------------------------------------------------------
def measured_point(condition, lon, lat, crs):
    """(point or None, crs name) of a check; ValidationError naming the field."""
    if lon in (None, "") and lat in (None, ""):
        if condition in NO_POSITION:
            return None, ""
        raise ValidationError({"lon": [_("请填写实测位置（界桩丢失或掩埋时可不填）")]})
    try:
        parsed = parse_input_crs(crs)
    except CRSError as exc:
        raise ValidationError({"crs": [str(exc)]})
    try:
        return point_to_storage(lon, lat, crs), ("gcj02" if parsed == "gcj02" else f"EPSG:{parsed}")
    except CRSError as exc:
        raise ValidationError({"lon": [str(exc)]})


def record_check(inspection, user, *, marker, condition, lon=None, lat=None, crs=None, notes="", photos=(), client_id=None, now=None):
    """Enter (or, by its own side, change) the check of a marker. Returns (check, created). A
    client_id sent again returns the check it made (offline queues replay without duplicates)."""
    side = require_side(inspection, user, "check")
    if client_id:
        done = MarkerCheck.objects.filter(client_id=client_id).first()
        if done is not None:
            if done.inspection_id != inspection.pk:
                raise ValidationError({"client_id": [_("客户端编号已用于另一次联检")]})
            return done, False
    require_state(inspection, "check", S.FIELDWORK)
    errors = {}
    if isinstance(marker, BoundaryMarker):
        marker_obj = marker if marker.line_id == inspection.line_id else None
    else:
        marker_obj = BoundaryMarker.objects.filter(line_id=inspection.line_id).filter(
            Q(number=str(marker)) | (Q(pk=int(marker)) if str(marker).isdigit() else Q(pk=None))).first()
    if marker_obj is None:
        errors["marker"] = [_("界桩 %(m)s 不在界线 %(line)s 上") % {"m": marker, "line": inspection.line.name}]
    if condition not in MarkerCheck.Condition.values:
        errors["condition"] = [_("现状无效，可选：%(v)s") % {"v": "、".join(MarkerCheck.Condition.values)}]
    point, input_crs = None, ""
    try:
        point, input_crs = measured_point(condition, lon, lat, crs)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    notes = (notes or "").strip()
    if len(notes) > 2000:
        errors["notes"] = [_("备注不能超过 2000 字")]
    try:
        photos = checked_photos(photos)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    displacement = round(distance_m(marker_obj.geom, point), 3) if point is not None else None
    fields = dict(condition=condition, geom=point, input_crs=input_crs, displacement_m=displacement, notes=notes, checked_by=user,
                  checked_at=now)
    with transaction.atomic():
        JointInspection.objects.select_for_update().get(pk=inspection.pk)  # one check per marker, entered in turn
        check = MarkerCheck.objects.filter(inspection=inspection, marker=marker_obj).first()
        created = check is None
        if not created and check.side != side:
            raise TransitionForbidden(_("此界桩的检查由%(p)s录入，本方只能确认，不能修改") % {"p": inspection.party_name(check.side)},
                                      action="check")
        check = check or MarkerCheck(inspection=inspection, marker=marker_obj, side=side, client_id=client_id or None)
        for k, v in fields.items():
            setattr(check, k, v)
        other = "b" if side == "a" else "a"
        setattr(check, f"confirmed_{side}_by", user)
        setattr(check, f"confirmed_{side}_at", now)
        setattr(check, f"confirmed_{other}_by", None)  # changed: the other side confirms again
        setattr(check, f"confirmed_{other}_at", None)
        check.save()
        for f in photos:
            MarkerPhoto.objects.create(marker_check=check, image=f, uploaded_by=user, uploaded_at=now)
        record(check, "check" if created else "change_check", actor=user, at=now, marker=marker_obj.number, condition=condition,
               displacement_m=displacement, input_crs=input_crs, side=side, photos=len(photos), far_from_marker=check.far_from_marker)
        walk = patrols.open_patrol(user)
        if walk is not None and walk.grid_id is None:
            patrols.visit_target(walk, marker_obj, now=now)
    return check, created


def confirm_check(check, user, *, now=None):
    """The confirmation of one side (the other side's inspector confirms what was entered)."""
    inspection = check.inspection
    side = require_side(inspection, user, "confirm")
    require_state(inspection, "confirm", S.FIELDWORK)
    now = now or timezone.now()
    with transaction.atomic():
        locked = MarkerCheck.objects.select_for_update().get(pk=check.pk)
        if getattr(locked, f"confirmed_{side}_at") is not None:
            raise InvalidTransition(_("本方已确认此检查"), action="confirm")
        setattr(locked, f"confirmed_{side}_by", user)
        setattr(locked, f"confirmed_{side}_at", now)
        locked.save(update_fields=[f"confirmed_{side}_by", f"confirmed_{side}_at"])
        record(locked, "confirm_check", actor=user, at=now, side=side, agreed=locked.agreed)
    return locked


def may_edit_check(check, user):
    return side_of(check.inspection, user) == check.side and check.inspection.state == S.FIELDWORK


def record_section(inspection, user, *, from_marker, to_marker, references_complete=True, references_notes="", identifiable=True,
                   notes="", now=None):
    """方位物 and identifiability of the section between two markers (one record a section, updated)."""
    side = require_side(inspection, user, "section")
    require_state(inspection, "section", S.FIELDWORK)
    markers = {m.number: m for m in BoundaryMarker.objects.filter(line_id=inspection.line_id, number__in=[str(from_marker), str(to_marker)])}
    a, b = markers.get(str(from_marker)), markers.get(str(to_marker))
    if a is None or b is None or a == b:
        raise ValidationError({"from_marker": [_("请选择本界线上的两个不同界桩")]})
    if errors := too_long(too_long({}, "notes", _("备注"), notes), "references_notes", _("方位物说明"), references_notes):
        raise ValidationError(errors)
    now = now or timezone.now()
    with transaction.atomic():
        section, created = SectionRecord.objects.update_or_create(
            inspection=inspection, from_marker=a, to_marker=b,
            defaults=dict(references_complete=bool(references_complete), references_notes=references_notes or "", identifiable=bool(identifiable),
                          notes=notes or "", side=side, recorded_by=user, recorded_at=now))
        record(section, "section", actor=user, at=now, references_complete=section.references_complete, identifiable=section.identifiable)
    return section


def add_problem(inspection, user, *, description, owner_side, due_date, owner=None, check=None, now=None):
    """A rectification item (整改事项) with its owning side, person and due date."""
    require_side(inspection, user, "problem")
    require_state(inspection, "problem", S.FIELDWORK, S.DRAFTED)
    errors = {}
    if not (description or "").strip():
        errors["description"] = [_("请填写问题描述")]
    too_long(errors, "description", _("问题描述"), description)
    if owner_side not in Side.values:
        errors["owner_side"] = [_("请选择责任方")]
    if due_date is None:
        errors["due_date"] = [_("请填写整改期限")]
    if owner is not None and owner_side in Side.values and scope_of(owner).boundary_side(inspection.party_a_code, inspection.party_b_code) != owner_side:
        errors["owner"] = [_("责任人应是责任方的界线联检人员")]
    if check is not None and check.inspection_id != inspection.pk:
        errors["check"] = [_("该检查不属于本次联检")]
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    with transaction.atomic():
        item = RectificationItem.objects.create(inspection=inspection, marker_check=check, description=description.strip(), owner_side=owner_side,
                                                owner=owner, due_date=due_date, created_by=user, created_at=now)
        record(item, "add_problem", actor=user, at=now, owner_side=owner_side, due_date=str(due_date))
    return item


def complete_problem(item, user, *, now=None):
    side = require_side(item.inspection, user, "problem")
    if side != item.owner_side:
        raise TransitionForbidden(_("只有责任方可以销号"), action="complete_problem")
    now = now or timezone.now()
    with transaction.atomic():
        n = RectificationItem.objects.filter(pk=item.pk, state=RectificationItem.State.OPEN).update(state=RectificationItem.State.DONE, done_at=now)
        if not n:
            raise InvalidTransition(_("该事项已整改"), action="complete_problem")
        item.refresh_from_db()
        record(item, "complete_problem", actor=user, at=now)
    return item


# --- walking the markers (a patrol of the patrols app) ----------------------------------------------
def start_walk(inspection, user, *, now=None, client_key=None):
    """A patrol whose targets are the line's markers in order (patrols.PatrolTarget). With the phone's
    client key (a walk started offline), a start sent again is the walk it made."""
    require_side(inspection, user, "walk")
    require_state(inspection, "walk", S.FIELDWORK)
    return patrols.start_target_patrol(user, list(inspection.line.markers.order_by("number")), now=now,
                                       note=_("界桩巡查：%(i)s") % {"i": inspection}, client_key=client_key)


def open_walk(inspection, user):
    """The user's open patrol if it is a walk of this inspection's markers, else None: a grid patrol,
    a road-sign patrol or the walk of another line is not this walk (and is not ended from here)."""
    from django.contrib.contenttypes.models import ContentType

    from geogrid.patrols.models import PatrolTarget

    walk = patrols.open_patrol(user)
    if walk is None or walk.grid_id is not None:
        return None
    markers = PatrolTarget.objects.filter(patrol=walk, target_type=ContentType.objects.get_for_model(BoundaryMarker),
                                          target_id__in=BoundaryMarker.objects.filter(line_id=inspection.line_id).values("pk"))
    return walk if markers.exists() else None


# --- due lines, agreements, disputes -----------------------------------------------------------------
def lines_due(today=None, qs=None):
    """[(line, last_year or None, due_year or None, "overdue"|"due")] of the lines due for a joint
    inspection this year or overdue, from the year of their last filed inspection."""
    today = today or timezone.localdate()
    every = settings.GEOGRID_BOUNDARY_INSPECTION_YEARS
    qs = (qs if qs is not None else BoundaryLine.objects.all()).defer("geom").annotate(
        last_year=Max("inspections__year", filter=Q(inspections__state=S.FILED)))
    out = []
    for line in qs.order_by("code"):
        due = line.last_year + every if line.last_year else None
        if due is None or due < today.year:
            out.append((line, line.last_year, due, "overdue"))
        elif due == today.year:
            out.append((line, line.last_year, due, "due"))
    return out


def agreements_to_renew(today=None, lines=None):
    """[(agreement, days_left)] ending within GEOGRID_AGREEMENT_RENEWAL_DAYS or already ended (of
    these lines), unless a later agreement of the same line has been signed (renewed)."""
    today = today or timezone.localdate()
    limit = today + timedelta(days=settings.GEOGRID_AGREEMENT_RENEWAL_DAYS)
    qs = BoundaryAgreement.objects.filter(valid_until__lte=limit).exclude(
        Exists(BoundaryAgreement.objects.filter(line=OuterRef("line"), valid_until__gt=limit)))
    if lines is not None:
        qs = qs.filter(line__in=lines)
    return [(a, (a.valid_until - today).days) for a in qs.select_related("line").defer("line__geom")]


def notify_due(today=None, *, now=None):
    """Reminders (manage.py boundary_due, nightly from cron): the inspectors of both parties of a line
    are told when its joint inspection is due or overdue and when its 平安边界 agreement is to be
    renewed — once per line and due year, agreement and end date, and colour, so running it again
    tells nobody twice. Returns the counts."""
    from collections import defaultdict

    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from geogrid.notifications.models import Notification
    from geogrid.notifications.services import Item, notify_all

    today = today or timezone.localdate(now)
    inspectors = get_user_model().objects.filter(groups__name=Role.BOUNDARY_INSPECTOR.value, is_active=True, area__isnull=False) \
        .select_related("area").distinct()
    by_district = defaultdict(list)
    for u in inspectors:
        by_district[scope_of(u).boundary_district].append(u)
    url, items = reverse("boundaries"), []

    def tell(line, obj, kind, title, key):
        for u in by_district.get(line.side_a_code, []) + by_district.get(line.side_b_code, []):
            items.append(Item(u, kind, obj, title, url=url, key=key))

    due = lines_due(today)
    for line, last, year, status in due:
        kind = Notification.Kind.OVERDUE if status == "overdue" else Notification.Kind.DUE_SOON
        title = (_("界线联检超期：%(l)s（上次联检 %(last)s）") % {"l": line.name, "last": last or _("从未联检")} if status == "overdue"
                 else _("界线联检到期：%(l)s 应于 %(y)s 年联检") % {"l": line.name, "y": year})
        tell(line, line, kind, title, f"boundary_line:{line.pk}:{year or 'never'}:{status}")
    renew = agreements_to_renew(today)
    for agreement, days in renew:
        kind = Notification.Kind.OVERDUE if days < 0 else Notification.Kind.DUE_SOON
        title = (_("平安边界协议已到期：%(t)s（有效期至 %(d)s），请续签") if days < 0 else _("平安边界协议将到期：%(t)s（有效期至 %(d)s），请准备续签")) % {
            "t": agreement.title, "d": agreement.valid_until.isoformat()}
        tell(agreement.line, agreement, kind, title, f"boundary_agreement:{agreement.pk}:{agreement.valid_until.isoformat()}:{kind}")
    made = notify_all(items, now=now)
    return {"lines": len(due), "agreements": len(renew), "new": len(made), "told_before": len(items) - len(made)}


def register_dispute(user, *, line, lon, lat, crs=None, parties, description, now=None):
    if line is not None and scope_of(user).boundary_side(line.side_a_code, line.side_b_code) is None:
        raise TransitionForbidden(_("只有界线双方的联检人员可以登记此界线的纠纷"), action="dispute")
    if line is None and scope_of(user).boundary_district is None:
        raise TransitionForbidden(_("只有界线联检人员可以登记涉界纠纷"), action="dispute")
    errors = {}
    try:
        point = point_to_storage(lon, lat, crs)
    except CRSError as exc:
        errors["location"] = [str(exc)]
    if not (parties or "").strip():
        errors["parties"] = [_("请填写当事方")]
    if not (description or "").strip():
        errors["description"] = [_("请填写情况描述")]
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    with transaction.atomic():
        d = BoundaryDispute.objects.create(line=line, geom=point, parties=parties.strip(), description=description.strip(), reported_at=now)
        record(d, "register_dispute", actor=user, at=now, line=line.code if line else "")
    return d


DISPUTE_MOVES = {BoundaryDispute.State.OPEN: {BoundaryDispute.State.MEDIATING, BoundaryDispute.State.RESOLVED},
                 BoundaryDispute.State.MEDIATING: {BoundaryDispute.State.RESOLVED}}


def set_dispute_state(dispute, user, state, *, resolution="", now=None):
    line = dispute.line
    if (scope_of(user).boundary_side(line.side_a_code, line.side_b_code) if line else scope_of(user).boundary_district) is None:
        raise TransitionForbidden(_("只有界线双方的联检人员可以处理此纠纷"), action="dispute")
    if state not in DISPUTE_MOVES.get(dispute.state, set()):
        raise InvalidTransition(_("纠纷当前为「%(s)s」，不能改为该状态") % {"s": dispute.get_state_display()}, action="dispute", state=dispute.state)
    if state == BoundaryDispute.State.RESOLVED and not (resolution or "").strip():
        raise ValidationError({"resolution": [_("请填写调处结果")]})
    now = now or timezone.now()
    with transaction.atomic():
        before = dispute.state
        dispute.state = state
        if state == BoundaryDispute.State.RESOLVED:
            dispute.resolved_at, dispute.resolution = now, resolution.strip()
        dispute.save()
        record(dispute, "dispute_state", actor=user, at=now, from_state=before, to_state=state)
    return dispute


def inspection_detail_queryset():
    """An inspection with everything its pages show, in a fixed number of queries."""
    return JointInspection.objects.select_related("line", "signed_a_by", "signed_b_by").prefetch_related(
        Prefetch("members", queryset=InspectionMember.objects.select_related("user")),
        Prefetch("checks", queryset=MarkerCheck.objects.select_related("marker", "checked_by", "confirmed_a_by", "confirmed_b_by")
                 .prefetch_related("photos")),
        Prefetch("sections", queryset=SectionRecord.objects.select_related("from_marker", "to_marker")),
        Prefetch("problems", queryset=RectificationItem.objects.select_related("owner", "marker_check__marker")),
    )
