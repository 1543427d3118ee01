"""A road-name sign patrol in headless Chromium at phone size: place-name staff open the signs page,
go to the sign patrol, choose a road, start; the three signs come in order along the road on the map
with the phone's position (emulated GPS beside the first sign); they record the first as dirty and
cleaned (with a photo), the second as damaged (a repair order is opened), the third as intact; they
end the patrol; the signs page shows the damaged sign in its condition colour, the new repair order
and the year's figures counting three inspected, one cleaned. No page error, no request leaving
the server."""
import io

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from PIL import Image

from geogrid.patrols.models import Patrol
from geogrid.placenames.models import RoadSign, SignInspection, SignRepair
from tests.placenames.builders import town
from tests.support import assert_local, login, screenshot, watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAMAGED_COLOUR = "rgb(239, 108, 0)"  # views.SIGN_COLOURS["damaged"] = #ef6c00


def jpeg_bytes():
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def test_a_phone_walks_three_signs_and_records_one_damaged(live_server, phone_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    w = town()
    road = w["quancheng"]  # 116.71 → 116.74 at 36.58
    for code, x in (("QC-03", 116.735), ("QC-01", 116.712), ("QC-02", 116.725)):  # created out of order
        RoadSign.objects.create(code=code, road=road, geom=Point(x, 36.5801, srid=4490), name_text="泉城路", pinyin_text="QUANCHENG LU",
                                door_range="1-99号")
    phone = phone_page
    requests, errors = watch(phone)
    phone.context.set_geolocation({"longitude": 116.7121, "latitude": 36.5801, "accuracy": 5})

    login(phone, live_server, "pn", "/placenames/signs/")
    with phone.expect_navigation():
        phone.click("#sign-patrol-link")
    phone.select_option("#patrol-road select[name=road]", road.code)
    with phone.expect_navigation():
        phone.click("#patrol-road button")
    phone.wait_for_selector("#sign-walk-map[data-ready='1']")
    assert [phone.locator(".walk-item").nth(i).get_attribute("data-sign") for i in range(3)] == ["QC-01", "QC-02", "QC-03"]
    assert phone.evaluate("Object.keys(window.geogridSignWalk.signs).length") == 3
    phone.wait_for_function("window.geogridSignWalk.herePos !== null && window.geogridSignWalk.here !== null", timeout=15000)
    first = phone.locator(".walk-item[data-sign='QC-01']")
    assert "距此路名牌约 9 米" in first.inner_text()

    def record(code, condition, cleaned=False, photo=False):
        item = phone.locator(f".walk-item[data-sign='{code}']")
        item.locator("select[name=condition]").select_option(condition)
        if cleaned:
            item.locator("input[name=cleaned]").check()
        if photo:
            item.locator("input[name=photo]").set_input_files({"name": "sign.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes()})
        item.locator("button[type=submit]").click()
        phone.wait_for_function(f"document.querySelector(\".walk-item[data-sign='{code}']\").classList.contains('done')", timeout=15000)
        return item

    item = record("QC-01", "dirty", cleaned=True, photo=True)
    assert "已清洗" in item.locator(".walk-result").inner_text() and item.get_attribute("data-condition") == "good"
    phone.context.set_geolocation({"longitude": 116.725, "latitude": 36.5801, "accuracy": 5})
    item = record("QC-02", "damaged")
    assert "已派维修工单" in item.locator(".walk-result").inner_text() and item.get_attribute("data-condition") == "damaged"
    assert phone.evaluate("window.geogridSignWalk.signs['QC-02'].options.fillColor") == "#ef6c00"
    record("QC-03", "good")
    assert phone.locator("#done-count").inner_text() == "3"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "placenames_sign_patrol_phone")
    with phone.expect_navigation():
        phone.click("#walk-end button")

    patrol = Patrol.objects.get()
    assert patrol.ended_at is not None and patrol.targets.filter(visited_at__isnull=False).count() == 3
    recs = {i.sign.code: i for i in SignInspection.objects.select_related("sign")}
    assert {c: (i.condition, i.cleaned, bool(i.photo)) for c, i in recs.items()} == {
        "QC-01": ("dirty", True, True), "QC-02": ("damaged", False, False), "QC-03": ("good", False, False)}
    repair = SignRepair.objects.get()
    assert repair.sign.code == "QC-02" and repair.problem == "damaged" and recs["QC-02"].repair == repair

    # Back on the signs page: the damaged sign in its colour, its repair order, the year's figures.
    assert phone.url.endswith("/placenames/signs/")
    row = phone.locator("#signs tr[data-sign='QC-02']")
    assert "损坏" in row.inner_text()
    assert phone.evaluate("getComputedStyle(document.querySelector(\"#signs tr[data-sign='QC-02'] .dot\")).backgroundColor") == DAMAGED_COLOUR
    assert phone.locator(f"#repairs tr[data-repair='{repair.pk}']").count() == 1
    year = phone.locator(f"#figures tr[data-year='{timezone.localdate().year}']")
    assert [year.locator(f"td.{k}").inner_text() for k in ("inspected", "cleaned", "dispatched")] == ["3", "1", "1"]
    assert not errors, errors
    assert_local(requests, live_server)
