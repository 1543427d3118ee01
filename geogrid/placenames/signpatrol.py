"""Road-name sign patrols (路名牌巡查): a patrol of the patrols app whose targets are the signs of a
road (in order along its centreline) or of an area (road by road, each in order along the road).
At each sign the inspector records what was found (SignInspection: condition, cleaned, photo,
note); the record sets the sign's current condition, marks the target visited and — for a damaged,
missing or wrongly lettered sign — opens a repair order on the existing repair workflow
(signrepair.py), or links the order already open for that sign. The patrol logic (start, visit,
end, one open patrol per person) is the patrols app's; only the sign rules are here."""
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from geogrid.audit.services import record
from geogrid.grids.models import AdminArea
from geogrid.patrols import services as patrols
from geogrid.patrols.models import Patrol, PatrolTarget
from geogrid.uploads import check_image
from geogrid.workflow.exceptions import InvalidTransition, TransitionForbidden
from layers.versions import bump_model

from . import signrepair
from .models import Road, RoadSign, SignInspection, SignRepair
from .services import may_view, require_edit

C = RoadSign.Condition
# A record of one of these opens a repair order (the others are handled on the spot or watched).
REPAIR_CONDITIONS = (C.DAMAGED, C.MISSING, C.WRONG)
NOTE_MAX = 2000


def sign_type():
    return ContentType.objects.get_for_model(RoadSign)  # cached after the first call


# --- which signs, in which order ------------------------------------------------------------------
def ordered_signs(signs):
    """Signs (with .road and its geometry loaded) road by road, each road's signs in order along its
    centreline from its first vertex (GEOS project: no query)."""
    def key(s):
        try:
            along = s.road.geom.project(s.geom)
        except Exception:  # an empty or odd centreline: keep the code order
            along = 0.0
        return (s.road.code, along, s.code)
    return sorted(signs, key=key)


def signs_of_road(road):
    return ordered_signs(RoadSign.objects.filter(road=road).select_related("road"))


def signs_of_area(area):
    return ordered_signs(RoadSign.objects.filter(geom__intersects=area.geom).select_related("road"))


def patrol_areas():
    """Streets and communities whose signs may be walked (the place-name scope is the whole district)."""
    return AdminArea.objects.filter(level__in=[AdminArea.Level.STREET, AdminArea.Level.COMMUNITY]).defer("geom").order_by("code")


def roads_with_signs():
    return (Road.objects.annotate(n_signs=Count("signs")).filter(n_signs__gt=0).defer("geom").order_by("code"))


def offline_choices():
    """What a phone needs to start a walk without a network (the start page carries it): every sign
    of the place-name scope (the district) road by road, each road's in order along it, with its
    road; the roads' lines; and the codes of each street's and community's signs in that same order
    (what start_sign_patrol will give the server's walk). Three queries however many signs; each
    road's line is read (and parsed) once, not once per sign."""
    from django.contrib.postgres.expressions import ArraySubquery

    signs = list(RoadSign.objects.all())
    roads = Road.objects.in_bulk({s.road_id for s in signs})
    for s in signs:
        s.road = roads[s.road_id]
    signs = ordered_signs(signs)
    rank = {s.code: i for i, s in enumerate(signs)}
    inside = RoadSign.objects.filter(geom__intersects=OuterRef("geom")).values("code")
    areas = {a.code: sorted(a.sign_codes, key=lambda c: rank.get(c, len(rank)))
             for a in patrol_areas().annotate(sign_codes=ArraySubquery(inside)) if a.sign_codes}
    return signs, areas


# --- the patrol --------------------------------------------------------------------------------------
def start_sign_patrol(user, *, road=None, area=None, now=None, client_key=None):
    """A patrol of the patrols app with the signs of a road or an area as its targets, in order.
    With the phone's client key (a walk started without a network, sent later by the outbox), a
    start sent again is the walk it made the first time (.started is False then), even if the road's
    signs changed meanwhile; its checks and end address the walk by that key (by_ref)."""
    require_edit(user, "start_sign_patrol")
    key = patrols.client_key_of(client_key)
    if key is not None and (made := sign_patrols().filter(user=user, client_key=key).first()) is not None:
        made.started = False
        return made
    road_code, area_code = str(road or "").strip(), str(area or "").strip()
    if bool(road_code) == bool(area_code):
        raise ValidationError({"road": [_("请选择一条道路或一个区域（二选一）")]})
    if road_code:
        obj = Road.objects.filter(code=road_code).first()
        if obj is None:
            raise ValidationError({"road": [_("没有编码为 %(code)s 的道路") % {"code": road_code}]})
        signs, what = signs_of_road(obj), str(obj)
    else:
        obj = AdminArea.objects.filter(code=area_code, level__in=[AdminArea.Level.STREET, AdminArea.Level.COMMUNITY]).first()
        if obj is None:
            raise ValidationError({"area": [_("没有编码为 %(code)s 的街道或社区") % {"code": area_code}]})
        signs, what = signs_of_area(obj), obj.name
    if not signs:
        raise ValidationError({"road" if road_code else "area": [_("%(what)s 没有路名牌") % {"what": what}]})
    return patrols.start_target_patrol(user, signs, now=now, note=_("路名牌巡查：%(what)s") % {"what": what}, client_key=key)


