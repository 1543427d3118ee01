"""Who may open and do what, for EVERY URL of the product: a role × endpoint matrix checked against the
URL conf, so an endpoint added later without a row here fails `test_every_url_has_a_row` by name.

Roles (tests/support/records.py builds one record of every kind and says who owns what):
    anon            not signed in
    own / other     grid member of G4a (owns the case, the patrol, the care subject) / of G4b
    community       community staff of C1 (G4a, G4b)        street     street dispatcher of S1
    district        district admin                          placename  place-name staff (地名科)
    inspector       boundary inspector of 测试区, a side of the line
    inspector_x     boundary inspector of 平阴县, no side of it

Outcomes: an HTTP status, or LOGIN (a redirect to the login page, for pages). The product's rule for
records out of scope: they answer like missing ones (404), so ids cannot be told apart; a role that
sees the record but may not do the action gets 403. The API answers visitors 401 (with the Token
challenge), pages send them to the login page.

The admin is one family with a rule of its own (`test_the_admin_family`): every URL of every
registered ModelAdmin sends visitors and signed-in non-staff people to the admin login; what staff
see inside it is tests/site/test_admin_scope.py and tests/site/test_admin.py.

Besides the matrix (`test_matrix`, one test per role), on the same rows:
- `test_out_of_scope_looks_missing`: an id nobody has answers 404 wherever an out-of-scope one does;
- `test_lists_hold_only_the_scope`: lists (API, Open311, the incidents layer) hold the record for
  exactly the roles whose detail row answers 200;
- `test_every_layer`: each registered layer through GeoJSON, export, tiles and OGC API;
- `test_session_writes_without_the_csrf_token_are_refused` / `test_token_clients_need_no_csrf_token`;
- `test_no_url_changes_or_deletes_audit_events` (and tests/site/test_csrf_and_audit.py: the admin and
  the database trigger). Login throttling: tests/accounts/test_login_throttling.py (django-axes).

A new endpoint: add a Row in its app's group below, with the record it needs from records.py (add
the record there) and the outcome per role; a role left out of a row's expectations is not asked.
Writes run inside a savepoint rolled back after each request, so every row sees the same world.
"""
import re

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.support import rate_limits
from tests.support.records import records

pytestmark = pytest.mark.django_db

ROLES = {"anon": None, "own": "m_a", "other": "m_b", "community": "cs1", "street": "sd1", "district": "da", "placename": "pn",
         "inspector": "ins_b", "inspector_x": "ins_far"}
LOGIN = "login"
MISSING = 987654321  # an id no record has


class Row:
    """One request: the route's name, method, URL kwargs (a world key → that record's pk; a callable of
    the world; else the literal), query string, body (dict or callable of the world; json=True sends it
    as JSON), and the expected outcome per role."""

    def __init__(self, name, expect, method="GET", args=None, query="", data=None, json=False, fresh=False):
        self.name, self.expect, self.method, self.args, self.query, self.data, self.json = name, expect, method, args or {}, query, data, json
        self.fresh = fresh  # a client of its own (logging out, switching the language would change the next rows)

    def url(self, w, missing=False):
        """The URL; missing=True puts an id no record has where the row names a record of the world."""
        kwargs = {}
        for k, v in self.args.items():
            record = isinstance(v, str) and v in w
            kwargs[k] = MISSING if missing and record else v(w) if callable(v) else w[v].pk if record else v
        url = reverse(self.name, kwargs=kwargs) if self.name != "ogc" else "/ogc"
        return url + (f"?{self.query}" if self.query else "")

    def body(self, w):
        return self.data(w) if callable(self.data) else self.data

    def __repr__(self):
        return f"{self.method} {self.name}"


def expect(default, **per_role):
    unknown = set(per_role) - set(ROLES)  # a typo in a role would pass silently
    assert not unknown, unknown
    return {role: per_role.get(role, default) for role in ROLES}


def page(default=200, **per_role):
    """A page behind login_required: visitors go to the login page."""
    return expect(default, **{"anon": LOGIN, **per_role})


def api(default=200, **per_role):
    """An API endpoint for signed-in users: visitors get 401."""
    return expect(default, **{"anon": 401, **per_role})


def public(status=200):
    """Open to everyone, whoever they are: asked as a visitor and as one signed-in user."""
    return {"anon": status, "own": status}


