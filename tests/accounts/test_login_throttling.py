"""Repeated wrong passwords lock that username from that address (django-axes, the settings'
AXES_*): the next attempt — even with the right password — is refused with 429 and says why and
for how long; another address still gets in; a success before the limit resets the count."""
import pytest
from django.test import Client

from geogrid.accounts.models import User
from geogrid.accounts.roles import Role
from tests.support.world import user

pytestmark = pytest.mark.django_db
RIGHT = "pw-12345678"


def attempt(password, addr="10.0.0.1", username="m1", path="/accounts/login/"):
    return Client(REMOTE_ADDR=addr).post(path, {"username": username, "password": password})


def test_thirty_wrong_passwords_then_the_right_one_is_refused():
    user("m1", Role.GRID_MEMBER)
    codes = [attempt(f"wrong-{i}").status_code for i in range(30)]
    assert codes[:4] == [200] * 4  # the page again with "wrong password"
    assert set(codes[5:]) == {429}
    r = attempt(RIGHT)
    assert r.status_code == 429 and "_auth_user_id" not in r.client.session
    text = r.content.decode()
    assert "密码错误次数过多" in text and "15 分钟" in text
    # The account is not locked for everyone: the member's own phone on another address logs in.
    ok = attempt(RIGHT, addr="10.0.0.2")
    assert ok.status_code == 302 and ok.url == "/"


def test_the_admin_login_is_throttled_too():
    user("m1", Role.DISTRICT_ADMIN, is_staff=True)
    for i in range(5):
        attempt(f"wrong-{i}", path="/admin/login/")
    assert attempt(RIGHT, path="/admin/login/").status_code == 429


def test_a_success_resets_the_count():
    user("m1", Role.GRID_MEMBER)
    for _round in range(3):
        for i in range(4):
            assert attempt(f"wrong-{i}").status_code == 200
        assert attempt(RIGHT).status_code == 302


def test_passwords_are_checked_by_the_password_rules():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    u = User(username="zhangwei", full_name="张伟")
    for weak in ("12345678901", "password123", "zhangwei2026", "short"):
        with pytest.raises(ValidationError):
            validate_password(weak, u)
    validate_password("泉城-网格-2026-绿", u)
