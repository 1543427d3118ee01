"""The demo shows place-name staff a batch in progress and unnamed roads waiting."""
import pytest

from geogrid.demo.loader import DEMO_PASSWORD
from geogrid.placenames.models import NamingApplication, NamingBatch, Road
from geogrid.placenames.workflow import WORKFLOW
from tests.support.demo import demo  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_batch_in_progress_and_roads_waiting(demo, client):  # noqa: F811
    batch = NamingBatch.objects.get(code="2026-01")
    states = {a.name: a for a in batch.applications.all()}
    assert {n: a.state for n, a in states.items()} == {"兴华路": "notice", "锦绣街": "approved", "隆泉路": "draft", "文华路": "submitted"}
    assert WORKFLOW.deadline_status(states["锦绣街"]) == "red"  # filing is late
    assert [h["name"] for h in states["隆泉路"].check_result["homophones"]] == ["龙泉路"]
    waiting = Road.objects.filter(status="unnamed").exclude(applications__state__in=NamingApplication.OPEN_STATES)
    assert waiting.count() >= 5
    assert client.login(username="demo_placename", password=DEMO_PASSWORD)
    body = client.get("/placenames/").content.decode()
    assert "2026-01" in body and "deadline-red" in body
    assert "规划五路" in client.get("/placenames/queue/").content.decode()
    body = client.get("/placenames/signs/").content.decode()
    assert body.count('data-action="accept"') == 2 and "deadline-red" in body  # dispatched 23 days ago, due after 15
