"""Incident statistics: exact figures per level-4 and level-5 grid (by code, across grid versions),
community and street;
the on-time rule (stages left late, counted by the transitions); scoping; filters; and the CSV, XLSX
and folium exports with the same figures."""
import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from geogrid.audit.models import AuditEvent
from geogrid.grids.models import Grid
from geogrid.incidents.models import Incident
from geogrid.stats import services as stats
from tests.support import box
from tests.support.world import G4A, G4B, G4C, G4D, P_G4A, P_G5A, built, category, report, step, world

pytestmark = pytest.mark.django_db

G5A = "3701120010010101"  # the one level-5 grid of world(): the west half of G4a (116.70–116.7125)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def by_key(rows):
    return {r["key"]: r for r in rows}


# --- the on-time rule ----------------------------------------------------------------------------------
def test_a_stage_left_after_its_deadline_is_counted_and_noted_in_the_audit():
    w = world()
    t0 = timezone.now() - timedelta(days=3)
    Grid.objects.update(valid_from=t0 - timedelta(days=1))
    inc = report(w, at=P_G4A, now=t0)
    assert inc.deadline == t0 + timedelta(hours=2) and inc.overdue_stages == 0
    inc = step(inc, "register", w["cs1"], t0 + timedelta(hours=2))  # exactly at the deadline: on time
    assert inc.overdue_stages == 0
    inc = step(inc, "classify", w["cs1"], t0 + timedelta(hours=7), mode="help")  # no stage ends: not counted
    assert inc.overdue_stages == 0
    inc = step(inc, "dispatch", w["cs1"], t0 + timedelta(hours=20), assignee=w["m_a"])  # registered: 8 h × 2 (help) = 16 h
    assert inc.overdue_stages == 1
    inc.refresh_from_db()
    assert inc.overdue_stages == 1
    ev = AuditEvent.objects.get(object_id=str(inc.pk), action="dispatch")
    assert ev.data["stage_overdue_h"] == 2.0
    assert "stage_overdue_h" not in AuditEvent.objects.get(object_id=str(inc.pk), action="register").data


def test_the_built_cases_carry_the_expected_counters():
    w = built()
    assert [Incident.objects.get(pk=w[k].pk).overdue_stages for k in "ABCDEF"] == [0, 1, 0, 0, 0, 0]
    assert Incident.objects.get(pk=w["F"].pk).grid4 == w["g4a2"]


# --- figures -------------------------------------------------------------------------------------------
def test_per_grid_figures_are_exact_and_grid_versions_add_up_by_code():
    w = built()
    rows = by_key(stats.grid_stats(w["da"]))
    assert list(rows) == [G4A, G4B, G4C, G4D]  # no case fell outside the grids: no extra row
    a = rows[G4A]
    assert a["name"] == "甲网格（新）" and a["community"] == "一社区" and a["street"] == "一街道"  # the newest version names it
    assert (a["total"], a["open"], a["closed"], a["rejected"], a["overdue_open"]) == (3, 1, 2, 0, 0)
    assert (a["closed_on_time"], a["on_time_rate"], a["avg_handling_h"]) == (1, 50.0, 8.0)
    assert a["population"] == 3000 and a["rate_per_1000"] == 1.0
    assert a["by_category"]["environment"] == 3 and a["by_category"]["dispute"] == 0
    assert a["by_state"] == {"reported": 1, "registered": 0, "rejected": 0, "dispatched": 0, "handling": 0, "handled": 0,
                             "verified": 0, "closed": 2}
    b = rows[G4B]
    assert (b["total"], b["open"], b["overdue_open"], b["closed"], b["by_category"]["dispute"]) == (1, 1, 1, 0, 1)
    assert b["on_time_rate"] is None and b["avg_handling_h"] is None and b["rate_per_1000"] is None  # no population
    assert (rows[G4C]["total"], rows[G4C]["open"], rows[G4C]["overdue_open"]) == (1, 1, 0)
    d = rows[G4D]
    assert (d["total"], d["open"], d["closed"], d["rejected"], d["by_state"]["rejected"], d["rate_per_1000"]) == (1, 0, 0, 1, 1, 2.0)


