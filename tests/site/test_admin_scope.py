"""The admin under the same rules as the pages and the API (geogrid.accounts.admin_scope), with the
demo's real group grants: create_roles() gives the groups their permissions, staff users are
is_staff with an area, as loaddemo makes them. On the world() district (tests/support/world.py):

- lists hold only the user's scope; an out-of-scope change page answers like a missing object;
- workflow fields, category, mode and point of a case cannot be changed here;
- team edits go through teams.assign_member / end_membership (overlap, one head, scope);
- a grid's new polygon makes the next version; every admin change leaves an audit event;
- each list costs the same number of queries for few rows and many.
"""
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from geogrid.accounts.management.groups import create_roles
from geogrid.audit.models import AuditEvent
from geogrid.grids.models import AdminArea, Grid, GridMember
from geogrid.incidents.models import Incident, IncidentCategory
from geogrid.patrols.models import Patrol
from geogrid.patrols.services import end_patrol, start_patrol
from tests.support import box
from tests.support.world import P_G4A, P_G4B, P_G4C, P_G4D, category, report, user, world

pytestmark = pytest.mark.django_db

STAFF = ("cs1", "cs2", "cs3", "sd1", "sd2", "da", "pn")


@pytest.fixture
def w():
    w = world()
    create_roles()  # the real grants of every role's group
    for key in STAFF:  # as loaddemo: staff roles open the admin; none of them is a superuser here
        w[key].is_staff = True
        w[key].save(update_fields=["is_staff"])
    w["A"] = report(w, who="m_a", at=P_G4A)  # C1 / S1
    w["B"] = report(w, who="m_b", at=P_G4B)  # C1 / S1
    w["C"] = report(w, who="cs2", at=P_G4C)  # C2 / S1
    w["D"] = report(w, who="m_d", at=P_G4D)  # C3 / S2
    w["pa"] = start_patrol(w["m_a"], w["g4a"])
    w["pd"] = start_patrol(w["m_d"], w["g4d"])
    w["ma"] = GridMember.objects.get(user=w["m_a"], grid=w["g4a"])
    w["mb"] = GridMember.objects.get(user=w["m_b"], grid=w["g4b"])
    w["md"] = GridMember.objects.get(user=w["m_d"], grid=w["g4d"])
    w["head"] = GridMember.objects.get(user=w["head_a"], grid=w["g4a"])
    return w


def as_user(client, u):
    client.force_login(u)
    return client


def url(model, view="changelist", pk=None):
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    return base if view == "changelist" else base + ("add/" if view == "add" else f"{pk}/{view}/")


def listed(client, model):
    r = client.get(url(model))
    assert r.status_code == 200, (model, r.status_code)
    return {o.pk for o in r.context["cl"].result_list}


def is_missing(client, model, pk):
    """Django's answer for an object that does not exist: back to the index, "doesn't exist"."""
    r = client.get(url(model, "change", pk))
    return r.status_code == 302 and r.url == "/admin/" and any(str(pk) in str(m) for m in get_messages(r.wsgi_request))


def form_data(response, **changes):
    """The POST body a browser sends for this change page as shown, with `changes` applied."""
    def put(data, key, value):
        if value is None or value is False:
            return
        data[key] = "on" if value is True else value.ewkt if hasattr(value, "ewkt") else value if isinstance(value, list) else str(value)

    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        put(data, name, form[name].value())
    for inline in response.context["inline_admin_formsets"]:
        fs = inline.formset
        for name in fs.management_form.fields:
            put(data, fs.management_form.add_prefix(name), fs.management_form[name].value())
        for f in fs.forms:
            for name in f.fields:
                put(data, f.add_prefix(name), f[name].value())
    data.update(changes)
    return data


def events(obj, action):
    return AuditEvent.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name, action=action)


# --- the grants are real ------------------------------------------------------------------------
def test_staff_have_the_demo_grants_and_nothing_more(w):
    assert w["cs1"].has_perm("incidents.view_incident") and not w["cs1"].has_perm("incidents.change_incident")
    assert w["cs1"].has_perm("grids.add_gridmember") and not w["cs1"].has_perm("grids.change_grid")
    assert w["da"].has_perm("grids.change_grid") and w["da"].has_perm("incidents.change_incident")
    assert not any(w[k].is_superuser for k in STAFF)


