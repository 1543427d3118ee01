"""accounts.scope, the one scope rule: what each role sees (areas, grids on a date), roles read once
per request however many checks a page makes, and a kept scope forgotten as soon as a group grant,
a membership or a user's area changes. District of tests.support.world (C1, C2 in street S1; C3 in
S2; G4a–G4d, G5a in G4a)."""
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from geogrid.accounts.models import User
from geogrid.accounts.roles import Role
from geogrid.accounts.scope import (COMMUNITY, DISTRICT, STREET, TIER_COMMUNITY, TIER_DISTRICT, TIER_GRID, TIER_STREET, Scope,
                                    scope_of)
from geogrid.grids.models import AdminArea, GridMember
from geogrid.incidents.models import Incident
from tests.support.world import G4A, G4B, G4C, G4D, P_G4B, P_G4C, P_G4D, P_G5A, report, user, walk, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world()


def areas(scope):
    """Codes of the AdminArea rows in the scope's staff area (None: no staff area)."""
    q = scope.area_tree_q()
    return None if q is None else set(AdminArea.objects.filter(q).values_list("code", flat=True))


def cases(scope):
    """Descriptions of the cases in the staff area (area_q on Incident; None: no staff area)."""
    q = scope.area_q("community", "street")
    return None if q is None else set(Incident.objects.filter(q).values_list("description", flat=True))


def groups_queries(queries, user):
    """The queries that read this user's groups."""
    mark = re.compile(r'"accounts_user_groups"\."user_id" = %d\b' % user.pk)
    return [q["sql"] for q in queries if mark.search(q["sql"])]


# --- (a) roles are read once per request -------------------------------------------------------------
@pytest.fixture
def role_checks(monkeypatch):
    """Count Scope.has_role calls (every has_role of a page goes through it)."""
    calls = []
    original = Scope.has_role

    def counted(self, *roles):
        calls.append(roles)
        return original(self, *roles)

    monkeypatch.setattr(Scope, "has_role", counted)
    return calls


@pytest.mark.parametrize("who, path", [("cs1", "case"), ("m_a", "/"), ("cs1", "/"), ("sd1", "/incidents/"), ("da", "/stats/")])
def test_a_request_reads_the_roles_once_however_many_checks_it_makes(client, w, role_checks, who, path):
    case = walk(w, report(w), ("register", "cs1"))
    url = f"/incidents/{case.pk}/" if path == "case" else path
    client.force_login(w[who])
    for _request in range(2):
        role_checks.clear()
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        assert r.status_code == 200
        assert len(role_checks) >= 4, role_checks  # the top bar alone asks for several roles
        assert len(groups_queries(ctx.captured_queries, w[who])) == 1  # and each request reads them afresh


def test_a_role_check_reads_nothing_once_the_scope_is_kept(w):
    u = User.objects.get(pk=w["sd1"].pk)
    scope = scope_of(u)
    assert scope.has_role(Role.STREET_DISPATCHER) and u.has_role(Role.STREET_DISPATCHER, Role.DISTRICT_ADMIN)
    assert scope.area_level == STREET and scope.grid_codes == frozenset()
    with CaptureQueriesContext(connection) as ctx:
        for _check in range(20):
            assert scope_of(u) is scope
            assert u.has_role(*Role.values) and not u.has_role(Role.GRID_MEMBER)
            assert u.role_codes == {"street_dispatcher"} and scope.area_level == STREET and not scope.grid_codes
    assert ctx.captured_queries == []


# --- (b) what each role's scope answers --------------------------------------------------------------
@pytest.fixture
def placed(w):
    """A case in each community (C1 in G5a, C2 in G4c, C3 in G4d) and one more in G4b (C1)."""
    for who, at, text in (("m_a", P_G5A, "C1-G5a"), ("m_b", P_G4B, "C1-G4b"), ("cs2", P_G4C, "C2-G4c"), ("m_d", P_G4D, "C3-G4d")):
        report(w, who, at=at, description=text)
    return w


def test_community_staff_see_their_community(placed):
    w = placed
    s = scope_of(w["cs1"])
    assert s.roles == {"community_staff"} and s.has_role(Role.COMMUNITY_STAFF) and not s.has_role(Role.STREET_DISPATCHER)
    assert not s.everything and s.area_level == COMMUNITY and s.tier == TIER_COMMUNITY and s.area_id == w["c1"].pk
    assert areas(s) == {"370112001001"}
    assert cases(s) == {"C1-G5a", "C1-G4b"}
    assert s.covers(w["c1"].pk, w["s1"].pk, w["district"].pk) and not s.covers(w["c2"].pk, w["s1"].pk, w["district"].pk)
    assert s.covers_community(w["c1"]) and not s.covers_community(w["c3"]) and not s.covers_community(None)
    assert s.grid_codes == frozenset() and s.grid_q("grid4") is None


