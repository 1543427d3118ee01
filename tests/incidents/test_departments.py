"""District functional departments (issue #8): cases handled as 帮助办 or escalated to the district are
passed to a department (`to_department`, by a dispatcher at the case's level); its users see
exactly those cases and one of them accepts, handles and reports back through the same table.
Dispatch is limited to the people who cover the case: the team of its grids, the staff of its
community, street and district, the users of the department it was passed to — anyone else is a
400 that says why. Page and API alike; refusals change nothing. Departments are data (seeded,
admin-edited, audited).

On tests.support.world: G5a/G4a in C1 (street S1), G4d in C3 (S2); departments 城管 (dp_um) and 住建
(dp_hc)."""
import importlib

import pytest
from django.apps import apps as django_apps
from django.db.models import ProtectedError
from rest_framework.test import APIClient

from geogrid.accounts.departments import DEPARTMENTS, seed_departments
from geogrid.accounts.management.groups import create_roles
from geogrid.accounts.models import Department
from geogrid.accounts.roles import HANDLER_ROLES, ROLE_PERMISSIONS, Role
from geogrid.audit.models import AuditEvent
from geogrid.incidents.models import Incident
from geogrid.incidents.permissions import visible_incidents
from geogrid.incidents.services import available_actions, candidate_assignees, transition
from geogrid.workflow.exceptions import InvalidTransition, MissingFields, TransitionForbidden
from tests.support.world import P_G5A, report, user, walk, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world()


def api(user):
    c = APIClient()
    c.force_login(user)
    return c


def fresh(case):
    return Incident.objects.select_related("department", "assignee").get(pk=case.pk)


def help_case(w, who="m_a", at=P_G5A):
    """A 帮助办 case in G5a (C1), registered by C1's community staff."""
    return walk(w, report(w, who, at=at, mode="help"), ("register", "cs1"))


def district_case(w):
    """An immediate case escalated grid → community → street → district."""
    return walk(w, report(w), ("register", "cs1"), ("escalate", "cs1", {"note": "需社区协调"}), ("escalate", "cs1", {"note": "需街道协调"}),
                ("escalate", "sd1", {"note": "需区级部门"}))


# --- departments are data ---------------------------------------------------------------------------------
def test_the_seed_departments_are_created_once_by_the_data_migration():
    Department.objects.all().delete()  # what the migration left (a flushing test may have removed it already)
    migration = importlib.import_module("geogrid.accounts.migrations.0004_seed_departments")
    migration.forwards(django_apps, None)
    names = list(Department.objects.order_by("order").values_list("name", flat=True))
    assert names == ["城管", "住建", "市场监管", "公安派出所", "民政", "应急管理"] == [n for _c, n in DEPARTMENTS]
    Department.objects.filter(code="civil_affairs").update(name="区民政局", active=False)  # edited in the admin
    assert seed_departments(Department) == 0
    assert Department.objects.get(code="civil_affairs").name == "区民政局" and Department.objects.count() == 6


def test_a_department_with_cases_or_users_is_kept(w):
    case = help_case(w)
    transition(case, "to_department", w["cs1"], department=w["dept_um"])
    with pytest.raises(ProtectedError):
        w["dept_um"].delete()
    with pytest.raises(ProtectedError):
        w["dept_hc"].delete()  # its user dp_hc


def test_department_staff_is_a_role_with_its_grants(w):
    assert Role.DEPARTMENT_STAFF in HANDLER_ROLES and str(Role.DEPARTMENT_STAFF.label) == "部门工作人员"
    result = create_roles()
    assert Role.DEPARTMENT_STAFF.value in [code for code, _label, _n in result.per_role]
    dp = type(w["dp_um"]).objects.get(pk=w["dp_um"].pk)
    assert dp.has_perm("incidents.view_incident") and dp.has_perm("accounts.view_department")
    assert not dp.has_perm("incidents.change_incident") and not dp.has_perm("accounts.change_department")
    da = type(w["da"]).objects.get(pk=w["da"].pk)
    assert all(da.has_perm(f"accounts.{p}_department") for p in ("view", "add", "change", "delete"))
    assert "accounts.*_department" in ROLE_PERMISSIONS[Role.DISTRICT_ADMIN]


