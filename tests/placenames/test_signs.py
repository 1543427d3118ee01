"""Road-name signs: the inventory page with condition colours and the signs whose text is not their
road's standard name flagged; repair work orders on the workflow core (dispatched → repaired →
accepted, refusals, deadlines); yearly figures; a fixed number of queries."""
import datetime

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from geogrid.placenames import signrepair
from geogrid.placenames.models import RoadSign, SignRepair
from geogrid.workflow.exceptions import InvalidTransition, MissingFields, TransitionForbidden
from tests.placenames.builders import town

pytestmark = pytest.mark.django_db


def sign(road, code, name=None, pinyin=None, condition="good", x=116.72):
    return RoadSign.objects.create(code=code, road=road, geom=Point(x, road.geom[0][0][1], srid=4490), name_text=name or road.name,
                                   pinyin_text=pinyin or road.pinyin.upper(), condition=condition)


def test_signs_whose_text_is_not_the_standard_name_are_flagged():
    w = town()
    ok = sign(w["quancheng"], "S1")
    old = sign(w["quancheng"], "S2", name="泉成路")  # the road was renamed, the sign not
    wrong_pinyin = sign(w["quancheng"], "S3", pinyin="QUAN CHENG LU")
    flagged = set(RoadSign.objects.filter(signrepair.mismatch_q()).values_list("code", flat=True))
    assert flagged == {old.code, wrong_pinyin.code}
    assert ok.code not in flagged


def test_a_repair_from_dispatch_to_acceptance_sets_the_sign_good():
    w = town()
    s = sign(w["quancheng"], "S1")
    repair = signrepair.dispatch_repair(w["pn"], s, "damaged", "牌面破损", "市政养护公司")
    assert RoadSign.objects.get(pk=s.pk).condition == "damaged"
    assert repair.deadline - repair.dispatched_at == datetime.timedelta(days=15)
    with pytest.raises(ValidationError):  # one open order per sign
        signrepair.dispatch_repair(w["pn"], s, "dirty")
    with pytest.raises(InvalidTransition):
        signrepair.transition(repair, "accept", w["pn"])
    with pytest.raises(MissingFields):
        signrepair.transition(repair, "repair", w["pn"], "")
    with pytest.raises(TransitionForbidden):
        signrepair.transition(repair, "repair", w["da"], "修好了")
    signrepair.transition(repair, "repair", w["pn"], "已更换牌面")
    signrepair.transition(repair, "rework", w["pn"], "颜色不对")
    signrepair.transition(repair, "repair", w["pn"], "已重新更换")
    signrepair.transition(repair, "accept", w["pn"])
    assert RoadSign.objects.get(pk=s.pk).condition == "good"
    year = timezone.localdate().year
    assert signrepair.yearly_figures() == [{"year": year, "inspected": 0, "cleaned": 0, "dispatched": 1, "repaired": 1}]


def test_bad_orders_are_refused():
    w = town()
    s = sign(w["quancheng"], "S1")
    for problem in ("good", "bad", ""):
        with pytest.raises(ValidationError):
            signrepair.dispatch_repair(w["pn"], s, problem)
    with pytest.raises(TransitionForbidden):
        signrepair.dispatch_repair(w["gm"], s, "dirty")
    assert SignRepair.objects.count() == 0 and RoadSign.objects.get(pk=s.pk).condition == "good"


def test_the_inventory_page(client):
    w = town()
    sign(w["quancheng"], "S1")
    RoadSign.objects.filter(code="S1").update(facing=270, direction_text="↑北 南↓", door_range="1-99号", material="stainless", installed_year=2019)
    sign(w["quancheng"], "S2", name="泉成路", condition="wrong")
    client.force_login(w["pn"])
    body = client.get("/placenames/signs/").content.decode()
    row = body.split('data-sign="S1"')[1].split("</tr>")[0]
    for text in ("S1", "泉城路", "QUANCHENG LU", "↑北 南↓", "1-99号", "270°", "不锈钢", "2019", "完好"):  # the inventory's fields
        assert text in row, text
    assert 'data-condition="wrong" data-n="1"' in body and 'id="mismatch-count" data-n="1"' in body
    assert '"colour": "#6a1b9a"' in body and '"mismatch": true' in body
    r = client.post("/placenames/signs/", {"sign": "S1", "problem": "dirty", "description": "小广告"})
    assert r.status_code == 302
    repair = SignRepair.objects.get()
    assert client.post(f"/placenames/repairs/{repair.pk}/actions/accept/").status_code == 409
    assert client.post(f"/placenames/repairs/{repair.pk}/actions/repair/", {"note": "已清洗"}).status_code == 302
    assert client.post(f"/placenames/repairs/{repair.pk}/actions/accept/").status_code == 302
    assert RoadSign.objects.get(code="S1").condition == "good"
    assert "?mismatch=1" in body and "S2" in client.get("/placenames/signs/?mismatch=1").content.decode()
    client.force_login(w["gm"])
    assert client.get("/placenames/signs/").status_code == 403


def test_the_inventory_page_runs_a_fixed_number_of_queries(client):
    w = town()
    sign(w["quancheng"], "S0")
    client.force_login(w["pn"])
    client.get("/placenames/signs/")
    with CaptureQueriesContext(connection) as few:
        client.get("/placenames/signs/")
    for i in range(1, 30):
        s = sign(w["quancheng"], f"S{i}", name="泉成路" if i % 3 else None, condition=["good", "dirty", "missing"][i % 3], x=116.71 + i * 0.001)
        if i % 4 == 0:
            r = signrepair.dispatch_repair(w["pn"], s, "damaged")
            if i % 8 == 0:
                signrepair.transition(r, "repair", w["pn"], "修好")
    with CaptureQueriesContext(connection) as many:
        client.get("/placenames/signs/")
    assert len(few) == len(many)