def test_street_dispatchers_see_their_street(placed):
    w = placed
    s = scope_of(w["sd1"])
    assert s.area_level == STREET and s.tier == TIER_STREET and not s.everything
    assert areas(s) == {"370112001000", "370112001001", "370112001002"}
    assert cases(s) == {"C1-G5a", "C1-G4b", "C2-G4c"}
    assert s.covers(w["c2"].pk, w["s1"].pk, w["district"].pk) and not s.covers(w["c3"].pk, w["s2"].pk, w["district"].pk)
    # A dispatcher whose area is the whole district works at street level over every street.
    whole = user("sd_all", Role.STREET_DISPATCHER, area=w["district"])
    s = scope_of(whole)
    assert s.area_level == DISTRICT and s.tier == TIER_STREET and not s.everything
    assert len(areas(s)) == 6 and cases(s) == {"C1-G5a", "C1-G4b", "C2-G4c", "C3-G4d"}


def test_district_admins_and_superusers_see_everything(placed):
    w = placed
    boss = User.objects.create_superuser("boss", "boss@example.cn", "pw-12345678")
    for u in (w["da"], boss):
        s = scope_of(u)
        assert s.everything and s.area_level == DISTRICT and s.tier == TIER_DISTRICT
        assert not s.area_q("community") and not s.area_tree_q()  # Q(): no restriction
        assert cases(s) == {"C1-G5a", "C1-G4b", "C2-G4c", "C3-G4d"} and len(areas(s)) == 6
        assert s.covers(w["c3"].pk, w["s2"].pk, w["district"].pk) and s.covers_community(None)
    assert scope_of(boss).has_role(Role.GRID_MEMBER) and scope_of(boss).roles == frozenset()


def test_staff_without_an_area_and_others_have_no_staff_area(placed):
    w = placed
    nowhere = user("cs_nowhere", Role.COMMUNITY_STAFF)
    # A grid member's User.area does not make them staff of it.
    member = user("m_area", Role.GRID_MEMBER, area=w["c1"])
    for u, tier in ((nowhere, TIER_COMMUNITY), (member, TIER_GRID), (w["pn"], TIER_GRID)):
        s = scope_of(u)
        assert s.area_level is None and s.area_id is None and s.area_q("community") is None and areas(s) is None
        assert not s.covers(w["c1"].pk, w["s1"].pk, w["district"].pk) and s.tier == tier  # the tier is the role's
    assert scope_of(w["pn"]).has_role(Role.PLACENAME_STAFF) and not scope_of(w["pn"]).has_role(Role.COMMUNITY_STAFF)


def test_a_grid_member_sees_the_grids_of_the_memberships_in_force_on_the_date(w):
    today = timezone.localdate()
    day = timedelta(days=1)
    u = user("m_dates", Role.GRID_MEMBER)
    GridMember.objects.create(user=u, grid=w["g4a"], role="fulltime", start_date=today - 10 * day)  # open end
    GridMember.objects.create(user=u, grid=w["g4b"], role="fulltime", start_date=today - 10 * day, end_date=today - day)  # ended yesterday
    GridMember.objects.create(user=u, grid=w["g4c"], role="volunteer", start_date=today + day)  # starts tomorrow
    GridMember.objects.create(user=u, grid=w["g4d"], role="volunteer", start_date=today - day, end_date=today)  # its last day
    s = scope_of(u)
    assert s.grid_codes == {G4A, G4D} and s.tier == TIER_GRID and s.area_level is None and not s.everything
    assert scope_of(u, on=today - day).grid_codes == {G4A, G4B, G4D}
    assert scope_of(u, on=today + day).grid_codes == {G4A, G4C}
    assert scope_of(u, on=today - 11 * day).grid_codes == frozenset()
    # The grid rule on records: the cases of G4a (at L4, and at L5 in G5a) and G4d, by grid code.
    report(w, "m_a", description="G5a")
    report(w, "m_b", at=P_G4B, description="G4b")
    report(w, "m_d", at=P_G4D, description="G4d")
    seen = set(Incident.objects.filter(s.grid_q("grid5", "grid4")).values_list("description", flat=True))
    assert seen == {"G5a", "G4d"}
    # An inactive account has no scope at all.
    u.is_active = False
    u.save()
    s = scope_of(u)
    assert not s.authenticated and s.grid_codes == frozenset() and s.roles == frozenset() and not s.has_role(Role.GRID_MEMBER)


def test_anonymous_has_no_scope(w):
    from django.contrib.auth.models import AnonymousUser

    for u in (None, AnonymousUser()):
        s = scope_of(u)
        assert not s.authenticated and not s.has_role(*Role.values) and s.grid_codes == frozenset() and not s.everything


# --- (c) a kept scope is forgotten when what it was made of changes ------------------------------------
def test_a_group_grant_or_withdrawal_changes_the_kept_scope(w):
    u = User.objects.get(pk=w["pn"].pk)
    kept = scope_of(u)
    assert not kept.has_role(Role.COMMUNITY_STAFF) and scope_of(u) is kept
    staff = Group.objects.get(name=Role.COMMUNITY_STAFF.value)
    u.groups.add(staff)
    assert scope_of(u) is not kept and scope_of(u).has_role(Role.COMMUNITY_STAFF) and u.has_role(Role.COMMUNITY_STAFF)
    kept = scope_of(u)
    staff.user_set.remove(u)  # from the group's side
    assert scope_of(u) is not kept and not u.has_role(Role.COMMUNITY_STAFF)
    kept = scope_of(u)
    u.groups.set([staff, Group.objects.get(name=Role.DISTRICT_ADMIN.value)])
    assert scope_of(u) is not kept and scope_of(u).everything
    kept = scope_of(u)
    u.groups.clear()
    assert scope_of(u) is not kept and scope_of(u).roles == frozenset()