# --- passing a case to a department ------------------------------------------------------------------------
def test_a_help_case_is_passed_to_a_department_whose_users_then_see_it(w):
    case = help_case(w)
    assert not visible_incidents(w["dp_um"]).filter(pk=case.pk).exists()
    assert "to_department" in [a["action"] for a in available_actions(case, w["cs1"])]
    transition(case, "to_department", w["cs1"], "需城管执法", department=w["dept_um"])
    case = fresh(case)
    assert (case.state, case.department, case.assignee) == ("dispatched", w["dept_um"], None)
    event = AuditEvent.objects.get(object_id=str(case.pk), action="to_department")
    assert (event.from_state, event.to_state, event.data["department_name"]) == ("registered", "dispatched", "城管")
    assert list(visible_incidents(w["dp_um"])) == [case]
    assert list(visible_incidents(w["dp_hc"])) == []
    # Either of the department's users may accept; nobody else.
    assert [a["action"] for a in available_actions(case, w["dp_um"])] == ["accept"]
    with pytest.raises(TransitionForbidden, match="只有承办部门的工作人员可以受理"):
        transition(case, "accept", w["dp_hc"])
    with pytest.raises(TransitionForbidden, match="只有承办部门的工作人员可以受理"):
        transition(case, "accept", w["m_a"])


def test_a_department_user_accepts_handles_and_reports_back_through_the_same_table(w):
    case = help_case(w)
    other = user("dp_um2", Role.DEPARTMENT_STAFF, department=w["dept_um"], full_name="城管二队")
    transition(case, "to_department", w["cs1"], department="urban_management")  # by code
    transition(case, "accept", w["dp_um"])
    case = fresh(case)
    assert (case.state, case.assignee) == ("handling", w["dp_um"])
    assert AuditEvent.objects.get(object_id=str(case.pk), action="accept").data["assignee_name"] == "城管队员"
    with pytest.raises(TransitionForbidden, match="只有承办人可以执行此操作"):
        transition(case, "report", other, note="我也来")
    assert visible_incidents(other).filter(pk=case.pk).exists()  # the department still sees it
    case = walk(w, case, ("report", "dp_um", {"note": "已拆除违建"}), ("verify", "cs1"), ("close", "cs1"))
    assert (case.state, case.department_id) == ("closed", w["dept_um"].pk)


def test_a_case_escalated_to_the_district_is_passed_on_by_the_district(w):
    case = district_case(w)
    assert case.responsible_level == "district" and case.mode == "immediate"
    with pytest.raises(TransitionForbidden, match="已上报至区级部门，由上级处理"):
        transition(case, "to_department", w["sd1"], department=w["dept_hc"])
    transition(case, "to_department", w["da"], department=w["dept_hc"])
    assert fresh(case).department == w["dept_hc"] and visible_incidents(w["dp_hc"]).filter(pk=case.pk).exists()


def test_only_help_or_district_cases_go_to_a_department_and_refusals_change_nothing(w):
    case = walk(w, report(w), ("register", "cs1"))  # immediate, grid level
    assert "to_department" not in [a["action"] for a in available_actions(case, w["cs1"])]
    with pytest.raises(InvalidTransition, match="只有帮助办或已上报至区级部门的案卷可以转交职能部门"):
        transition(case, "to_department", w["cs1"], department=w["dept_um"])
    h = help_case(w)
    with pytest.raises(TransitionForbidden, match="您的角色不能执行「转交职能部门」"):
        transition(h, "to_department", w["m_a"], department=w["dept_um"])
    with pytest.raises(MissingFields) as err:
        transition(h, "to_department", w["cs1"])
    assert "department" in err.value.fields
    Department.objects.filter(pk=w["dept_hc"].pk).update(active=False)
    for given in (w["dept_hc"].pk, "housing_construction", "no_such", 999999):
        with pytest.raises(MissingFields, match="承办部门不存在或已停用"):
            transition(h, "to_department", w["cs1"], department=given)
    h = fresh(h)
    assert (h.state, h.department) == ("registered", None)
    assert not AuditEvent.objects.filter(action="to_department").exists()
    # Not from a closed or handled case either.
    done = walk(w, help_case(w), ("dispatch", "cs1", {"assignee": w["m_a"]}), ("accept", "m_a"))
    with pytest.raises(InvalidTransition):
        transition(done, "to_department", w["cs1"], department=w["dept_um"])