def each(status, *roles):
    return dict.fromkeys(roles, status)


STAFF = ("community", "street", "district")
NOT_HANDLERS = ("placename", "inspector", "inspector_x")  # no grid, no area, no department: report nothing
# Place names are the district's, one office's work: read by the district admin, done by 地名科.
PN_READ = page(403, district=200, placename=200)
PN_WRITE = page(403, placename=302)
PN_API_READ = api(403, district=200, placename=200)
# A joint inspection is seen by the inspectors of its two sides and the district admin, nobody else (404).
INSP_READ = page(404, district=200, inspector=200)
INSP_WRITE = page(404, district=403, inspector=302)

ROWS = []


def rows(*new):
    ROWS.extend(new)


# --- site, accounts, i18n, schema ----------------------------------------------------------------------------
rows(
    Row("home", public()),
    Row("login", public()),
    Row("logout", public(302), "POST", fresh=True),
    Row("password_change", page(200)),
    Row("password_change_done", page(200)),
    Row("password_reset", public()),
    Row("password_reset_done", public()),
    Row("password_reset_confirm", public(), args={"uidb64": "MQ", "token": "set-password"}),
    Row("password_reset_complete", public()),
    Row("set_language", public(302), "POST", data={"language": "en", "next": "/"}, fresh=True),
    Row("schema", {"anon": 200}),  # 1–2 s to build: once (tests/incidents/test_api.py reads it in full)
    Row("api-docs", public()),
    Row("service_worker", public()),
)

# --- grids: locate is public; a team's phone numbers are masked outside it (tests/grids/test_contacts.py) ----------
rows(
    Row("locate", public(), query="lon=116.705&lat=36.52"),
    Row("grid-team", api(200), args={"code": lambda w: w["g4a"].code}),
    Row("gridmember-list", api(200)),
    Row("gridmember-list", api(403, **each(201, *STAFF)), "POST", json=True,
        data=lambda w: {"grid": w["g4a"].code, "user": w["m_b"].pk, "role": "volunteer"}),
    Row("gridmember-detail", api(404, own=200, **each(200, *STAFF)), args={"pk": lambda w: membership(w).pk}),
    Row("gridmember-end", api(404, own=403, **each(200, *STAFF)), "POST", json=True, args={"pk": lambda w: membership(w).pk},
        data={"note": "调离"}),
)


def membership(w):
    from geogrid.grids.models import GridMember

    return GridMember.objects.get(user=w["m_a"])


REPORT = {"category": "environment", "description": "垃圾堆放", "lon": 116.705, "lat": 36.52}

# --- patrols: own is on duty in G4a with an open patrol (so starting another answers 409, past the scope check) ----
rows(
    Row("patrols", page(200)),
    Row("patrols_staff", page(403, **each(200, *STAFF))),
    Row("patrol_start", page(403, own=409), "POST", data=lambda w: {"grid": w["g4a"].code}),
    Row("patrol_end", page(404, own=302, **each(403, *STAFF)), "POST", args={"pk": "patrol"}),
    Row("patrol-list", api(200)),
    Row("patrol-list", api(403, own=409), "POST", json=True, data=lambda w: {"grid": w["g4a"].code}),
    Row("patrol-detail", api(404, own=200, **each(200, *STAFF)), args={"pk": "patrol"}),
    Row("patrol-end", api(404, own=200, **each(403, *STAFF)), "POST", json=True, args={"pk": "patrol"}, data={}),
    Row("patrol-findings", api(404, own=201, **each(403, *STAFF)), "POST", json=True, args={"pk": "patrol"}, data=REPORT),
    # Track batches: one's own patrol only; anyone else's looks missing, staff included.
    Row("patrol-track", api(404, own=200), "POST", json=True, args={"pk": "patrol"},
        data={"offset": 0, "points": [[116.705, 36.52], [116.706, 36.521]]}),
)

