"""Two guarantees of the reliability issue: session-authenticated writes need the CSRF token (API
and pages alike; a token-authenticated API client does not, as it carries no cookie), and the audit
log cannot be changed or deleted through the admin, not even by a superuser."""
import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from geogrid.accounts.models import User
from geogrid.audit.models import AuditEvent
from geogrid.incidents.models import Incident
from tests.support.world import P_G5A, report, world

pytestmark = pytest.mark.django_db
BODY = {"category": "environment", "description": "垃圾堆放", "lon": P_G5A[0], "lat": P_G5A[1]}


def strict(user):
    c = Client(enforce_csrf_checks=True)
    c.force_login(user)
    return c


def test_session_writes_without_the_csrf_token_are_refused():
    w = world()
    c = strict(w["m_a"])
    r = c.post("/api/incidents/", json.dumps(BODY), content_type="application/json")
    assert r.status_code == 403 and "CSRF" in r.content.decode()
    r = c.post("/incidents/report/", BODY)
    assert r.status_code == 403
    assert not Incident.objects.exists()
    c.get("/incidents/report/")  # the page sets the cookie; its token goes in the header
    token = c.cookies["csrftoken"].value
    r = c.post("/api/incidents/", json.dumps(BODY), content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 201 and Incident.objects.count() == 1


def test_a_token_client_needs_no_csrf_token():
    w = world()
    c = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=w['m_a']).key}")
    assert c.post("/api/incidents/", json.dumps(BODY), content_type="application/json").status_code == 201


def test_the_audit_log_cannot_be_changed_or_deleted_in_the_admin(client):
    w = world()
    report(w)
    event = AuditEvent.objects.filter(action="open").get()
    client.force_login(User.objects.create_superuser("root", password="pw-root-12345"))
    url = f"/admin/audit/auditevent/{event.pk}/"
    assert client.get(url + "change/").status_code == 200  # read, yes
    r = client.post(url + "change/", {"note": "改过了", "action": "close"})
    assert r.status_code == 403
    assert client.get(url + "delete/").status_code == 403
    assert client.post(url + "delete/", {"post": "yes"}).status_code == 403
    listing = client.get("/admin/audit/auditevent/")
    assert listing.status_code == 200 and "delete_selected" not in listing.content.decode()
    client.post("/admin/audit/auditevent/", {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert AuditEvent.objects.filter(pk=event.pk, note=event.note, action="open").exists()
    assert client.get("/admin/audit/auditevent/add/").status_code == 403


def test_the_database_refuses_to_change_or_delete_an_audit_event():
    """The trigger of audit migration 0002: a bulk update, a delete and raw SQL all fail, and the row
    is as it was; new events are still written."""
    from django.db import IntegrityError, connection, transaction

    w = world()
    report(w)
    event = AuditEvent.objects.filter(action="open").get()
    for attempt in (lambda: AuditEvent.objects.filter(pk=event.pk).update(note="改过了"),
                    lambda: AuditEvent.objects.filter(pk=event.pk).delete(),
                    lambda: connection.cursor().execute("DELETE FROM audit_auditevent")):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            attempt()
    assert AuditEvent.objects.filter(pk=event.pk, note=event.note, action="open").exists()
    report(w)
    assert AuditEvent.objects.filter(action="open").count() == 2