# --- dispatch is limited to those who cover the case -------------------------------------------------------
def test_dispatch_refuses_a_handler_who_does_not_cover_the_case_and_says_why(w):
    case = walk(w, report(w), ("register", "cs1"))  # G5a / G4a, C1, S1
    for who in ("m_d", "m_b", "cs2", "cs3", "sd2", "dp_um"):
        with pytest.raises(MissingFields) as err:
            transition(case, "dispatch", w["sd1"], assignee=w[who])
        assert err.value.fields == {"assignee": "其所属区域、网格或部门不包含此案卷"}, who
        assert err.value.message == f"{w[who]} 不能承办此案卷：承办人须是甲一小网格、甲网格、一社区、一街道、测试区的人员", who
    assert (fresh(case).state, fresh(case).assignee) == ("registered", None)
    for who in ("head_a", "m_a", "cs1", "sd1", "da"):
        assert w[who].pk in {u.pk for u, _d in candidate_assignees(case)}, who
    transition(case, "dispatch", w["sd1"], assignee=w["da"])
    assert fresh(case).assignee == w["da"]


def test_after_passing_to_a_department_its_users_may_be_dispatched_to_first(w):
    case = help_case(w)
    with pytest.raises(MissingFields):
        transition(case, "dispatch", w["cs1"], assignee=w["dp_um"])  # not passed to 城管 (yet)
    transition(case, "to_department", w["cs1"], department=w["dept_um"])
    case = fresh(case)
    assert [(u.username, d) for u, d in candidate_assignees(case)][:2] == [("dp_um", "城管 部门工作人员"), ("head_a", "甲网格 网格长")]
    with pytest.raises(MissingFields, match="住建科员 不能承办此案卷：承办人须是甲一小网格、甲网格、一社区、一街道、测试区、城管的人员"):
        transition(case, "dispatch", w["cs1"], assignee=w["dp_hc"])
    transition(case, "dispatch", w["cs1"], assignee=w["dp_um"])
    assert (fresh(case).assignee, fresh(case).department) == (w["dp_um"], w["dept_um"])
    # Dispatched to someone outside the department: the case leaves it.
    transition(case, "dispatch", w["cs1"], assignee=w["m_a"])
    case = fresh(case)
    assert (case.assignee, case.department) == (w["m_a"], None)
    assert AuditEvent.objects.filter(object_id=str(case.pk), action="dispatch").last().data["from_department_name"] == "城管"
    assert not visible_incidents(w["dp_um"]).filter(pk=case.pk).exists()


