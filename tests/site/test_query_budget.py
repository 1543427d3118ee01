"""Query budget (issue #7): the main pages and APIs run a fixed number of queries however much there
is to show. Each endpoint is requested, by the same user, in a small district and in a big one, and
the two query counts must be equal (a query per row, per grid or per event shows as a difference):

            small   big
    cases      10   200    (every state and deadline colour, reporters and assignees of every role)
    grids       1    20    level-4 grids the grid member m_a is on duty in, each with a 4+N team
    team        1     3    extra team members per grid of m_a
    the case    1    40    timeline events of the case page's case (many actors),
                1     3    photos, 1 / 12 duplicates merged into it, 1 / 25 similar cases nearby

The small district is tests.support.world.world() with ten cases; the big one is the same district
whose C3 north half is tiled into 19 more level-4 grids. Cases, events and photos are bulk-created
rows that satisfy the model constraints (the services are tested elsewhere; here only the reading
is measured). Each request is made once to warm the process caches (content types), then counted.
Run with -s to see the counts.
"""
import re
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from itertools import cycle

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from geogrid.accounts.models import User
from geogrid.accounts.roles import Role
from geogrid.audit.models import AuditEvent
from geogrid.grids.models import Grid, GridMember
from geogrid.incidents.models import Incident, IncidentCategory, IncidentPhoto
from tests.support import box
from tests.support.world import G4A, G4D, P_G4A, P_G4B, P_G4C, P_G4D, P_G5A, world

pytestmark = pytest.mark.django_db

S = Incident.State


@dataclass(frozen=True)
class Size:
    cases: int
    grids: int  # grids m_a is on duty in
    team: int  # extra 4+N members per grid of m_a
    events: int  # timeline of the case page's case
    photos: int
    merged: int  # duplicates of the case page's case
    similar: int  # open cases of its category within a few metres


SMALL = Size(cases=10, grids=1, team=1, events=1, photos=1, merged=1, similar=1)
BIG = Size(cases=200, grids=20, team=3, events=40, photos=3, merged=12, similar=25)


def _users(prefix, n, role):
    """n active users with a role, bulk-created (no usable password: the test client forces logins)."""
    users = User.objects.bulk_create([User(username=f"{prefix}{i}", full_name=f"{prefix}{i}号", password="!") for i in range(n)])
    group = Group.objects.get_or_create(name=str(role))[0]
    User.groups.through.objects.bulk_create([User.groups.through(user_id=u.pk, group_id=group.pk) for u in users])
    return users


