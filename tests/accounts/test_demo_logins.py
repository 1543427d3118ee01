"""Issue 2, "Done when": the demo logins that `make run` prints work. Each printed login signs in
through the site's login form and through /admin/ when it is staff, and every page printed for it
answers 200; grid members, heads and department staff, who are not staff, are told where to go
instead of /admin/."""
import re
from io import StringIO

from django.core.management import call_command
from django.test import Client

from tests.support.demo import demo  # noqa: F401  (module-scoped fixture: the demo loaded once)

LOGIN = re.compile(r"^(demo_\w+)\s+(\S+)\s+.*?((?:/[\w/-]*/\s*)+)$", re.M)


def printed_logins():
    out = StringIO()
    call_command("demo_logins", stdout=out)
    return [(u, pw, pages.split()) for u, pw, pages in LOGIN.findall(out.getvalue())]


def test_every_printed_login_opens_its_printed_pages(demo, db):  # noqa: F811
    logins = printed_logins()
    assert len(logins) == 8
    for username, password, pages in logins:
        c = Client()
        r = c.post("/accounts/login/", {"username": username, "password": password})
        assert r.status_code == 302, (username, "site login refused")
        for page in pages:
            assert c.get(page).status_code == 200, (username, page)
        admin = Client()
        r = admin.post("/admin/login/?next=/admin/", {"username": username, "password": password, "next": "/admin/"})
        if "/admin/" in pages:
            assert r.status_code == 302 and r["Location"] == "/admin/", (username, "admin login refused")
        else:
            assert r.status_code == 200, (username, "a non-staff login got into /admin/")