# --- page and API ------------------------------------------------------------------------------------------
def test_the_api_passes_to_a_department_and_its_user_accepts(w):
    case = help_case(w)
    url = f"/api/incidents/{case.pk}/actions/"
    actions = {a["action"]: a for a in api(w["cs1"]).get(f"/api/incidents/{case.pk}/").json()["actions"]}
    assert actions["to_department"]["requires"] == ["department"]
    assert api(w["dp_um"]).get(f"/api/incidents/{case.pk}/").status_code == 404
    r = api(w["cs1"]).post(url + "to_department/", {"department": "nowhere"}, format="json")
    assert r.status_code == 400 and "department" in r.json()["fields"]
    assert api(w["m_a"]).post(url + "to_department/", {"department": "urban_management"}, format="json").status_code == 403
    r = api(w["cs1"]).post(url + "to_department/", {"department": "urban_management", "note": "违建"}, format="json")
    assert r.status_code == 200
    assert (r.json()["state"], r.json()["department"], r.json()["department_name"], r.json()["assignee"]) == \
        ("dispatched", "urban_management", "城管", None)
    assert r.json()["timeline"][-1]["data"]["department_name"] == "城管"
    assert api(w["cs1"]).post(url + "to_department/", {"department": "urban_management"}, format="json").status_code == 200  # again: re-passed
    listed = api(w["dp_um"]).get("/api/incidents/").json()["results"]
    assert [c["id"] for c in listed] == [case.pk]
    assert api(w["dp_um"]).get("/api/incidents/?department=urban_management").json()["count"] == 1
    assert api(w["dp_hc"]).get("/api/incidents/").json()["count"] == 0
    assert api(w["dp_hc"]).post(url + "accept/", format="json").status_code == 404  # out of scope: as if absent
    r = api(w["dp_um"]).post(url + "accept/", format="json")
    assert r.status_code == 200 and (r.json()["state"], r.json()["assignee"]) == ("handling", "城管队员")
    r = api(w["dp_um"]).post(url + "report/", {"note": "已处理"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "handled"


def test_the_api_refuses_a_dispatch_outside_the_case_with_400(w):
    case = walk(w, report(w), ("register", "cs1"))
    r = api(w["cs1"]).post(f"/api/incidents/{case.pk}/actions/dispatch/", {"assignee": w["m_d"].pk}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"assignee": "其所属区域、网格或部门不包含此案卷"}
    assert "丁网格员 不能承办此案卷" in r.json()["error"]
    assert fresh(case).state == "registered"
    assert not AuditEvent.objects.filter(object_id=str(case.pk), action="dispatch").exists()


def test_the_case_page_offers_the_department_form_and_only_candidates(client, w):
    case = help_case(w)
    client.force_login(w["cs1"])
    page = client.get(f"/incidents/{case.pk}/")
    forms = {f["action"]: f["form"] for f in page.context["action_forms"]}
    assert [str(label) for _v, label in forms["to_department"].fields["department"].choices][1:] == \
        ["城管", "住建", "市场监管", "公安派出所", "民政", "应急管理"]
    offered = [v for v, _label in forms["dispatch"].fields["assignee"].choices if v]
    assert offered == [u.pk for u, _d in candidate_assignees(case)] and w["m_d"].pk not in offered
    r = client.post(f"/incidents/{case.pk}/actions/to_department/", {"to_department-department": w["dept_um"].pk,
                                                                      "to_department-note": "请城管处理"})
    assert r.status_code == 302
    html = client.get(r["Location"]).content.decode()
    assert 'id="case-department">城管<' in html and "承办部门：城管" in html
    client.force_login(w["dp_um"])
    page = client.get(f"/incidents/{case.pk}/")
    assert [f["action"] for f in page.context["action_forms"]] == ["accept"]
    assert client.post(f"/incidents/{case.pk}/actions/accept/").status_code == 302
    assert fresh(case).assignee == w["dp_um"]
    assert case.number in client.get("/incidents/?state=all").content.decode()  # the console lists the department's cases
    client.force_login(w["dp_hc"])
    assert client.get(f"/incidents/{case.pk}/").status_code == 404
    assert case.number not in client.get("/incidents/?state=all").content.decode()


def test_the_page_refuses_a_department_action_on_an_immediate_case_with_409(client, w):
    case = walk(w, report(w), ("register", "cs1"))
    client.force_login(w["cs1"])
    r = client.post(f"/incidents/{case.pk}/actions/to_department/", {"to_department-department": w["dept_um"].pk})
    assert r.status_code == 409 and "只有帮助办或已上报至区级部门的案卷可以转交职能部门" in r.content.decode()
    assert fresh(case).department is None


# --- the admin ----------------------------------------------------------------------------------------------
def test_departments_are_edited_in_the_admin_and_audited(client, w):
    create_roles()
    da = w["da"]
    da.is_staff = True
    da.save(update_fields=["is_staff"])
    client.force_login(da)
    page = client.get("/admin/accounts/department/")
    assert page.status_code == 200 and "城管" in page.content.decode()
    r = client.post("/admin/accounts/department/add/", {"code": "water", "name": "水务", "active": "on", "order": 70})
    assert r.status_code == 302
    water = Department.objects.get(code="water")
    assert AuditEvent.objects.get(object_id=str(water.pk), action="admin_add", content_type__model="department").actor == da
    page = client.get(f"/admin/accounts/department/{w['dept_um'].pk}/change/")
    assert "城管队员" in page.content.decode()  # its users
    r = client.post(f"/admin/accounts/department/{water.pk}/change/", {"code": "water", "name": "区水务局", "order": 70})
    assert r.status_code == 302
    water.refresh_from_db()
    assert (water.name, water.active) == ("区水务局", False)
    change = AuditEvent.objects.get(object_id=str(water.pk), action="admin_change", content_type__model="department")
    assert change.data == {"fields": ["active", "name"]}
    # A department user may read the list, not change it.
    dp = w["dp_um"]
    dp.is_staff = True
    dp.save(update_fields=["is_staff"])
    client.force_login(dp)
    assert client.get("/admin/accounts/department/").status_code == 200
    assert client.post(f"/admin/accounts/department/{water.pk}/change/", {"code": "water", "name": "改", "order": 1}).status_code == 403
