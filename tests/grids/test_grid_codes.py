"""Grid codes (issue #8): a level-4 code starts with its community's 12-digit code, a level-5 code
with its level-4 parent's code (STANDARDS.md), besides the length pattern of the setting
GEOGRID_GRID_CODE_PATTERNS. One rule, models.validate_grid_code: Grid.clean (so the admin),
import_grids (all or nothing, naming the feature and the expected prefix), and check_topology's
finding "code" for rows stored behind the models' backs.

On tests/support/world.py:  C1 370112001001 (G4a …0101 with G5a …010101, G4b …0102),
C2 370112001002 (G4c …0201), C3 370112002001 (G4d 37011200200101).
"""
import io
import json
from datetime import timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from geogrid.accounts.models import User
from geogrid.grids.importing import ImportFailed, import_grids
from geogrid.grids.models import Grid, validate_grid_code
from geogrid.grids.topology import check_topology
from tests.support import box
from tests.support.district import small_district
from tests.support.world import world

pytestmark = pytest.mark.django_db

C1, C2, C3 = "370112001001", "370112001002", "370112002001"
G4A, G4B = "37011200100101", "37011200100102"


# --- the rule ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("code, level, prefixes", [
    ("37011200100105", 4, {"community_code": C1}),
    ("3701120010010105", 5, {"parent_code": G4A}),
    ("37011200100105", 4, {}),  # no community given: the pattern only
    ("37011200100105", 4, {"parent_code": G4B}),  # a level-4 code is measured against its community only
])
def test_codes_that_follow_the_structure_pass(code, level, prefixes):
    validate_grid_code(code, level, **prefixes)


@pytest.mark.parametrize("code, level, prefixes, words", [
    ("37011200200105", 4, {"community_code": C1}, "四级网格编码 37011200200105 应以所属社区/村的代码 370112001001 开头"),
    ("3701120010010205", 5, {"parent_code": G4A}, "五级网格编码 3701120010010205 应以上级四级网格的编码 37011200100101 开头"),
    ("3701120010010", 4, {"community_code": C1}, "不符合第 4 级网格编码规则"),  # the length pattern first
])
def test_codes_that_break_the_structure_are_refused_naming_the_expected_prefix(code, level, prefixes, words):
    with pytest.raises(ValidationError) as err:
        validate_grid_code(code, level, **prefixes)
    assert words in " ".join(err.value.message_dict["code"])


def test_the_length_pattern_stays_a_setting_and_the_prefix_holds_under_it(settings):
    w = world()
    settings.GEOGRID_GRID_CODE_PATTERNS = {4: r"^\d{13}$", 5: r"^\d{15}$"}  # a district numbering grids 1–9
    Grid(code=C1 + "7", name="七", level=4, community=w["c1"], geom=box(116.70, 36.50, 116.71, 36.51)).full_clean()
    with pytest.raises(ValidationError) as err:
        Grid(code=C3 + "7", name="七", level=4, community=w["c1"], geom=box(116.70, 36.50, 116.71, 36.51)).full_clean()
    assert C1 in " ".join(err.value.message_dict["code"])


def test_grid_clean_checks_the_community_and_the_parent():
    w = world()
    geom = box(116.70, 36.50, 116.705, 36.505)
    Grid(code="37011200100105", name="新", level=4, community=w["c1"], geom=geom).full_clean()
    with pytest.raises(ValidationError) as err:
        Grid(code="37011200100205", name="新", level=4, community=w["c1"], geom=geom).full_clean()  # C2's prefix in C1
    assert "370112001001" in " ".join(err.value.message_dict["code"])
    Grid(code="3701120010010105", name="新", level=5, parent=w["g4a"], community=w["c1"], geom=geom).full_clean()
    with pytest.raises(ValidationError) as err:
        Grid(code="3701120010010205", name="新", level=5, parent=w["g4a"], community=w["c1"], geom=geom).full_clean()
    assert G4A in " ".join(err.value.message_dict["code"])
    with pytest.raises(ValidationError) as err:  # no community: that field's error, not a crash
        Grid(code="37011200100105", name="新", level=4, geom=geom).full_clean()
    assert "community" in err.value.message_dict and "code" not in err.value.message_dict


def test_a_stored_grid_whose_code_does_not_fit_is_the_rows_error():
    """The code of a stored grid is fixed (read-only in the admin), so the refusal is not bound to it."""
    w = world()
    g = Grid.objects.get(pk=w["g4b"].pk)
    g.community = w["c3"]
    with pytest.raises(ValidationError) as err:
        g.full_clean()
    assert "code" not in err.value.message_dict
    assert C3 in " ".join(err.value.message_dict[NON_FIELD_ERRORS])


