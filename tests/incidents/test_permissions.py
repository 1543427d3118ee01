"""Who sees what, as a matrix: role × (list, detail, transition) → allowed or not. The same
querysets serve pages (permissions.visible_incidents) and the API, so both are checked."""
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from geogrid.grids.models import GridMember
from geogrid.incidents.permissions import visible_incidents
from geogrid.incidents.services import transition
from tests.support.world import P_G4C, P_G4D, P_G5A, report, world

pytestmark = pytest.mark.django_db

CASES = {"a": ("m_a", P_G5A), "c": ("cs2", P_G4C), "d": ("m_d", P_G4D)}  # reporter, where
SEES = {
    "m_a": {"a"}, "head_a": {"a"}, "m_b": set(), "m_d": {"d"},
    "cs1": {"a"}, "cs2": {"c"}, "cs3": {"d"},
    "sd1": {"a", "c"}, "sd2": {"d"},
    "da": {"a", "c", "d"}, "pn": set(),
}
# register (立案) of a visible case: staff of its area may, the grid team may not.
MAY_REGISTER = {("cs1", "a"), ("cs2", "c"), ("cs3", "d"), ("sd1", "a"), ("sd1", "c"), ("sd2", "d"), ("da", "a"), ("da", "c"), ("da", "d")}


def setup():
    w = world()
    cases = {k: report(w, who=who, at=at) for k, (who, at) in CASES.items()}
    return w, cases


@pytest.mark.parametrize("who", sorted(SEES))
def test_matrix_service_and_api(who):
    w, cases = setup()
    user = w[who]
    assert {k for k, inc in cases.items() if visible_incidents(user).filter(pk=inc.pk).exists()} == SEES[who]
    c = APIClient()
    c.force_login(user)
    listed = {i["id"] for i in c.get("/api/incidents/").json()["results"]}
    assert listed == {cases[k].pk for k in SEES[who]}
    for key, inc in cases.items():
        detail = c.get(f"/api/incidents/{inc.pk}/")
        assert detail.status_code == (200 if key in SEES[who] else 404), (who, key)
        r = c.post(f"/api/incidents/{inc.pk}/actions/register/", {}, format="json")
        expected = 200 if (who, key) in MAY_REGISTER else (403 if key in SEES[who] else 404)
        assert r.status_code == expected, (who, key, r.content)
        inc.refresh_from_db()
        assert inc.state == ("registered" if expected == 200 else "reported")


def test_the_matrix_covers_every_incident_role():
    from geogrid.accounts.roles import Role

    w = world()
    covered = {r for who in SEES for r in w[who].role_codes}
    assert covered >= {Role.GRID_MEMBER, Role.GRID_HEAD, Role.COMMUNITY_STAFF, Role.STREET_DISPATCHER, Role.DISTRICT_ADMIN}


def test_the_assignee_sees_and_handles_a_case_outside_their_grid():
    w, cases = setup()
    inc = cases["a"]
    assert not visible_incidents(w["m_b"]).filter(pk=inc.pk).exists()
    # m_b helps in G4a's team for a while: dispatched then (dispatch is limited to those who cover
    # the case), they keep the case after leaving the team.
    help_out = GridMember.objects.create(user=w["m_b"], grid=w["g4a"], role="volunteer")
    transition(inc, "register", w["cs1"])
    transition(inc, "dispatch", w["cs1"], assignee=w["m_b"])
    GridMember.objects.filter(pk=help_out.pk).update(start_date=timezone.localdate() - timedelta(days=30),
                                                     end_date=timezone.localdate() - timedelta(days=1))
    assert visible_incidents(type(w["m_b"]).objects.get(pk=w["m_b"].pk)).filter(pk=inc.pk).exists()
    c = APIClient()
    c.force_login(w["m_b"])
    assert c.post(f"/api/incidents/{inc.pk}/actions/accept/", format="json").status_code == 200
    # The grid's own member may see it but is not the assignee.
    c.force_login(w["m_a"])
    assert c.post(f"/api/incidents/{inc.pk}/actions/report/", {"note": "x"}, format="json").status_code == 403


def test_an_ended_membership_stops_the_grid_view_but_not_own_reports():
    w, cases = setup()
    other = report(w, who="head_a", at=P_G5A)
    GridMember.objects.filter(user=w["m_a"]).update(start_date=timezone.localdate() - timedelta(days=30),
                                                     end_date=timezone.localdate() - timedelta(days=1))
    seen = set(visible_incidents(w["m_a"]))
    assert cases["a"] in seen and other not in seen


def test_staff_without_an_area_see_only_their_own():
    w, cases = setup()
    w["cs1"].area = None
    w["cs1"].save()
    assert list(visible_incidents(w["cs1"])) == []
    with pytest.raises(Exception) as err:
        transition(cases["a"], "register", w["cs1"])
    assert err.value.status_code == 403


def test_anonymous_and_inactive_users_see_nothing():
    from django.contrib.auth.models import AnonymousUser

    w, cases = setup()
    assert not visible_incidents(AnonymousUser()).exists()
    w["da"].is_active = False
    w["da"].save()
    assert not visible_incidents(w["da"]).exists()