# --- lists and pages are scoped -------------------------------------------------------------------
def test_community_staff_see_only_their_community(client, w):
    c = as_user(client, w["cs1"])
    assert listed(c, Incident) == {w["A"].pk, w["B"].pk}
    assert listed(c, Grid) == {w["g4a"].pk, w["g4b"].pk, w["g5a"].pk}
    assert listed(c, GridMember) == {w["ma"].pk, w["mb"].pk, w["head"].pk}
    assert listed(c, Patrol) == {w["pa"].pk}
    assert listed(c, AdminArea) == {w["c1"].pk}
    for model, obj in [(Incident, w["D"]), (Incident, w["C"]), (Grid, w["g4d"]), (GridMember, w["md"]), (Patrol, w["pd"]),
                       (AdminArea, w["c3"]), (AdminArea, w["s1"])]:
        assert is_missing(c, model, obj.pk), (model, obj)
    assert c.get(url(Incident, "change", w["A"].pk)).status_code == 200
    assert c.get(url(Incident, "history", w["D"].pk)).status_code == 302  # history goes through the scope too


def test_street_dispatcher_sees_their_street(client, w):
    c = as_user(client, w["sd1"])
    assert listed(c, Incident) == {w["A"].pk, w["B"].pk, w["C"].pk}
    assert listed(c, Grid) == {w["g4a"].pk, w["g4b"].pk, w["g4c"].pk, w["g5a"].pk}
    assert listed(c, GridMember) == {w["ma"].pk, w["mb"].pk, w["head"].pk}
    assert listed(c, Patrol) == {w["pa"].pk}
    assert listed(c, AdminArea) == {w["s1"].pk, w["c1"].pk, w["c2"].pk}
    assert is_missing(c, Incident, w["D"].pk) and is_missing(c, Patrol, w["pd"].pk)
    c = as_user(client, w["sd2"])
    assert listed(c, Incident) == {w["D"].pk} and listed(c, GridMember) == {w["md"].pk}


def test_district_admin_sees_everything(client, w):
    c = as_user(client, w["da"])
    assert listed(c, Incident) == set(Incident.objects.values_list("pk", flat=True))
    assert listed(c, Grid) == set(Grid.objects.values_list("pk", flat=True))
    assert listed(c, GridMember) == set(GridMember.objects.values_list("pk", flat=True))
    assert listed(c, Patrol) == {w["pa"].pk, w["pd"].pk}
    assert listed(c, AdminArea) == set(AdminArea.objects.values_list("pk", flat=True))


def test_place_name_staff_read_the_area_map_only(client, w):
    c = as_user(client, w["pn"])  # areas are the reference map of their district-wide work
    assert listed(c, AdminArea) == set(AdminArea.objects.values_list("pk", flat=True))
    assert c.get(url(Incident)).status_code == 403 and c.get(url(Grid)).status_code == 403


def test_autocomplete_offers_only_the_scope(client, w):
    c = as_user(client, w["cs1"])
    r = c.get("/admin/autocomplete/", {"app_label": "grids", "model_name": "gridmember", "field_name": "grid", "term": ""})
    assert r.status_code == 200
    assert {int(x["id"]) for x in r.json()["results"]} == {w["g4a"].pk, w["g4b"].pk, w["g5a"].pk}



def test_staff_pick_team_members_among_the_people_of_their_scope(client, w):
    """The person box of "add team member" needs the user admin: community staff read the users of
    their community and of its grids' teams (themselves included), not the rest of the district."""
    from geogrid.accounts.models import User

    c = as_user(client, w["cs1"])
    seen = listed(c, User)
    assert {w["cs1"].pk, w["m_a"].pk, w["m_b"].pk, w["head_a"].pk} <= seen
    assert w["m_d"].pk not in seen and w["sd2"].pk not in seen and w["cs3"].pk not in seen
    assert is_missing(c, User, w["m_d"].pk)
    r = c.get("/admin/autocomplete/", {"app_label": "grids", "model_name": "gridmember", "field_name": "user", "term": ""})
    assert r.status_code == 200
    assert {int(x["id"]) for x in r.json()["results"]} == seen
    assert c.post(url(User, "change", w["m_a"].pk), {"username": "renamed"}).status_code == 403  # read, not edit
    assert listed(as_user(client, w["da"]), User) == set(User.objects.values_list("pk", flat=True))

