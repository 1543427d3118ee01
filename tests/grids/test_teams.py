"""4+N teams: staff assign users to grids with a role and validity dates, end memberships; the
checks refuse overlaps and a second grid head; each grid shows its team."""
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from geogrid.audit.services import history
from geogrid.grids.models import GridMember
from geogrid.grids.teams import assign_member, end_membership, grid_team
from geogrid.incidents.permissions import visible_incidents
from geogrid.workflow.exceptions import TransitionForbidden
from tests.support.world import P_G4B, report, user, world

pytestmark = pytest.mark.django_db


def test_assign_validates_and_gives_the_role():
    w = world()
    vol = user("vol", full_name="志愿者小李")
    m = assign_member(w["g4b"], vol, "volunteer", by=w["cs1"], phone="13900000000")
    assert m.start_date == timezone.localdate() and vol.has_role("grid_member")
    assert [e.action for e in history(m)] == ["assign_member"]
    assert "志愿者小李" in [x["name"] for x in grid_team(w["g4b"])]
    # The new member sees the grid's cases.
    inc = report(w, who="m_b", at=P_G4B)
    assert visible_incidents(vol).filter(pk=inc.pk).exists()
    with pytest.raises(ValidationError, match="重叠"):
        assign_member(w["g4b"], vol, "building", by=w["cs1"])
    with pytest.raises(ValidationError, match="网格长"):
        assign_member(w["g4a"], vol, "head", by=w["cs1"])  # head_a is head of G4a
    with pytest.raises(ValidationError, match="类别"):
        assign_member(w["g4a"], vol, "other", by=w["cs1"])
    with pytest.raises(ValidationError, match="早于"):
        assign_member(w["g4a"], vol, "volunteer", by=w["cs1"], start_date=date(2026, 5, 1), end_date=date(2026, 4, 1))
    with pytest.raises(TransitionForbidden):
        assign_member(w["g4a"], vol, "volunteer", by=w["cs2"])  # another community's staff
    with pytest.raises(TransitionForbidden):
        assign_member(w["g4a"], vol, "volunteer", by=w["m_a"])
    assert GridMember.objects.filter(user=vol).count() == 1


def test_end_membership_then_a_new_head_may_start():
    w = world()
    head = GridMember.objects.get(user=w["head_a"], grid=w["g4a"])
    GridMember.objects.filter(pk=head.pk).update(start_date=timezone.localdate() - timedelta(days=100))
    yesterday = timezone.localdate() - timedelta(days=1)
    end_membership(head, by=w["sd1"], end_date=yesterday)
    new = user("newhead")
    m = assign_member(w["g4a"], new, "head", by=w["sd1"])
    assert new.has_role("grid_head") and m.role == "head"
    assert "甲网格长" not in [x["name"] for x in grid_team(w["g4a"])]
    with pytest.raises(ValidationError, match="起始日期"):
        end_membership(m, by=w["sd1"], end_date=timezone.localdate() - timedelta(days=5))


def test_assign_on_a_closed_grid_version_is_refused():
    w = world()
    g = w["g4b"]
    g.valid_to = timezone.now()
    g.valid_from = timezone.now() - timedelta(days=3)
    g.save()
    with pytest.raises(ValidationError, match="已失效"):
        assign_member(g, w["m_a"], "volunteer", by=w["da"])


def test_team_api():
    w = world()
    c = APIClient()
    c.force_authenticate(user=w["cs1"])
    vol = user("vol2", full_name="楼道长老王")
    r = c.post("/api/grid-members/", {"grid": w["g4b"].code, "user": vol.pk, "role": "building", "phone": "13700000000"}, format="json")
    assert r.status_code == 201, r.content
    mid = r.json()["id"]
    assert c.post("/api/grid-members/", {"grid": w["g4b"].code, "user": vol.pk, "role": "building"}, format="json").status_code == 400
    assert c.post("/api/grid-members/", {"grid": w["g4d"].code, "user": vol.pk, "role": "building"}, format="json").status_code == 403
    assert c.post("/api/grid-members/", {"grid": "000", "user": vol.pk, "role": "building"}, format="json").status_code == 400
    listed = c.get("/api/grid-members/", {"grid": w["g4b"].code}).json()["results"]
    assert {m["user_name"] for m in listed} == {"乙网格员", "楼道长老王"}
    r = c.get(f"/api/grids/{w['g4b'].code}/team/")
    assert r.status_code == 200 and {m["name"] for m in r.json()["members"]} == {"乙网格员", "楼道长老王"}
    r = c.post(f"/api/grid-members/{mid}/end/", {}, format="json")
    assert r.status_code == 200 and r.json()["end_date"] == timezone.localdate().isoformat()
    other = APIClient()
    other.force_authenticate(user=w["cs3"])
    assert other.post(f"/api/grid-members/{mid}/end/", {}, format="json").status_code == 404  # not in their scope