def test_a_membership_change_changes_the_kept_scope(w):
    u = User.objects.get(pk=w["m_a"].pk)
    assert scope_of(u).grid_codes == {G4A}
    member = GridMember.objects.create(user=u, grid=w["g4c"], role="volunteer")
    assert scope_of(u).grid_codes == {G4A, G4C}
    member.end_date = member.start_date = timezone.localdate() - timedelta(days=1)
    member.save()
    assert scope_of(u).grid_codes == {G4A}
    GridMember.objects.filter(user=u, grid=w["g4a"]).delete()
    assert scope_of(u).grid_codes == frozenset()
    # Someone else's membership makes every kept scope stale too (one counter), not wrong.
    kept = scope_of(u)
    GridMember.objects.create(user=w["m_b"], grid=w["g4a"], role="volunteer")
    assert scope_of(u) is not kept and scope_of(u).grid_codes == frozenset()


def test_a_new_staff_area_changes_the_kept_scope(placed):
    w = placed
    u = User.objects.get(pk=w["sd1"].pk)
    assert scope_of(u).area_level == STREET and cases(scope_of(u)) == {"C1-G5a", "C1-G4b", "C2-G4c"}
    u.area = w["district"]  # the street dispatcher now works for the whole district
    u.save()
    s = scope_of(u)
    assert s.area_level == DISTRICT and s.covers(w["c3"].pk, w["s2"].pk, w["district"].pk)
    assert cases(s) == {"C1-G5a", "C1-G4b", "C2-G4c", "C3-G4d"}


def test_without_a_change_the_scope_is_kept_per_user_object_and_date(w):
    u = User.objects.get(pk=w["m_a"].pk)
    s = scope_of(u)
    assert s.grid_codes == {G4A}
    with CaptureQueriesContext(connection) as ctx:
        assert scope_of(u) is s and scope_of(u).grid_codes == {G4A}
    assert ctx.captured_queries == []
    # Another object of the same user (another request) reads afresh; so does another date.
    other = User.objects.get(pk=u.pk)
    assert scope_of(other) is not s and scope_of(other).grid_codes == {G4A}
    assert scope_of(u, on=timezone.localdate() + timedelta(days=1)) is not s


# --- (d) department users (issue #8) -------------------------------------------------------------------
def dept_cases(scope):
    """Descriptions of the cases passed to the scope's department (None: no department)."""
    q = scope.department_q("department")
    return None if q is None else set(Incident.objects.filter(q).values_list("description", flat=True))


def test_a_department_user_sees_the_cases_passed_to_their_department(placed):
    w = placed
    Incident.objects.filter(description="C3-G4d").update(department=w["dept_um"])
    Incident.objects.filter(description="C1-G4b").update(department=w["dept_hc"])
    s = scope_of(w["dp_um"])
    assert s.has_role(Role.DEPARTMENT_STAFF) and s.department_id == w["dept_um"].pk
    assert s.tier == TIER_GRID and s.area_level is None and s.grid_codes == frozenset() and not s.everything
    assert dept_cases(s) == {"C3-G4d"} and dept_cases(scope_of(w["dp_hc"])) == {"C1-G4b"}
    # The one incident rule is built on it: exactly the department's cases (and their own reports).
    from geogrid.incidents.permissions import visible_incidents

    assert set(visible_incidents(w["dp_um"]).values_list("description", flat=True)) == {"C3-G4d"}
    assert set(visible_incidents(w["dp_hc"]).values_list("description", flat=True)) == {"C1-G4b"}


def test_a_department_without_the_role_or_the_role_without_a_department_gives_no_department_scope(placed):
    w = placed
    Incident.objects.update(department=w["dept_um"])
    clerk = user("clerk", Role.COMMUNITY_STAFF, area=w["c1"], department=w["dept_um"])  # a department on record, not its staff
    lost = user("dp_none", Role.DEPARTMENT_STAFF)  # the role, no department yet
    for u in (clerk, lost, w["m_a"], w["sd1"]):
        s = scope_of(u)
        assert s.department_id is None and s.department_q("department") is None and dept_cases(s) is None, u
    assert cases(scope_of(clerk)) == {"C1-G5a", "C1-G4b"}  # a community clerk still sees the community, nothing more


def test_a_new_department_changes_the_kept_scope(placed):
    w = placed
    Incident.objects.filter(description="C2-G4c").update(department=w["dept_hc"])
    u = User.objects.get(pk=w["dp_um"].pk)
    kept = scope_of(u)
    assert dept_cases(kept) == set()
    u.department = w["dept_hc"]  # moved to 住建
    u.save()
    assert scope_of(u) is not kept and dept_cases(scope_of(u)) == {"C2-G4c"}
