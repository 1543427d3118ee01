"""GET /api/locate: areas, grids and team at a point, on the tiny district of test_layers."""
import pytest

from geogrid.geo import gcj02
from tests.support.district import small_district

pytestmark = pytest.mark.django_db

GRID_A, GRID_B, GRID_A5 = "37011200100101", "37011200100102", "3701120010010101"


def locate(client, **params):
    return client.get("/api/locate", params)


def test_point_inside_a_level5_grid(client, django_assert_max_num_queries):
    small_district()
    # One indexed query for the finest grid (with its parents and areas joined) + one for the team;
    # and the API rate limit's read and write of its count (tests/site/test_throttling.py).
    with django_assert_max_num_queries(2 + 2):
        r = locate(client, lon="116.745", lat="36.545")
    assert r.status_code == 200
    assert r.json() == {
        "district": {"code": "370112000000", "name": "测试区"},
        "street": {"code": "370112001000", "name": "测试街道"},
        "community": {"code": "370112001001", "name": "测试社区"},
        "grid4": {"code": GRID_A, "name": "西网格"},
        "grid5": {"code": GRID_A5, "name": "西一小网格"},
        "members": [{"name": "王网格", "role": "专职网格员", "phone": "138****0001", "grid": GRID_A}],
    }


def test_signed_in_users_outside_the_grid_see_masked_numbers(client, django_user_model):
    small_district()
    client.force_login(django_user_model.objects.create_user("staff1", password="x-12345678"))
    body = locate(client, lon="116.745", lat="36.545").json()
    assert body["members"][0]["phone"] == "138****0001"  # full: tests/grids/test_contacts.py


def test_point_in_a_level4_grid_without_level5(client):
    small_district()
    body = locate(client, lon=116.755, lat=36.545).json()
    assert body["grid4"]["code"] == GRID_B and body["grid5"] is None and body["members"] == []


def test_point_on_the_shared_edge_of_two_grids_goes_to_the_lower_code(client):
    small_district()
    for _ in range(3):
        body = locate(client, lon="116.75", lat="36.555").json()
        assert body["grid4"] == {"code": GRID_A, "name": "西网格"} and body["grid5"] is None


def test_point_in_the_district_but_no_grid(client):
    small_district()
    r = locate(client, lon="116.71", lat="36.51")
    assert r.status_code == 200
    body = r.json()
    assert body["street"]["code"] == "370112001000" and body["community"] is None
    assert body["grid4"] is None and body["grid5"] is None and body["members"] == []


def test_point_outside_every_area_is_404(client):
    small_district()
    r = locate(client, lon="117.5", lat="36.0")
    assert r.status_code == 404
    assert "不在" in r.json()["error"]


@pytest.mark.parametrize("params, words", [
    ({"lon": "abc", "lat": "36.5"}, "数字"),
    ({"lon": "116.75"}, "缺少"),
    ({}, "缺少"),
    ({"lon": "200", "lat": "36.5"}, "超出范围"),
    ({"lon": "116.75", "lat": "-91"}, "超出范围"),
    ({"lon": "nan", "lat": "36.5"}, "超出范围"),
    ({"lon": "116.75", "lat": "36.55", "crs": "bd09"}, "未知坐标系"),
])
def test_bad_input_is_400_with_a_message(client, params, words):
    small_district()
    r = locate(client, **params)
    assert r.status_code == 400
    assert words in r.json()["error"]


def test_gcj02_input_is_converted_before_the_lookup(client):
    """The true point sits 0.002° west of the A|B edge; its GCJ-02 coordinates (what a phone map app
    reports) sit ~0.0037° east of it, in B. Only a converted lookup answers A."""
    small_district()
    true_lon, true_lat = 116.748, 36.545
    glon, glat = gcj02.wgs84_to_gcj02(true_lon, true_lat)
    assert glon > 116.75  # the shift crosses the edge, so skipping conversion would show

    raw = locate(client, lon=glon, lat=glat).json()
    assert raw["grid4"]["code"] == GRID_B
    converted = locate(client, lon=glon, lat=glat, crs="gcj02").json()
    assert converted["grid4"]["code"] == GRID_A and converted["grid5"]["code"] == GRID_A5
    assert locate(client, lon=true_lon, lat=true_lat, crs="EPSG:4326").json()["grid4"]["code"] == GRID_A


def test_locate_is_in_the_openapi_schema(client):
    r = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    op = r.json()["paths"]["/api/locate"]["get"]
    assert {p["name"] for p in op["parameters"]} == {"lon", "lat", "crs"}
    assert {"200", "400", "404"} <= set(op["responses"])