# --- incidents and Open311: the case `inc` is in G5a (own's grid, C1, S1) -----------------------------------------
CASE = api(404, own=200, **each(200, *STAFF))
rows(
    Row("incident_console", page(200, **each(403, *NOT_HANDLERS))),
    Row("incident_report", page(200, **each(403, *NOT_HANDLERS))),
    Row("incident_report", page(302, **each(403, *NOT_HANDLERS)), "POST", data=REPORT),
    Row("incident_mine", page(200)),
    Row("incident_page", page(404, own=200, **each(200, *STAFF)), args={"pk": "inc"}),
    Row("incident_action", page(404, own=403, **each(302, *STAFF)), "POST", args={"pk": "inc", "action": "register"}, data={"note": "立案"}),
    Row("incident_photo", page(404, own=200, **each(200, *STAFF)), args={"pk": "inc", "photo_id": "inc_photo", "size": "thumb"}),
    Row("incident-list", api(200)),
    Row("incident-list", api(201, **each(403, *NOT_HANDLERS)), "POST", json=True, data=REPORT),
    Row("incident-categories", api(200)),
    Row("incident-similar", api(200, **each(403, *NOT_HANDLERS)), query="category=environment&lon=116.705&lat=36.52"),
    Row("incident-detail", CASE, args={"pk": "inc"}),
    Row("incident-detail", api(405), "PATCH", json=True, args={"pk": "inc"}, data={"description": "改"}),  # transitions only
    Row("incident-photo", CASE, args={"pk": "inc", "photo_id": "inc_photo", "size": "thumb"}),
    Row("incident-similar-to", CASE, args={"pk": "inc"}),
    Row("incident-transition", api(404, own=403, **each(200, *STAFF)), "POST", json=True, args={"pk": "inc", "action_name": "register"},
        data={"note": "立案"}),
    Row("open311_discovery", public(), args={"fmt": "json"}),
    Row("open311_services", public(), args={"fmt": "json"}),
    Row("open311_service", public(), args={"code": "environment", "fmt": "json"}),
    # Lists the caller's visible cases (test_lists_hold_only_the_scope); anyone may read one case's status
    # without its description, reporter or exact place (GEOGRID_OPEN311_PUBLIC_STATUS, test_open311_public_status).
    Row("open311_requests", expect(200), args={"fmt": "json"}),
    Row("open311_requests", api(201, **each(403, *NOT_HANDLERS)), "POST", args={"fmt": "json"},
        data={"service_code": "environment", "lat": 36.52, "long": 116.705, "description": "垃圾堆放"}),
    Row("open311_request", expect(200), args={"number": lambda w: w["inc"].number, "fmt": "json"}),
)

# --- statistics (staff of an area), notifications (one's own) ------------------------------------------------------
STATS = page(403, **each(200, *STAFF))
rows(
    Row("stats", STATS),
    Row("stats_geojson", STATS),
    Row("stats_csv", STATS),
    Row("stats_xlsx", STATS),
    Row("stats_map", STATS),
    Row("notifications", page(200)),
    Row("notifications_read_all", page(302), "POST"),
    Row("notification_open", page(404, own=302), args={"pk": "notif"}),
    Row("notification-list", api(200)),
    Row("notification-read-all", api(200), "POST", json=True, data={}),
    Row("notification-unread-count", api(200)),
    Row("notification-detail", api(404, own=200), args={"pk": "notif"}),
    Row("notification-read", api(404, own=200), "POST", json=True, args={"pk": "notif"}, data={}),
)

# --- facilities (staff read their area; the district imports), care (personal data: the grid's team and the ----
# --- community/street staff above it; not the district, which reads counts; reveal and export narrower still) ----
COVERAGE = page(403, **each(200, *STAFF))
SUBJECT = page(404, own=200, community=200, street=200)
rows(
    Row("facility_list", COVERAGE),
    Row("facility_csv", COVERAGE),
    Row("facility_import", page(403, district=200)),
    Row("facility_import", page(403, district=400), "POST", data={}),  # past the gate: no file is a 400
    Row("coverage", COVERAGE),
    Row("coverage_geojson", COVERAGE),
    Row("coverage_csv", COVERAGE),
    Row("coverage_xlsx", COVERAGE),
    Row("coverage_map", COVERAGE),
    Row("care", page(200, district=403, **each(403, *NOT_HANDLERS))),
    Row("care_subject", SUBJECT, args={"pk": "sub1"}),
    Row("care_subject", page(404, own=200, community=200, street=403), args={"pk": "sub1"}, query="reveal=1"),
    Row("care_due", page(200, **each(403, *NOT_HANDLERS))),
    Row("care_stats", public()),  # counts only
    Row("care_export", page(403, community=200)),
    Row("care_visit_photo", SUBJECT, args={"visit": "visit", "photo": "visit_photo", "size": "thumb"}),
    Row("care-due", api(200, **each(403, *NOT_HANDLERS))),  # the rule of the care_due page
    Row("care-stats-api", public()),
    Row("care-subject-list", api(200)),
    Row("care-subject-detail", api(404, own=200, community=200, street=200), args={"pk": "sub1"}),
    Row("care-visit-list", api(404, own=201, community=201, street=403), "POST", json=True,
        data=lambda w: {"subject": w["sub1"].pk, "seen": True, "situation": "身体尚好"}),
)

