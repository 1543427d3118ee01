"""Patrols (巡查): a grid member starts and ends a patrol of their grid, optionally with a GPS
track. Findings are reported as incidents (incidents.services.report_finding): this app knows
nothing of incidents beyond the `findings` relation."""
import uuid

from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import GEOSException, LineString, MultiPoint, Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.contrib.gis.db.models import GeometryField, LineStringField, PointField
from django.contrib.gis.db.models.functions import NumPoints
from django.db.models import F, Func, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from geogrid.accounts.scope import scope_of
from geogrid.audit.services import record
from geogrid.geo.crs import CRSError, check_lonlat_geometry, parse_input_crs, to_storage
from geogrid.geo.measure import length_m
from geogrid.workflow.engine import too_long
from geogrid.workflow.exceptions import InvalidTransition, TransitionForbidden
from geogrid.workflow.idempotency import KEEP as IDEMPOTENCY_KEEP

from .models import Patrol, PatrolTarget


def on_duty_in(user, grid):
    """Is the user on the team of this grid (or of its L4 parent, for an L5 grid)?"""
    codes = scope_of(user).grid_codes
    return grid.code in codes or (grid.parent_id is not None and grid.parent.code in codes)


def client_key_of(value):
    """The phone's key of a patrol (a UUID) from a form or a body, or None when none was given."""
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise ValidationError({"client_key": [_("客户端编号应为 UUID")]})


def phone_time(value, *, not_before=None, now=None):
    """When the phone says a patrol started or ended (it may have been without a network for a while:
    the outbox sends it later). Held between not_before (its start, for an end) or the outbox's 48 h
    and now, so that a phone's wrong clock puts no patrol in the future or before its start."""
    now = now or timezone.now()
    if value is None:
        return now
    low = now - IDEMPOTENCY_KEEP if not_before is None else max(not_before, now - IDEMPOTENCY_KEEP)
    return min(max(value, low), now)


def by_ref(patrols, ref, user):
    """The patrols of the queryset named by ref: an id, or the client key the phone gave the patrol
    when it was started (the phone's queued findings, track and end know only that one). A key is
    unique per user only, so it names only `user`'s own patrols: anyone else's looks missing."""
    ref = str(ref or "").strip()
    if ref.isdigit():
        return patrols.filter(pk=int(ref))
    if user is None or not user.is_authenticated:
        return patrols.none()
    try:
        return patrols.filter(client_key=uuid.UUID(ref), user=user)
    except ValueError:
        return patrols.none()


def _started_before(user, key):
    """The user's patrol started with this client key, if a start with it was sent before (a replay
    of the outbox, another tab): the start answers with it (.started is False) instead of a second one."""
    if key is None or not (user and user.is_authenticated):
        return None
    made = Patrol.objects.filter(user=user, client_key=key).first()
    if made is not None:
        made.started = False
    return made


def start_patrol(user, grid, *, now=None, note="", client_key=None):
    """Start a patrol of the grid. With the phone's client key, a start sent again is the patrol it
    made the first time (.started is False then)."""
    key = client_key_of(client_key)
    if (made := _started_before(user, key)) is not None:
        return made
    if errors := too_long({}, "note", _("巡查记录"), note):
        raise ValidationError(errors)
    if not (user and user.is_authenticated) or not on_duty_in(user, grid):
        raise TransitionForbidden(_("只有本网格的网格员可以巡查此网格"), action="start_patrol")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(user=user, grid=grid, started_at=now, note=note or "", client_key=key)
            record(patrol, "start_patrol", actor=user, at=now, grid=grid.code)
    except IntegrityError:
        if (made := _started_before(user, key)) is not None:  # its twin committed first
            return made
        raise InvalidTransition(_("您有一次巡查尚未结束，请先结束"), action="start_patrol")
    patrol.started = True
    return patrol


def start_target_patrol(user, targets, *, now=None, note="", client_key=None):
    """A patrol of a list of targets (any model instances, visited in this order): boundary markers of
    an inspection, road signs… The calling app has checked, by its own scope rule, that the user may
    patrol them; this app knows only that they are rows of some model. The client key as in start_patrol."""
    if not (user and user.is_authenticated):
        raise TransitionForbidden(_("请先登录"), action="start_patrol")
    key = client_key_of(client_key)
    if (made := _started_before(user, key)) is not None:
        return made
    targets = list(targets)
    if not targets:
        raise ValidationError({"targets": [_("巡查目标不能为空")]})
    now = now or timezone.now()
    try:
        with transaction.atomic():
            patrol = Patrol.objects.create(user=user, grid=None, started_at=now, note=note or "", client_key=key)
            types = ContentType.objects.get_for_models(*{type(t) for t in targets})
            PatrolTarget.objects.bulk_create([
                PatrolTarget(patrol=patrol, target_type=types[type(t)], target_id=t.pk, order=i, label=str(t)[:100])
                for i, t in enumerate(targets)])
            record(patrol, "start_patrol", actor=user, at=now, targets=len(targets))
    except IntegrityError:
        if (made := _started_before(user, key)) is not None:
            return made
        raise InvalidTransition(_("您有一次巡查尚未结束，请先结束"), action="start_patrol")
    patrol.started = True
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


def too_many(n):
    return ValidationError({"track": [_("轨迹点数 %(n)s 超过上限 %(max)s：请先在手机上抽稀（每 5 秒一点，8 小时约 6 000 点）")
                                      % {"n": n, "max": MAX_TRACK_POINTS}]})