# --- cases: the workflow is the only way to change them ---------------------------------------------
def test_workflow_fields_cannot_be_changed_in_the_admin(client, w):
    c = as_user(client, w["da"])
    inc = w["A"]
    before = Incident.objects.get(pk=inc.pk)
    page = c.get(url(Incident, "change", inc.pk))
    html = page.content.decode()
    assert f'href="/incidents/{inc.pk}/"' in html  # where the workflow actions are
    assert 'data-geometry-field-class="L.GeometryField"' in html and 'data-modifiable="0"' in html  # the point on a map, no drawing tools
    data = form_data(page, description="垃圾堆放（已核实地址）", state="closed", category=str(category("dispute").pk), mode="help",
                     geom="SRID=4490;POINT (116.77 36.52)", deadline="2030-01-01 00:00:00", assignee=str(w["m_a"].pk),
                     responsible_level="district", grid4=str(w["g4d"].pk), street=str(w["s2"].pk))
    r = c.post(url(Incident, "change", inc.pk), data)
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    after = Incident.objects.get(pk=inc.pk)
    assert after.description == "垃圾堆放（已核实地址）"
    for name in ("state", "category_id", "mode", "deadline", "assignee_id", "responsible_level", "grid4_id", "street_id", "community_id"):
        assert getattr(after, name) == getattr(before, name), name
    assert after.geom.equals_exact(before.geom, 1e-12)
    assert list(events(inc, "admin_change").values_list("data", flat=True)) == [{"fields": ["description"]}]
    assert events(inc, "admin_change").get().actor == w["da"]


def test_cases_are_not_added_or_deleted_and_staff_only_read_them(client, w):
    c = as_user(client, w["da"])
    assert c.get(url(Incident, "add")).status_code == 403
    assert c.post(url(Incident, "delete", w["A"].pk), {"post": "yes"}).status_code == 403
    c = as_user(client, w["cs1"])
    page = c.get(url(Incident, "change", w["A"].pk))
    assert page.status_code == 200 and 'name="description"' not in page.content.decode()  # view only
    assert c.post(url(Incident, "change", w["A"].pk), {"description": "改"}).status_code == 403
    assert Incident.objects.filter(pk__in=[w["A"].pk, w["D"].pk]).count() == 2
    assert not AuditEvent.objects.filter(action__startswith="admin_").exists()


def test_patrols_are_read_only(client, w):
    c = as_user(client, w["da"])
    page = c.get(url(Patrol, "change", w["pa"].pk))
    assert page.status_code == 200 and 'name="note"' not in page.content.decode()
    assert c.post(url(Patrol, "change", w["pa"].pk), {"note": "改", "grid": w["g4d"].pk}).status_code == 403
    assert c.get(url(Patrol, "add")).status_code == 403
    assert Patrol.objects.get(pk=w["pa"].pk).grid_id == w["g4a"].pk


# --- teams: through teams.py ------------------------------------------------------------------------
def add_member(client, **fields):
    data = {"grid": "", "user": "", "role": "", "other_kind": "", "phone": "", "start_date": timezone.localdate().isoformat(), "end_date": ""}
    data.update({k: str(v.pk) if hasattr(v, "pk") else str(v) for k, v in fields.items()})
    return client.post(url(GridMember, "add"), data)


def test_an_overlapping_membership_or_a_second_head_is_refused_and_nothing_written(client, w):
    c = as_user(client, w["cs1"])
    n, audit = GridMember.objects.count(), AuditEvent.objects.count()
    r = add_member(c, grid=w["g4a"], user=w["m_a"], role="volunteer")
    assert r.status_code == 200 and "在该网格已有重叠期间的任职" in r.content.decode()
    r = add_member(c, grid=w["g4a"], user=w["m_b"], role="head")
    assert r.status_code == 200 and "该网格在此期间已有网格长" in r.content.decode()
    r = add_member(c, grid=w["g4d"], user=w["m_b"], role="volunteer")  # another community's grid
    assert r.status_code == 200 and r.context["adminform"].form.errors["grid"]
    r = add_member(c, grid=w["g4a"], user=w["m_b"], role="other")  # the service's own checks too
    assert r.status_code == 200 and "需注明类别" in r.content.decode()
    assert GridMember.objects.count() == n and AuditEvent.objects.count() == audit


