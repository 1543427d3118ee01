"""Residential-area and building names, the lighter workflow: the bureau's opinion, then approval by
the housing department, filing and announcement recorded; the check among building names."""
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from geogrid.placenames import buildingnames
from geogrid.placenames.models import BuildingName
from geogrid.workflow.exceptions import InvalidTransition, MissingFields, TransitionForbidden
from tests.placenames.builders import town

pytestmark = pytest.mark.django_db


def test_the_check_and_the_lighter_workflow():
    w = town()
    b = buildingnames.register(w["pn"], name="锦绣花园", developer="某置业公司")
    assert (b.pinyin, b.check_errors, b.state) == ("Jinxiu Huayuan", 0, "received")
    assert b.deadline - b.state_entered_at == datetime.timedelta(days=10)
    assert buildingnames.check_building_name("锦绣花园")["errors"] == 1  # duplicate
    assert [h["name"] for h in buildingnames.check_building_name("锦秀花园")["homophones"]] == ["锦绣花园"]
    assert buildingnames.check_building_name("曼哈顿花园")["errors"] == 1  # a foreign name
    with pytest.raises(MissingFields):
        buildingnames.transition(b, "give_opinion", w["pn"], "")
    with pytest.raises(InvalidTransition):
        buildingnames.transition(b, "file", w["pn"])
    with pytest.raises(TransitionForbidden):
        buildingnames.transition(b, "give_opinion", w["da"], "同意")
    buildingnames.transition(b, "give_opinion", w["pn"], "名称规范，同意使用")
    approved = timezone.localdate() - datetime.timedelta(days=20)
    buildingnames.transition(b, "record_approval", w["pn"], approved_on=approved.isoformat())
    assert buildingnames.WORKFLOW.deadline_status(b) == "red"  # filing was due 5 days ago
    with pytest.raises(MissingFields):
        buildingnames.transition(b, "file", w["pn"], filed_on=(approved - datetime.timedelta(days=1)).isoformat())
    buildingnames.transition(b, "file", w["pn"])
    buildingnames.transition(b, "announce", w["pn"])
    b.refresh_from_db()
    # Filed and announced 20 days after approval: both stages late (each due 15 days after approval).
    assert (b.state, b.opinion, b.filed_on, b.overdue_stages) == ("announced", "名称规范，同意使用", timezone.localdate(), 2)


def test_bad_input_is_refused_whole():
    w = town()
    for kw in (dict(name="", developer="x"), dict(name="某花园", developer=""), dict(name="某花园", developer="x", kind="castle")):
        with pytest.raises(ValidationError):
            buildingnames.register(w["pn"], **kw)
    with pytest.raises(TransitionForbidden):
        buildingnames.register(w["gm"], name="某花园", developer="x")
    assert BuildingName.objects.count() == 0


def test_the_page(client):
    w = town()
    client.force_login(w["pn"])
    assert client.post("/placenames/buildings/", {"name": "泉景苑", "developer": "某公司", "kind": "residential"}).status_code == 302
    b = BuildingName.objects.get()
    assert client.post(f"/placenames/buildings/{b.pk}/actions/give_opinion/", {"note": "同意"}).status_code == 302
    assert client.post(f"/placenames/buildings/{b.pk}/actions/announce/").status_code == 409
    client.get("/placenames/buildings/")
    with CaptureQueriesContext(connection) as few:
        body = client.get("/placenames/buildings/").content.decode()
    assert "Quanjing Yuan" in body and 'data-action="record_approval"' in body
    for i in range(15):
        buildingnames.register(w["pn"], name=f"泉{chr(0x5100 + i)}苑", developer="某公司")
    with CaptureQueriesContext(connection) as many:
        client.get("/placenames/buildings/")
    assert len(few) == len(many)
    client.force_login(w["gm"])
    assert client.get("/placenames/buildings/").status_code == 403