# --- import ---------------------------------------------------------------------------------------
def rect(x0, y0, x1, y1):
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def geojson(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features]}, ensure_ascii=False))
    return path


GOOD4 = ({"code": "37011200100105", "name": "好", "community_code": C1}, rect(116.70, 36.50, 116.705, 36.505))


@pytest.mark.parametrize("bad, prefix", [
    (({"code": "37011200200105", "name": "错社区", "community_code": C1}, rect(116.705, 36.50, 116.71, 36.505)), C1),
    (({"code": "37011200100205", "name": "按位置"}, rect(116.705, 36.50, 116.71, 36.505)), C1),  # community found by location
    (({"code": "37011200100106", "name": "别处", "community_code": C3}, rect(116.77, 36.52, 116.775, 36.525)), C3),
], ids=["by-field", "by-location", "other-community"])
def test_import_refuses_a_level4_code_outside_its_community_naming_prefix_and_feature(tmp_path, bad, prefix):
    w = world()
    before = Grid.objects.count()
    with pytest.raises(ImportFailed) as err:
        import_grids(geojson(tmp_path / "g4.geojson", [GOOD4, bad]), level=4)
    msg = str(err.value)
    assert err.value.index == 1 and "feature #1" in msg and f"应以所属社区/村的代码 {prefix} 开头" in msg and bad[0]["code"] in msg
    assert Grid.objects.count() == before  # all or nothing: the good feature is not stored either
    assert w["c1"].code == C1


def test_import_refuses_a_level5_code_outside_its_parent_by_field_or_location(tmp_path):
    world()
    good = ({"code": "3701120010010102", "name": "甲二", "parent_code": G4A}, rect(116.7125, 36.50, 116.725, 36.55))
    by_field = ({"code": "3701120010010202", "name": "错上级", "parent_code": G4A}, rect(116.7125, 36.50, 116.725, 36.55))
    by_location = ({"code": "3701120010010202", "name": "按位置"}, rect(116.7125, 36.50, 116.725, 36.55))  # inside G4a
    for bad in (by_field, by_location):
        with pytest.raises(ImportFailed) as err:
            import_grids(geojson(tmp_path / "g5.geojson", [good, bad]), level=5)
        assert err.value.index == 1 and f"应以上级四级网格的编码 {G4A} 开头" in str(err.value)
    assert not Grid.objects.filter(code="3701120010010102").exists()
    assert import_grids(geojson(tmp_path / "ok.geojson", [good]), level=5).created == 1


def test_import_command_names_the_prefix(tmp_path):
    world()
    path = geojson(tmp_path / "g4.geojson", [GOOD4, ({"code": "37011200200105", "name": "错"}, rect(116.705, 36.50, 116.71, 36.505))])
    with pytest.raises(CommandError, match=r"g4\.geojson: .*feature #1.*370112001001 开头"):
        call_command("import_grids", str(path), "--level", "4", stdout=io.StringIO(), stderr=io.StringIO())
    assert not Grid.objects.filter(code="37011200100105").exists()


# --- admin --------------------------------------------------------------------------------------------
@pytest.fixture
def boss(client):
    w = world()
    client.force_login(User.objects.create_superuser("boss", "boss@example.cn", "pw-123456", full_name="局长"))
    w["client"] = client
    return w


def posted(page, **changes):
    """The POST body of an admin page as shown (its form and the inline's management form), changed."""
    data = {}
    form = page.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is not None and value is not False and value != "":
            data[name] = value.ewkt if hasattr(value, "ewkt") else str(value)
    for inline in page.context["inline_admin_formsets"]:
        mf = inline.formset.management_form
        for name in mf.fields:
            data[mf.add_prefix(name)] = str(mf[name].value())
    data.update({k: str(v) for k, v in changes.items()})
    return data


ADD = "/admin/grids/grid/add/"


def change(pk):
    return f"/admin/grids/grid/{pk}/change/"