# --- place names: the place-name office's (district-wide, no object scope: refusals are 403) -------------------------
rows(
    Row("placenames", PN_READ),
    Row("placenames", PN_WRITE, "POST", data={"title": "第二批"}),
    Row("placename_queue", PN_READ),
    Row("placename_batch", PN_READ, args={"pk": "batch"}),
    Row("placename_new_application", PN_WRITE, "POST", args={"pk": "batch"}, data={"name": "泉华路", "applicant": "区住建局"}),
    Row("placename_application", PN_READ, args={"pk": "app"}),
    Row("placename_action", PN_WRITE, "POST", args={"pk": "app", "action": "submit"}, data={"note": "提交"}),
    Row("placename_attach", PN_WRITE, "POST", args={"pk": "app"}, data={}),
    Row("placename_attachment", PN_READ, args={"pk": "app", "att_id": "attachment"}),
    Row("placename_edit", PN_WRITE, "POST", args={"pk": "app"}, data={"name": "泉秀路", "applicant": "区住建局"}),
    Row("placename_recheck", PN_WRITE, "POST", args={"pk": "app"}),
    Row("placename_fix_reading", PN_WRITE, "POST", args={"pk": "app"}, data={"phrase": "泉秀", "syllables": "quan xiu"}),
    Row("placename_announcement", page(403, district=409, placename=409), args={"pk": "app"}),  # not announced yet
    Row("placename_signs", PN_READ),
    Row("placename_sign_patrol", page(403, placename=200)),
    Row("placename_sign_patrol_start", page(403, placename=409), "POST", data=lambda w: {"road": w["road"].code}),  # one open already
    Row("placename_sign_patrol_end", PN_WRITE, "POST", args={"pk": "sign_patrol"}),
    Row("placename_sign_inspection_photo", PN_READ, args={"pk": "sign_inspection"}),
    Row("placename_buildings", PN_READ),
    Row("placename_buildings", PN_WRITE, "POST", data={"name": "阳光花园", "developer": "某置业公司"}),
    Row("placename_building_action", PN_WRITE, "POST", args={"pk": "building", "action": "give_opinion"}, data={"note": "同意"}),
    Row("placename_repair_action", PN_WRITE, "POST", args={"pk": "repair", "action": lambda w: "repair"}, data={"note": "已更换"}),
    Row("gazetteer", public(), query="q=泉城"),
    Row("gazetteer-api", public(), query="q=泉城"),
    Row("placename-export", PN_API_READ, args={"fmt": "csv"}),
    Row("placename-check", PN_API_READ, query="name=泉秀路"),
    Row("placename-readings", api(403, placename=201), "POST", json=True, data={"phrase": "泉秀", "syllables": "quan xiu"}),
    Row("placename-sign-figures", PN_API_READ),
    Row("placename-batch-list", PN_API_READ),
    Row("placename-batch-list", api(403, placename=201), "POST", json=True, data={"title": "第二批"}),
    Row("placename-batch-detail", PN_API_READ, args={"pk": "batch"}),
    Row("placename-application-list", PN_API_READ),
    Row("placename-application-detail", PN_API_READ, args={"pk": "app"}),
    Row("placename-application-transition", api(403, placename=200), "POST", json=True, args={"pk": "app", "action_name": "submit"}, data={}),
    Row("placename-sign-patrol-list", PN_API_READ),
    Row("placename-sign-patrol-detail", PN_API_READ, args={"pk": "sign_patrol"}),
    Row("placename-sign-patrol-end", api(403, placename=200), "POST", json=True, args={"pk": "sign_patrol"}, data={}),
    Row("placename-sign-patrol-inspections", api(403, placename=201), "POST", json=True, args={"pk": "sign_patrol"},
        data={"sign": "S2", "condition": "good"}),
)

