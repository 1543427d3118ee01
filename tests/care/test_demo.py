"""The demo's care data: synthetic subjects in the demo community's level-5 grids, well-formed fake
numbers, and the demo grid member's week: some visits done, some due, some overdue."""
import pytest
from django.test import Client

from geogrid.accounts.models import User
from geogrid.care import services as care
from geogrid.care.models import CareSubject, CareVisit
from geogrid.care.privacy import clean_id_number, clean_phone
from geogrid.demo.loader import load_demo
from tests.support.demo import demo  # noqa: F401  (module-scoped fixture: the demo loaded once)

pytestmark = pytest.mark.django_db


def test_the_demo_member_has_a_week_of_visits(demo):  # noqa: F811
    member = User.objects.get(username="demo_member")
    subjects = CareSubject.objects.select_related("household__grid").all()
    assert subjects.count() >= 40
    assert {s.household.grid.level for s in subjects} == {5}
    for s in subjects:
        assert clean_id_number(s.id_number) == s.id_number and clean_phone(s.phone) == s.phone
    due = list(care.due_subjects(member, mine=True))
    colours = {care.schedule(s)["status"] for s in due}
    assert {"red", "yellow"} <= colours, colours
    mine = CareSubject.objects.filter(responsible=member)
    assert mine.count() >= 12 and any(care.schedule(s)["status"] == "green" for s in mine)
    assert CareVisit.objects.filter(on_time=True).exists() and CareVisit.objects.filter(on_time=False).exists()
    c = Client()
    c.force_login(member)
    r = c.get("/care/")
    assert r.status_code == 200 and len(r.context["due"]) == len(due)
    assert not load_demo().counts["关爱对象"].created  # a second run adds nothing