def test_admin_add_refuses_a_code_outside_the_community_or_parent(boss):
    c, w = boss["client"], boss
    page = c.get(ADD)
    geom = box(116.70, 36.50, 116.705, 36.505).ewkt
    r = c.post(ADD, posted(page, code="37011200200105", name="新网格", level=4, kind="ordinary", community=w["c1"].pk, geom=geom))
    assert r.status_code == 200
    assert "四级网格编码 37011200200105 应以所属社区/村的代码 370112001001 开头" in " ".join(r.context["adminform"].form.errors["code"])
    assert not Grid.objects.filter(code="37011200200105").exists()
    r = c.post(ADD, posted(page, code="3701120010010205", name="新小网格", level=5, kind="ordinary", community=w["c1"].pk,
                           parent=w["g4a"].pk, geom=geom))
    assert r.status_code == 200 and f"应以上级四级网格的编码 {G4A} 开头" in " ".join(r.context["adminform"].form.errors["code"])
    r = c.post(ADD, posted(page, code="37011200100105", name="新网格", level=4, kind="ordinary", community=w["c1"].pk, geom=geom))
    assert r.status_code == 302 and Grid.objects.filter(code="37011200100105", community=w["c1"]).exists()


def test_admin_change_refuses_a_community_the_code_does_not_start_with(boss):
    c, w = boss["client"], boss
    g = w["g4b"]
    page = c.get(change(g.pk))
    r = c.post(change(g.pk), posted(page, community=w["c3"].pk))
    assert r.status_code == 200  # the form again, with the reason; the code itself is read-only here
    assert C3 in " ".join(r.context["adminform"].form.non_field_errors())
    assert Grid.objects.get(pk=g.pk).community_id == w["c1"].pk


def test_admin_change_of_a_stored_code_that_breaks_the_rule_is_refused_not_a_crash(boss):
    c, w = boss["client"], boss
    g = w["g4b"]
    Grid.objects.filter(pk=g.pk).update(code="37011200200109")  # a legacy row: C3's prefix in C1
    page = c.get(change(g.pk))
    r = c.post(change(g.pk), posted(page, households=50))
    assert r.status_code == 200
    assert "37011200200109 应以所属社区/村的代码 370112001001 开头" in " ".join(r.context["adminform"].form.non_field_errors())
    assert Grid.objects.get(pk=g.pk).households == 0


# --- check_topology ------------------------------------------------------------------------------------
@pytest.mark.parametrize("builder", [world, small_district], ids=["world", "small_district"])
def test_the_test_builders_follow_the_rule(builder):
    builder()
    assert Grid.objects.current().exists() and check_topology(kinds=["code"]).ok


def bad_rows(w):
    """G4b recoded with C3's prefix; a new L5 in G4c coded under G4a; a closed version with a bad code."""
    Grid.objects.filter(pk=w["g4b"].pk).update(code="37011200200109")
    Grid.objects.bulk_create([
        Grid(code="3701120010010102", name="错小网格", level=5, parent=w["g4c"], community=w["c2"], geom=box(116.70, 36.55, 116.725, 36.60)),
        Grid(code="37011200200108", name="旧错网格", level=4, community=w["c1"], geom=box(116.70, 36.50, 116.75, 36.55), version=1,
             valid_from=timezone.now() - timedelta(days=2), valid_to=timezone.now() - timedelta(days=1)),
    ])


def test_check_topology_lists_codes_that_break_the_rule_with_the_expected_prefix():
    w = world()
    bad_rows(w)
    found = [p for p in check_topology().problems if p.kind == "code"]
    assert [(p.code, p.other, p.area_m2, p.pieces) for p in found] == [
        ("3701120010010102", "37011200100201", 0.0, 0),  # G4c's code, not G4a's
        ("37011200200109", C1, 0.0, 0),
    ]  # the closed version is history: not listed
    assert 116.70 < found[0].lon < 116.725 and 36.55 < found[0].lat < 36.60  # a point inside the grid
    assert found[1].label == "网格编码不以所属社区或上级网格的编码开头"


def test_check_topology_command_exits_1_on_bad_codes_and_json_includes_them():
    w = world()
    out = io.StringIO()
    call_command("check_topology", "--kind", "code", stdout=out, stderr=io.StringIO())
    assert "拓扑检查通过" in out.getvalue()
    bad_rows(w)
    out = io.StringIO()
    with pytest.raises(CommandError, match="发现 2 处"):
        call_command("check_topology", "--kind", "code", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    line = next(li for li in text.splitlines() if "37011200200109" in li and "370112001001" in li)
    assert "网格编码不以所属社区或上级网格的编码开头" in line and "—" in line
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_topology", "--json", stdout=out, stderr=io.StringIO())
    data = json.loads(out.getvalue())
    codes = [p for p in data["problems"] if p["kind"] == "code"]
    assert data["ok"] is False and data["by_kind"]["code"] == 2
    assert {(p["code"], p["other"], p["label"]) for p in codes} == {
        ("3701120010010102", "37011200100201", "网格编码不以所属社区或上级网格的编码开头"),
        ("37011200200109", C1, "网格编码不以所属社区或上级网格的编码开头"),
    }
