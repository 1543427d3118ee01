"""Patrols (巡查): a grid member starts and ends a patrol of their grid, optionally with a GPS
track. Findings are reported as incidents (incidents.services.report_finding): this app knows
nothing of incidents beyond the `findings` relation."""
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import GEOSException, LineString
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from geogrid.accounts.scope import scope_of
from geogrid.audit.services import record
from geogrid.geo.crs import CRSError, check_lonlat_geometry, parse_input_crs, to_storage
from geogrid.geo.measure import length_m
from geogrid.workflow.exceptions import InvalidTransition, TransitionForbidden

from .models import Patrol, PatrolTarget


def on_duty_in(user, grid):
    """Is the user on the team of this grid (or of its L4 parent, for an L5 grid)?"""
    codes = scope_of(user).grid_codes
    return grid.code in codes or (grid.parent_id is not None and grid.parent.code in codes)


def start_patrol(user, grid, *, now=None, note=""):
    if not (user and user.is_authenticated) or not on_duty_in(user, grid):
        raise TransitionForbidden(_("只有本网格的网格员可以巡查此网格"), action="start_patrol")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(user=user, grid=grid, started_at=now, note=note or "")
            record(patrol, "start_patrol", actor=user, at=now, grid=grid.code)
    except IntegrityError:
        raise InvalidTransition(_("您有一次巡查尚未结束，请先结束"), action="start_patrol")
    return patrol


def start_target_patrol(user, targets, *, now=None, note=""):
    """A patrol of a list of targets (any model instances, visited in this order): boundary markers of
    an inspection, road signs… The calling app has checked, by its own scope rule, that the user may
    patrol them; this app knows only that they are rows of some model."""
    if not (user and user.is_authenticated):
        raise TransitionForbidden(_("请先登录"), action="start_patrol")
    targets = list(targets)
    if not targets:
        raise ValidationError({"targets": [_("巡查目标不能为空")]})
    now = now or timezone.now()
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(user=user, grid=None, started_at=now, note=note or "")
            types = ContentType.objects.get_for_models(*{type(t) for t in targets})
            PatrolTarget.objects.bulk_create([
                PatrolTarget(patrol=patrol, target_type=types[type(t)], target_id=t.pk, order=i, label=str(t)[:100])
                for i, t in enumerate(targets)])
            record(patrol, "start_patrol", actor=user, at=now, targets=len(targets))
    except IntegrityError:
        raise InvalidTransition(_("您有一次巡查尚未结束，请先结束"), action="start_patrol")
    return patrol


def visit_target(patrol, obj, *, now=None):
    """Mark obj visited in the patrol (the first visit counts); False when it is not a target."""
    ct = ContentType.objects.get_for_model(type(obj))
    return bool(PatrolTarget.objects.filter(patrol=patrol, target_type=ct, target_id=obj.pk, visited_at__isnull=True)
                .update(visited_at=now or timezone.now()))


def targets_of(patrol):
    """The patrol's targets in order, each with .target_type."""
    return list(patrol.targets.select_related("target_type").order_by("order", "id"))


# A point every 5 s for a 12-hour shift is 8 640; more is a client fault, and a 70 000-point line
# costs seconds of server CPU to transform and measure.
MAX_TRACK_POINTS = 10_000


def parse_track(track, crs=None):
    """A LineString in EPSG:4490 from a LineString or a list of [lon, lat] pairs (input CRS crs)."""
    if track in (None, "", []):
        return None
    if len(track) > MAX_TRACK_POINTS:
        raise ValidationError({"track": [_("轨迹点数 %(n)s 超过上限 %(max)s：请先在手机上抽稀（每 5 秒一点，8 小时约 6 000 点）")
                                         % {"n": len(track), "max": MAX_TRACK_POINTS}]})
    try:
        if isinstance(track, LineString):
            line = track.clone()
        else:
            coords = [(float(p[0]), float(p[1])) for p in track]
            line = LineString(coords, srid=4490)
        if len(line.coords) < 2:
            raise ValueError
        try:
            check_lonlat_geometry(line)  # swapped or out of range, said as geo.crs says it for points
        except CRSError as exc:
            raise ValidationError({"track": [_("轨迹坐标超出范围：%(e)s") % {"e": exc}]})
        srid = parse_input_crs(crs) if crs else (line.srid or 4490)
        return to_storage(line, srid)
    except ValidationError:
        raise
    except CRSError as exc:
        raise ValidationError({"crs": [str(exc)]})
    except (TypeError, ValueError, IndexError, GEOSException):
        raise ValidationError({"track": [_("轨迹应为至少两个 [经度, 纬度] 点的数组")]})


def end_patrol(patrol, user, *, track=None, crs=None, note=None, now=None):
    if patrol.user_id != getattr(user, "pk", None):
        raise TransitionForbidden(_("只能结束自己的巡查"), action="end_patrol")
    line = parse_track(track, crs)
    now = now or timezone.now()
    with transaction.atomic():
        patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
        if patrol.ended_at is not None:
            raise InvalidTransition(_("此次巡查已结束"), action="end_patrol")
        if now < patrol.started_at:
            raise ValidationError({"ended_at": [_("结束时间不能早于开始时间")]})
        patrol.ended_at = now
        if line is not None:
            patrol.track = line
            patrol.length_m = length_m(line)
        if note is not None:
            patrol.note = note
        patrol.save()
        record(patrol, "end_patrol", actor=user, at=now, length_m=patrol.length_m, findings=patrol.findings.count())
    return patrol


def visible_patrols(user):
    """One's own patrols, plus the patrols of grids in one's staff area (accounts.scope)."""
    scope = scope_of(user)
    if not scope.authenticated:
        return Patrol.objects.none()
    staff = scope.area_q("grid__community")
    if staff is not None and not staff:
        return Patrol.objects.all()
    q = Q(user=user)
    if staff is not None:
        q |= staff
    return Patrol.objects.filter(q)


def open_patrol(user):
    """The user's patrol not yet ended (at most one), or None."""
    return Patrol.objects.filter(user=user, ended_at__isnull=True).select_related("grid").first()