def sign_patrols():
    """Patrols whose targets are road-name signs."""
    return Patrol.objects.filter(Exists(PatrolTarget.objects.filter(patrol=OuterRef("pk"), target_type=sign_type())))


def visible_sign_patrols(user):
    """Place-name staff and district admins see every sign patrol (their scope is the district)."""
    return sign_patrols() if may_view(user) else Patrol.objects.none()


def open_sign_patrol(user):
    """The user's open patrol if it is a sign patrol, else None (a grid patrol or a marker walk is not)."""
    if not (user and user.is_authenticated):
        return None
    return sign_patrols().filter(user=user, ended_at__isnull=True).first()


def end_sign_patrol(patrol, user, *, track=None, crs=None, note=None, now=None):
    require_edit(user, "end_patrol")
    return patrols.end_patrol(patrol, user, track=track, crs=crs, note=note, now=now)


def walk(patrol):
    """[(target, sign, inspection or None)] of a sign patrol in order: three queries however many signs."""
    targets = [t for t in patrols.targets_of(patrol) if t.target_type_id == sign_type().pk]
    signs = RoadSign.objects.select_related("road").defer("road__geom").in_bulk([t.target_id for t in targets])
    found = {i.sign_id: i for i in SignInspection.objects.filter(patrol=patrol).select_related("sign", "inspector").defer("sign__geom")}
    return [(t, signs[t.target_id], found.get(t.target_id)) for t in targets if t.target_id in signs]


# --- the record at a sign ------------------------------------------------------------------------------
def checked_photo(photo):
    """An uploaded image checked by content and size before anything is written (geogrid.uploads)."""
    return check_image(photo, "photo") if photo else None


def record_inspection(patrol, user, *, sign, condition, cleaned=False, photo=None, note="", now=None):
    """Record what was found at `sign` (a RoadSign or its code) in the user's open sign patrol.
    Returns the SignInspection (with .repair_created). Refusals write nothing: 403 not the staff or not
    one's own patrol, 409 patrol ended or the sign already recorded in it, 400 bad input."""
    require_edit(user, "inspect_sign")
    if patrol.user_id != user.pk:
        raise TransitionForbidden(_("只能在自己的巡查中记录"), action="inspect_sign")
    if patrol.ended_at is not None:
        raise InvalidTransition(_("此次巡查已结束"), action="inspect_sign")
    errors = {}
    if not isinstance(sign, RoadSign):
        code = str(sign or "").strip()
        sign = RoadSign.objects.filter(code=code).first() if code else None
    if sign is None:
        errors["sign"] = [_("没有该编号的路名牌")]
    elif not PatrolTarget.objects.filter(patrol=patrol, target_type=sign_type(), target_id=sign.pk).exists():
        errors["sign"] = [_("路名牌 %(code)s 不在本次巡查的路线上") % {"code": sign.code}]
    if condition not in C.values:
        errors["condition"] = [_("请选择状况")]
    cleaned = bool(cleaned)
    if cleaned and condition == C.MISSING:
        errors["cleaned"] = [_("缺失的路名牌无法清洗")]
    note = str(note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = [_("备注不能超过 2000 字")]
    try:
        photo = checked_photo(photo)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    current = C.GOOD if (cleaned and condition == C.DIRTY) else condition
    with transaction.atomic():
        Patrol.objects.select_for_update().filter(pk=patrol.pk).first()  # one record at a time per patrol
        if SignInspection.objects.filter(patrol=patrol, sign=sign).exists():
            raise InvalidTransition(_("路名牌 %(code)s 在本次巡查中已记录") % {"code": sign.code}, action="inspect_sign")
        locked = RoadSign.objects.select_for_update().get(pk=sign.pk)
        repair, created = None, False
        if condition in REPAIR_CONDITIONS:
            repair = SignRepair.objects.filter(sign=locked).exclude(state=SignRepair.State.ACCEPTED).first()
            if repair is None:
                repair = signrepair.dispatch_repair(user, locked, condition, note or _("巡查发现：%(c)s") % {"c": C(condition).label}, now=now)
                created = True
        inspection = SignInspection(sign=locked, patrol=patrol, inspector=user, inspected_at=now, condition=condition, cleaned=cleaned,
                                    note=note, repair=repair)
        if photo is not None:
            inspection.photo.save(photo.name, photo, save=False)
        inspection.save()
        RoadSign.objects.filter(pk=locked.pk).update(condition=current)
        bump_model(RoadSign)  # an update sends no signal: the published condition may have changed
        patrols.visit_target(patrol, locked, now=now)
        record(inspection, "inspect_sign", actor=user, at=now, sign=locked.code, condition=condition, cleaned=cleaned,
               photo=bool(photo), repair=repair.pk if repair else None, repair_created=created)
    inspection.repair_created = created
    inspection.sign = locked
    locked.condition = current
    return inspection

