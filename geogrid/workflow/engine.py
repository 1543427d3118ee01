"""The workflow core: a declared table of transitions and the one function that performs them.

A workflow is a list of `Transition` rows — from-states, action, to-state, roles allowed, required
fields — plus hooks for what the table cannot say (who is the assignee, is the stage overdue…).
`Workflow.perform(obj, action, user, note, **fields)`:

1. refuses an action the workflow does not know (UnknownAction, 404) or that none of the user's
   roles may ever take (TransitionForbidden, 403);
2. locks the row (SELECT … FOR UPDATE) inside a transaction and re-reads its state, so of two
   concurrent transitions the loser sees the winner's state and gets InvalidTransition (409);
3. checks the transition's `allowed` hook (403: scope, assignee) and `condition` hook (409);
4. checks required fields and cleans them (MissingFields, 400);
5. sets the state, runs the `effect` hook, restarts the stage clock and its deadline, saves, and
   appends an audit event (who, when, from, to, note, data) in the same transaction.

Hooks return None/True for yes, and False or a message for no.
"""
from dataclasses import dataclass, field
from typing import Callable, Optional

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from geogrid.audit.services import record

from . import deadlines
from .exceptions import InvalidTransition, MissingFields, TransitionForbidden, UnknownAction

# Sent after every performed transition, inside its transaction: (sender=model, workflow, obj,
# action, user, event) — event is the audit event just written.
transitioned = Signal()

NOTE_MAX = 2000  # characters of a transition's note, and of other notes and descriptions (as the API's serializers)


def too_long(errors, field, label, value, limit=NOTE_MAX):
    """Add field's refusal to errors (field → messages) when value has more than limit characters:
    text is refused, never cut, so the writer knows (pages and API alike)."""
    n = len(str(value or ""))
    if n > limit:
        errors.setdefault(field, []).append(_("%(field)s不能超过 %(n)s 字（现有 %(len)s 字）") % {"field": label, "n": limit, "len": n})
    return errors


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple
    target: Optional[str]  # None: the state stays (e.g. 督办 urge); the stage clock keeps running
    roles: frozenset
    label: str = ""
    requires: tuple = ()  # field names that must be given ("note" included)
    allowed: Optional[Callable] = None  # (obj, user) -> None/True | False | message  → 403
    condition: Optional[Callable] = None  # (obj, now) -> None | message              → 409
    clean: Optional[Callable] = None  # (obj, user, fields) -> cleaned dict, raises MissingFields
    effect: Optional[Callable] = None  # (obj, user, fields, now) -> dict for the audit event
    extra: dict = field(default_factory=dict)

    def leaves_from(self, state):
        return state in self.sources


def T(sources, action, target, roles, **kw):
    """One row of a transition table, in the order it reads: from, action, to, who."""
    if isinstance(sources, str):
        sources = (sources,)
    return Transition(action=action, sources=tuple(sources), target=target, roles=frozenset(str(r) for r in roles), **kw)


def _verdict(result):
    """None/True → None (yes); False → "" (no, generic); str → that message (no)."""
    if result is None or result is True:
        return None
    return "" if result is False else str(result)