def test_a_membership_added_in_the_admin_goes_through_assign_member(client, w):
    c = as_user(client, w["cs1"])
    vol = user("vol", full_name="志愿者小李")
    r = add_member(c, grid=w["g4b"], user=vol, role="volunteer", phone="13900000000")
    assert r.status_code == 302
    m = GridMember.objects.get(user=vol)
    assert (m.grid_id, m.role, m.phone, m.end_date) == (w["g4b"].pk, "volunteer", "13900000000", None)
    assert vol.has_role("grid_member")  # the service gives the role's group
    assert events(m, "assign_member").get().actor == w["cs1"]
    assert events(m, "admin_add").get().actor == w["cs1"]


def test_ending_a_membership_in_the_admin_goes_through_end_membership(client, w):
    c = as_user(client, w["cs1"])
    mb = w["mb"]
    page = c.get(url(GridMember, "change", mb.pk))
    assert list(page.context["adminform"].form.fields) == ["end_date"]  # all else is read-only
    today = timezone.localdate()
    r = c.post(url(GridMember, "change", mb.pk), form_data(page, end_date=(today - timedelta(days=1)).isoformat()))
    assert r.status_code == 200 and "终止日期不能早于起始日期" in r.content.decode()
    r = c.post(url(GridMember, "change", mb.pk), form_data(page, end_date=today.isoformat(), role="head", grid=str(w["g4a"].pk)))
    assert r.status_code == 302
    mb.refresh_from_db()
    assert (mb.end_date, mb.role, mb.grid_id) == (today, "fulltime", w["g4b"].pk)
    assert events(mb, "end_membership").get().actor == w["cs1"]
    assert list(events(mb, "admin_change").values_list("data", flat=True)) == [{"fields": ["end_date"]}]
    # An ended membership stays ended: clearing the date is refused.
    page = c.get(url(GridMember, "change", mb.pk))
    r = c.post(url(GridMember, "change", mb.pk), form_data(page, end_date=""))
    assert r.status_code == 200 and "任职终止后不能撤销" in r.content.decode()
    assert GridMember.objects.get(pk=mb.pk).end_date == today


def test_memberships_are_not_deleted_or_changed_out_of_scope(client, w):
    c = as_user(client, w["da"])
    assert c.post(url(GridMember, "delete", w["ma"].pk), {"post": "yes"}).status_code == 403
    c = as_user(client, w["cs1"])
    r = c.post(url(GridMember, "change", w["md"].pk), {"end_date": timezone.localdate().isoformat()})
    assert r.status_code == 302 and r.url == "/admin/"
    assert GridMember.objects.get(pk=w["md"].pk).end_date is None


# --- grids: a new polygon is a new version ----------------------------------------------------------
def test_a_grid_geometry_edit_makes_the_next_version(client, w):
    c = as_user(client, w["da"])
    old = w["g4a"]
    page = c.get(url(Grid, "change", old.pk))
    assert page.status_code == 200
    new_shape = box(116.70, 36.50, 116.724, 36.55)
    r = c.post(url(Grid, "change", old.pk), form_data(page, geom=new_shape.ewkt, name="甲网格（调整）", code="37011200100199"))
    new = Grid.objects.current().get(code=old.code)
    assert r.status_code == 302 and r.url == url(Grid, "change", new.pk)
    old.refresh_from_db()
    assert old.valid_to is not None and old.name == "甲网格" and old.version == 1
    assert (new.version, new.name, new.community_id) == (2, "甲网格（调整）", old.community_id)
    assert new.geom.equals(new_shape) and not old.geom.equals(new_shape)
    # The team on duty and the L5 grid follow; the case made in version 1 stays there.
    assert set(GridMember.objects.filter(grid=new).values_list("pk", flat=True)) == {w["ma"].pk, w["head"].pk}
    assert Grid.objects.get(pk=w["g5a"].pk).parent_id == new.pk
    assert Incident.objects.get(pk=w["A"].pk).grid4_id == old.pk
    assert events(new, "redraw").get().data == {"version": 2, "previous": old.pk}
    assert events(new, "admin_change").get().data == {"fields": ["geom", "name"]}
    # The closed version is history: it can be read, not changed.
    assert c.get(url(Grid, "change", old.pk)).status_code == 200
    assert c.post(url(Grid, "change", old.pk), form_data(page, name="改旧版")).status_code == 403
    assert Grid.objects.get(pk=old.pk).name == "甲网格"


