"""With the database out of reach, API and pages answer 503 with Retry-After and a readable sentence
(geogrid/unavailable.py), not a 500 traceback; any other error keeps Django's 500. The real outage —
the database stopped and started under load — is in test_load_and_restart.py; here the connection
points at a socket directory where no server listens, which fails the same way (OperationalError)."""
import pytest
from django.db import connection, connections
from django.test import Client, RequestFactory

from geogrid.unavailable import server_error_or_unavailable


@pytest.fixture
def database_down(django_db_blocker):
    with django_db_blocker.unblock():
        connections.close_all()
        host = connection.settings_dict["HOST"]
        connection.settings_dict["HOST"] = "/nonexistent-geogrid-socket-dir"
        try:
            yield
        finally:
            connection.settings_dict["HOST"] = host
            connections.close_all()


def test_the_api_and_the_pages_answer_503_while_the_database_is_down(database_down):
    client = Client(raise_request_exception=False)
    r = client.get("/api/locate?lon=116.7&lat=36.5", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 503 and r["Retry-After"] == "5"
    assert r.json() == {"error": "数据库暂时无法访问，请稍后重试（已提交的内容不会丢失，重发不会重复）", "code": "database_unavailable"}
    r = client.post("/api/incidents/", {"category": "environment"}, content_type="application/json", HTTP_AUTHORIZATION="Token x",
                    HTTP_IDEMPOTENCY_KEY="k1", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 503 and r.json()["code"] == "database_unavailable"
    client.cookies["sessionid"] = "a" * 32  # the home page then reads the session (from the database)
    r = client.get("/")  # a page: a short HTML sentence (no template: its context would query)
    assert r.status_code == 503 and r["Retry-After"] == "5" and r["Content-Type"].startswith("text/html")
    assert "数据库暂时无法访问" in r.content.decode()


def test_any_other_error_keeps_the_500():
    request = RequestFactory().get("/api/incidents/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error_or_unavailable(request)
    assert response.status_code == 500 and not response.has_header("Retry-After")
