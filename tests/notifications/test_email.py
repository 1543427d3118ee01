"""Mail (notifications.services.send_mails): sent through Django's mail settings after the step that
caused it commits, when the bureau switched it on (GEOGRID_NOTIFY_EMAIL) and the recipient has an
address; not otherwise. A failing mail server is logged and the step stands."""
import logging

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from geogrid.incidents.models import Incident
from geogrid.notifications.models import Notification
from tests.support.world import report, walk, world

pytestmark = pytest.mark.django_db


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("no mail server at localhost:25")


@pytest.fixture
def w(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.GEOGRID_NOTIFY_EMAIL = True
    settings.GEOGRID_SITE_URL = "https://grid.example.gov.cn/"
    w = world()
    w["head_a"].email = "head_a@example.cn"
    w["head_a"].save()
    w["case"] = walk(w, report(w), ("register", "cs1"))
    return w


def dispatch(w, to="head_a"):
    return walk(w, w["case"], ("dispatch", "cs1", {"assignee": w[to]}))


def test_a_user_with_an_address_gets_a_mail(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        inc = dispatch(w)
    assert len(mail.outbox) == 1
    m = mail.outbox[0]
    assert m.to == ["head_a@example.cn"] and inc.number in m.subject
    assert f"https://grid.example.gov.cn/incidents/{inc.pk}/" in m.body and "环境卫生" in m.body


def test_no_mail_without_an_address(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(w, to="m_a")
    assert mail.outbox == [] and Notification.objects.filter(recipient=w["m_a"]).count() == 1


def test_no_mail_unless_the_bureau_switched_it_on(w, settings, django_capture_on_commit_callbacks):
    settings.GEOGRID_NOTIFY_EMAIL = False
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(w)
    assert mail.outbox == [] and Notification.objects.filter(recipient=w["head_a"]).count() == 1


def test_no_mail_for_a_rolled_back_step(w, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            dispatch(w)
            raise RuntimeError("after the step")
    assert callbacks == [] and mail.outbox == [] and not Notification.objects.exists()


def test_a_failing_mail_server_is_logged_and_the_step_stands(w, settings, caplog, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.notifications.test_email.FailingBackend"
    with caplog.at_level(logging.WARNING, logger="geogrid.notifications"):
        with django_capture_on_commit_callbacks(execute=True):
            inc = dispatch(w)
    assert Incident.objects.get(pk=inc.pk).state == "dispatched" and Notification.objects.filter(recipient=w["head_a"]).count() == 1
    assert "head_a@example.cn" in caplog.text and "no mail server" in caplog.text
