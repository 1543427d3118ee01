"""The 4+N team of a grid: assign a user to a grid with a role and validity dates, end a
membership, read the team on duty. Staff manage the teams of the grids in their area."""
from datetime import date

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from geogrid.accounts.roles import Role
from geogrid.accounts.scope import scope_of
from geogrid.audit.services import record
from geogrid.workflow.exceptions import TransitionForbidden

from .models import Grid, GridMember
from .services import active_members


def can_manage_grid(user, grid):
    """Staff whose area holds the grid's community (accounts.scope), and district admins."""
    return scope_of(user).covers_community(grid.community)


def manageable_members(user, qs=None):
    """The memberships this user may see in the team API and the admin: their own, the teams of
    the grids they are on duty in, and the teams of the grids in their staff area."""
    qs = GridMember.objects.select_related("user", "grid") if qs is None else qs
    scope = scope_of(user)
    if not scope.authenticated:
        return qs.none()
    staff = scope.area_q("grid__community")
    if staff is not None and not staff:
        return qs
    q = Q(user=user)
    for extra in (scope.grid_q("grid"), staff):
        if extra is not None:
            q |= extra
    return qs.filter(q)


def _overlaps(qs, start, end):
    """Memberships in qs whose [start_date, end_date] overlaps [start, end] (None = open)."""
    qs = qs.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    if end is not None:
        qs = qs.filter(start_date__lte=end)
    return qs


def _as_date(value, field):
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: [_("日期格式应为 YYYY-MM-DD")]})


def assign_member(grid, user, role, *, by, start_date=None, end_date=None, phone="", other_kind=""):
    """Put `user` on the team of `grid` (a current grid row). Refuses (ValidationError) overlapping
    memberships of the same person in the same grid and a second 网格长 at the same time."""
    if not can_manage_grid(by, grid):
        raise TransitionForbidden(_("您不能管理此网格的队伍"), action="assign_member")
    errors = {}
    if grid.valid_to is not None:
        errors["grid"] = [_("网格 %(c)s 的这个版本已失效，请在现行版本上配置队伍") % {"c": grid.code}]
    if role not in GridMember.Role.values:
        errors["role"] = [_("角色无效，可选：%(v)s") % {"v": "、".join(GridMember.Role.values)}]
    if role == GridMember.Role.OTHER and not (other_kind or "").strip():
        errors["other_kind"] = [_("“其他力量”需注明类别（如党员、民警、物业）")]
    if not user.is_active:
        errors["user"] = [_("用户已停用")]
    start = _as_date(start_date, "start_date") or timezone.localdate()
    end = _as_date(end_date, "end_date")
    if end is not None and end < start:
        errors["end_date"] = [_("终止日期不能早于起始日期")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Lock the grid row so two staff assigning at once cannot both pass the checks below.
        Grid.objects.select_for_update().get(pk=grid.pk)
        same = _overlaps(GridMember.objects.filter(grid__code=grid.code, user=user), start, end)
        if same.exists():
            raise ValidationError({"user": [_("%(u)s 在该网格已有重叠期间的任职") % {"u": user}]})
        if role == GridMember.Role.HEAD and _overlaps(GridMember.objects.filter(grid__code=grid.code, role="head"), start, end).exists():
            raise ValidationError({"role": [_("该网格在此期间已有网格长")]})
        member = GridMember.objects.create(user=user, grid=grid, role=role, start_date=start, end_date=end,
                                           phone=(phone or "")[:20], other_kind=(other_kind or "")[:50])
        group = Role.GRID_HEAD if role == GridMember.Role.HEAD else Role.GRID_MEMBER
        user.groups.add(Group.objects.get_or_create(name=str(group))[0])
        record(member, "assign_member", actor=by, note=f"{grid.code} {member.get_role_display()} {user}",
               grid=grid.code, user=user.pk, role=role, start_date=start.isoformat(), end_date=end.isoformat() if end else None)
    return member


def end_membership(member, *, by, end_date=None, note=""):
    """End a membership on end_date (today); it must not end before it started."""
    if not can_manage_grid(by, member.grid):
        raise TransitionForbidden(_("您不能管理此网格的队伍"), action="end_membership")
    end = _as_date(end_date, "end_date") or timezone.localdate()
    with transaction.atomic():
        member = GridMember.objects.select_for_update().get(pk=member.pk)
        if member.end_date is not None and member.end_date < end:
            raise ValidationError({"end_date": [_("该任职已于 %(d)s 终止") % {"d": member.end_date}]})
        if end < member.start_date:
            raise ValidationError({"end_date": [_("终止日期不能早于起始日期 %(d)s") % {"d": member.start_date}]})
        member.end_date = end
        member.save(update_fields=["end_date"])
        record(member, "end_membership", actor=by, note=note, end_date=end.isoformat())
    return member


def grid_team(grid, on=None):
    """The team on duty in this grid on date `on` (today): dicts of name, role, phone, grid."""
    return active_members([grid], on)
