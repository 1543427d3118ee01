"""The check's data tables are edited in the admin by place-name staff, audited; workflow records are
read-only there."""
import pytest
from django.contrib.auth.models import Group, Permission

from geogrid.audit.models import AuditEvent
from geogrid.placenames.models import ForbiddenWord
from tests.placenames.builders import town

pytestmark = pytest.mark.django_db


def test_staff_edit_the_forbidden_words_and_read_the_applications(client):
    w = town()
    pn = w["pn"]
    pn.is_staff = True
    pn.save()
    group = Group.objects.get(name="placename_staff")
    group.permissions.set(Permission.objects.filter(content_type__app_label="placenames"))
    client.force_login(pn)
    for url in ("/admin/placenames/genericname/", "/admin/placenames/forbiddenword/", "/admin/placenames/fixedreading/",
                "/admin/placenames/placecategorycode/", "/admin/placenames/namingapplication/", "/admin/placenames/signrepair/",
                "/admin/placenames/signinspection/"):
        assert client.get(url).status_code == 200, url
    r = client.post("/admin/placenames/forbiddenword/add/", {"word": "鲁能", "kind": "company", "note": ""})
    assert r.status_code == 302 and ForbiddenWord.objects.filter(word="鲁能").exists()
    assert AuditEvent.objects.filter(content_type__model="forbiddenword").exists()
    assert client.get("/admin/placenames/namingapplication/add/").status_code == 403
    assert client.get("/admin/placenames/signinspection/add/").status_code == 403