# --- boundaries: lines and markers are read by everyone signed in; inspections by their two sides and the district;
# --- inspector (测试区) is a side of `line`, inspector_x (平阴县) is not. 409s: past the scope, refused by state -------
rows(
    Row("boundaries", page(200)),
    Row("boundary_plan", page(403, inspector=302), "POST",
        data=lambda w: {"line": w["line"].pk, "year": 2027, "planned_start": "2027-05-01", "planned_end": "2027-05-10"}),
    Row("boundary_import_markers", page(403, inspector=302), "POST", data=lambda w: {"line": w["line"].pk}),  # no file: told so
    Row("boundary_inspection", INSP_READ, args={"pk": "insp"}),
    Row("boundary_act", page(404, district=403, inspector=409), "POST", args={"pk": "insp"},
        data={"action": "draft_report", "report": "界线清晰"}),  # markers left unchecked: 409
    Row("boundary_walk", page(404, district=403, inspector=200), args={"pk": "insp"}),
    Row("boundary_walk_start", page(404, district=403, inspector=409), "POST", args={"pk": "insp"}),  # walking already
    # Ends the user's walk of THIS inspection only: placename's open sign patrol is not ended from here (it was).
    Row("boundary_walk_end", page(404, inspector=302), "POST", args={"pk": "insp"}),
    Row("boundary_report", INSP_READ, args={"pk": "insp"}),
    Row("boundary_report_map", INSP_READ, args={"pk": "insp"}),  # the report's map, framed by it (sandboxed)
    Row("boundary_record_table", INSP_READ, args={"pk": "insp"}),
    Row("boundary_problem", INSP_WRITE, "POST", args={"pk": "insp"}, data={"description": "界桩倾斜", "owner_side": "b", "due_date": "2026-12-31"}),
    Row("boundary_section", INSP_WRITE, "POST", args={"pk": "insp"},
        data=lambda w: {"from_marker": w["markers"][0].number, "to_marker": w["markers"][1].number}),
    Row("boundary_confirm", page(404, district=403, inspector=409), "POST", args={"pk": "check"}),  # own side confirmed it
    Row("boundary_problem_done", INSP_WRITE, "POST", args={"pk": "problem"}),
    Row("boundary_photo", INSP_READ, args={"pk": "marker_photo"}),
    Row("boundary_agreement_document", INSP_READ, args={"pk": "agreement"}),
    Row("boundary-line-list", api(200)),
    Row("boundary-line-detail", api(200), args={"pk": "line"}),
    Row("boundary-marker-list", api(200)),
    Row("boundary-marker-detail", api(200), args={"pk": lambda w: w["markers"][0].pk}),
    Row("boundary-inspection-list", api(200)),
    Row("boundary-inspection-detail", api(404, district=200, inspector=200), args={"pk": "insp"}),
    Row("boundary-inspection-checks", api(404, district=403, inspector=201), "POST", json=True, args={"pk": "insp"},
        data=lambda w: {"marker": w["markers"][1].number, "condition": "intact", "lon": w["markers"][1].geom.x, "lat": w["markers"][1].geom.y}),
    Row("boundary-inspection-sections", api(404, district=403, inspector=201), "POST", json=True, args={"pk": "insp"},
        data=lambda w: {"from_marker": w["markers"][0].number, "to_marker": w["markers"][1].number, "references_complete": True,
                        "identifiable": True}),
    Row("boundary-inspection-walk", api(404, district=403, inspector=409), "POST", json=True, args={"pk": "insp"},
        data={"client_key": "0f8e7d6c-5b4a-4321-9876-543210fedcba"}),
    Row("boundary-inspection-transition", api(404, district=403, inspector=409), "POST", json=True, args={"pk": "insp"},
        data={"action": "draft_report", "report": "界线清晰"}),
    Row("boundary-check-detail", api(404, district=200, inspector=200), args={"pk": "check"}),
    Row("boundary-check-confirm", api(404, district=403, inspector=409), "POST", json=True, args={"pk": "check"}, data={}),
)

