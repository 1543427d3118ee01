"""The demo shows place-name staff a batch in progress and unnamed roads waiting."""
import pytest
from django.db import models

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
    # The demo's standard names were loaded, not announced: they got their place codes as the command gives them.
    assert not Road.objects.filter(status__in=["named", "retired"], place_code="").exists()
    assert client.login(username="demo_placename", password=DEMO_PASSWORD)
    body = client.get("/placenames/").content.decode()
    assert "2026-01" in body and "deadline-red" in body
    assert "规划五路" in client.get("/placenames/queue/").content.decode()
    body = client.get("/placenames/signs/").content.decode()
    assert body.count('data-action="accept"') == 2 and "deadline-red" in body  # dispatched 23 days ago, due after 15


def test_the_demo_has_two_finished_sign_patrols_and_yearly_figures(demo, client):  # noqa: F811
    from geogrid.placenames import signrepair
    from geogrid.placenames.demo import load_sign_patrols
    from geogrid.placenames.models import RoadSign, SignInspection
    from geogrid.placenames.signpatrol import sign_patrols

    patrols = list(sign_patrols().order_by("started_at"))
    assert len(patrols) == 2 and all(p.ended_at for p in patrols)
    n = RoadSign.objects.filter(road__code__in=["370190DL038", "370190DL037"]).count()
    assert SignInspection.objects.count() == n > 40
    assert all(p.targets.filter(visited_at__isnull=True).count() == 0 for p in patrols)
    figures = signrepair.yearly_figures()
    assert sum(f["inspected"] for f in figures) == n and sum(f["cleaned"] for f in figures) > 30
    # Every sign recorded as the demo data has it: no condition changed, so loading again changes nothing.
    assert not SignInspection.objects.exclude(condition=models.F("sign__condition")).exists()
    assert not SignInspection.objects.filter(condition__in=["damaged", "missing", "wrong"], repair__isnull=True).exists()
    staff = patrols[0].user
    assert load_sign_patrols(staff) == 0 and SignInspection.objects.count() == n
    assert client.login(username="demo_placename", password=DEMO_PASSWORD)
    body = client.get("/placenames/signs/").content.decode()
    assert f'class="inspected">{figures[0]["inspected"]}<' in body and figures[0]["inspected"] > 0
    # The patrols app's staff page lists them too (a patrol without a grid).
    assert client.login(username="demo_admin", password=DEMO_PASSWORD)
    assert client.get("/patrols/all/").status_code == 200
