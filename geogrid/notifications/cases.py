"""What a case tells whom: the notification rules of incidents (案卷), read top to bottom.

- dispatched (派遣) → the new assignee;
- sent back to handling (返工: rework after a report back or a verification, or a dissatisfied
  evaluation of a closed case) → whoever holds the case now (the assignee);
- urged (督办) → whoever holds the case now;
- closed (结案) → the reporter;
- the nightly check (`manage.py notify_due`, notify_due()): a stage that entered its warning window
  (临期) or passed its deadline (超期) → whoever holds the case now, once per stage deadline and
  colour, with the deadline colours of the console (incidents.services.deadline_filter).

Whoever holds the case now: the assignee while the next step is theirs (dispatched: accept;
handling: report back) and they are active; otherwise the staff of the level the case is the
responsibility of — the community staff of its community for grid and community cases, the street
dispatchers of its street for street cases, the district admins for district cases — or, where
that level has nobody, the next level up. Whoever took the step is not told of it.

The workflow core sends `transitioned` inside the transition's transaction (apps.py connects
on_transition): a refused or rolled-back step tells nobody, and a step tells each person once (the
key is its audit event). Telling is in a savepoint: if it fails, that is logged and the step stands.
"""
import logging
from collections import defaultdict
from datetime import timezone as dt_timezone

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from geogrid.accounts.roles import Role
from geogrid.incidents.models import Incident
from geogrid.incidents.services import deadline_filter
from geogrid.workflow import deadlines

from .services import Item, Kind, notify_all

S, Level = Incident.State, Incident.Level
log = logging.getLogger(__name__)

# The workflow actions that tell someone, and what kind of news each is; and the states a case is
# sent back to handling from (返工, whichever action does it).
# A case passed to a functional department is news for its staff, as a dispatch is for the assignee.
ON_ACTION = {"dispatch": Kind.ASSIGNED, "to_department": Kind.ASSIGNED, "rework": Kind.REWORK, "urge": Kind.URGED, "close": Kind.CLOSED}
SENT_BACK_FROM = (S.HANDLED, S.VERIFIED, S.CLOSED)
# Deadline colours the nightly check tells of, with the key prefix that makes each once per stage.
ON_DEADLINE = [(deadlines.YELLOW, Kind.DUE_SOON, "due"), (deadlines.RED, Kind.OVERDUE, "overdue")]
# States in which the next step is the assignee's.
ASSIGNEE_STATES = (S.DISPATCHED, S.HANDLING)
# From the case's level up: (level, the staff role of that level, the case's area at that level).
STAFF_LEVELS = [(Level.COMMUNITY, Role.COMMUNITY_STAFF, "community_id"), (Level.STREET, Role.STREET_DISPATCHER, "street_id"),
                (Level.DISTRICT, Role.DISTRICT_ADMIN, None)]
BATCH = 500  # cases per round of the nightly check

TITLES = {
    Kind.ASSIGNED: _("案卷 %(number)s 已派遣给您"),
    Kind.REWORK: _("案卷 %(number)s 退回返工"),
    Kind.URGED: _("案卷 %(number)s 被督办"),
    Kind.DUE_SOON: _("案卷 %(number)s 本环节临期，%(deadline)s 到期"),
    Kind.OVERDUE: _("案卷 %(number)s 本环节已超期，时限 %(deadline)s"),
    Kind.CLOSED: _("您上报的案卷 %(number)s 已结案"),
}


# --- who holds a case -------------------------------------------------------------------------------
def staff_chain(incident):
    """The (role, area id) to look for staff under, from the case's level up; area None: any."""
    levels = [level for level, _role, _attr in STAFF_LEVELS]
    start = levels.index(incident.responsible_level) if incident.responsible_level in levels else 0
    # A case passed to a functional department is first its staff's to take up.
    chain = [(Role.DEPARTMENT_STAFF.value, incident.department_id)] if incident.department_id else []
    for level, role, attr in STAFF_LEVELS[start:]:
        area = getattr(incident, attr) if attr else None
        if attr is None or area is not None:
            chain.append((role.value, area))
    return chain