# --- layers: the bureau's base data, public; the incidents layer (login_required) is test_every_layer's ------------
G4A_TILE = {"name": "grids_l4", "z": 12, "x": 3375, "y": 1601}
rows(
    Row("layers:list", public()),
    Row("layers:at", public(), query="lon=116.705&lat=36.52"),
    Row("layers:search", public(), query="q=甲"),
    Row("layers:geojson", public(), args={"name": "grids_l4"}),
    Row("layers:export", public(), args={"name": "grids_l4", "fmt": "geojson"}),
    Row("layers:tile", public(), args=G4A_TILE),
    Row("layers:map", public()),
    Row("layers:ogc-landing", public()),
    Row("ogc", public()),
    Row("layers:ogc-conformance", public()),
    Row("layers:ogc-api", public()),
    Row("layers:ogc-collections", public()),
    Row("layers:ogc-collection", public(), args={"cid": "grids-l4"}),
    Row("layers:ogc-items", public(), args={"cid": "grids-l4"}),
    Row("layers:ogc-item", public(), args={"cid": "grids-l4", "fid": "g4a"}),
)


# --- running it --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The records once for the module, in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        with transaction.atomic():
            w = records()
            yield w
            transaction.set_rollback(True)


def client_of(w, role, **kw):
    c = Client(**kw)
    if ROLES[role]:
        c.force_login(w[ROLES[role]])
    return c


def outcome(response):
    if response.status_code == 302 and response["Location"].startswith(("/accounts/login/", "/admin/login/")):
        return LOGIN
    return response.status_code


def send(c, row, w, **extra):
    url, body = row.url(w), row.body(w)
    method = getattr(c, row.method.lower())
    with transaction.atomic():
        if row.json:
            r = method(url, body, content_type="application/json", **extra)
        elif body is None and row.method in ("GET", "DELETE"):
            r = method(url, **extra)
        else:
            r = method(url, body or {}, **extra)
        transaction.set_rollback(True)
    return r


def all_patterns(resolver=None, prefix="", ns=""):
    """(key, route) of every URL pattern: key is the namespaced name, or the route for an unnamed one."""
    for p in (resolver or get_resolver()).url_patterns:
        if isinstance(p, URLResolver):
            inner = f"{ns}{p.namespace}:" if p.namespace else ns
            yield from all_patterns(p, prefix + str(p.pattern), inner)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            yield (f"{ns}{p.name}" if p.name else route.rstrip("$").lstrip("^")), route


def test_every_url_has_a_row():
    """A new endpoint fails here by name until the table says who may use it (the admin: its own rule)."""
    covered = {row.name for row in ROWS}
    missing = [f"{key}  ({route})" for key, route in all_patterns() if not route.startswith("admin/") and key not in covered]
    assert not missing, "URLs without a row in the access matrix:\n" + "\n".join(missing)
    stale = covered - {key for key, _route in all_patterns()}
    assert not stale, f"rows for URLs that no longer exist: {stale}"


@pytest.mark.parametrize("role", list(ROLES))
def test_matrix(world, role):
    """Every row as this role: the expected status (or the login redirect), never a 500."""
    c = client_of(world, role)
    wrong = []
    for row in ROWS:
        if role not in row.expect:
            continue  # public rows: asked as a visitor and as one signed-in user
        got = outcome(send(client_of(world, role) if row.fresh else c, row, world))
        if got != row.expect[role]:
            wrong.append(f"{row.method} {row.url(world)} ({row.name}): expected {row.expect[role]}, got {got}")
    assert not wrong, f"{role} ({ROLES[role]}):\n" + "\n".join(wrong)


def found(body, value):
    """Does the JSON body hold a record whose id (or Open311 request id) is `value`?"""
    if isinstance(body, dict):
        if body.get("id") == value or body.get("service_request_id") == value:
            return True
        return any(found(v, value) for v in body.values() if isinstance(v, (dict, list)))
    if isinstance(body, list):
        return any(found(v, value) for v in body)
    return False


def test_out_of_scope_looks_missing(world):
    """The product's rule for records out of scope: they answer exactly as a missing id does, so ids
    cannot be told apart (ending someone else's patrol once answered 403, a missing one 404). For every
    row naming a record where a role gets 404, that role asking for an id nobody has gets 404 too; and
    a role the row lets through, asking for a missing id, gets 404, not 403."""
    wrong, clients = [], {}
    for row in ROWS:
        if not any(isinstance(v, str) and v in world for v in row.args.values()):
            continue
        hidden = next((r for r, e in row.expect.items() if e == 404 and r != "anon"), None)
        through = next((r for r, e in row.expect.items() if e in PASSED and r != "anon"), None)
        for role in filter(None, {hidden, through}):  # one role of each kind is enough: the rule is per view
            c = clients.setdefault(role, client_of(world, role))
            url, body = row.url(world, missing=True), row.body(world)
            with transaction.atomic():
                r = getattr(c, row.method.lower())(url, body or {}, **({"content_type": "application/json"} if row.json else {}))
                transaction.set_rollback(True)
            if r.status_code != 404:
                wrong.append(f"{row.method} {url} as {role}: {r.status_code}")
    assert not wrong, wrong