def test_per_community_and_per_street_figures():
    w = built()
    com = by_key(stats.community_stats(w["da"]))
    assert list(com) == ["370112001001", "370112001002", "370112002001"]
    c1 = com["370112001001"]
    assert (c1["name"], c1["street"], c1["total"], c1["open"], c1["closed"], c1["overdue_open"]) == ("一社区", "一街道", 4, 2, 2, 1)
    assert (c1["on_time_rate"], c1["avg_handling_h"]) == (50.0, 8.0)
    assert c1["by_category"]["environment"] == 3 and c1["by_category"]["dispute"] == 1
    assert c1["population"] == 3000 and c1["rate_per_1000"] == pytest.approx(1.33)  # current grids: G4a v2 3000 + G4b 0
    assert (com["370112001002"]["total"], com["370112002001"]["total"], com["370112002001"]["rejected"]) == (1, 1, 1)
    st = by_key(stats.street_stats(w["da"]))
    assert (st["370112001000"]["total"], st["370112001000"]["open"], st["370112001000"]["population"]) == (5, 3, 3000)
    assert (st["370112002000"]["total"], st["370112002000"]["rate_per_1000"]) == (1, 2.0)
    s = stats.summary(w["da"])
    assert (s["total"], s["open"], s["closed"], s["rejected"], s["overdue_open"], s["on_time_rate"], s["avg_handling_h"]) == \
        (6, 3, 2, 1, 1, 50.0, 8.0)


# --- level-5 grids (issue #8) ----------------------------------------------------------------------------
def test_per_level5_grid_figures_are_exact_with_a_row_for_cases_outside_every_level5_grid():
    w = built()
    Grid.objects.filter(code=G5A).update(population=500)
    rows = by_key(stats.grid5_stats(w["da"]))
    assert list(rows) == [G5A, stats.NO_GRID]  # the no-L5 row comes last
    g = rows[G5A]  # B: closed, its first stage late, 9 h
    assert (g["name"], g["grid4"], g["grid4_code"], g["community"], g["street"]) == ("甲一小网格", "甲网格", G4A, "一社区", "一街道")
    assert (g["total"], g["open"], g["closed"], g["rejected"], g["overdue_open"]) == (1, 0, 1, 0, 0)
    assert (g["closed_on_time"], g["on_time_rate"], g["avg_handling_h"]) == (0, 0.0, 9.0)
    assert (g["population"], g["rate_per_1000"]) == (500, 2.0)  # the L5 grid's own population
    assert g["by_category"]["environment"] == 1 and g["by_state"]["closed"] == 1
    out = rows[stats.NO_GRID]  # A (closed on time, 7 h), C (overdue), D, E (rejected), F
    assert out["name"] == "（未落入五级网格）" and out["grid4"] == ""
    assert (out["total"], out["open"], out["closed"], out["rejected"], out["overdue_open"]) == (5, 3, 1, 1, 1)
    assert (out["closed_on_time"], out["on_time_rate"], out["avg_handling_h"], out["rate_per_1000"]) == (1, 100.0, 7.0, None)
    assert (out["by_category"]["environment"], out["by_category"]["dispute"]) == (4, 1)
    # The level-5 rows and the level-4 rows count the same cases.
    assert sum(r["total"] for r in rows.values()) == sum(r["total"] for r in stats.grid_stats(w["da"])) == 6


def test_level5_versions_add_up_by_code_and_the_newest_names_the_row():
    w = built()
    old = Grid.objects.get(code=G5A)
    cut = timezone.now() - timedelta(hours=1)
    Grid.objects.filter(pk=old.pk).update(valid_to=cut)
    Grid.objects.create(code=G5A, name="甲一小网格（新）", level=5, parent=w["g4a2"], community=w["c1"], geom=old.geom, version=2,
                        valid_from=cut, population=800)
    g = report(w, at=P_G5A)
    assert g.grid5.version == 2 and g.grid4 == w["g4a2"]
    row = by_key(stats.grid5_stats(w["da"]))[G5A]
    assert (row["name"], row["grid4"], row["total"], row["open"], row["closed"]) == ("甲一小网格（新）", "甲网格（新）", 2, 1, 1)
    assert (row["population"], row["rate_per_1000"]) == (800, 2.5)


