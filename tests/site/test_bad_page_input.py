"""Bad input, one table over every form of the pages (issue #13), as tests/site/test_bad_input.py is for
the API: each page URL that takes a POST has a row in FORMS (or in NOT_FORMS, saying why not), and a
page URL without one must refuse a POST (405) — `test_every_form_has_a_row` walks the URL conf through
the access matrix's rows, so a new form view fails there by name.

Per row, the bad inputs that apply: a NUL character and 10 000 characters in each text field, a script
tag in each (no 500; whatever is shown is escaped), wrong types in the typed fields, no fields at all,
and a file that is not what the field takes. A refusal is a 4xx page or the form shown again with its
error (a page's `form-error`, a form's `errorlist`, an error message after the redirect), and every
table of the database as it was: nothing half-written."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse

from geogrid.accounts.roles import Role
from tests.site.test_access_matrix import ROLES, ROWS as MATRIX, all_patterns
from tests.site.test_bad_input import LONG, SCRIPT, table_counts
from tests.support.records import module_scene, records
from tests.support.world import P_G5A, user

pytestmark = pytest.mark.django_db

NUL = "垃圾\x00堆放"


class Form:
    """who posts (a key of the world), the URL's kwargs (w → dict), a valid body (w → dict), its text
    fields, its typed fields with a wrong value each, whether {} must be refused, its file fields, and
    the outcome of the valid body (302 unless said)."""

    def __init__(self, who, good, args=None, text=(), typed=None, required=True, files=(), good_status=302):
        self.who, self.good, self.args, self.text, self.typed = who, good, args or (lambda w: {}), text, typed or {}
        self.required, self.files, self.good_status = required, files, good_status


def pk(key):
    return lambda w: {"pk": w[key].pk}


TRACK = json.dumps([[116.705, 36.52], [116.71, 36.52]])
FORMS = {
    "patrol_start": Form("m_b", lambda w: {"grid": w["g4b"].code, "note": "例行巡查"}, text=["note"], typed={"grid": "☃"}),
    "patrol_end": Form("m_a", lambda w: {"track": TRACK, "note": "结束"}, pk("patrol"), text=["note"],
                       typed={"track": '[["a", "b"], [1]]'}, required=False),
    "incident_report": Form("m_a", lambda w: {"category": "environment", "description": "垃圾堆放", "lon": P_G5A[0], "lat": P_G5A[1]},
                            text=["description", "address"], typed={"lon": "东经", "lat": "北纬", "category": "☃"}, files=["photos"]),
    "incident_action": Form("sd1", lambda w: {"register-note": "立案", "register-mode": "immediate"},  # fields named by their action
                            lambda w: {"pk": w["inc"].pk, "action": "register"}, text=["register-note"], typed={"register-mode": "☃"},
                            required=False),
    "notifications_read_all": Form("m_a", lambda w: {}, required=False),
    "facility_import": Form("da", lambda w: {"crs": "CGCS2000", "file": SimpleUploadedFile(
        "f.csv", "设施类型,名称,经度,纬度\n助餐点,新助餐点,116.71,36.52\n".encode("utf-8-sig"))}, files=["file"], good_status=200),
    "placenames": Form("pn", lambda w: {"title": "第二批", "note": "城区道路"}, text=["title", "note"]),
    "placename_new_application": Form("pn", lambda w: {"name": "泉华路", "applicant": "区住建局", "reasons": "新建道路"}, pk("batch"),
                                      text=["name", "applicant", "reasons"], typed={"priority": "☃", "geom": '{"type": "Point"}'}),
    "placename_action": Form("pn", lambda w: {"note": "提交"}, lambda w: {"pk": w["app"].pk, "action": "submit"}, text=["note"],
                             required=False),
    "placename_attach": Form("pn", lambda w: {"file": SimpleUploadedFile("plan.pdf", b"%PDF-1.4 plan")}, pk("app"), files=["file"]),
    "placename_edit": Form("pn", lambda w: {"name": "泉秀路", "applicant": "区住建局"}, pk("app"), text=["name", "applicant"],
                           required=False),  # changes what it is given: nothing given, nothing changed
    "placename_recheck": Form("pn", lambda w: {}, pk("app"), required=False),
    "placename_fix_reading": Form("pn", lambda w: {"phrase": "泉秀", "syllables": "quan xiu"}, pk("app"), text=["phrase", "syllables"]),
    "placename_signs": Form("pn", lambda w: {"sign": "S1", "problem": "damaged", "description": "牌面破损", "contractor": "某公司"},
                            text=["description", "contractor"], typed={"sign": "☃", "problem": "☃"}),
    "placename_sign_patrol_start": Form("pn2", lambda w: {"road": w["road"].code}, typed={"road": "☃"}),
    "placename_sign_patrol_end": Form("pn", lambda w: {}, pk("sign_patrol"), required=False),
    "placename_buildings": Form("pn", lambda w: {"name": "阳光花园", "developer": "某置业公司", "location": "一街道"},
                                text=["name", "developer", "location"], typed={"kind": "☃"}),
    "placename_building_action": Form("pn", lambda w: {"note": "同意"}, lambda w: {"pk": w["building"].pk, "action": "give_opinion"},
                                      text=["note"], required=False),
    "placename_repair_action": Form("pn", lambda w: {"note": "已更换"}, lambda w: {"pk": w["repair"].pk, "action": "repair"}, text=["note"],
                                    required=False),
    "boundary_plan": Form("ins_b", lambda w: {"line": w["line"].pk, "year": 2027, "planned_start": "2027-05-01", "planned_end": "2027-05-10"},
                          typed={"line": "☃", "year": "明年", "planned_start": "五月", "planned_end": "2027-13-45"}),
    "boundary_import_markers": Form("ins_b", lambda w: {"line": w["line"].pk, "crs": "WGS84", "file": SimpleUploadedFile(
        "m.csv", f"number,marker_type,lon,lat\n{w['line'].code}040Q,single,116.70,36.55\n".encode())}, files=["file"], typed={"line": "☃"}),
    "boundary_act": Form("ins_b", lambda w: {"action": "draft_report", "report": "界线清晰"}, pk("insp"), text=["report", "note"],
                         typed={"action": "☃"}, good_status=409),  # markers unchecked: refused by state, past the input
    "boundary_walk_start": Form("ins_a", lambda w: {}, pk("insp"), required=False),
    "boundary_walk_end": Form("ins_b", lambda w: {}, pk("insp"), required=False),
    "boundary_problem": Form("ins_b", lambda w: {"description": "界桩倾斜", "owner_side": "b", "due_date": "2026-12-31"}, pk("insp"),
                             text=["description"], typed={"owner_side": "☃", "due_date": "年底", "check": "☃"}),
    "boundary_section": Form("ins_b", lambda w: {"from_marker": w["markers"][0].number, "to_marker": w["markers"][1].number}, pk("insp"),
                             text=["notes", "references_notes"], typed={"from_marker": "☃"}),
    "boundary_confirm": Form("ins_a", lambda w: {}, pk("check"), required=False),  # and `next`: test_no_redirect_off_the_site
    "boundary_problem_done": Form("ins_b", lambda w: {}, pk("problem"), required=False),
}
# Page URLs that take a POST but are not the product's data forms.
NOT_FORMS = {
    "logout": "Django's: ends the session, writes nothing",
    "set_language": "Django's: a cookie; NUL in it is the request guard's 400 (tests/site/test_request_guard.py)",
    "login": "Django's form; failed logins: tests/accounts/test_login_throttling.py",
    "password_change": "Django's form (PasswordChangeForm)",
    "password_reset": "Django's form (PasswordResetForm): a mail, nothing stored",
    "password_reset_confirm": "Django's form (SetPasswordForm), behind a token",
}


# --- the scene: every record a form acts on, built once for the module ---------------------------------------
@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, tmp_path_factory):
    with module_scene(django_db_blocker, MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        w = records()
        w["pn2"] = user("pn2", Role.PLACENAME_STAFF, full_name="地名科二")
        yield w


@pytest.fixture
def w(scene, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return scene


def client_of(w, who):
    c = Client(raise_request_exception=False)
    c.force_login(w[who])
    return c


def post(w, name, body):
    form = FORMS[name]
    return client_of(w, form.who).post(reverse(name, kwargs=form.args(w)), body, follow=True)


def refused(r):
    """A 4xx, or the page shown again with what was wrong."""
    if 400 <= r.status_code < 500:
        return True
    html = r.content.decode(errors="replace")
    return r.status_code == 200 and any(mark in html for mark in ('class="form-error"', 'class="errorlist', '<li class="error"'))


def fake_file():
    return SimpleUploadedFile("photo.jpg", b"#!/bin/sh\necho not what this field takes\n" * 50, content_type="image/jpeg")


def cases():
    out = []
    for name, form in FORMS.items():
        for field in form.text:
            out.append(pytest.param(name, "nul", field, id=f"{name} · NUL in {field}"))
            out.append(pytest.param(name, "long", field, id=f"{name} · 10 000 characters in {field}"))
        for field in form.typed:
            out.append(pytest.param(name, "typed", field, id=f"{name} · wrong type in {field}"))
        if form.required:
            out.append(pytest.param(name, "missing", None, id=f"{name} · no fields"))
        for field in form.files:
            out.append(pytest.param(name, "file", field, id=f"{name} · {field}: not what it takes"))
    return out


@pytest.mark.parametrize("name,kind,field", cases())
def test_bad_page_input_is_refused_and_writes_nothing(w, name, kind, field):
    form = FORMS[name]
    good = form.good(w)
    body = {"nul": lambda: {**good, field: NUL}, "long": lambda: {**good, field: LONG},
            "typed": lambda: {**good, field: form.typed.get(field)}, "missing": lambda: {},
            "file": lambda: {**good, field: fake_file()}}[kind]()
    before = table_counts()
    r = post(w, name, body)
    assert refused(r), (r.status_code, r.redirect_chain, r.content.decode(errors="replace")[:600])
    assert table_counts() == before, "a refused form wrote something"


@pytest.mark.parametrize("name", [n for n, f in FORMS.items() if f.text])
def test_a_script_tag_in_a_text_field_is_never_a_500_and_shown_as_text(w, name):
    form = FORMS[name]
    good = form.good(w)
    for field in form.text:
        with transaction.atomic():
            r = post(w, name, {**good, field: SCRIPT + good.get(field, "")})
            assert r.status_code < 500 and SCRIPT not in r.content.decode(errors="replace"), (field, r.status_code)
            transaction.set_rollback(True)


@pytest.mark.parametrize("name", list(FORMS))
def test_the_good_body_of_each_form_is_accepted(w, name):
    """The table's bodies are valid, so each bad input above is refused for what it changed."""
    form = FORMS[name]
    r = client_of(w, form.who).post(reverse(name, kwargs=form.args(w)), form.good(w))
    assert r.status_code == form.good_status, (r.status_code, r.content.decode(errors="replace")[:400])
    if r.status_code == 302:
        page = client_of(w, form.who).get(r["Location"])
        assert '<li class="error"' not in page.content.decode(errors="replace"), page.content.decode()[:600]