def _near(lonlat, i):
    """A point a few metres from lonlat (i-th of a small spiral), inside the same grid."""
    return Point(lonlat[0] + 0.00002 * (i % 7), lonlat[1] + 0.00002 * (i // 7), srid=4490)


def build(size):
    w = world()
    now = timezone.now()
    Grid.objects.update(valid_from=now - timedelta(days=120))
    # Room for m_a's other grids: G4d keeps the south half of C3, the north half is tiled 5 × 4.
    Grid.objects.filter(code=G4D).update(geom=box(116.75, 36.50, 116.80, 36.55))
    extra = Grid.objects.bulk_create([
        Grid(code=f"370112002001{i + 2:02d}", name=f"北{i + 1}网格", level=4, community=w["c3"], households=10 * i, population=30 * i,
             geom=box(116.75 + (i % 5) * 0.01, 36.55 + (i // 5) * 0.0125, 116.76 + (i % 5) * 0.01, 36.5625 + (i // 5) * 0.0125),
             valid_from=now - timedelta(days=120))
        for i in range(size.grids - 1)
    ])
    mine = [w["g4a"], *extra]
    GridMember.objects.bulk_create([GridMember(user=w["m_a"], grid=g, role="fulltime") for g in extra])
    team = _users("team", size.team * len(mine), Role.GRID_MEMBER)
    roles = cycle(["building", "volunteer", "other"])
    GridMember.objects.bulk_create([GridMember(user=u, grid=g, role=next(roles), other_kind="志愿者", phone=f"1390000{i:04d}")
                                    for i, (u, g) in enumerate(zip(team, [g for g in mine for _ in range(size.team)]))])
    w["team"] = team

    cats = {c.code: c for c in IncidentCategory.objects.all()}
    places = [(w["g5a"], w["g4a"], w["c1"], w["s1"], P_G5A), (None, w["g4a"], w["c1"], w["s1"], P_G4A),
              (None, w["g4b"], w["c1"], w["s1"], P_G4B), (None, w["g4c"], w["c2"], w["s1"], P_G4C),
              (None, w["g4d"], w["c3"], w["s2"], P_G4D)]
    places += [(None, g, w["c3"], w["s2"], g.geom.centroid.coords) for g in extra]
    people = [w[k] for k in ("m_a", "m_b", "m_d", "head_a", "cs1", "cs3", "sd1", "sd2", "da")] + team
    states = cycle(S.values)
    hours = cycle([-5, 1, 30, -1, 0.2, 50])  # deadline from now: red, yellow/green, green…
    seq = iter(range(1, 100000))

    def case(state, cat, place, reporter, assignee=None, at=None, geom=None, **kw):
        g5, g4, community, street, lonlat = place
        reported = at or now - timedelta(hours=next(seq) % 500)
        entered = reported + timedelta(minutes=10)
        deadline = None if state in ("rejected", "closed") else now + timedelta(hours=next(hours))
        return Incident(number=f"2020{next(seq):06d}", category=cat, mode=cat.default_mode, description=f"{cat.name} {state}",
                        geom=geom or Point(*lonlat, srid=4490), grid5=g5, grid4=g4, community=community, street=street,
                        reporter=reporter, assignee=assignee, state=state, state_entered_at=entered, deadline=deadline,
                        reported_at=reported, closed_at=entered if state == "closed" else None, **kw)

    # The case page's case: registered at P_G4A (G4a, community C1) an hour ago, environment.
    env = cats["environment"]
    the_case = Incident.objects.bulk_create([case(S.REGISTERED, env, places[1], w["m_a"], at=now - timedelta(hours=1))])[0]
    rows = [case(S.REPORTED, env, places[1], people[i % len(people)], at=now - timedelta(hours=2), geom=_near(P_G4A, i + 1))
            for i in range(size.similar)]
    rows += [case(S.REJECTED, env, places[1], people[i % len(people)], duplicate_of=the_case, geom=_near(P_G4A, i + 1))
             for i in range(size.merged)]
    handlers = cycle(people)
    catlist = cycle(cats.values())
    placelist = cycle(places)
    for i in range(size.cases - 1 - len(rows)):
        state = next(states)
        assignee = next(handlers) if state in ("dispatched", "handling", "handled", "verified", "closed") else None
        rows.append(case(state, next(catlist), next(placelist), people[(i * 7) % len(people)], assignee=assignee,
                         overdue_stages=i % 3, urge_count=i % 2))
    cases = Incident.objects.bulk_create(rows)
    assert Incident.objects.count() == size.cases

    ct = ContentType.objects.get_for_model(Incident)
    actions = cycle([("open", "", "reported"), ("register", "reported", "registered"), ("dispatch", "registered", "dispatched"),
                     ("escalate", "dispatched", "registered"), ("urge", "registered", "registered")])
    events = []
    for i in range(size.events):
        action, a, b = next(actions)
        events.append(AuditEvent(at=now - timedelta(minutes=60 - i), actor=people[i % len(people)], content_type=ct,
                                 object_id=str(the_case.pk), action=action, from_state=a, to_state=b, note=f"第{i}步",
                                 data={"assignee_name": str(people[(i + 1) % len(people)])} if action == "dispatch" else {}))
    events += [AuditEvent(at=c.reported_at, actor=c.reporter, content_type=ct, object_id=str(c.pk), action="open", to_state="reported",
                          note=c.description) for c in cases]
    AuditEvent.objects.bulk_create(events)
    # Photos of the case page's case and of every tenth case (Open311's media_url).
    photographed = [the_case] * size.photos + cases[::10]
    IncidentPhoto.objects.bulk_create([
        IncidentPhoto(incident=c, image=f"incidents/t/{i}.jpg", thumbnail=f"incidents/t/{i}-t.jpg", width=640, height=480,
                      content_type="image/jpeg", size=1000, sha256="0" * 64, uploaded_by=c.reporter)
        for i, c in enumerate(photographed)
    ])
    w["case"] = the_case
    return w


# --- the endpoints ---------------------------------------------------------------------------------------
ENDPOINTS = {
    "home, grid member": ("m_a", lambda w: "/"),
    "home, community staff": ("cs1", lambda w: "/"),
    "home, district admin": ("da", lambda w: "/"),
    "console, street dispatcher": ("sd1", lambda w: "/incidents/"),
    "console, district admin, all states": ("da", lambda w: "/incidents/?state=all"),
    "console, grid member": ("m_a", lambda w: "/incidents/"),
    "console, filtered": ("sd1", lambda w: f"/incidents/?state=all&mode=immediate&grid={G4A}&deadline=red"),
    "my reports, grid member": ("m_a", lambda w: "/incidents/mine/"),
    "case page, community staff": ("cs1", lambda w: f"/incidents/{w['case'].pk}/"),
    "case API, community staff": ("cs1", lambda w: f"/api/incidents/{w['case'].pk}/"),
    "incident API list, district admin": ("da", lambda w: "/api/incidents/"),
    "incident API list, grid member": ("m_a", lambda w: "/api/incidents/?open=true"),
    "incident API list, filtered": ("da", lambda w: f"/api/incidents/?grid={G4A}&deadline_status=red&state=reported&state=registered"),
    "locate, anonymous": (None, lambda w: f"/api/locate?lon={P_G5A[0]}&lat={P_G5A[1]}"),
    "locate, grid member": ("m_a", lambda w: f"/api/locate?lon={P_G5A[0]}&lat={P_G5A[1]}"),
    "statistics, district admin": ("da", lambda w: "/stats/"),
    "statistics, community staff": ("cs1", lambda w: "/stats/"),
    "statistics CSV by grid": ("da", lambda w: "/stats/export.csv?by=grid"),
    "statistics CSV by community": ("da", lambda w: "/stats/export.csv?by=community"),
    "statistics CSV by street": ("da", lambda w: "/stats/export.csv?by=street"),
    "Open311 requests": ("da", lambda w: "/open311/v2/requests.json"),
    "Open311 requests, grid member": ("m_a", lambda w: "/open311/v2/requests.json"),
}


def shape(sql):
    """A query without its literal values, to see which one repeats."""
    return re.sub(r"\b\d+\b|'[^']*'", "?", sql)[:200]


def measure(client, size, who, url_of):
    """Build a district of this size, request the endpoint (warm, then counted), undo the district."""
    with transaction.atomic():
        w = build(size)
        client.logout()
        if who is not None:
            client.force_login(w[who])
        url = url_of(w)
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.content[:500])
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        assert r.status_code == 200
        transaction.set_rollback(True)
    return [q["sql"] for q in ctx.captured_queries], r


@pytest.mark.parametrize("name", list(ENDPOINTS))
def test_query_count_does_not_grow_with_the_data(client, name):
    who, url_of = ENDPOINTS[name]
    small, _r = measure(client, SMALL, who, url_of)
    big, r = measure(client, BIG, who, url_of)
    print(f"\nQUERIES {name}: small {len(small)}, big {len(big)}")
    repeated = [f"{n}× {s}" for s, n in Counter(map(shape, big)).most_common(5) if n > 1]
    assert len(small) == len(big), f"{name}: {len(small)} queries small, {len(big)} big; repeated in big: {repeated}"


def test_the_big_district_shows_what_it_holds(client):
    """The big district really reaches the pages: m_a's home has 20 grid cards with their teams,
    the case page 40 timeline entries, 3 photos, 12 merged and 20 similar cases."""
    with transaction.atomic():
        w = build(BIG)
        client.force_login(w["m_a"])
        page = client.get("/").content.decode()
        assert page.count('class="card my-grid"') == 20
        assert page.count("data-member=") == 20 * (1 + BIG.team) + 1  # + head_a in G4a
        client.force_login(w["cs1"])
        page = client.get(f"/incidents/{w['case'].pk}/").content.decode()
        timeline = re.search(r'<ol class="timeline" id="timeline">(.*?)</ol>', page, re.S).group(1)
        assert timeline.count("<li") == BIG.events
        assert page.count('loading="lazy"') == BIG.photos
        related = re.findall(r'<ul class="related">(.*?)</ul>', page, re.S)
        assert [part.count("<li>") for part in related] == [20, BIG.merged]
        transaction.set_rollback(True)


def test_locate_reads_no_polygon(client):
    """/api/locate tests containment in the database and reads back codes and names only: no
    geometry column is selected (five levels of polygons used to come back, and the grid's again
    for the team)."""
    with transaction.atomic():
        build(SMALL)
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(f"/api/locate?lon={P_G5A[0]}&lat={P_G5A[1]}")
        assert r.status_code == 200 and r.json()["grid5"]["code"] == "3701120010010101"
        assert r.json()["district"]["code"] == "370112000000" and r.json()["members"]
        selected = [q["sql"].split(" FROM ")[0] for q in ctx.captured_queries]
        assert selected and not [s for s in selected if '"geom"' in s], selected
        transaction.set_rollback(True)