def test_level5_figures_are_scoped_and_filtered_like_the_others():
    w = built()
    assert [(r["key"], r["total"]) for r in stats.grid5_stats(w["cs1"])] == [(G5A, 1), (stats.NO_GRID, 3)]  # A, C, F; not D
    assert [(r["key"], r["total"]) for r in stats.grid5_stats(w["sd2"])] == [(stats.NO_GRID, 1)]  # S2 has no L5 grid: E only
    only_c2 = stats.grid5_stats(w["da"], stats.StatsFilter(community=w["c2"]))
    assert [(r["key"], r["total"]) for r in only_c2] == [(stats.NO_GRID, 1)]
    assert [(r["key"], r["total"]) for r in stats.grid5_stats(w["da"], stats.StatsFilter(category=category("dispute")))] == \
        [(G5A, 0), (stats.NO_GRID, 1)]  # grids without cases keep their row
    with pytest.raises(PermissionDenied):
        stats.grid5_stats(w["m_a"])


def more_level5_grids(w, n):
    """n more L5 grids tiling G4b (116.725–116.75), a case in each."""
    step_x = 0.025 / n
    grids = Grid.objects.bulk_create([
        Grid(code=f"370112001001020{i + 1}" if i < 9 else f"37011200100102{i + 1}", name=f"乙{i + 1}小网格", level=5, parent=w["g4b"],
             community=w["c1"], population=100 * (i + 1), geom=box(116.725 + i * step_x, 36.50, 116.725 + (i + 1) * step_x, 36.55),
             valid_from=w["t0"] - timedelta(days=1))
        for i in range(n)
    ])
    for g in grids:
        c = g.geom.point_on_surface
        report(w, at=(c.x, c.y))
    return grids