def _check_lonlat(geom):
    """Swapped or out of range, said as geo.crs says it for points."""
    try:
        check_lonlat_geometry(geom)
    except CRSError as exc:
        raise ValidationError({"track": [_("轨迹坐标超出范围：%(e)s") % {"e": exc}]})


def parse_points(points, crs=None):
    """[(lon, lat)] in EPSG:4490 of a list of [lon, lat] (or [lon, lat, time]) points in crs."""
    try:
        coords = [(float(p[0]), float(p[1])) for p in points]
    except (TypeError, ValueError, IndexError, KeyError):
        raise ValidationError({"track": [_("轨迹应为至少两个 [经度, 纬度] 点的数组")]})
    if coords:
        _check_lonlat(MultiPoint([Point(x, y) for x, y in coords]))
    try:
        srid = parse_input_crs(crs) if crs else 4490
    except CRSError as exc:
        raise ValidationError({"crs": [str(exc)]})
    if not coords:
        return []
    return list(to_storage(MultiPoint([Point(x, y) for x, y in coords], srid=4490), srid).coords)


def parse_track(track, crs=None):
    """A LineString in EPSG:4490 from a LineString or a list of [lon, lat] pairs (input CRS crs)."""
    if track in (None, "", []):
        return None
    if not isinstance(track, (list, tuple, LineString)):
        raise ValidationError({"track": [_("轨迹应为至少两个 [经度, 纬度] 点的数组")]})
    if len(track) > MAX_TRACK_POINTS:
        raise too_many(len(track))
    if not isinstance(track, LineString):
        coords = parse_points(track, crs)
        if len(coords) < 2:
            raise ValidationError({"track": [_("轨迹应为至少两个 [经度, 纬度] 点的数组")]})
        return LineString(coords, srid=4490)
    line = track.clone()
    if len(line.coords) < 2:
        raise ValidationError({"track": [_("轨迹应为至少两个 [经度, 纬度] 点的数组")]})
    _check_lonlat(line)
    try:
        return to_storage(line, parse_input_crs(crs) if crs else (line.srid or 4490))
    except CRSError as exc:
        raise ValidationError({"crs": [str(exc)]})
    except GEOSException:
        raise ValidationError({"track": [_("轨迹应为至少两个 [经度, 纬度] 点的数组")]})


def append_track(patrol, user, points, *, offset, crs=None):
    """Add the points a phone sends while walking to the end of its patrol's track (so a phone that
    dies mid-patrol loses at most its last batch). `offset` is the number of points the phone had
    sent before this batch: a batch the server already has (replayed, whatever its key) adds nothing,
    one that overlaps adds only its new points, one after a gap is refused (409) — the points stay
    in the phone's order. The track's total is held to MAX_TRACK_POINTS. The line grows in PostGIS
    (ST_MakeLine) and its length by the new stretch only, so a batch costs the same on a long track.
    Returns (points in the track now, points added, length in metres)."""
    if patrol.user_id != getattr(user, "pk", None):
        raise TransitionForbidden(_("只能记录自己巡查的轨迹"), action="append_track")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ValidationError({"offset": [_("offset 应为非负整数（此前已发送的点数）")]})
    if not isinstance(points, (list, tuple)) or not points:
        raise ValidationError({"points": [_("请至少发送一个 [经度, 纬度] 点")]})
    if len(points) > MAX_TRACK_POINTS:
        raise too_many(len(points))
    coords = parse_points(points, crs)
    with transaction.atomic():
        row = (Patrol.objects.select_for_update().filter(pk=patrol.pk)
               .annotate(n=NumPoints("track"), last=Func("track", function="ST_EndPoint", output_field=PointField(srid=4490)))
               .values("ended_at", "n", "last", "length_m").get())
        have = row["n"] or 0
        if row["ended_at"] is not None:
            raise InvalidTransition(_("此次巡查已结束，轨迹不能再追加"), action="append_track")
        if offset > have:
            raise InvalidTransition(_("轨迹缺少第 %(a)s–%(b)s 点：请先发送此前的轨迹") % {"a": have + 1, "b": offset},
                                    action="append_track")
        new = coords[have - offset:]
        if not new:
            return have, 0, row["length_m"]
        if have + len(new) > MAX_TRACK_POINTS:
            raise too_many(have + len(new))
        if have + len(new) < 2:
            raise ValidationError({"points": [_("轨迹至少需要两个点：请与下一个点一起发送")]})
        if have == 0:
            track = LineString(new, srid=4490)
            length = length_m(track)
        else:
            stretch = LineString([row["last"].coords, *new], srid=4490)
            tail = Point(new[0], srid=4490) if len(new) == 1 else LineString(new, srid=4490)  # ST_MakeLine takes points or lines
            track = Func(F("track"), Value(tail, output_field=GeometryField(srid=4490)), function="ST_MakeLine",
                         output_field=LineStringField(srid=4490))
            length = (row["length_m"] or 0.0) + length_m(stretch)
        Patrol.objects.filter(pk=patrol.pk).update(track=track, length_m=length)
        # One event per batch that added points (not per point; a replayed or refused batch writes none).
        record(patrol, "append_track", actor=user, offset=offset, added=len(new), points=have + len(new), length_m=round(length, 1))
    return have + len(new), len(new), length


def end_patrol(patrol, user, *, track=None, crs=None, note=None, now=None):
    if patrol.user_id != getattr(user, "pk", None):
        raise TransitionForbidden(_("只能结束自己的巡查"), action="end_patrol")
    line = parse_track(track, crs)
    if errors := too_long({}, "note", _("巡查记录"), note):
        raise ValidationError(errors)
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
