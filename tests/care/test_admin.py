"""The care admin under the care scope, with the roles' real grants (create_roles): community staff
keep their community's subjects (numbers in full on the form, checked), the street reads them
masked, another community finds nothing; a household's grid comes from its point."""
import pytest
from django.test import Client

from geogrid.accounts.management.groups import create_roles
from geogrid.audit.models import AuditEvent
from geogrid.care.models import Household
from tests.care.builders import care_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    w = care_world()
    create_roles()
    for key in ("cs1", "cs2", "sd1"):
        w[key].is_staff = True
        w[key].save(update_fields=["is_staff"])
    return w


def client(w, who):
    c = Client()
    c.force_login(w[who])
    return c


def test_the_subject_admin_is_scoped_and_masks_for_the_street(w):
    url = f"/admin/care/caresubject/{w['sub1'].pk}/change/"
    html = client(w, "cs1").get("/admin/care/caresubject/").content.decode()
    assert "王秀英" in html and "李建国" in html and "赵德明" not in html
    assert "138****5678" in html and "13812345678" not in html  # the list is masked
    assert AuditEvent.objects.filter(action="care_reveal").count() == 0  # a masked list is no reveal
    assert "13812345678" in client(w, "cs1").get(url).content.decode()  # the form, for the community
    reveal = AuditEvent.objects.get(action="care_reveal")  # ... a view of the full record, audited
    assert (reveal.actor, reveal.object_id) == (w["cs1"], str(w["sub1"].pk))
    street = client(w, "sd1").get(url)
    assert street.status_code == 200
    assert "13812345678" not in street.content.decode() and "138****5678" in street.content.decode()
    assert AuditEvent.objects.filter(action="care_reveal").count() == 1
    assert client(w, "cs2").get(url).status_code == 302  # out of scope: "doesn't exist"


def test_the_admin_checks_numbers_and_places_households(w):
    c = client(w, "cs1")
    url = f"/admin/care/caresubject/{w['sub1'].pk}/change/"
    data = {"household": w["h1"].pk, "name": "王秀英", "id_number": "370102194501011230", "phone": "13812345678",
            "categories": [c.pk for c in w["sub1"].categories.all()], "responsible": w["m_a"].pk, "note": "", "active": "on",
            "since_0": "2026-01-01", "since_1": "08:00:00"}
    r = c.post(url, data)
    assert r.status_code == 200 and "校验位" in r.content.decode()
    data["id_number"] = w["sub1"].id_number
    data["responsible"] = w["m_b"].pk  # on G4b's team, not G5a's
    assert "在岗成员" in c.post(url, data).content.decode()
    data["responsible"] = w["m_a"].pk
    data["phone"] = "13900001111"
    assert c.post(url, data).status_code == 302
    w["sub1"].refresh_from_db()
    assert w["sub1"].phone == "13900001111"
    assert AuditEvent.objects.filter(action="admin_change", object_id=str(w["sub1"].pk)).exists()
    r = c.post("/admin/care/household/add/", {"address": "甲路5号", "size": 2, "geom": "SRID=4490;POINT (116.708 36.53)"})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Household.objects.get(address="甲路5号").grid == w["g5a"]
