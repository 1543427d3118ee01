"""The gazetteer: standard names by Chinese, full pinyin or initials (jsl → 经十路), small typos,
near a point; public, read-only, only standard (named) roads; two queries whatever the data."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.placenames.builders import road, town

pytestmark = pytest.mark.django_db


def names(client, **params):
    r = client.get("/api/gazetteer", params)
    assert r.status_code == 200, r.content
    return [x["name"] for x in r.json()]


@pytest.fixture
def roads(db):
    w = town()
    road("X1", "经十路", 36.52, pinyin="Jing 10 Lu")
    road("X2", "经十一路", 36.515, pinyin="Jing 11 Lu")
    road("X3", "经一路", 36.51, pinyin="Jing 1 Lu")
    road("X4", "纬十路", 36.505, 116.81, 116.84, pinyin="Wei 10 Lu")
    road("X5", "经十路", 36.59, 116.81, 116.84, status="proposed", pinyin="")  # not a standard name yet
    return w


def test_by_chinese_pinyin_and_initials(client, roads):
    assert names(client, q="经十路") == ["经十路"]
    assert names(client, q="jingshilu") == ["经十路"]
    assert names(client, q="Jingshi Lu") == ["经十路"]
    assert names(client, q="jsl")[0] == "经十路"
    assert names(client, q="jsyl") == ["经十一路"]
    assert set(names(client, q="经十")) == {"经十路", "经十一路"}


def test_small_typos(client, roads):
    assert names(client, q="经时路")[0] == "经十路"  # a wrong character of the same sound
    assert names(client, q="jingshulu")[0] == "经十路"  # a wrong letter
    assert names(client, q="qwertyuiop") == []


def test_near_a_point(client, roads):
    rows = client.get("/api/gazetteer", {"q": "泉城路", "lon": 116.82, "lat": 36.58}).json()
    assert [r["name"] for r in rows] == ["泉城路", "全程路"]  # the exact name first, then the same sound
    near = client.get("/api/gazetteer", {"q": "quanchenglu", "lon": 116.82, "lat": 36.58}).json()
    assert [r["name"] for r in near][0] == "全程路" and near[0]["distance_m"] < near[1]["distance_m"]


def test_bad_input(client, roads):
    assert client.get("/api/gazetteer").status_code == 400
    assert client.get("/api/gazetteer", {"q": "经十路", "lon": "x", "lat": "1"}).status_code == 400
    assert client.get("/api/gazetteer", {"q": "经十路", "lon": "500", "lat": "1"}).status_code == 400


def test_the_public_page(client, roads):
    r = client.get("/gazetteer/")  # nobody logged in
    body = r.content.decode()
    assert r.status_code == 200 and "gazetteer-form" in body and 'id="placename-map"' in body  # the search and its map
    assert '"apiUrl": "/api/gazetteer"' in body and '<form id="gazetteer-form" role="search">' in body  # a GET search, nothing to post


def test_two_queries_whatever_the_data(client, roads):
    with CaptureQueriesContext(connection) as few:
        names(client, q="jsl")
    for i in range(40):
        road(f"Y{i}", f"经{i}号路", 36.5 + i * 0.001, pinyin="x")
    with CaptureQueriesContext(connection) as many:
        names(client, q="jsl")
    assert len(few) == len(many) == 2 + 2  # and the API rate limit's read and write of its count (tests/site/test_throttling.py)