def test_a_grid_attribute_edit_stays_in_place_and_staff_cannot_edit(client, w):
    c = as_user(client, w["da"])
    g = w["g4c"]
    page = c.get(url(Grid, "change", g.pk))
    r = c.post(url(Grid, "change", g.pk), form_data(page, households="120"))
    assert r.status_code == 302
    g.refresh_from_db()
    assert (g.households, g.version, g.valid_to) == (120, 1, None)
    assert events(g, "admin_change").get().data == {"fields": ["households"]}
    assert not events(g, "redraw").exists()
    c = as_user(client, w["cs1"])
    page = c.get(url(Grid, "change", w["g4a"].pk))
    assert page.status_code == 200 and 'name="name"' not in page.content.decode()
    assert c.post(url(Grid, "change", w["g4a"].pk), {"name": "改"}).status_code == 403


# --- areas: corrected in place, audited ---------------------------------------------------------------
def test_area_edits_adds_and_deletes_are_audited(client, w):
    c = as_user(client, w["da"])
    c3 = w["c3"]
    before_m2 = c3.area_m2
    page = c.get(url(AdminArea, "change", c3.pk))
    shape = box(116.75, 36.50, 116.79, 36.60)
    r = c.post(url(AdminArea, "change", c3.pk), form_data(page, geom=shape.ewkt, name="三社区（新）", code="370112002009"))
    assert r.status_code == 302
    c3.refresh_from_db()
    assert (c3.code, c3.name) == ("370112002001", "三社区（新）") and c3.geom.equals(shape)
    assert c3.area_m2 < before_m2  # recomputed on save
    assert events(c3, "admin_change").get().data == {"fields": ["geom", "name"]}

    r = c.post(url(AdminArea, "add"), {"code": "370112002002", "name": "四社区", "level": "community", "parent": w["s2"].pk,
                                       "geom": box(116.79, 36.50, 116.80, 36.51).ewkt})
    assert r.status_code == 302
    c4 = AdminArea.objects.get(code="370112002002")
    assert events(c4, "admin_add").get().actor == w["da"]
    r = c.post(url(AdminArea, "delete", c4.pk), {"post": "yes"})
    assert r.status_code == 302 and not AdminArea.objects.filter(pk=c4.pk).exists()
    assert AuditEvent.objects.get(action="admin_delete", object_id=str(c4.pk)).note.startswith("四社区")


def test_category_edits_are_audited(client, w):
    c = as_user(client, w["da"])
    cat = category("dispute")
    page = c.get(url(IncidentCategory, "change", cat.pk))
    r = c.post(url(IncidentCategory, "change", cat.pk), form_data(page, order="99", time_limits='{"reported": 3}'))
    assert r.status_code == 302
    assert events(cat, "admin_change").get().data == {"fields": ["order", "time_limits"]}


# --- a fixed number of queries per list -------------------------------------------------------------
def queries(client, model):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url(model)).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["cs1", "da"])
def test_each_list_costs_the_same_for_few_rows_and_many(client, w, who):
    c = as_user(client, w[who])
    models = [Incident, Patrol, GridMember, Grid, AdminArea]
    few = {m: queries(c, m) for m in models}
    for i in range(3):  # more rows in C1 of every kind
        report(w, who="m_a", at=P_G4A)
        u = user(f"more{i}", full_name=f"队员{i}")
        GridMember.objects.create(user=u, grid=w["g4a"], role="volunteer")
        end_patrol(start_patrol(u, w["g4a"]), u, track=[[116.705, 36.51], [116.71, 36.52]])
        Grid.objects.create(code=f"370112001001010{i + 2}", name=f"甲{i + 2}小网格", level=5, parent=w["g4a"], community=w["c1"],
                            geom=box(116.7125 + i * 0.003, 36.50, 116.7155 + i * 0.003, 36.55))
    AdminArea.objects.filter(pk=w["c1"].pk).update(name="一社区")  # areas: one row for cs1 either way
    assert {m: queries(c, m) for m in models} == few