def first_through(row):
    return next((role for role, e in row.expect.items() if e in (200, 201, 204, 302, 400, 409) and role != "anon"), None)


def test_every_form_has_a_row(w):
    """Every page URL (not the API's, not the admin's) the access matrix posts to has a row here; every
    other page URL refuses a POST with 405, so a form added to a page without a row fails here."""
    pages = {key for key, route in all_patterns()
             if not route.lstrip("^").startswith(("admin/", "api/", "open311/"))}
    posted = {row.name for row in MATRIX if row.method == "POST" and row.name in pages}
    assert posted - FORMS.keys() - NOT_FORMS.keys() == set(), "page forms without a row in FORMS"
    assert FORMS.keys() - pages == set(), "rows of forms that no longer exist"
    wrong = []
    for row in MATRIX:
        if row.method != "GET" or row.name not in pages or row.name in FORMS or row.name in NOT_FORMS:
            continue
        role = first_through(row) or "own"
        c = Client(raise_request_exception=False)
        if ROLES[role]:
            c.force_login(w[ROLES[role]])
        with transaction.atomic():
            r = c.post(row.url(w), {"x": "1"})
            transaction.set_rollback(True)
        if r.status_code != 405:
            wrong.append(f"{row.name} as {role}: POST answers {r.status_code}")
    assert not wrong, "page URLs that take a POST without a row in FORMS:\n" + "\n".join(wrong)


def test_no_redirect_off_the_site(w):
    """A form's `next` leads back into the site, never to another (an open redirect)."""
    r = client_of(w, "ins_a").post(reverse("boundary_confirm", kwargs={"pk": w["check"].pk}), {"next": "https://example.com/x"})
    assert r.status_code == 302 and r["Location"] == reverse("boundary_inspection", args=[w["insp"].pk])
    with transaction.atomic():
        r = client_of(w, "ins_a").post(reverse("boundary_confirm", kwargs={"pk": w["check"].pk}), {"next": "/boundaries/"})
        assert r.status_code in (302, 409)
        transaction.set_rollback(True)
