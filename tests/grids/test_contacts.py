"""Who reads a grid team's full phone numbers (/api/locate, /api/grids/<code>/team/): the grid's own
team and the staff whose area covers the grid; any other account — a place-name clerk, another
grid's member, a community next door — sees them masked, as the public does. Grid codes are public
(the grid layers), so a number must not follow from being signed in."""
import pytest
from rest_framework.test import APIClient

from geogrid.grids.models import GridMember
from tests.support.world import world

pytestmark = pytest.mark.django_db
FULL, MASKED = "13912340001", "139****0001"
INSIDE_A5 = {"lon": "116.705", "lat": "36.52"}  # in 甲一小网格 (level 5) of 甲网格 (level 4), 一社区


@pytest.fixture
def w():
    w = world()
    GridMember.objects.filter(user=w["m_a"]).update(phone=FULL)
    return w


def answers(user, w):
    c = APIClient()
    if user is not None:
        c.force_authenticate(user)
    located = c.get("/api/locate", INSIDE_A5)
    team = c.get(f"/api/grids/{w['g4a'].code}/team/")
    assert located.status_code == 200
    phones = {m["phone"] for m in located.json()["members"] if m["name"] == "甲网格员"}
    if user is not None:
        assert team.status_code == 200
        phones |= {m["phone"] for m in team.json()["members"] if m["name"] == "甲网格员"}
    return phones


@pytest.mark.parametrize("who, expected", [
    ("m_a", FULL),        # the member herself
    ("head_a", FULL),     # her grid head, same team
    ("cs1", FULL),        # the community over the grid
    ("sd1", FULL),        # the street over it
    ("da", FULL),         # the district
    ("m_b", MASKED),      # a member of the next grid
    ("cs2", MASKED),      # another community of the same street
    ("sd2", MASKED),      # another street
    ("pn", MASKED),       # a place-name clerk
    ("dp_um", MASKED),    # department staff
    (None, MASKED),       # the public (locate only; the team list needs a login)
])
def test_full_numbers_only_for_the_team_and_the_staff_over_it(w, who, expected):
    assert answers(w[who] if who else None, w) == {expected}


def test_the_team_list_still_needs_a_login(w):
    assert APIClient().get(f"/api/grids/{w['g4a'].code}/team/").status_code in (401, 403)
