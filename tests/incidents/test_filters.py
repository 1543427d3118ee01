"""One incident filter for the console page and the API (filters.py): the console's URL names
(state=open|all|<state>, mode, grid, deadline) are IncidentFilter's filters, so the page and the API
list the same cases for the same question; a value the console does not understand is shown and
left out, the other filters still apply."""
from datetime import timedelta

import pytest
from django.utils import timezone

from geogrid.grids.models import Grid
from tests.support.world import P_G4A, P_G4B, P_G5A, report, walk, world

pytestmark = pytest.mark.django_db

G5A, G4A = "3701120010010101", "37011200100101"


@pytest.fixture
def w():
    w = world()
    now = timezone.now()
    Grid.objects.update(valid_from=now - timedelta(days=30))
    w["late"] = report(w, "m_a", at=P_G5A, description="超期", now=now - timedelta(hours=10))  # environment, immediate: red
    w["visit"] = report(w, "m_a", at=P_G4A, cat="dispute", description="上门")  # visit mode, green
    w["done"] = walk(w, report(w, "m_b", at=P_G4B, description="已结"), ("register", "cs1"), ("dispatch", "cs1", {"assignee": w["m_b"].pk}),
                     ("accept", "m_b"), ("report", "m_b", {"note": "已清理"}), ("verify", "cs1"), ("close", "cs1"))
    w["rejected"] = walk(w, report(w, "m_a", at=P_G4A, description="不立案"), ("reject", "cs1", {"note": "不属实"}))
    return w


# console parameters → the API's for the same question
SAME_QUESTION = [
    ({}, {"open": "true"}),
    ({"state": "open"}, {"open": "true"}),
    ({"state": "all"}, {}),
    ({"state": "closed"}, {"state": "closed"}),
    ({"state": "rejected"}, {"state": "rejected"}),
    ({"mode": "visit"}, {"open": "true", "mode": "visit"}),
    ({"grid": G5A, "state": "all"}, {"grid": G5A}),
    ({"grid": G4A, "state": "all"}, {"grid": G4A}),
    ({"grid": G4A}, {"grid": G4A, "open": "true"}),
    ({"deadline": "red"}, {"deadline_status": "red"}),
    ({"deadline": "green", "grid": G4A}, {"deadline_status": "green", "grid": G4A}),
    ({"state": "all", "mode": "immediate", "grid": G4A}, {"mode": "immediate", "grid": G4A}),
]


@pytest.mark.parametrize("console, api", SAME_QUESTION)
def test_the_console_and_the_api_answer_the_same_question_alike(client, w, console, api):
    client.force_login(w["cs1"])
    r = client.get("/incidents/", console)
    assert r.status_code == 200 and not r.context["form"].errors
    listed = {c.number for c in r.context["page"].object_list}
    answered = {c["number"] for c in client.get("/api/incidents/", api).json()["results"]}
    assert listed == answered
    assert listed  # every question has an answer in this district


def test_the_console_answers(client, w):
    client.force_login(w["cs1"])

    def numbers(**params):
        return {c.number for c in client.get("/incidents/", params).context["page"].object_list}

    late, visit, done, rejected = (w[k].number for k in ("late", "visit", "done", "rejected"))
    assert numbers() == {late, visit}
    assert numbers(state="all") == {late, visit, done, rejected}
    assert numbers(state="closed") == {done} and numbers(state="rejected") == {rejected}
    assert numbers(deadline="red") == {late} and numbers(mode="visit") == {visit}
    assert numbers(grid=G5A) == {late} and numbers(grid=G4A, state="all") == {late, visit, rejected}


def test_a_bad_console_value_is_shown_and_left_out_the_others_apply(client, w):
    client.force_login(w["cs1"])
    r = client.get("/incidents/", {"state": "bogus", "mode": "visit"})
    assert r.status_code == 200 and "state" in r.context["form"].errors and r.context["state"] == "open"
    assert [c.number for c in r.context["page"].object_list] == [w["visit"].number]
    assert "筛选条件有误，已忽略" in r.content.decode()
    r = client.get("/incidents/", {"deadline": "purple", "grid": G5A})
    assert "deadline" in r.context["form"].errors
    assert [c.number for c in r.context["page"].object_list] == [w["late"].number]
    # The API refuses what it does not understand instead.
    assert client.get("/api/incidents/", {"deadline_status": "purple"}).status_code == 400


def test_the_state_counts_are_under_the_other_filters_and_the_colours_under_the_state(client, w):
    client.force_login(w["cs1"])
    r = client.get("/incidents/", {"grid": G4A, "deadline": "red"})
    counts = {c["code"]: c["n"] for c in r.context["state_counts"]}
    assert counts["open"] == 2 and counts["all"] == 3 and counts["rejected"] == 1 and counts["closed"] == 0
    assert {c["code"]: c["n"] for c in r.context["colour_counts"]} == {"red": 1, "yellow": 0, "green": 1}
    assert [c.number for c in r.context["page"].object_list] == [w["late"].number]
