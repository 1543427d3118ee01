"""Category questions as data (Open311 service attributes): the service definition lists them
after the 五办 mode, a report's answers are checked by the core for every datatype (the API and
Open311 alike), kept on the case and shown on its page; a wrong answer is a 400 naming the
attribute and stores nothing. A real Open311 client (georeport, from PyPI) lists the services,
reads a definition, reports with a key and follows the case without one."""
import pytest
import requests
from django.core.exceptions import ValidationError
from georeport import GeoReport
from rest_framework.test import APIClient

from geogrid.incidents.models import CategoryQuestion, Incident, IncidentCategory
from geogrid.incidents.open311.keys import issue_key
from tests.support.world import P_G5A, world

URL = "/open311/v2/requests.json"


def questions():
    cat = IncidentCategory.objects.get(code="environment")
    Q = CategoryQuestion
    Q.objects.create(category=cat, code="count", question="堆放了几处？", datatype="number", required=True, order=1)
    Q.objects.create(category=cat, code="seen_at", question="何时发现？", datatype="datetime", order=2)
    Q.objects.create(category=cat, code="kind", question="垃圾类别", datatype="singlevaluelist", required=True, order=3,
                     values=[{"key": "household", "name": "生活垃圾"}, {"key": "building", "name": "建筑垃圾"}])
    Q.objects.create(category=cat, code="near", question="附近有", datatype="multivaluelist", order=4,
                     values=[{"key": "school", "name": "学校"}, {"key": "river", "name": "河道"}])
    Q.objects.create(category=cat, code="who", question="责任单位", datatype="string", order=5)
    Q.objects.create(category=cat, code="more", question="补充说明", datatype="text", order=6)
    return cat


def form(key, **extra):
    return {"api_key": key, "service_code": "environment", "lat": P_G5A[1], "long": P_G5A[0], "description": "垃圾堆放", **extra}


GOOD = {"attribute[count]": "3", "attribute[seen_at]": "2026-11-30T08:00:00+08:00", "attribute[kind]": "building",
        "attribute[near][]": ["school", "river"], "attribute[who]": "某物业", "attribute[mode]": "visit"}


@pytest.mark.django_db
def test_the_definition_lists_the_questions_and_metadata_is_true():
    world()
    questions()
    services = APIClient().get("/open311/v2/services.json").json()
    assert all(s["metadata"] is True for s in services)
    attrs = APIClient().get("/open311/v2/services/environment.json").json()["attributes"]
    assert [a["code"] for a in attrs] == ["mode", "count", "seen_at", "kind", "near", "who", "more"]
    kind = attrs[3]
    assert kind["datatype"] == "singlevaluelist" and kind["required"] is True and kind["values"][1] == {"key": "building", "name": "建筑垃圾"}


@pytest.mark.django_db
def test_good_answers_are_kept_and_shown_on_the_case_page(client):
    w = world()
    questions()
    key = issue_key(w["m_a"], "热线")[1]
    r = APIClient().post(URL, form(key, **GOOD))
    assert r.status_code == 201, r.content
    case = Incident.objects.get()
    assert case.mode == "visit"
    assert case.answers == {"count": 3, "seen_at": "2026-11-30T08:00:00+08:00", "kind": "building", "near": ["school", "river"], "who": "某物业"}
    client.force_login(w["m_a"])
    page = client.get(f"/incidents/{case.pk}/").content.decode()
    assert "垃圾类别" in page and "建筑垃圾" in page and "学校、河道" in page
    api = APIClient()
    api.force_authenticate(w["m_a"])
    assert api.get(f"/api/incidents/{case.pk}/").json()["answers"]["kind"] == "building"
    # The incident API takes the same answers (JSON), checked by the same rule.
    body = {"category": "environment", "description": "又一处", "lon": P_G5A[0], "lat": P_G5A[1], "answers": {"count": "x", "kind": "household"}}
    r = api.post("/api/incidents/", body, format="json")
    assert r.status_code == 400 and "answers.count" in r.json()["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize("change, words", [
    ({"attribute[count]": None}, "attribute[count]：必答"),
    ({"attribute[count]": "three"}, "attribute[count]：应为数字"),
    ({"attribute[count]": "NaN"}, "attribute[count]：应为数字"),
    ({"attribute[seen_at]": "yesterday"}, "attribute[seen_at]：应为 ISO 8601"),
    ({"attribute[kind]": "nuclear"}, "attribute[kind]：不在选项中"),
    ({"attribute[near][]": ["school", "moon"]}, "attribute[near]：不在选项中：moon"),
    ({"attribute[who]": "长" * 201}, "attribute[who]：回答不能超过 200 字"),
    ({"attribute[colour]": "red"}, "attribute[colour]：此类别没有这个问题"),
])
def test_a_wrong_answer_is_a_400_that_names_it_and_stores_nothing(change, words):
    w = world()
    questions()
    key = issue_key(w["m_a"], "热线")[1]
    body = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    r = APIClient().post(URL, form(key, **body))
    assert r.status_code == 400 and any(words in e["description"] for e in r.json()), r.json()
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_a_list_question_needs_its_choices():
    cat = world() and IncidentCategory.objects.get(code="environment")
    for values in ([], [{"key": "a"}], [{"key": "a", "name": "甲"}, {"key": "a", "name": "乙"}]):
        with pytest.raises(ValidationError):
            CategoryQuestion(category=cat, code="q", question="?", datatype="singlevaluelist", values=values).full_clean()
    with pytest.raises(ValidationError):
        CategoryQuestion(category=cat, code="q", question="?", datatype="number", values=[{"key": "a", "name": "甲"}]).full_clean()


@pytest.mark.django_db(transaction=True)
def test_a_real_open311_client_against_the_live_server(live_server):
    w = world()
    questions()
    base = f"{live_server.url}/open311/v2"
    public = GeoReport(base)  # reads need no key
    services = public.get_service_list()
    assert "environment" in {s["service_code"] for s in services}
    definition = public.get_service_definition("environment")
    assert [a["code"] for a in definition["attributes"]][:3] == ["mode", "count", "seen_at"]
    # georeport only reads; a form-encoded POST as a hotline system sends it, with its key.
    key = issue_key(w["m_a"], "热线")[1]
    r = requests.post(f"{base}/requests.json", timeout=10, data={
        "api_key": key, "service_code": "environment", "lat": P_G5A[1], "long": P_G5A[0], "description": "垃圾堆放",
        "attribute[count]": "2", "attribute[kind]": "household", "attribute[near][]": ["river"]})
    assert r.status_code == 201, r.text
    number = r.json()[0]["service_request_id"]
    assert Incident.objects.get(number=number).answers == {"count": 2, "kind": "household", "near": ["river"]}
    item = public.get_service_request(number)
    assert item["service_request_id"] == number and item["status"] == "open" and item["description"] is None  # public form
    assert number in {i["service_request_id"] for i in public.get_service_requests(service_code="environment")}
    full = requests.get(f"{base}/requests/{number}.json", params={"api_key": key}, timeout=10).json()[0]
    assert full["description"] == "垃圾堆放"  # the reporter's own key: the full record
    xml = GeoReport(base, output_format="xml").get_service_list()
    assert "environment" in {s["service_code"] for s in (xml if isinstance(xml, list) else [xml])}
