"""The workflow core knows no domain (DESIGN: "one small state-machine core used by every workflow,
no domain words"), and its audit events carry the time the transition took effect."""
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import geogrid.workflow
from geogrid.audit.models import AuditEvent
from geogrid.audit.services import history, record
from geogrid.incidents.services import transition
from tests.support.world import report, world

CORE = Path(geogrid.workflow.__file__).parent
# Words of the workflows built on the core (Chinese and English); none may appear in it.
DOMAIN = re.compile(r"案卷|事件|网格|巡查|地名|界桩|界线|路名|incident|\bcases?\b|\bgrids?\b|patrol|road|marker|naming", re.I)


def test_no_domain_word_in_the_core():
    hits = [f"{p.name}:{n}: {line.strip()}" for p in sorted(CORE.rglob("*.py")) if "migrations" not in p.parts
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if DOMAIN.search(line)]
    assert hits == []


@pytest.mark.django_db
def test_record_stores_the_time_given_and_now_by_default():
    w = world()
    at = timezone.now() - timedelta(days=2, minutes=7)
    event = record(w["g4a"], "example", actor=w["da"], at=at, note="x")
    assert AuditEvent.objects.get(pk=event.pk).at == at
    before = timezone.now()
    assert record(w["g4a"], "example").at >= before


@pytest.mark.django_db
def test_backdated_steps_are_recorded_at_their_time_in_one_insert():
    w = world()
    t0 = timezone.now() - timedelta(days=3)
    with CaptureQueriesContext(connection) as ctx:
        inc = report(w, now=t0)
        transition(inc, "register", w["cs1"], "属实", now=t0 + timedelta(hours=1))
    assert [e.at for e in history(inc)] == [t0, t0 + timedelta(hours=1)]
    audit_writes = [q["sql"].split()[0] for q in ctx.captured_queries if '"audit_auditevent"' in q["sql"] and not q["sql"].startswith("SELECT")]
    assert audit_writes == ["INSERT", "INSERT"]  # no INSERT-then-UPDATE of the event's time