def staff_directory(incidents):
    """{(role, area id or None): [active users]} of every staff member these cases may need, in one
    query (community staff of their communities, dispatchers of their streets, district admins)."""
    communities = {i.community_id for i in incidents if i.community_id}
    streets = {i.street_id for i in incidents if i.street_id}
    departments = {i.department_id for i in incidents if i.department_id}
    Membership = get_user_model().groups.through
    q = (Q(group__name=Role.DISTRICT_ADMIN.value) | Q(group__name=Role.COMMUNITY_STAFF.value, user__area_id__in=communities)
         | Q(group__name=Role.STREET_DISPATCHER.value, user__area_id__in=streets)
         | Q(group__name=Role.DEPARTMENT_STAFF.value, user__department_id__in=departments))
    rows = (Membership.objects.filter(q, user__is_active=True).select_related("user", "group")
            .order_by("user__full_name", "user__username", "user_id"))
    directory = defaultdict(list)
    for row in rows:
        area = {Role.DISTRICT_ADMIN.value: None, Role.DEPARTMENT_STAFF.value: row.user.department_id}.get(row.group.name, row.user.area_id)
        directory[(row.group.name, area)].append(row.user)
    return directory


def holders(incident, directory=None):
    """Whoever holds the case now (see the module's docstring): [users], each once."""
    if incident.state in ASSIGNEE_STATES and incident.assignee_id and incident.assignee.is_active:
        return [incident.assignee]
    directory = staff_directory([incident]) if directory is None else directory
    for place in staff_chain(incident):
        people = directory.get(place)
        if people:
            return list({u.pk: u for u in people}.values())
    return []


# --- what they are told ------------------------------------------------------------------------------
def item(incident, user, kind, key, *, actor=None, note=""):
    """The notification of `kind` about a case to a user, written in the site's language (the
    bureau's: titles are kept as data, like audit notes); the kind's label follows the reader's."""
    deadline = timezone.localtime(incident.deadline).strftime("%Y-%m-%d %H:%M") if incident.deadline else ""
    with translation.override(settings.LANGUAGE_CODE):
        title = str(TITLES[kind] % {"number": incident.number, "deadline": deadline})
        lines = [f"{incident.category.name}（{incident.get_state_display()}）：{incident.description[:120]}"]
        if note:
            lines.append(f"{actor}：{note}" if actor is not None else note)
    return Item(user, kind, incident, title, "\n".join(lines), reverse("incident_page", args=[incident.pk]), key)


def news_of(action, event):
    """The kind of news a step is, or None: nobody is told."""
    if event.to_state == S.HANDLING and event.from_state in SENT_BACK_FROM:
        return Kind.REWORK
    return ON_ACTION.get(action)


def on_transition(sender, workflow, obj, action, user, event, **kwargs):
    """Receiver of workflow.engine.transitioned for cases: tell whom the step concerns."""
    kind = news_of(action, event)
    if kind is None:
        return
    try:
        with transaction.atomic():  # a savepoint: whatever goes wrong here, the step itself stands
            people = [obj.reporter] if kind == Kind.CLOSED else holders(obj)
            key = f"{action}:{event.pk}"
            notify_all([item(obj, person, kind, key, actor=user, note=event.note) for person in people if person.pk != user.pk],
                       now=event.at)
    except Exception:
        log.exception("notifying of %s on case %s failed", action, obj.pk)


def deadline_key(prefix, incident):
    """Once per case, colour and stage deadline (the deadline in UTC, to the second)."""
    return f"{prefix}:{incident.pk}:{incident.deadline.astimezone(dt_timezone.utc).isoformat(timespec='seconds')}"


def notify_due(now=None):
    """The nightly check: tell the holders of every open case whose stage is now in its warning
    window or past its deadline, unless they were told of that stage's deadline and colour already.
    {"due_soon": cases, "overdue": cases, "new": notifications made, "told_before": already made}."""
    now = now or timezone.now()
    counts = {"due_soon": 0, "overdue": 0, "new": 0, "told_before": 0}
    cases = Incident.objects.select_related("category", "assignee").order_by("deadline", "pk")
    for colour, kind, prefix in ON_DEADLINE:
        found = list(deadline_filter(cases, colour, now))
        counts[kind.value] = len(found)
        for start in range(0, len(found), BATCH):
            batch = found[start:start + BATCH]
            directory = staff_directory(batch)
            items = [item(i, person, kind, deadline_key(prefix, i)) for i in batch for person in holders(i, directory)]
            made = notify_all(items, now=now)
            counts["new"] += len(made)
            counts["told_before"] += len(items) - len(made)
    return counts