def count_queries(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_level5_figures_cost_the_same_queries_for_one_grid_and_for_twelve(client):
    w = built()
    cats = stats.categories()
    client.force_login(w["da"])
    calls = {
        "grid5_stats": lambda: stats.grid5_stats(w["da"], cats=cats),
        "page": lambda: client.get("/stats/?by=grid5"),
        "geojson": lambda: client.get("/stats/map.geojson?by=grid5"),
        "csv": lambda: client.get("/stats/export.csv?by=grid5"),
    }
    for fn in calls.values():
        fn()  # warm the process caches (content types) and the user's kept scope
    few = {name: count_queries(fn) for name, fn in calls.items()}
    assert len(stats.grid5_stats(w["da"], cats=cats)) == 2
    more_level5_grids(w, 11)
    assert len(stats.grid5_stats(w["da"], cats=cats)) == 13
    many = {name: count_queries(fn) for name, fn in calls.items()}
    assert many == few
    assert few["grid5_stats"] <= 8  # scope, one grouped query, the grid rows (+ user lookups)


def test_overdue_open_is_measured_at_now():
    w = built()
    before = by_key(stats.grid_stats(w["da"], now=w["t0"] + timedelta(hours=3)))
    assert before[G4B]["overdue_open"] == 0  # dispute (visit): 4 h to register, not up yet
    assert by_key(stats.grid_stats(w["da"], now=w["t0"] + timedelta(hours=5)))[G4B]["overdue_open"] == 1


def test_aggregation_is_one_grouped_query_not_one_per_grid(django_assert_max_num_queries):
    w = built()
    cats = stats.categories()
    with django_assert_max_num_queries(8):  # scope, grouped figures, the grid rows (+ user lookups)
        rows = stats.grid_stats(w["da"], cats=cats)
    assert len(rows) == 4


# --- scope ---------------------------------------------------------------------------------------------
def test_community_staff_see_only_their_community_not_their_reports_elsewhere():
    w = built()
    rows = stats.grid_stats(w["cs1"])
    assert [r["key"] for r in rows] == [G4A, G4B]  # D (G4c), reported by cs1, is not C1's
    assert [r["key"] for r in stats.community_stats(w["cs1"])] == ["370112001001"]
    streets = stats.street_stats(w["cs1"])
    assert [(r["key"], r["total"]) for r in streets] == [("370112001000", 4)]
    assert stats.summary(w["cs1"])["total"] == 4
    assert stats.scope_label(w["cs1"]) == "一社区"


def test_street_dispatcher_sees_their_street():
    w = built()
    assert [r["key"] for r in stats.grid_stats(w["sd2"])] == [G4D]
    assert [r["key"] for r in stats.grid_stats(w["sd1"])] == [G4A, G4B, G4C]
    assert stats.summary(w["sd1"])["total"] == 5


@pytest.mark.parametrize("who", ["m_a", "head_a", "pn"])
def test_no_statistics_for_grid_members_or_other_roles(who):
    w = built()
    with pytest.raises(PermissionDenied):
        stats.grid_stats(w[who])


def test_staff_without_an_area_get_a_clear_refusal():
    w = built()
    w["cs1"].area = None
    w["cs1"].save()
    with pytest.raises(PermissionDenied, match="所属辖区"):
        stats.summary(w["cs1"])


# --- filters -------------------------------------------------------------------------------------------
def test_filters_by_date_category_mode_street_and_community():
    w = built()
    t0_day = timezone.localtime(w["t0"]).date()
    F = stats.StatsFilter
    assert stats.summary(w["da"], F(date_to=t0_day))["total"] == 4  # A B C E; D and F are today's
    assert stats.summary(w["da"], F(date_from=t0_day + timedelta(days=1)))["total"] == 2
    assert stats.summary(w["da"], F(date_from=t0_day, date_to=t0_day))["total"] == 4
    assert stats.summary(w["da"], F(category=category("dispute")))["total"] == 1
    assert stats.summary(w["da"], F(mode="visit"))["total"] == 1
    assert stats.summary(w["da"], F(mode="immediate"))["total"] == 5
    only_s2 = stats.grid_stats(w["da"], F(street=w["s2"]))
    assert [(r["key"], r["total"]) for r in only_s2] == [(G4D, 1)]
    only_c2 = stats.community_stats(w["da"], F(community=w["c2"]))
    assert [(r["key"], r["total"]) for r in only_c2] == [("370112001002", 1)]


def test_filter_form_refuses_bad_input_with_400(client):
    w = built()
    client.force_login(w["cs1"])
    for query, words in [
        ("date_from=2026-13-01", "上报日期起"),
        ("date_from=2026-05-02&date_to=2026-05-01", "晚于"),
        ("community=370112002001", "社区"),  # C3: not cs1's
        ("category=nonsense", "事件类别"),
        ("mode=fast", "办理方式"),
        ("by=district", "地图分级"),
    ]:
        page = client.get(f"/stats/?{query}")
        assert page.status_code == 400, query
        assert words in page.content.decode() and "筛选条件有误" in page.content.decode(), query
        for url in ("/stats/export.csv", "/stats/export.xlsx", "/stats/map.html", "/stats/map.geojson"):
            resp = client.get(f"{url}?{query}")
            assert resp.status_code == 400 and words in resp.json()["error"], (url, query)


# --- pages and exports -----------------------------------------------------------------------------------
def test_the_page_for_each_staff_role_and_403_for_others(client):
    w = built()
    for who in ("cs1", "sd1", "da"):
        client.force_login(w[who])
        page = client.get("/stats/")
        assert page.status_code == 200, who
        html = page.content.decode()
        assert "事件统计" in html and 'id="stats-grid"' in html and 'id="stats-community"' in html and 'id="stats-street"' in html
        assert 'href="/stats/"' in html  # the nav entry
    client.force_login(w["cs1"])
    html = client.get("/stats/").content.decode()
    assert "甲网格（新）" in html and "乙网格" in html and "丙网格" not in html and "丁网格" not in html
    assert 'data-figure="total">4<' in html and 'data-figure="on_time_rate">50.0%<' in html
    assert "类别：矛盾纠纷" in html and "类别：困难群众求助" not in html  # zero-only columns left out of the page
    home = client.get("/").content.decode()
    assert 'href="/stats/"' in home
    for who in ("m_a", "pn"):
        client.force_login(w[who])
        page = client.get("/stats/")
        assert page.status_code == 403 and "仅供" in page.content.decode()
        assert 'href="/stats/"' not in client.get("/").content.decode()
        for url in ("/stats/export.csv", "/stats/export.xlsx", "/stats/map.html", "/stats/map.geojson"):
            assert client.get(url).status_code == 403
    client.logout()
    resp = client.get("/stats/export.csv")
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_geojson_of_the_choropleth(client):
    w = built()
    client.force_login(w["da"])
    fc = client.get("/stats/map.geojson").json()
    feats = {f["id"]: f for f in fc["features"]}
    assert set(feats) == {G4A, G4B, G4C, G4D}
    assert feats[G4A]["properties"]["total"] == 3 and feats[G4A]["properties"]["name"] == "甲网格（新）"
    ring = feats[G4A]["geometry"]["coordinates"][0][0]
    assert feats[G4A]["geometry"]["type"] == "MultiPolygon"
    assert {(round(x, 6), round(y, 6)) for x, y in ring} == {(116.70, 36.50), (116.725, 36.50), (116.725, 36.55), (116.70, 36.55)}
    # Max 3 cases: classes 1, 2, 3 plus zero (no zero here); colours from the palette.
    assert [c["label"] for c in fc["legend"]] == ["0", "1", "2", "3"]
    assert feats[G4A]["properties"]["color"] == stats.PALETTE[-1] and feats[G4B]["properties"]["color"] == stats.PALETTE[0]
    by_c = client.get("/stats/map.geojson?by=community&metric=rate").json()
    props = {f["id"]: f["properties"] for f in by_c["features"]}
    assert props["370112001001"]["value"] == pytest.approx(1.33) and props["370112001002"]["value"] is None
    assert props["370112001002"]["color"] == stats.NO_DATA_COLOR and by_c["legend"][-1]["label"] == "无人口数据"


def test_classes_are_equal_intervals_with_zero_apart():
    legend = stats.classes([0, 1, 4, 10, 7, None])
    assert [(c["label"], c["max"]) for c in legend] == [("0", 0), ("1–2", 2), ("3–4", 4), ("5–6", 6), ("7–8", 8), ("9–10", 10),
                                                        ("无人口数据", None)]
    assert [c["color"] for c in legend[1:6]] == list(stats.PALETTE)
    assert stats.class_of(0, legend)["color"] == stats.ZERO_COLOR and stats.class_of(5, legend)["label"] == "5–6"
    assert stats.class_of(None, legend)["color"] == stats.NO_DATA_COLOR
    assert [c["label"] for c in stats.classes([0, 0])] == ["0"]
    assert [c["label"] for c in stats.classes([0.4, 2.5], digits=1)] == ["0", "≤ 0.5", "0.5–1.0", "1.0–1.5", "1.5–2.0", "2.0–2.5"]


def test_csv_export_has_bom_chinese_header_and_the_same_figures(client):
    w = built()
    client.force_login(w["cs1"])
    resp = client.get("/stats/export.csv?by=grid")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    today = timezone.localdate().strftime("%Y%m%d")
    assert "attachment" in resp["Content-Disposition"] and today in resp["Content-Disposition"]
    assert resp.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert [r["网格编码"] for r in rows] == [G4A, G4B]
    a = rows[0]
    assert (a["网格名称"], a["所属社区"], a["案件总数"], a["办理中"], a["已结案"], a["超期未结"]) == ("甲网格（新）", "一社区", "3", "1", "2", "0")
    assert (a["按期结案率（%）"], a["平均办理时长（小时）"], a["每千人案件数"], a["类别：环境卫生"], a["状态：已结案"]) == \
        ("50.0", "8.0", "1.0", "3", "2")
    assert rows[1]["超期未结"] == "1" and rows[1]["按期结案率（%）"] == "" and rows[1]["类别：矛盾纠纷"] == "1"
    by_c = list(csv.DictReader(io.StringIO(client.get("/stats/export.csv?by=community").content.decode("utf-8-sig"))))
    assert [(r["社区名称"], r["案件总数"], r["按期结案率（%）"]) for r in by_c] == [("一社区", "4", "50.0")]
    filtered = list(csv.DictReader(io.StringIO(client.get("/stats/export.csv?category=dispute").content.decode("utf-8-sig"))))
    assert [r["案件总数"] for r in filtered] == ["0", "1"]


def test_xlsx_export_has_a_sheet_per_grouping_with_numbers_as_numbers(client):
    w = built()
    client.force_login(w["da"])
    resp = client.get("/stats/export.xlsx?mode=immediate")
    assert resp.status_code == 200 and resp["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert timezone.localdate().strftime("%Y%m%d") in resp["Content-Disposition"] and ".xlsx" in resp["Content-Disposition"]
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["按网格", "按五级网格", "按社区", "按街道", "说明"]
    ws = wb["按网格"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["网格编码", "网格名称", "所属社区", "所属街道", "案件总数"]
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    a = rows[G4A]
    assert a["案件总数"] == 3 and isinstance(a["案件总数"], int)
    assert a["按期结案率（%）"] == 50.0 and a["平均办理时长（小时）"] == 8.0 and a["每千人案件数"] == 1.0
    assert rows[G4B]["案件总数"] == 0 and rows[G4B]["按期结案率（%）"] is None  # the dispute case is 上门办: filtered out
    com = {r[0]: r for r in wb["按社区"].iter_rows(min_row=2, values_only=True)}
    assert com["370112001001"][3] == 3
    info = {r[0]: r[1] for r in wb["说明"].iter_rows(values_only=True)}
    assert info["办理方式"] == "立即办" and info["统计范围"] == "全区"


def test_folium_map_export_is_self_contained(client, settings):
    w = built()
    client.force_login(w["da"])
    resp = client.get("/stats/map.html")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/html")
    assert ".html" in resp["Content-Disposition"] and timezone.localdate().strftime("%Y%m%d") in resp["Content-Disposition"]
    html = resp.content.decode()
    for name in ("甲网格（新）", "乙网格", "丙网格", "丁网格"):
        assert name in html, name
    assert "L.map(" in html and "Leaflet 1.9" in html  # the project's own Leaflet, inlined
    assert_no_remote_references(html)
    assert "L.tileLayer" not in without_leaflet(html)  # no base map configured: no tiles at all

    settings.GEOGRID_BASEMAP_URL = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    html = client.get("/stats/map.html?by=community").content.decode()
    assert "https://tiles.example.gov.cn/{z}/{x}/{y}.png" in html and "一社区" in html
    assert "L.tileLayer" in without_leaflet(html)
    assert_no_remote_references(html, allowed=("https://tiles.example.gov.cn/{z}/{x}/{y}.png",))


def test_level5_grids_on_the_page_in_the_csv_the_xlsx_and_the_maps(client):
    w = built()
    Grid.objects.filter(code=G5A).update(population=500)
    client.force_login(w["cs1"])
    html = client.get("/stats/?by=grid5").content.decode()
    assert 'id="stats-grid5"' in html and "按五级网格" in html and "甲一小网格" in html and "（未落入五级网格）" in html
    assert 'value="grid5" selected' in html and "五级网格分布图" in html
    assert "/stats/export.csv?by=grid5" in html

    resp = client.get("/stats/export.csv?by=grid5")
    assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert list(rows[0])[:6] == ["五级网格编码", "五级网格名称", "所属四级网格", "所属社区", "所属街道", "案件总数"]
    assert [(r["五级网格编码"], r["五级网格名称"], r["所属四级网格"], r["案件总数"], r["已结案"], r["按期结案率（%）"],
             r["平均办理时长（小时）"], r["人口"], r["每千人案件数"]) for r in rows] == [
        (G5A, "甲一小网格", "甲网格", "1", "1", "0.0", "9.0", "500", "2.0"),
        ("", "（未落入五级网格）", "", "3", "1", "100.0", "7.0", "0", ""),  # cs1: A, C, F
    ]

    client.force_login(w["da"])
    wb = load_workbook(io.BytesIO(client.get("/stats/export.xlsx").content))
    ws = wb["按五级网格"]
    header = [c.value for c in ws[1]]
    sheet = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(sheet) == {G5A, None}  # an empty cell reads back as None
    assert (sheet[G5A]["案件总数"], sheet[G5A]["按期结案率（%）"], sheet[G5A]["每千人案件数"]) == (1, 0.0, 2.0)
    assert (sheet[None]["五级网格名称"], sheet[None]["案件总数"], sheet[None]["超期未结"]) == ("（未落入五级网格）", 5, 1)

    fc = client.get("/stats/map.geojson?by=grid5&metric=rate").json()
    [feat] = fc["features"]  # the row of cases outside every L5 grid has no geometry
    assert feat["id"] == G5A and feat["properties"]["grid4"] == "甲网格" and feat["properties"]["value"] == 2.0
    ring = feat["geometry"]["coordinates"][0][0]
    assert {(round(x, 6), round(y, 6)) for x, y in ring} == {(116.70, 36.50), (116.7125, 36.50), (116.7125, 36.55), (116.70, 36.55)}

    html = client.get("/stats/map.html?by=grid5").content.decode()
    assert "甲一小网格" in html and "事件统计（按五级网格，案件数）" in html
    assert '"grid4"' in html  # the popup names the level-4 grid (its label is JSON-escaped in the script)
    assert "乙网格" not in html  # level-4 grids are not drawn
    assert_no_remote_references(html)


# Leaflet itself names the SVG namespace and links its own site in the attribution: neither loads
# anything. Every other http(s) URL in the file would be a request leaving the intranet.
HARMLESS = ("http://www.w3.org/2000/svg", "https://leafletjs.com")


def without_leaflet(html):
    """The file minus the inlined leaflet.js (which defines L.tileLayer itself)."""
    start = html.index("/* @preserve")
    return html[:start] + html[html.index("</script>", start):]


def assert_no_remote_references(html, allowed=()):
    urls = re.findall(r"https?://[^\s\"'<>()]+", html)
    strangers = [u for u in urls if u not in HARMLESS and u not in allowed]
    assert not strangers, strangers
    # …nor protocol-relative ones ("//cdn…"), in HTML attributes or CSS.
    assert not re.search(r"""(src|href)\s*=\s*["']?//""", html)
    assert not re.search(r"url\(\s*['\"]?//", html)


# --- satisfaction (综合评价, issue #8) ---------------------------------------------------------------------
def evaluated():
    """built() with evaluations: A (G4a, outside G5a; reported by m_a) basically satisfied by its
    reporter; B (G5a) dissatisfied by C1's community staff, so back in handling, its dissatisfaction
    standing until it is closed and evaluated again."""
    w = built()
    now = timezone.now()
    w["A"] = step(w["A"], "evaluate", w["m_a"], now, satisfaction="basically_satisfied", note="还可以")
    w["B"] = step(w["B"], "evaluate", w["cs1"], now, satisfaction="dissatisfied", note="没清干净")
    return w


def rate(row):
    return row["evaluated"], row["dissatisfied"], row["satisfaction_rate"]


def test_satisfaction_rate_per_grid_grid5_community_and_street():
    w = evaluated()
    g4 = by_key(stats.grid_stats(w["da"]))
    assert rate(g4[G4A]) == (2, 1, 50.0)
    assert (g4[G4A]["open"], g4[G4A]["closed"]) == (2, 1)  # B is being handled again
    assert [rate(g4[k]) for k in (G4B, G4C, G4D)] == [(0, 0, None)] * 3  # nothing evaluated: no rate
    g5 = by_key(stats.grid5_stats(w["da"]))
    assert rate(g5[G5A]) == (1, 1, 0.0) and rate(g5[stats.NO_GRID]) == (1, 0, 100.0)
    com = by_key(stats.community_stats(w["da"]))
    assert [rate(com[k]) for k in ("370112001001", "370112001002", "370112002001")] == [(2, 1, 50.0), (0, 0, None), (0, 0, None)]
    st = by_key(stats.street_stats(w["da"]))
    assert (rate(st["370112001000"]), rate(st["370112002000"])) == ((2, 1, 50.0), (0, 0, None))
    assert rate(stats.summary(w["da"])) == (2, 1, 50.0)
    assert rate(stats.summary(w["cs3"])) == (0, 0, None)  # scoped like every figure

    # B handled again, closed and evaluated satisfied: its latest evaluation counts.
    now = timezone.now()
    b = w["B"]
    for action, who in (("report", "m_a"), ("verify", "cs1"), ("close", "cs1")):
        b = step(b, action, w[who], now)
    step(b, "evaluate", w["m_a"], now, satisfaction="satisfied")
    assert rate(by_key(stats.grid_stats(w["da"]))[G4A]) == (2, 0, 100.0)
    assert rate(by_key(stats.grid5_stats(w["da"]))[G5A]) == (1, 0, 100.0)


def test_satisfaction_costs_no_query_of_its_own():
    w = built()
    cats = stats.categories()
    calls = {"grid": stats.grid_stats, "grid5": stats.grid5_stats, "community": stats.community_stats, "street": stats.street_stats}

    def counts():
        out = {}
        for name, fn in calls.items():
            with CaptureQueriesContext(connection) as ctx:
                fn(w["da"], cats=cats)
            out[name] = len(ctx.captured_queries)
        return out

    counts()  # the user's roles and area, read once and kept
    before = counts()
    now = timezone.now()
    step(w["A"], "evaluate", w["m_a"], now, satisfaction="satisfied")
    step(w["B"], "evaluate", w["m_a"], now, satisfaction="dissatisfied", note="不行")
    assert counts() == before
    with CaptureQueriesContext(connection) as ctx:
        stats.community_stats(w["da"], cats=cats)
    grouped = [q["sql"] for q in ctx.captured_queries if "GROUP BY" in q["sql"]]
    assert len(grouped) == 2 and any('"satisfaction"' in sql for sql in grouped)  # figures and population; one with the rate


def test_satisfaction_on_the_page_in_the_csv_and_the_xlsx(client):
    w = evaluated()
    client.force_login(w["da"])
    html = client.get("/stats/").content.decode()
    assert re.search(r'data-figure="satisfaction_rate">50\.0%<', html) and "满意率" in html
    by_street = list(csv.DictReader(io.StringIO(client.get("/stats/export.csv?by=street").content.decode("utf-8-sig"))))
    assert [(r["街道名称"], r["已评价"], r["不满意"], r["满意率（%）"]) for r in by_street] == [("一街道", "2", "1", "50.0"),
                                                                                      ("二街道", "0", "0", "")]
    by_grid5 = list(csv.DictReader(io.StringIO(client.get("/stats/export.csv?by=grid5").content.decode("utf-8-sig"))))
    assert [(r["五级网格编码"], r["满意率（%）"]) for r in by_grid5] == [(G5A, "0.0"), ("", "100.0")]
    wb = load_workbook(io.BytesIO(client.get("/stats/export.xlsx").content))
    for sheet in ("按网格", "按五级网格", "按社区", "按街道"):
        header = [c.value for c in wb[sheet][1]]
        assert {"已评价", "不满意", "满意率（%）"} <= set(header), sheet
    ws = wb["按社区"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert (rows["370112001001"]["满意率（%）"], rows["370112001001"]["已评价"]) == (50.0, 2)
    assert rows["370112002001"]["满意率（%）"] is None