def open311_in_full(body, w):
    """The case is listed with its description (in full), not only in the public form everyone reads."""
    return any(item.get("service_request_id") == w["inc"].number and item.get("description") for item in body)


# List endpoints: which roles find the record in the list (the same scope as its detail row above).
LISTS = [
    ("/api/incidents/", lambda body, w: found(body, w["inc"].pk), {"own", *STAFF}),
    ("/open311/v2/requests.json", open311_in_full, {"own", *STAFF}),
    ("/layers/incidents.geojson", lambda body, w: found(body, w["inc"].pk), {"own", *STAFF}),
    ("/layers/incidents/export.geojson", lambda body, w: found(body, w["inc"].pk), {"own", *STAFF}),
    ("/ogc/collections/incidents/items?f=json", lambda body, w: found(body, w["inc"].pk), {"own", *STAFF}),
    ("/api/patrols/", lambda body, w: found(body, w["patrol"].pk), {"own", *STAFF}),
    ("/api/notifications/", lambda body, w: found(body, w["notif"].pk), {"own"}),
    ("/api/grid-members/", lambda body, w: found(body, membership(w).pk), {"own", *STAFF}),
    ("/api/care/subjects/", lambda body, w: found(body, w["sub1"].pk), {"own", "community", "street"}),
    ("/api/boundaries/inspections/", lambda body, w: found(body, w["insp"].pk), {"district", "inspector"}),
]


@pytest.mark.parametrize("role", list(ROLES))
def test_lists_hold_only_the_scope(world, role):
    """Object-level scope on lists: the record is listed for the roles whose detail row answers 200, and
    for nobody else (a list is not a way round a 404)."""
    c = client_of(world, role)
    wrong = []
    for url, holds, who in LISTS:
        r = c.get(url)
        if role == "anon" and r.status_code in (401, 404):  # 404: a login_required layer does not exist for visitors
            continue
        if r.status_code != 200:
            wrong.append(f"{url}: {r.status_code}")
        elif holds(r.json(), world) != (role in who):
            wrong.append(f"{url}: {'listed' if role not in who else 'not listed'}")
    assert not wrong, wrong


@pytest.mark.parametrize("role", ["anon", "own"])
def test_every_layer(world, role):
    """Each registered layer through every publishing route: public layers answer everyone; a
    login_required layer (incidents) does not exist for a visitor (404), and a signed-in user gets only
    their scope's rows (test_lists_hold_only_the_scope)."""
    from layers.registry import registry

    c = client_of(world, role)
    wrong = []
    for layer in registry:
        ok = layer.visible_to(world[ROLES[role]] if ROLES[role] else None)
        cid = layer.collection_id()
        for url, allowed in [(f"/layers/{layer.name}.geojson", {200}), (f"/layers/{layer.name}/export.geojson", {200}),
                             (f"/tiles/{layer.name}/12/3375/1601.pbf", {200, 204}), (f"/ogc/collections/{cid}", {200}),
                             (f"/ogc/collections/{cid}/items?f=json&limit=1", {200})]:
            status = c.get(url).status_code
            if (status in allowed) if ok else status == 404:
                continue
            wrong.append(f"{url}: {status}")
    assert not wrong, wrong


def admin_urls():
    """(key, url) of every admin URL, its parameters filled with 1 (an app label with 'grids')."""
    for p in get_resolver().url_patterns:
        if isinstance(p, URLResolver) and p.namespace == "admin":
            break
    for key, route in all_patterns(p, "admin/", "admin:"):
        url = "/" + route
        url = re.sub(r"\(\?P<app_label>[^)]*\)", "grids", url)
        url = re.sub(r"\(\?P<url>\.\*\)", "no-such-page/", url)
        url = re.sub(r"<[^>]+>", "1", url).replace("^", "").replace("$", "")
        yield key, url


