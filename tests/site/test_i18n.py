"""The English catalogue: every main page speaks English when the browser or the language switch asks
for it and Chinese otherwise; the committed .po has no untranslated or fuzzy entry; and no string in
the source lacks an entry (makemessages run on a copy of the tree finds nothing new to translate)."""
import ast
import gettext as gettext_module
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import trans_real

from tests.support.world import P_G4B, report, walk, world

REPO = Path(__file__).resolve().parents[2]
PO = REPO / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# The lead's command (see the i18n brief); the copy below leaves out what it ignores.
MAKEMESSAGES = ["manage.py", "makemessages", "-l", "en", "--ignore=.venv", "--ignore=var", "--ignore=boundary_data", "--no-obsolete"]
NOT_SOURCE = {".venv", "var", "boundary_data", ".git", ".pytest_cache", "__pycache__", "node_modules"}
CJK = re.compile(r"[\u4e00-\u9fff]")


# --- the .po, read in plain Python (polib is not a dependency) ------------------------------------
def po_entries(path):
    """[(msgctxt, msgid, [msgstr…], flags)] of a .po file, the header included. Entries are the
    blank-line separated blocks that makemessages (msgmerge) writes; obsolete (#~) lines are skipped."""
    entries = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
        fields, flags, key = {}, set(), None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#") or not line:
                continue
            elif line.startswith('"'):
                fields[key] += ast.literal_eval(line)
            else:
                key, value = line.split(" ", 1)
                fields[key] = ast.literal_eval(value)
        if "msgid" in fields:
            strs = [fields[k] for k in sorted(fields) if k.startswith("msgstr")]
            entries.append((fields.get("msgctxt"), fields["msgid"], strs, flags))
    return entries


def problems_of(path):
    """(untranslated, fuzzy) entries of a .po, the header left out."""
    untranslated, fuzzy = [], []
    for ctxt, msgid, msgstrs, flags in po_entries(path):
        if msgid == "":
            continue
        name = f"{ctxt}|{msgid}" if ctxt else msgid
        if not msgstrs or any(s == "" for s in msgstrs):
            untranslated.append(name)
        if "fuzzy" in flags:
            fuzzy.append(name)
    return untranslated, fuzzy


def test_committed_catalogue_is_complete():
    entries = po_entries(PO)
    untranslated, fuzzy = problems_of(PO)
    assert len(entries) > 500  # the parser read the catalogue, not nothing
    assert untranslated == [], f"{len(untranslated)} entries of {PO} have no English: {untranslated[:20]}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy entries in {PO} (check the English, then remove the fuzzy flag): {fuzzy[:20]}"


def test_placeholders_survive_translation():
    """%(name)s, %s and {name} in a msgid appear in its msgstr (msgfmt --check says the same, by tool)."""
    ph = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdrf]|%[sd]|\{\w+\}")
    wrong = [(msgid, msgstrs[0]) for _c, msgid, msgstrs, _f in po_entries(PO)
             if msgid and msgstrs and set(ph.findall(msgid)) != set(ph.findall(msgstrs[0]))]
    assert wrong == []
    check = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(PO)], capture_output=True, text=True)
    assert check.returncode == 0 and check.stderr == "", check.stderr


def test_parser_finds_an_untranslated_or_fuzzy_entry(tmp_path):
    """The check above is not vacuous: a bad catalogue is caught."""
    bad = tmp_path / "bad.po"
    bad.write_text('msgid ""\nmsgstr ""\n"Language: en\\n"\n\nmsgid "新字符串"\nmsgstr ""\n\n#, fuzzy\nmsgid "地图"\nmsgstr "Address"\n\n'
                   'msgctxt "map layer"\nmsgid "道路"\nmsgstr ""\n"Roads"\n', encoding="utf-8")
    assert problems_of(bad) == (["新字符串"], ["地图"])


