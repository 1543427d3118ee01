"""Input that used to end as a server error is refused with a 400 a person can read, and nothing is
written: NUL characters (PostgreSQL text cannot hold them) anywhere a text arrives, JSON nested
thousands deep (also before Open311 checks the key), dates outside the supported range."""
import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from geogrid.incidents.models import Incident
from tests.support.world import P_G5A, world

pytestmark = pytest.mark.django_db
DEEP = "[" * 5000 + "]" * 5000


@pytest.fixture
def w():
    return world()


def signed_in(user):
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


def open311_form(w, **extra):
    return {"api_key": Token.objects.get_or_create(user=w["m_a"])[0].key, "service_code": "environment",
            "lat": P_G5A[1], "long": P_G5A[0], "description": "垃圾堆放", **extra}


@pytest.mark.parametrize("url", [
    "/api/incidents/?state=%00",              # an API filter
    "/incidents/?q=a%00b",                   # a page filter
    "/api/grids/3701%00/team/",              # a path segment
    "/open311/v2/requests.json?status=%00",  # Open311
    "/stats/?category=%00",
])
def test_nul_in_a_query_or_path_is_a_400(w, url):
    r = signed_in(w["da"]).get(url)
    assert r.status_code == 400 and "空字符" in r.content.decode()


def test_nul_in_a_json_field_stores_nothing(w):
    body = {"category": "environment", "description": "垃圾\u0000堆放", "lon": P_G5A[0], "lat": P_G5A[1]}
    r = signed_in(w["m_a"]).post("/api/incidents/", json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and "空字符" in r.json()["error"]
    assert not Incident.objects.exists()


def test_nul_in_a_page_form_and_in_open311_stores_nothing(w):
    r = signed_in(w["m_a"]).post("/incidents/report/", {"category": "environment", "description": "a\x00b",
                                                         "lon": P_G5A[0], "lat": P_G5A[1]})
    assert r.status_code == 400 and "空字符" in r.content.decode()
    r = Client().post("/open311/v2/requests.json", open311_form(w, description="a\x00b"))
    assert r.status_code == 400 and r.json()[0]["code"] == 400 and "空字符" in r.json()[0]["description"]
    r = Client().post("/open311/v2/requests.xml", open311_form(w, address_string="\x00"))
    assert r.status_code == 400 and b"<errors><error><code>400</code>" in r.content
    assert not Incident.objects.exists()


@pytest.mark.parametrize("url", ["/api/incidents/", "/open311/v2/requests.json"])
def test_json_nested_thousands_deep_is_a_400_even_without_a_key(w, url):
    for c in (Client(raise_request_exception=False), signed_in(w["m_a"])):
        r = c.post(url, DEEP, content_type="application/json")
        assert r.status_code == 400 and "嵌套" in r.content.decode()
    # Shallow JSON still reaches the view, which answers in its own words.
    r = signed_in(w["m_a"]).post("/api/incidents/", json.dumps({"description": [[["x"]]]}), content_type="application/json")
    assert r.status_code == 400 and "嵌套" not in r.content.decode()
    assert not Incident.objects.exists()


@pytest.mark.parametrize("url", ["/stats/?date_to=9999-12-31", "/stats/export.csv?date_from=0001-01-01",
                                 "/stats/map.geojson?date_from=2026-01-01&date_to=9999-12-31"])
def test_statistics_dates_outside_the_range_are_a_400(w, url):
    r = signed_in(w["da"]).get(url)
    assert r.status_code == 400 and "超出支持范围" in r.content.decode()


@pytest.mark.parametrize("query", ["end_date=0001-01-01T00:00:00Z", "start_date=9999-12-30T00:00:00-12:00"])
def test_open311_dates_outside_the_range_are_a_400(w, query):
    r = signed_in(w["da"]).get(f"/open311/v2/requests.json?{query}")
    assert r.status_code == 400 and "超出支持范围" in r.json()[0]["description"]
