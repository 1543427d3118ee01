"""Two visits of one subject recorded at the same moment (two phones, or a queued visit replayed
while another is sent), each thread with its own connection: both are stored, and the schedule
keeps the later visit however the two interleave (the subject's row is locked while a visit is
written)."""
from datetime import timedelta

import pytest
from django.utils import timezone

from geogrid.care.models import CareVisit
from tests.care.builders import care_world
from tests.incidents.test_concurrency import api_post, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_visits_keep_the_later_one():
    w = care_world()
    now = timezone.now()
    for round_ in range(3):
        early, late = now - timedelta(hours=2 + round_), now - timedelta(hours=1)
        results = race(
            lambda: api_post(w["m_a"], "/api/care/visits/", {"subject": w["sub1"].pk, "seen": True, "situation": "甲",
                                                              "visited_at": late.isoformat()}),
            lambda: api_post(w["head_a"], "/api/care/visits/", {"subject": w["sub1"].pk, "seen": True, "situation": "乙",
                                                                 "visited_at": early.isoformat()}))
        assert [code for code, _ in results] == [201, 201], results
        w["sub1"].refresh_from_db()
        assert w["sub1"].last_visited_at == late
    assert CareVisit.objects.count() == 6
