"""The name check as a service and as GET /api/placenames/check: duplicates (error) and homophones
(warning) within the built-up area, forbidden words, unknown 通名, rare characters, readings fixed
by staff remembered, and who may ask."""
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geogrid.audit.models import AuditEvent
from geogrid.placenames.models import FixedReading, ForbiddenWord, NamingBatch
from geogrid.placenames.services import check_name, create_application, create_batch, fix_reading
from geogrid.workflow.exceptions import TransitionForbidden
from tests.placenames.builders import town

pytestmark = pytest.mark.django_db


def codes(result, severity=None):
    return [p["code"] for p in result["problems"] if severity is None or p["severity"] == severity]


def test_a_clean_name_passes():
    town()
    r = check_name("泉水路")
    assert (r["errors"], r["warnings"], r["duplicates"], r["homophones"]) == (0, 0, [], [])
    assert r["pinyin"] == "Quanshui Lu"


def test_the_same_name_is_a_duplicate_and_the_same_sound_a_homophone_in_the_whole_city():
    w = town()
    r = check_name("泉城路")
    assert [d["code"] for d in r["duplicates"]] == ["370112DL001"]
    assert [h["name"] for h in r["homophones"]] == ["全程路"]  # in the neighbouring district of the city
    assert codes(r, "error") == ["duplicate"] and codes(r, "warning") == ["homophone"]
    # A different tone is the same sound: 权成路 quán chéng → homophone, not duplicate.
    r = check_name("权成路")
    assert r["duplicates"] == [] and sorted(h["name"] for h in r["homophones"]) == ["全程路", "泉城路"]
    # A retired name is free again.
    assert check_name("大石路")["duplicates"] == []
    # The road's own name is not its duplicate.
    assert check_name("泉城路", road=w["quancheng"])["duplicates"] == []


def test_the_built_up_area_is_a_setting(settings):
    town()
    settings.GEOGRID_PLACENAME_BUILT_UP_AREA = ["370112000000"]
    r = check_name("权成路")
    assert [h["name"] for h in r["homophones"]] == ["泉城路"]  # 全程路 lies outside 测试区


def test_names_proposed_in_open_applications_count_too():
    w = town()
    batch = create_batch(w["pn"], "第一批")
    app = create_application(w["pn"], batch, road=w["unnamed1"], name="明德路", applicant="区住建局")
    r = check_name("明德路")
    assert [(d["kind"], d["id"]) for d in r["duplicates"]] == [("application", app.pk)]
    assert check_name("明德路", application=app)["duplicates"] == []
    assert [h["name"] for h in check_name("铭德路")["homophones"]] == ["明德路"]


@pytest.mark.parametrize("name,code", [
    ("纽约路", "foreign"), ("万达路", "company"), ("海尔大街", "trademark"), ("Central路", "foreign"), ("泉城", "unknown_generic"),
    ("泉城3路", "not_han"), ("", "empty"),
])
def test_errors(name, code):
    town()
    r = check_name(name)
    assert code in codes(r, "error"), r["problems"]
    assert r["errors"] >= 1


def test_the_forbidden_list_is_data():
    town()
    assert check_name("鲁能路")["errors"] == 0
    ForbiddenWord.objects.create(word="鲁能", kind="company")
    assert codes(check_name("鲁能路")) == ["company"]


def test_characters_outside_the_common_set_are_a_warning():
    town()
    r = check_name("㮾梨路")  # 㮾 (lǎng, a Hunan place name) is outside GB 2312
    assert codes(r, "warning") == ["rare_chars"] and r["errors"] == 0


def test_a_reading_fixed_by_staff_is_remembered_for_later_names():
    w = town()
    r = check_name("朝阳胡同")
    assert r["pinyin"] == "Zhaoyang Hutong"
    assert {"char": "朝", "reading": "chao"}.items() <= next(a for a in r["alternatives"] if a["char"] == "朝").items()
    fix_reading(w["pn"], "朝阳", "chao yang")
    r = check_name("朝阳胡同")
    assert r["pinyin"] == "Chaoyang Hutong" and r["fixed_readings"] == [{"phrase": "朝阳", "syllables": "chao yang"}]
    assert not [a for a in r["alternatives"] if a["char"] in "朝阳"]  # fixed: no more alternatives for it
    assert check_name("东朝阳路")["pinyin"] == "Dongchaoyang Lu"  # later names use it too
    assert AuditEvent.objects.filter(action="fix_reading").count() == 1


def test_stored_sounds_follow_renames_and_fixed_readings():
    """A homophone is found by the sound stored with each name: it is the name's sound after a rename,
    and after a reading is fixed, the names already stored with that phrase sound as fixed."""
    w = town()
    r = w["quancheng"]
    r.name, r.specific = "明德路", "明德"
    r.save()  # renamed (the admin does this)
    assert [h["name"] for h in check_name("铭德路")["homophones"]] == ["明德路"]
    from tests.placenames.builders import road

    road("370112DL050", "朝阳路", 36.52, area=w["street"])  # stored as pypinyin reads it: zhao yang
    assert check_name("潮阳路")["homophones"] == []
    fix_reading(w["pn"], "朝阳", "chao yang")
    assert [h["name"] for h in check_name("潮阳路")["homophones"]] == ["朝阳路"]
    road("370112DL051", "朝阳东街", 36.515, area=w["street"])  # stored after the fix: as fixed
    assert [h["name"] for h in check_name("潮阳东街")["homophones"]] == ["朝阳东街"]