@pytest.mark.parametrize("role", ["anon", "own"])
def test_the_admin_family(world, role):
    """The admin's own rule, for every one of its URLs (pages of every registered model, the index, the
    app lists, autocomplete, view-on-site, the catch-all): a visitor, and a signed-in person who is not
    staff, is sent to the admin login and sees nothing; the login page itself opens. What staff see
    inside it: tests/site/test_admin_scope.py (scope, grants) and tests/site/test_admin.py (every page
    opens for a superuser)."""
    c = client_of(world, role)
    wrong, seen = [], 0
    for key, url in admin_urls():
        r = c.get(url)
        seen += 1
        if key == "admin:login":
            ok = r.status_code == 200
        elif key == "admin:logout":
            ok = r.status_code in (302, 405) and r.get("Location", "/admin/").startswith("/admin/")  # nothing shown
        else:
            ok = outcome(r) == LOGIN and r["Location"].startswith("/admin/login/")
        if not ok:
            wrong.append(f"{key} {url}: {r.status_code} {r.get('Location', '')}")
    assert seen > 200 and not wrong, wrong


PASSED = (200, 201, 204, 302, 400, 409)  # past the permission check


def writers():
    """(row, role) for every write row: the first role it lets through (a visitor for public writes)."""
    for row in ROWS:
        if row.method == "GET" or set(row.expect.values()) == {405} or set(row.expect.values()) == {401, 405}:
            continue  # a read, or a method the endpoint does not have
        role = next((r for r, e in row.expect.items() if e in PASSED), None)
        assert role is not None, f"{row!r}: no role gets through, so nothing shows the CSRF check"
        yield row, role


def test_session_writes_without_the_csrf_token_are_refused(world):
    """Every write of the matrix, by a role it lets through, from a browser session that does not send
    the CSRF token: 403, whatever the page or API (tests/site/test_csrf_and_audit.py checks that
    nothing is written and that the token lets the same request through)."""
    wrong, clients = [], {}
    for row, role in writers():
        if role not in clients:
            clients[role] = client_of(world, role, enforce_csrf_checks=True)
        c = client_of(world, role, enforce_csrf_checks=True) if row.fresh else clients[role]
        got = send(c, row, world)
        if got.status_code != 403 or "CSRF" not in got.content.decode(errors="replace"):
            wrong.append(f"{row!r} as {role}: {got.status_code}")
    assert not wrong, wrong


def test_token_clients_need_no_csrf_token(world):
    """The API's token clients carry no cookie, so no CSRF token either: each API write answers a token
    client as the matrix says it answers that role."""
    from rest_framework.authtoken.models import Token

    wrong = []
    for row, role in writers():
        if role == "anon" or not row.url(world).startswith(("/api/", "/open311/")):
            continue
        token = Token.objects.get_or_create(user=world[ROLES[role]])[0].key
        got = outcome(send(Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token}"), row, world))
        if got != row.expect[role]:
            wrong.append(f"{row!r} as {role}: expected {row.expect[role]}, got {got}")
    assert not wrong, wrong


def test_no_url_changes_or_deletes_audit_events(world, settings):
    """The audit log has no API and no page of its own outside the admin (read-only there, and refused
    by the database: tests/site/test_csrf_and_audit.py). PUT, PATCH and DELETE on every API URL of
    the matrix, as a superuser, change nothing: no such write exists (405), and the log is as it was."""
    from geogrid.audit.models import AuditEvent

    served = [key for key, route in all_patterns() if not route.startswith("admin/") and "audit" in (key + route).lower()]
    assert not served, served
    before = list(AuditEvent.objects.order_by("pk").values_list("pk", "action", "note"))
    rate_limits(settings)  # some hundred writes in a few seconds by one user
    c = client_of(world, "anon")
    c.force_login(world["su"])
    wrong = []
    for url in sorted({row.url(world).split("?")[0] for row in ROWS if row.url(world).startswith(("/api/", "/open311/"))}):
        for method in ("put", "patch", "delete"):
            r = getattr(c, method)(url, "{}", content_type="application/json")
            if r.status_code not in (403, 404, 405):
                wrong.append(f"{method.upper()} {url}: {r.status_code}")
    assert not wrong, wrong
    assert list(AuditEvent.objects.order_by("pk").values_list("pk", "action", "note")) == before