class Workflow:
    def __init__(self, name, transitions, *, state_labels=None, state_field="state", entered_field="state_entered_at",
                 deadline_field="deadline", deadline_hours=None, terminal=(), overdue_field=None, warn_field=None,
                 working_time=None):
        self.name = name
        # Where the moment the stage turns yellow is stored, and whether an object's time limits
        # count working time ((obj) -> bool; None: round the clock).
        self.warn_field = warn_field
        self.working_time = working_time
        # A counter field: every stage left after its deadline adds 1 (0 at close = closed on time).
        self.overdue_field = overdue_field
        self.transitions = list(transitions)
        self.state_labels = dict(state_labels or {})
        self.state_field = state_field
        self.entered_field = entered_field
        self.deadline_field = deadline_field
        self.deadline_hours = deadline_hours  # (obj, state) -> hours or None
        self.terminal = set(terminal)
        self._by_action = {}
        for t in self.transitions:
            self._by_action.setdefault(t.action, []).append(t)
        for action, rows in self._by_action.items():
            seen = set()
            for t in rows:
                clash = seen & set(t.sources)
                if clash:
                    raise ValueError(f"{name}: action {action!r} declared twice from {sorted(clash)}")
                seen |= set(t.sources)

    # -- reading the table ----------------------------------------------------------------
    @property
    def actions(self):
        return list(self._by_action)

    def states(self):
        out = []
        for t in self.transitions:
            for s in (*t.sources, t.target):
                if s and s not in out:
                    out.append(s)
        return out

    def label_of_state(self, state):
        return str(self.state_labels.get(state, state))

    def label_of_action(self, action):
        rows = self._by_action.get(action)
        return str(rows[0].label or action) if rows else action

    def find(self, action, state):
        """The transition for action from state, or None."""
        for t in self._by_action.get(action, ()):
            if t.leaves_from(state):
                return t
        return None

    def state_of(self, obj):
        return getattr(obj, self.state_field)

    # -- checking ------------------------------------------------------------------------------
    def _roles_ok(self, user, roles):
        return bool(user and user.is_authenticated and user.is_active and user.has_role(*roles))

    def _check(self, obj, action, user, now):
        """The transition to take, or the WorkflowError refusing it (raised)."""
        rows = self._by_action.get(action)
        if not rows:
            raise UnknownAction(_("没有名为「%(action)s」的操作") % {"action": action}, action=action)
        label = self.label_of_action(action)
        if not any(self._roles_ok(user, t.roles) for t in rows):
            raise TransitionForbidden(_("您的角色不能执行「%(label)s」") % {"label": label}, action=action)
        state = self.state_of(obj)
        t = self.find(action, state)
        if t is None:
            raise InvalidTransition(
                _("当前状态为「%(state)s」，不能执行「%(label)s」") % {"state": self.label_of_state(state), "label": label},
                action=action, state=state)
        if not self._roles_ok(user, t.roles):
            raise TransitionForbidden(_("您的角色不能执行「%(label)s」") % {"label": label}, action=action, state=state)
        if t.allowed is not None:
            no = _verdict(t.allowed(obj, user))
            if no is not None:
                raise TransitionForbidden(no or _("您无权对此记录执行「%(label)s」") % {"label": label}, action=action, state=state)
        if t.condition is not None:
            no = _verdict(t.condition(obj, now))
            if no is not None:
                raise InvalidTransition(no or _("此记录现在不能执行「%(label)s」") % {"label": label}, action=action, state=state)
        return t

    def available(self, obj, user, now=None):
        """The transitions this user may take on obj now (required fields not considered)."""
        now = now or timezone.now()
        out = []
        for action in self._by_action:
            try:
                out.append(self._check(obj, action, user, now))
            except (InvalidTransition, TransitionForbidden, UnknownAction):
                pass
        return out

    def can(self, obj, action, user, now=None):
        try:
            self._check(obj, action, user, now or timezone.now())
            return True
        except (InvalidTransition, TransitionForbidden, UnknownAction):
            return False

    # -- doing ---------------------------------------------------------------------------------
    def perform(self, obj, action, user, note="", *, now=None, **fields):
        """Perform action on obj as user; returns obj with its new state (the instance passed in is
        updated too). Raises a WorkflowError (404/403/409/400) and changes nothing when refused."""
        note = (note or "").strip()
        # Cheap refusals before taking a lock (no state needed).
        rows = self._by_action.get(action)
        if not rows:
            raise UnknownAction(_("没有名为「%(action)s」的操作") % {"action": action}, action=action)
        if errors := too_long({}, "note", _("说明"), note):
            raise MissingFields(errors["note"][0], action=action, fields={"note": errors["note"][0]})
        if not any(self._roles_ok(user, t.roles) for t in rows):
            raise TransitionForbidden(_("您的角色不能执行「%(label)s」") % {"label": self.label_of_action(action)}, action=action)
        model = type(obj)
        with transaction.atomic():
            locked = model._default_manager.select_for_update(of=("self",)).get(pk=obj.pk)
            now = now or timezone.now()
            t = self._check(locked, action, user, now)
            given = dict(fields, note=note)
            missing = {name: _("必填") for name in t.requires if given.get(name) in (None, "", [])}
            if missing:
                raise MissingFields(
                    _("「%(label)s」缺少必填项：%(names)s") % {"label": self.label_of_action(action), "names": "、".join(missing)},
                    action=action, state=self.state_of(locked), fields=missing)
            cleaned = t.clean(locked, user, given) if t.clean else given
            before = self.state_of(locked)
            data = {}
            # Time the stage this transition ends against its deadline, before the clock restarts.
            dl = getattr(locked, self.deadline_field, None) if self.deadline_field else None
            late = t.target is not None and dl is not None and now > dl
            if late and self.overdue_field:
                setattr(locked, self.overdue_field, getattr(locked, self.overdue_field) + 1)
            if t.target is not None:
                setattr(locked, self.state_field, t.target)
            if t.effect is not None:
                data = t.effect(locked, user, cleaned, now) or {}
            if late:
                data["stage_overdue_h"] = round((now - dl).total_seconds() / 3600, 2)
            if t.target is not None:
                self.restart_clock(locked, now)
            locked.save()
            after = self.state_of(locked)
            dl = getattr(locked, self.deadline_field, None) if self.deadline_field else None
            if dl is not None:
                data.setdefault("deadline", dl.isoformat())
            event = record(locked, action, actor=user, from_state=before, to_state=after, note=note, at=now, **data)
            # Listeners (notifications) act in the same transaction: a refused or rolled-back
            # transition tells nobody.
            transitioned.send(sender=model, workflow=self, obj=locked, action=action, user=user, event=event)
        for f in model._meta.concrete_fields:
            setattr(obj, f.attname, getattr(locked, f.attname))
        return obj

    def restart_clock(self, obj, now):
        """Start the stage clock of obj's (new) state and set its deadline from the time limits."""
        if self.entered_field:
            setattr(obj, self.entered_field, now)
        self.set_deadline(obj, now)

    def set_deadline(self, obj, start):
        """The deadline (and warning moment) of obj's current stage, counted from start on the
        object's clock; also when the time limit changes within a stage (the clock keeps running)."""
        if not self.deadline_field:
            return
        state = self.state_of(obj)
        hours = None if state in self.terminal or self.deadline_hours is None else self.deadline_hours(obj, state)
        working = bool(self.working_time and self.working_time(obj))
        setattr(obj, self.deadline_field, deadlines.deadline_after(start, hours, working))
        if self.warn_field:
            setattr(obj, self.warn_field, deadlines.warning_after(start, hours, working))

    def deadline_status(self, obj, now=None):
        if self.state_of(obj) in self.terminal:
            return None
        warn = getattr(obj, self.warn_field) if self.warn_field else None
        return deadlines.deadline_status(getattr(obj, self.entered_field), getattr(obj, self.deadline_field), now, warn)

    def describe(self):
        """The table as plain data (for docs, the API and the pages)."""
        return [
            {"from": list(t.sources), "action": t.action, "label": str(t.label), "to": t.target,
             "roles": sorted(t.roles), "requires": list(t.requires)}
            for t in self.transitions
        ]