@pytest.mark.parametrize("phrase,syllables,field", [("朝阳", "chao", "syllables"), ("朝阳", "qiao yang", "syllables"), ("", "a", "phrase"),
                                                    ("ab", "a b", "phrase")])
def test_a_bad_reading_is_refused_and_nothing_written(phrase, syllables, field):
    w = town()
    with pytest.raises(ValidationError) as exc:
        fix_reading(w["pn"], phrase, syllables)
    assert field in exc.value.message_dict
    assert FixedReading.objects.count() == 0


def test_only_placename_staff_fix_readings_and_create_batches():
    w = town()
    for who in ("da", "gm"):
        with pytest.raises(TransitionForbidden):
            fix_reading(w[who], "朝阳", "chao yang")
        with pytest.raises(TransitionForbidden):
            create_batch(w[who], "批")
    assert FixedReading.objects.count() == 0 and NamingBatch.objects.count() == 0


def test_the_check_runs_a_fixed_number_of_queries():
    w = town()
    with CaptureQueriesContext(connection) as few:
        check_name("权成路")
    batch = create_batch(w["pn"], "第一批")
    for i, u in enumerate(("unnamed1", "unnamed2", "unnamed3")):
        create_application(w["pn"], batch, road=w[u], name=["权城路", "泉成路", "拳程路"][i], applicant="单位")
    fix_reading(w["pn"], "权成", "quan cheng")
    with CaptureQueriesContext(connection) as many:
        r = check_name("权成路")
    assert len(r["homophones"]) == 5
    assert len(few) == len(many) == 5


# --- the API ---------------------------------------------------------------------------------------------
def test_the_api_answers_as_written(client):
    w = town()
    client.force_login(w["pn"])
    body = client.get("/api/placenames/check", {"name": "泉城路"}).json()
    assert {"name", "zhuanming", "tongming", "pinyin", "sign_text", "alternatives", "duplicates", "homophones", "problems"} <= set(body)
    assert (body["name"], body["zhuanming"], body["tongming"], body["pinyin"], body["sign_text"]) == ("泉城路", "泉城", "路", "Quancheng Lu", "QUANCHENG LU")
    assert body["duplicates"][0]["name"] == "泉城路" and body["homophones"][0]["name"] == "全程路"
    assert client.get("/api/placenames/check", {"name": "经十路"}).json()["pinyin"] == "Jing 10 Lu"
    assert client.get("/api/placenames/check", {"name": "经十路", "spelled_numbers": "1"}).json()["pinyin"] == "Jingshi Lu"


def test_the_api_refuses_bad_input_and_outsiders(client):
    w = town()
    assert client.get("/api/placenames/check", {"name": "泉城路"}).status_code in (401, 403)
    client.force_login(w["gm"])
    assert client.get("/api/placenames/check", {"name": "泉城路"}).status_code == 403
    client.force_login(w["da"])  # district admins may look
    assert client.get("/api/placenames/check", {"name": "泉城路"}).status_code == 200
    client.force_login(w["pn"])
    r = client.get("/api/placenames/check")
    assert r.status_code == 400 and "name" in r.json()["fields"]
    assert client.get("/api/placenames/check", {"name": "路" * 60}).status_code == 400


def test_fixing_a_reading_through_the_api(client):
    w = town()
    client.force_login(w["pn"])
    r = client.post("/api/placenames/readings", {"phrase": "朝阳", "syllables": "chao yang"}, content_type="application/json")
    assert r.status_code == 201, r.content
    assert client.get("/api/placenames/check", {"name": "朝阳路"}).json()["pinyin"] == "Chaoyang Lu"
    r = client.post("/api/placenames/readings", {"phrase": "朝阳", "syllables": "xx yang"}, content_type="application/json")
    assert r.status_code == 400 and "syllables" in r.json()["fields"]
    client.force_login(w["da"])
    assert client.post("/api/placenames/readings", {"phrase": "长乐", "syllables": "chang le"}, content_type="application/json").status_code == 403


def test_an_empty_table_means_the_shipped_defaults():
    from geogrid.placenames.models import GenericName

    town()
    GenericName.objects.all().delete()
    ForbiddenWord.objects.all().delete()
    assert check_name("长安街")["pinyin"] == "Chang'an Jie" and codes(check_name("纽约路")) == ["foreign"]
    GenericName.objects.create(name="街", spelling="Jie", active=False)  # a table of its own: only its rows count
    GenericName.objects.create(name="路", spelling="Lu")
    assert check_name("长安街")["tongming"] == "" and check_name("长安路")["pinyin"] == "Chang'an Lu"


def test_every_endpoint_is_in_the_schema(client):
    w = town()
    client.force_login(w["pn"])
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("/api/placenames/check", "/api/placenames/readings", "/api/placenames/batches/", "/api/placenames/applications/",
                 "/api/placenames/applications/{id}/actions/{action_name}/", "/api/gazetteer", "/api/placenames/export."):
        assert path in schema, path
