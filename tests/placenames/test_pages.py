"""The pages of place-name staff: who may open them, what they show (state counts, sorting, overdue
in red, check results, timeline, actions, the announcement's fields), refusals with their status,
and a fixed number of queries however many batches, applications, roads and events there are."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from geogrid.placenames.models import NamingApplication
from geogrid.placenames.services import create_application, create_batch, transition
from tests.placenames.builders import road, town
from tests.placenames.test_workflow import draft, walk_to

pytestmark = pytest.mark.django_db
S = NamingApplication.State


def test_who_may_open_the_pages(client):
    w = town()
    app = draft(w)
    pages = ["/placenames/", "/placenames/queue/", f"/placenames/batches/{app.batch_id}/", f"/placenames/applications/{app.pk}/"]
    client.force_login(w["gm"])
    assert [client.get(p).status_code for p in pages] == [403] * 4
    client.force_login(w["da"])  # looks, does not act
    assert [client.get(p).status_code for p in pages] == [200] * 4
    body = client.get(f"/placenames/applications/{app.pk}/").content.decode()
    assert 'id="actions"' not in body
    assert client.post(f"/placenames/applications/{app.pk}/actions/submit/").status_code == 403
    assert client.post("/placenames/", {"title": "x"}).status_code == 403
    client.logout()
    assert client.get(pages[0]).status_code == 302


def test_the_batch_page_counts_states_and_sorts(client):
    w = town()
    batch = create_batch(w["pn"], "第一批")
    a = create_application(w["pn"], batch, road=w["unnamed1"], name="明德路", applicant="单位", priority=3, difficulty=1)
    b = create_application(w["pn"], batch, road=w["unnamed2"], name="权成路", applicant="单位", priority=1, difficulty=3)
    c = create_application(w["pn"], batch, road=w["unnamed3"], name="德兴路", applicant="单位", priority=2, difficulty=2)
    transition(b, "submit", w["pn"])
    client.force_login(w["pn"])
    body = client.get(f"/placenames/batches/{batch.pk}/").content.decode()
    assert 'data-state="draft" data-n="2"' in body and 'data-state="submitted" data-n="1"' in body
    order = lambda html: [n for n in ("明德路", "权成路", "德兴路") if n in html] and sorted(("明德路", "权成路", "德兴路"), key=html.index)
    assert order(body) == ["权成路", "德兴路", "明德路"]  # urgent first
    assert order(client.get(f"/placenames/batches/{batch.pk}/?sort=difficulty").content.decode()) == ["明德路", "德兴路", "权成路"]  # easy first
    assert "1 个提示" in body  # the homophone
    _ = (a, c)


def test_creating_a_batch_and_an_application_through_the_pages(client):
    w = town()
    client.force_login(w["pn"])
    r = client.post("/placenames/", {"title": "2026年第一批"})
    batch_url = r["Location"]
    assert r.status_code == 302 and "/placenames/batches/" in batch_url
    r = client.post(batch_url + "applications/", {"road": "370112DL010", "name": "纽约路", "applicant": "单位", "priority": "1", "difficulty": "2"})
    assert r.status_code == 302
    app = NamingApplication.objects.get()
    assert app.check_errors == 1
    page = client.get(f"/placenames/applications/{app.pk}/").content.decode()
    assert 'data-code="foreign"' in page
    r = client.post(f"/placenames/applications/{app.pk}/actions/submit/")
    assert r.status_code == 409 and "名称检查未通过" in r.content.decode()
    r = client.post(batch_url + "applications/", {"road": "370112DL011", "name": "", "applicant": ""})
    assert r.status_code == 302 and NamingApplication.objects.count() == 1  # refused whole, with a message


def test_actions_on_the_application_page(client):
    w = town()
    app = draft(w, name="朝阳胡同")
    client.force_login(w["pn"])
    page = client.get(f"/placenames/applications/{app.pk}/").content.decode()
    assert "Zhaoyang Hutong" in page and "审定“朝阳”读 chao yang" in page
    assert 'name="phrase" value="朝阳"' in page and 'name="syllables" value="chao yang"' in page
    client.post(f"/placenames/applications/{app.pk}/reading/", {"phrase": "朝阳", "syllables": "chao yang"})  # what that button posts
    app.refresh_from_db()
    assert app.pinyin == "Chaoyang Hutong"
    assert client.post(f"/placenames/applications/{app.pk}/actions/submit/").status_code == 302
    r = client.post(f"/placenames/applications/{app.pk}/actions/review/", {"note": ""})
    assert r.status_code == 400 and "缺少必填项" in r.content.decode()
    assert client.post(f"/placenames/applications/{app.pk}/actions/review/", {"note": "评估报告"}).status_code == 302
    assert client.post(f"/placenames/applications/{app.pk}/actions/nope/").status_code == 404
    page = client.get(f"/placenames/applications/{app.pk}/").content.decode()
    assert 'data-action="review"' in page and "评估报告" in page and 'data-action="expert_review"' in page


def test_the_announcement_print_view(client):
    w = town()
    app = draft(w)
    client.force_login(w["pn"])
    assert client.get(f"/placenames/applications/{app.pk}/announcement/").status_code == 409
    walk_to(app, w["pn"], S.ANNOUNCED)
    body = client.get(f"/placenames/applications/{app.pk}/announcement/").content.decode()
    for text in ("明德路", "Mingde Lu", "测试区一街道", "位于测试区一街道", "济南市人民政府", app.approved_on.isoformat(), "历民公告〔2026〕3号", "placename-map"):
        assert text in body, text


def test_overdue_applications_are_red_on_the_batches_page(client):
    w = town()
    app = walk_to(draft(w), w["pn"], S.APPROVED, notice_days_ago=60, approved_days_ago=20)
    client.force_login(w["pn"])
    body = client.get("/placenames/").content.decode()
    assert 'id="overdue"' in body and "deadline-red" in body and app.name in body
    assert 'href="/api/placenames/export.csv"' in body and 'href="/api/placenames/export.xlsx"' in body
    assert 'id="uncoded" data-n="3"' in body  # the town's names were loaded, not announced: no place codes yet
    assert "deadline-red" in client.get(f"/placenames/batches/{app.batch_id}/").content.decode()


def test_the_queue_shows_unnamed_roads_on_a_map(client):
    w = town()
    draft(w, road="unnamed2")
    road("370112DL020", "", 36.52, area=w["street"], working_name="规划九路", built=False)
    client.force_login(w["pn"])
    body = client.get("/placenames/queue/").content.decode()
    assert "规划一路" in body and "规划二路" in body and "办理中的申请" in body and "泉城路" not in body.split("placename-config")[0]
    assert "规划九路" not in body  # only planned: not in the built queue
    assert "规划九路" in client.get("/placenames/queue/?built=0").content.decode()


# --- query budget ----------------------------------------------------------------------------------------------
def grow(w, size):
    """size batches of size applications each in various states, and size more unnamed roads."""
    for i in range(size):
        batch = create_batch(w["pn"], f"批{i}")
        for j in range(size):
            r = road(f"370112X{i:02d}{j:02d}", "", 36.51 + 0.001 * j, working_name=f"规划{i}-{j}", area=w["street"])
            app = create_application(w["pn"], batch, road=r, name=f"测{chr(0x4e00 + 300 * i + j)}路", applicant="单位", priority=1 + j % 3)
            if j % 2:
                walk_to(app, w["pn"], [S.SUBMITTED, S.NOTICE, S.APPROVED, S.ANNOUNCED][j % 4], notice_days_ago=60, approved_days_ago=1 + 18 * (j % 3 == 0))


def counts(client, w, app_pk, batch_pk):
    urls = ["/placenames/", "/placenames/queue/", f"/placenames/batches/{batch_pk}/", f"/placenames/batches/{batch_pk}/?sort=difficulty",
            f"/placenames/applications/{app_pk}/", f"/placenames/applications/{app_pk}/announcement/",
            "/api/placenames/check?name=%E6%B3%89%E5%9F%8E%E8%B7%AF", "/api/placenames/batches/", f"/api/placenames/applications/?batch={batch_pk}"]
    out = {}
    for url in urls:
        assert client.get(url).status_code == 200, url
        with CaptureQueriesContext(connection) as q:
            assert client.get(url).status_code == 200, url
        out[url] = len(q)
    return out


def test_pages_and_apis_run_a_fixed_number_of_queries(client):
    w = town()
    first = walk_to(draft(w), w["pn"], S.ANNOUNCED)
    client.force_login(w["pn"])
    small = counts(client, w, first.pk, first.batch_id)
    grow(w, 6)
    # The big case: many events on the application and many in its batch.
    for i in range(8):
        create_application(w["pn"], first.batch, road=road(f"370112Y{i:02d}", "", 36.505, working_name=f"规划Y{i}", area=w["street"]),
                           name=f"新{chr(0x5000 + i)}街", applicant="单位")
    big = counts(client, w, first.pk, first.batch_id)
    print(small)
    assert small == big


def test_attachments(client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    settings.GEOGRID_PLACENAME_ATTACHMENT_MAX_BYTES = 1000
    w = town()
    app = draft(w)
    client.force_login(w["pn"])
    r = client.post(f"/placenames/applications/{app.pk}/attachments/", {"file": SimpleUploadedFile("规划图.pdf", b"%PDF-1.4 test")})
    assert r.status_code == 302
    att = app.attachments.get()
    page = client.get(f"/placenames/applications/{app.pk}/").content.decode()
    assert "规划图.pdf" in page and "上传附件" in page
    r = client.get(f"/placenames/applications/{app.pk}/attachments/{att.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"%PDF-1.4 test"
    assert client.get(f"/placenames/applications/{app.pk + 1}/attachments/{att.pk}/").status_code == 404
    for f in (SimpleUploadedFile("x.exe", b"MZ"), SimpleUploadedFile("big.pdf", b"x" * 2000)):
        client.post(f"/placenames/applications/{app.pk}/attachments/", {"file": f})
    assert app.attachments.count() == 1
    client.force_login(w["gm"])
    assert client.get(f"/placenames/applications/{app.pk}/attachments/{att.pk}/").status_code == 403


def test_editing_a_draft_checks_the_name_again(client):
    w = town()
    app = draft(w, name="纽约路")
    client.force_login(w["pn"])
    assert 'id="edit"' in client.get(f"/placenames/applications/{app.pk}/").content.decode()
    assert client.post(f"/placenames/applications/{app.pk}/edit/", {"name": "明德路", "applicant": "区住建局", "priority": "1"}).status_code == 302
    app.refresh_from_db()
    assert (app.name, app.pinyin, app.check_errors, app.priority) == ("明德路", "Mingde Lu", 0, 1)
    client.post(f"/placenames/applications/{app.pk}/edit/", {"name": "", "applicant": "x"})
    app.refresh_from_db()
    assert app.name == "明德路"  # refused whole
    client.post(f"/placenames/applications/{app.pk}/actions/submit/")
    assert client.post(f"/placenames/applications/{app.pk}/edit/", {"name": "德兴路"}).status_code == 409
    assert 'id="edit"' not in client.get(f"/placenames/applications/{app.pk}/").content.decode()
