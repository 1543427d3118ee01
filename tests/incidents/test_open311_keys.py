"""Open311 clients get their own keys: issued by `create_open311_key` or the admin (shown once,
stored hashed), acting as an account that may report, revocable, with their last use recorded and
a rate limit per key (429 in Open311's error format). A user's login token is not an api_key
(it still works in the Authorization header)."""
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from geogrid.incidents.models import Incident, Open311Key
from geogrid.incidents.open311.keys import revoke_key
from tests.support import rate_limits
from tests.support.world import P_G5A, world

pytestmark = pytest.mark.django_db
URL = "/open311/v2/requests.json"


def body(key, **extra):
    return {"api_key": key, "service_code": "environment", "lat": P_G5A[1], "long": P_G5A[0], "description": "垃圾堆放", **extra}


def issue(username):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_open311_key", username, "--name", "12345热线", stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_an_issued_key_reports_and_reads_as_its_account():
    w = world()
    text, said = issue("m_a")
    assert "只显示这一次" in said
    key = Open311Key.objects.get()
    assert key.user == w["m_a"] and key.name == "12345热线" and text.startswith(key.prefix + ".")
    assert text.split(".", 1)[1] not in key.hashed and len(key.hashed) == 64  # stored as a digest only
    r = APIClient().post(URL, body(text))
    assert r.status_code == 201
    number = r.json()[0]["service_request_id"]
    assert Incident.objects.get(number=number).reporter == w["m_a"]
    got = APIClient().get(URL, {"api_key": text, "service_request_id": number})
    assert got.status_code == 200 and got.json()[0]["service_request_id"] == number
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_a_login_token_is_not_an_api_key_but_works_in_the_header():
    w = world()
    token = Token.objects.create(user=w["m_a"]).key
    r = APIClient().post(URL, body(token))
    assert r.status_code == 401 and "无效或已吊销" in r.json()[0]["description"] and r["WWW-Authenticate"] == "Token"
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert c.post(URL, {k: v for k, v in body("").items() if k != "api_key"}).status_code == 201
    assert Incident.objects.count() == 1


def test_a_revoked_or_forged_key_is_refused_and_stores_nothing():
    world()
    text, _ = issue("m_a")
    prefix = text.split(".")[0]
    for bad in (f"{prefix}.wrong-secret", "nodot", f"{prefix}."):
        r = APIClient().post(URL, body(bad))
        assert r.status_code == 401 and r.json()[0]["code"] == 401
    revoke_key(Open311Key.objects.get())
    assert APIClient().post(URL, body(text)).status_code == 401
    assert not Incident.objects.exists()


def test_only_accounts_that_may_report_get_a_key():
    world()
    with pytest.raises(CommandError, match="不能上报事件"):
        issue("pn")
    with pytest.raises(CommandError, match="不存在"):
        issue("nobody")
    assert not Open311Key.objects.exists()


def test_each_key_has_its_own_rate_limit(settings):
    world()
    rate_limits(settings, open311_key="3/min")  # counted in the table every worker shares (tests/site/test_throttling.py)
    first, _ = issue("m_a")
    second, _ = issue("head_a")
    codes = [APIClient().get(URL, {"api_key": first}).status_code for _i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    r = APIClient().get(URL, {"api_key": first})
    assert r.status_code == 429 and r.json()[0]["code"] == 429 and int(r["Retry-After"]) > 0
    assert APIClient().get(URL, {"api_key": second}).status_code == 200  # another key, its own count


def test_the_admin_issues_the_key_once_and_revokes_it(client):
    w = world()
    from geogrid.accounts.models import User

    admin = User.objects.create_superuser("root", password="pw-root-12345")
    client.force_login(admin)
    r = client.post("/admin/incidents/open311key/add/", {"name": "小程序", "user": w["m_a"].pk}, follow=True)
    text = next(m.message for m in r.context["messages"]).split("：", 1)[1]
    assert APIClient().post(URL, body(text)).status_code == 201
    r = client.post("/admin/incidents/open311key/add/", {"name": "不可", "user": w["pn"].pk})
    assert r.status_code == 200 and "不能上报事件" in r.content.decode() and Open311Key.objects.count() == 1
    client.post("/admin/incidents/open311key/", {"action": "revoke", "_selected_action": [Open311Key.objects.get().pk]})
    assert APIClient().post(URL, body(text)).status_code == 401
