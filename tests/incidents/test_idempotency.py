"""The Idempotency-Key header on report submission (and patrol writes): a retry, a double tap or a
second tab with the same key gets the first answer and makes no second case; the same key with
another body is a 409; a refused request keeps nothing, so its corrected retry may use the key;
keys are per user. Concurrent twins (own connections, real PostgreSQL) make exactly one case."""
import io

import pytest
from django.db import connection
from rest_framework.test import APIClient

from geogrid.audit.models import AuditEvent
from geogrid.incidents.models import Incident
from geogrid.workflow.models import IdempotentRequest
from tests.incidents.test_concurrency import race
from tests.support.world import P_G5A, jpeg_bytes, world

BODY = {"category": "environment", "description": "垃圾堆放", "lon": P_G5A[0], "lat": P_G5A[1]}


def client(user, key=None):
    c = APIClient()
    c.force_authenticate(user=user)
    if key:
        c.credentials(HTTP_IDEMPOTENCY_KEY=key)
    return c


@pytest.mark.django_db
def test_the_same_key_and_body_replays_the_first_answer():
    w = world()
    first = client(w["m_a"], "k-1").post("/api/incidents/", BODY, format="json")
    again = client(w["m_a"], "k-1").post("/api/incidents/", BODY, format="json")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Incident.objects.count() == 1 and AuditEvent.objects.filter(action="open").count() == 1
    # Without a key, or with another key, it is a new report.
    assert client(w["m_a"], "k-2").post("/api/incidents/", BODY, format="json").status_code == 201
    assert client(w["m_a"]).post("/api/incidents/", BODY, format="json").status_code == 201
    assert Incident.objects.count() == 3


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_409_and_keys_are_per_user():
    w = world()
    assert client(w["m_a"], "k").post("/api/incidents/", BODY, format="json").status_code == 201
    r = client(w["m_a"], "k").post("/api/incidents/", {**BODY, "description": "另一件事"}, format="json")
    assert r.status_code == 409 and "Idempotency-Key" in r.json()["error"]
    assert client(w["head_a"], "k").post("/api/incidents/", BODY, format="json").status_code == 201  # another user
    assert Incident.objects.count() == 2


@pytest.mark.django_db
def test_a_refused_request_keeps_nothing_and_its_retry_may_use_the_key():
    w = world()
    bad = client(w["m_a"], "k").post("/api/incidents/", {**BODY, "lon": 100.0}, format="json")  # outside the district
    assert bad.status_code == 400 and not IdempotentRequest.objects.exists()
    good = client(w["m_a"], "k").post("/api/incidents/", BODY, format="json")
    assert good.status_code == 201 and Incident.objects.count() == 1
    r = client(w["m_a"]).post("/api/incidents/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="x" * 256)
    assert r.status_code == 400 and "Idempotency-Key" in r.json()["error"]


@pytest.mark.django_db
def test_photos_are_part_of_the_body():
    w = world()
    def send(color):
        photo = io.BytesIO(jpeg_bytes(color=color))
        photo.name = "p.jpg"
        return client(w["m_a"], "k-photo").post("/api/incidents/", {**BODY, "photos": [photo]}, format="multipart")
    assert send((10, 20, 30)).status_code == 201
    assert send((10, 20, 30)).status_code == 201 and Incident.objects.count() == 1
    assert send((200, 20, 30)).status_code == 409


@pytest.mark.django_db
def test_patrol_writes_take_the_key():
    w = world()
    start = client(w["m_a"], "p-start").post("/api/patrols/", {"grid": w["g4a"].code}, format="json")
    assert start.status_code == 201
    assert client(w["m_a"], "p-start").post("/api/patrols/", {"grid": w["g4a"].code}, format="json").json() == start.json()
    pid = start.json()["id"]
    found = [client(w["m_a"], "p-find").post(f"/api/patrols/{pid}/findings/", BODY, format="json") for _ in range(2)]
    assert [r.status_code for r in found] == [201, 201] and found[0].json() == found[1].json()
    ended = [client(w["m_a"], "p-end").post(f"/api/patrols/{pid}/end/", {}, format="json") for _ in range(2)]
    assert [r.status_code for r in ended] == [200, 200]  # the second is the replay, not "already ended"
    assert Incident.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_twins_make_one_case():
    w = world()

    def post():
        try:
            r = client(w["m_a"], "twin").post("/api/incidents/", BODY, format="json")
            return r.status_code, r.json()
        finally:
            connection.close()

    for _ in range(3):
        results = race(post, post, post, post)
        assert [code for code, _ in results] == [201] * 4, results
        assert len({body["number"] for _, body in results}) == 1
        IdempotentRequest.objects.all().delete()  # the next round is a new key's first use
    assert Incident.objects.count() == 3


@pytest.mark.django_db
def test_a_report_form_with_its_key_and_the_outboxs_replay_make_one_case(client):
    """The report page posts as a page with a hidden outbox_key. If the answer is lost after the
    server saved the case, the phone's service worker keeps the form as an outbox item with that key
    and replays it to the API: the replay gets the same case back (not a 409, not a second case),
    and so does the form posted again."""
    w = world()
    client.force_login(w["m_a"])
    form = {**BODY, "outbox_key": "phone-1"}
    first = client.post("/incidents/report/", form)
    case = Incident.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/incidents/{case.pk}/"
    again = client.post("/incidents/report/", form)
    assert again.status_code == 302 and again["Location"] == f"/incidents/{case.pk}/"
    api = APIClient()
    api.force_authenticate(w["m_a"])
    replay = api.post("/api/incidents/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="phone-1")
    assert replay.status_code == 201 and replay.json()["id"] == case.pk and replay["Idempotent-Replayed"] == "true"
    assert Incident.objects.count() == 1 and AuditEvent.objects.filter(action="open").count() == 1


@pytest.mark.django_db
def test_a_refused_form_keeps_nothing_under_its_key(client):
    w = world()
    client.force_login(w["m_a"])
    bad = client.post("/incidents/report/", {**BODY, "lon": 100.0, "outbox_key": "phone-2"})
    assert bad.status_code == 400 and not IdempotentRequest.objects.exists() and not Incident.objects.exists()
    good = client.post("/incidents/report/", {**BODY, "outbox_key": "phone-2"})
    assert good.status_code == 302 and Incident.objects.count() == 1


@pytest.mark.django_db
def test_a_patrol_finding_form_and_its_replay_make_one_case(client):
    w = world()
    c = APIClient()
    c.force_authenticate(w["m_a"])
    pid = c.post("/api/patrols/", {"grid": w["g4a"].code}, format="json").json()["id"]
    client.force_login(w["m_a"])
    r = client.post("/incidents/report/", {**BODY, "patrol": pid, "outbox_key": "phone-3"})
    assert r.status_code == 302 and Incident.objects.count() == 1
    replay = c.post(f"/api/patrols/{pid}/findings/", BODY, format="json", HTTP_IDEMPOTENCY_KEY="phone-3")
    assert replay.status_code == 201 and replay.json()["id"] == Incident.objects.get().pk
    assert Incident.objects.count() == 1