def test_every_source_string_has_english(tmp_path):
    """makemessages on a copy of the tree (the repo's catalogue is not touched): a new gettext string
    without an English entry fails here, named."""
    copy = tmp_path / "tree"
    shutil.copytree(REPO, copy, ignore=lambda d, names: [n for n in names if n in NOT_SOURCE])
    run = subprocess.run([sys.executable, *MAKEMESSAGES], cwd=copy, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    untranslated, fuzzy = problems_of(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
    new = untranslated + fuzzy
    assert new == [], (f"{len(new)} strings in the source have no English in {PO.relative_to(REPO)}: {new[:20]} — run "
                       f"`.venv/bin/python {' '.join(MAKEMESSAGES)}` and translate them")


# --- the pages --------------------------------------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def compiled_catalogue():
    """Pages use the compiled .mo: compile it when the .po is newer (bootstrap does the same), and
    drop catalogues this process may have cached from an older .mo."""
    if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
        run = subprocess.run(["msgfmt", "--check", "-o", str(MO), str(PO)], capture_output=True, text=True)
        assert run.returncode == 0, f"msgfmt failed (scripts/bootstrap.sh installs gettext): {run.stderr}"
        gettext_module._translations.clear()
        trans_real._translations = {}
        getattr(trans_real.check_for_language, "cache_clear", lambda: None)()  # cached in some Django versions


@pytest.fixture
def w(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # a dozen users, fast
    w = world()
    w["case"] = report(w, who="m_b", at=P_G4B, description="楼道堆放杂物")
    walk(w, w["case"], ("register", "cs1"))
    w["admin"] = type(w["da"]).objects.create_superuser("root", password="pw-12345678")
    return w


# page → (who, English that must show, Chinese that must show instead in zh-hans). Data (category and
# area names) stays Chinese in both languages; these are the page's own words.
PAGES = {
    "/": ("sd1", ["Grid governance and place names", "Report an incident", "Incident statistics", "Log out", "Hello, "],
          ["网格治理与地名管理", "上报事件", "事件统计", "退出", "您好，"]),
    "/map/": ("m_a", ["Search grids, roads, facilities by code or name", ">Search<", "Could not load the layer", "Map"],
              ["搜索网格、道路、设施的编码或名称", ">搜索<", "综合地图"]),
    "/incidents/report/": ("m_a", ["Report an incident", "Use my location", "Submit report", "Incident category", "Photos (up to 3)",
                                   "Handle at once"],
                           ["上报事件", "使用我的位置", "提交上报", "事件类别", "照片（最多 3 张）", "立即办"]),
    "/incidents/mine/": ("m_b", ["My reports", "Cases: 1", "Registered", "Handle at once"], ["我的上报", "共 1 件", "已立案", "立即办"]),
    "/incidents/": ("cs1", ["Cases", "Filter", "Open cases", "By status", "Overdue", "Due soon", "Cases: 1, most urgent first"],
                    ["案卷", "筛选", "未结案件", "按状态", "超期", "临期", "共 1 件，最紧急的在前"]),
    "case": ("cs1", ["Case <span", "Timeline", "Dispatch", "Responsible level", "Assignee", "Registered", "Reported"],
             ["案卷 <span", "办理过程", "派遣", "责任层级", "承办人", "已立案", "信息采集上报"]),
    "/stats/": ("da", ["Incident statistics", "Total cases", "On-time closure rate", "Clear filters", "By street", "Reported from"],
                ["事件统计", "案件总数", "按期结案率", "清除条件", "按街道", "上报日期起"]),
    "/admin/": ("admin", ["Site administration", "Grid governance", "Users and roles", "Incident category"],
                ["站点管理", "用户与角色", "事件类别"]),
    "/accounts/login/": (None, ["Log in", "Username", "Password"], ["登录", "用户名", "密码"]),
}


def get(client, w, page, how):
    who = PAGES[page][0]
    if who:
        client.force_login(w[who])
    path = f"/incidents/{w['case'].pk}/" if page == "case" else page
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME, None)
    if how == "cookie-en":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        r = client.get(path)
    elif how == "header-en":
        r = client.get(path, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    elif how == "cookie-zh":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
        r = client.get(path, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")  # the chosen language wins over the browser's
    else:  # nothing asked: the site's language
        r = client.get(path)
    assert r.status_code == 200, (page, how, r.status_code)
    return r.content.decode()


@pytest.mark.parametrize("page", list(PAGES))
def test_page_speaks_the_chosen_language(client, w, page):
    """English with the language cookie or the browser's Accept-Language; Chinese with the cookie
    (which wins over the browser) or when nothing is asked."""
    _who, english, chinese = PAGES[page]
    for how in ("cookie-en", "header-en"):
        html = get(client, w, page, how)
        assert '<html lang="en"' in html, how
        assert [s for s in english if s not in html] == [], how
        assert [s for s in chinese if s in html] == [], how
    for how in ("cookie-zh", "default"):
        html = get(client, w, page, how)
        assert '<html lang="zh-hans"' in html, how
        assert [s for s in chinese if s not in html] == [], how
        # "Map" and "Cases" also occur in markup (script names, classes) whatever the language.
        assert [s for s in english if s in html and s not in ("Map", "Cases")] == [], how


@pytest.mark.parametrize("lang, titles", [("en", {"Level-4 grids", "Level-5 grids", "Road-name signs", "Boundary markers"}),
                                          ("zh-hans", {"四级网格", "五级网格", "路名牌", "界桩"})])
def test_map_layer_titles(client, w, lang, titles):
    """The /map/ page takes its layer list (titles, property labels) from /layers/, in the same language."""
    client.force_login(w["m_a"])
    r = client.get("/layers/", HTTP_ACCEPT_LANGUAGE=lang)
    assert r.status_code == 200
    layers = r.json()["layers"]
    assert titles <= {str(layer["title"]) for layer in layers}
    if lang == "en":
        assert not CJK.search(json.dumps([layer["title"] for layer in layers], ensure_ascii=False))


def test_language_switch_in_the_top_bar(client, w):
    """The form of base.html posts to /i18n/setlang/; the next page and the workflow messages are English."""
    client.force_login(w["cs1"])
    r = client.post("/i18n/setlang/", {"language": "en", "next": f"/incidents/{w['case'].pk}/"})
    assert r.status_code == 302 and r["Location"] == f"/incidents/{w['case'].pk}/"
    r = client.post(f"/incidents/{w['case'].pk}/actions/dispatch/", {"dispatch-note": ""}, follow=True)
    html = r.content.decode()
    assert r.status_code == 400
    assert "Required" in html or "needs these fields" in html
    assert "必填" not in html
    r = client.post(f"/incidents/{w['case'].pk}/actions/dispatch/", {"dispatch-assignee": w["m_b"].pk}, follow=True)
    html = r.content.decode()
    assert r.status_code == 200
    assert "Done: “Dispatch”. Status now: Dispatched" in html
    assert "已完成" not in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    html = client.get(f"/incidents/{w['case'].pk}/").content.decode()
    assert "已派遣" in html and "Dispatched" not in html


def test_english_pages_have_no_untranslated_chinese_labels(client, w):
    """Beyond the chosen strings: the Chinese left on the English case page is data only (names of the
    category, areas, grids and people, the description) and the switcher's "简体中文", never a label."""
    html = get(client, w, "case", "cookie-en")
    c = w["case"]
    data = {"简体中文", c.category.name, c.description, c.street.name, c.community.name, c.grid4.name, str(c.reporter), str(w["cs1"]),
            str(w["m_b"]), str(w["m_a"]), str(w["head_a"]), str(w["da"])}  # people of the dispatch list too
    body = html.split("<body", 1)[1].split('<script id="incident-config"', 1)[0]
    text = re.sub(r"<[^>]+>", "\n", body)
    leftover = {t.strip() for t in text.splitlines() if CJK.search(t)} - data
    leftover = {t for t in leftover if not any(d and d in t for d in data)}
    assert leftover == set()
