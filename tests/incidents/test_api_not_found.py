"""Audit of the API's refusals (issues 2 and 3): a case that does not exist and a case out of the
user's scope get the same 404 with a Chinese message (Django's English "No Incident matches the
given query." leaked through before, and told outsiders nothing useful)."""
import pytest
from rest_framework.test import APIClient

from tests.support.world import P_G4D, report, world

pytestmark = pytest.mark.django_db

NOT_FOUND = "没有找到该记录，或您无权查看"


def client_of(user):
    c = APIClient()
    c.force_login(user)
    return c


def test_absent_and_out_of_scope_cases_are_the_same_chinese_404():
    w = world()
    other_street = report(w, who="m_d", at=P_G4D)
    c = client_of(w["m_a"])
    for url in ("/api/incidents/999999/", f"/api/incidents/{other_street.pk}/"):
        r = c.get(url)
        assert r.status_code == 404 and r.json() == {"error": NOT_FOUND, "code": "not_found", "detail": NOT_FOUND}, (url, r.content)
    r = c.post(f"/api/incidents/{other_street.pk}/actions/register/", {}, format="json")
    assert r.status_code == 404 and r.json() == {"error": NOT_FOUND, "code": "not_found", "detail": NOT_FOUND}
    other_street.refresh_from_db()
    assert other_street.state == "reported"
    # The one who may see it still does.
    assert client_of(w["sd2"]).get(f"/api/incidents/{other_street.pk}/").status_code == 200
