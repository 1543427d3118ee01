"""Migrations: the models agree with them, and the state-only move of the incident and patrol models
out of grids/ (grids 0005, incidents 0001, patrols 0001) keeps every row, every audit timeline and
every permission grant."""
import io
from datetime import timedelta

import pytest
from django.contrib.gis.geos import GEOSGeometry, LineString, MultiPolygon, Point, Polygon
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from tests.support.demo import scratch_db  # noqa: F401  (a copy of the migrated database for one test)

MOVED = {  # model -> the app it moved to from grids/
    "incidentcategory": "incidents", "incidentcounter": "incidents", "incident": "incidents",
    "incidentphoto": "incidents", "patrol": "patrols",
}


@pytest.mark.django_db
def test_models_and_migrations_agree():
    """`manage.py makemigrations --check`: a model change without its migration fails `make test`."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=err)
    except SystemExit as e:
        pytest.fail(f"models and migrations disagree (exit {e.code}); run makemigrations:\n{out.getvalue()}{err.getvalue()}")


def _before_the_move(executor):
    """The migration targets just before the move: grids' parent of the move, the new apps at zero."""
    graph = executor.loader.graph
    move = ("grids", "0005_move_incidents_and_patrols")
    (grids_before,) = [p for p in graph.node_map[move].parents if p.key[0] == "grids"]
    targets = [grids_before.key]
    for app in sorted(set(MOVED.values())):
        # Each new app's first migration must sit on top of the move, else zero would not be "before".
        first = graph.root_nodes(app)
        assert first and all(move in graph.forwards_plan(n) for n in first), f"{app} does not start after {move}"
        targets.append((app, None))
    return targets


def _migrate(targets):
    """Migrate to targets; the historical apps of what is applied then."""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationExecutor(connection).loader  # a fresh loader sees what is applied now
    return loader.project_state(list(loader.applied_migrations)).apps


def _plain(value):
    if isinstance(value, GEOSGeometry):
        return value.ewkt
    if isinstance(value, FieldFile):
        return value.name
    return value


def _row(obj, like=None):
    """The row's fields; with `like`, only the fields that row had (later migrations add fields)."""
    row = {f.attname: _plain(getattr(obj, f.attname)) for f in obj._meta.concrete_fields}
    return row if like is None else {k: v for k, v in row.items() if k in like}


def _old_world(apps):
    """A case with its timeline, a photo and a patrol, written with the models of the old state."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model("accounts", "User")
    AdminArea = apps.get_model("grids", "AdminArea")
    Grid = apps.get_model("grids", "Grid")
    IncidentCategory = apps.get_model("grids", "IncidentCategory")
    IncidentCounter = apps.get_model("grids", "IncidentCounter")
    Incident = apps.get_model("grids", "Incident")
    IncidentPhoto = apps.get_model("grids", "IncidentPhoto")
    Patrol = apps.get_model("grids", "Patrol")
    AuditEvent = apps.get_model("audit", "AuditEvent")

    # post_migrate does not run between migrations: the old content types and permissions are made
    # here when the database has none (a test database made at the new state has them under grids/
    # already, renamed back by the backwards migration).
    cts = {}
    for model in MOVED:
        ct, _ = ContentType.objects.get_or_create(app_label="grids", model=model)
        cts[model] = ct
        for action in ("add", "change", "delete", "view"):
            Permission.objects.get_or_create(content_type=ct, codename=f"{action}_{model}",
                                             defaults={"name": f"Can {action} {model}"})
    # An empty twin at the new label, as a post_migrate run of the new code before the move would
    # leave: the move drops it and the old content type (with the rows keyed by it) takes its place.
    twin = ContentType.objects.create(app_label="incidents", model="incidentphoto")
    Permission.objects.create(content_type=twin, codename="view_incidentphoto", name="Can view incidentphoto (twin)")

    def box(x0, y0, x1, y1):
        return MultiPolygon(Polygon.from_bbox((x0, y0, x1, y1)), srid=4490)

    d = AdminArea.objects.create(code="370199000000", name="迁移区", level="district", geom=box(116.70, 36.50, 116.80, 36.60))
    s = AdminArea.objects.create(code="370199001000", name="迁移街道", level="street", parent=d, geom=box(116.70, 36.50, 116.80, 36.60))
    c = AdminArea.objects.create(code="370199001001", name="迁移社区", level="community", parent=s, geom=box(116.70, 36.50, 116.80, 36.60))
    g4 = Grid.objects.create(code="37019900100101", name="迁移网格", level=4, community=c, geom=box(116.70, 36.50, 116.80, 36.60))

    user = User.objects.create(username="mig_member", password="!", full_name="迁移网格员", area=c)
    group = Group.objects.create(name="mig_staff")
    for model, codename in (("incident", "view_incident"), ("incident", "change_incident"), ("patrol", "view_patrol")):
        group.permissions.add(Permission.objects.get(content_type=cts[model], codename=codename))
    user.groups.add(group)
    user.user_permissions.add(Permission.objects.get(content_type=cts["incidentphoto"], codename="view_incidentphoto"))

    now = timezone.now().replace(microsecond=0)
    category = IncidentCategory.objects.create(code="mig-cat", name="迁移类别", default_mode="visit",
                                               time_limits={"reported": 2, "handling": 72}, order=7)
    IncidentCounter.objects.create(year=2099, last=41)
    patrol = Patrol.objects.create(grid=g4, user=user, started_at=now - timedelta(hours=2), ended_at=now - timedelta(hours=1),
                                   track=LineString((116.71, 36.51), (116.72, 36.52), srid=4490), length_m=1412.5, note="巡查")
    incident = Incident.objects.create(
        number="2099000042", category=category, mode="visit", description="井盖缺失", address="迁移路 1 号",
        geom=Point(116.715, 36.515, srid=4490), street=s, community=c, grid4=g4, reporter=user, assignee=user,
        state="dispatched", state_entered_at=now - timedelta(minutes=30), deadline=now + timedelta(hours=4),
        urge_count=1, overdue_stages=2, reported_at=now - timedelta(hours=1), patrol=patrol,
    )
    photo = IncidentPhoto.objects.create(
        incident=incident, image="incidents/2099/2099000042/a.jpg", thumbnail="incidents/2099/2099000042/a_t.jpg",
        width=640, height=480, content_type="image/jpeg", size=12345, sha256="0" * 64, uploaded_by=user, uploaded_at=now,
    )
    events = [
        AuditEvent.objects.create(at=now - timedelta(hours=1, minutes=-i), actor=user, content_type=cts["incident"],
                                  object_id=str(incident.pk), action=action, from_state=a, to_state=b, data={"i": i})
        for i, (action, a, b) in enumerate([("report", "", "reported"), ("register", "reported", "registered"),
                                            ("dispatch", "registered", "dispatched")])
    ]
    return {
        "incident": _row(incident), "photo": _row(photo), "patrol": _row(patrol), "category": _row(category),
        "events": [(e.pk, e.action, e.from_state, e.to_state) for e in events],
        "ct_ids": {model: ct.pk for model, ct in cts.items()},
        "user": user.pk, "group": group.pk,
    }


def _assert_new_world(old):
    """The same rows, timeline and grants, read with today's models."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from geogrid.accounts.models import User
    from geogrid.audit.services import history
    from geogrid.incidents.models import Incident, IncidentCategory, IncidentCounter
    from geogrid.patrols.models import Patrol

    ContentType.objects.clear_cache()  # another process ran the migration, as far as this cache knows
    incident = Incident.objects.get(pk=old["incident"]["id"])
    assert _row(incident, old["incident"]) == old["incident"]
    assert _row(IncidentCategory.objects.get(pk=old["category"]["id"]), old["category"]) == old["category"]
    assert _row(Patrol.objects.get(pk=old["patrol"]["id"]), old["patrol"]) == old["patrol"]
    assert [_row(p, old["photo"]) for p in incident.photos.all()] == [old["photo"]]
    assert incident.patrol.findings.get() == incident
    assert IncidentCounter.objects.get(year=2099).last == 41

    assert [(e.pk, e.action, e.from_state, e.to_state) for e in history(incident)] == old["events"]

    for model, app in MOVED.items():
        ct = ContentType.objects.get(app_label=app, model=model)
        assert ct.pk == old["ct_ids"][model], f"{app}.{model} has a new content type: rows keyed by the old one come loose"
        assert ct.model_class() is not None
        assert not ContentType.objects.filter(app_label="grids", model=model).exists()
        assert Permission.objects.filter(content_type=ct).count() == 4

    user = User.objects.get(pk=old["user"])
    for perm in ("incidents.view_incident", "incidents.change_incident", "patrols.view_patrol", "incidents.view_incidentphoto"):
        assert user.has_perm(perm), perm
    for perm in ("incidents.delete_incident", "patrols.change_patrol", "grids.view_incident"):
        assert not user.has_perm(perm), perm


def test_move_out_of_grids_keeps_rows_timeline_and_permissions(scratch_db):  # noqa: F811
    # On a copy of its own (scratch_db): the test ends with the database migrated backwards.
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    before = _before_the_move(executor)
    old = _old_world(_migrate(before))

    _migrate(latest)
    _assert_new_world(old)

    # And back: the content types (and so the timeline and grants) return to grids/.
    apps = _migrate(before)
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        assert ContentType.objects.get(app_label="grids", model=model).pk == old["ct_ids"][model]
    Incident = apps.get_model("grids", "Incident")
    assert _row(Incident.objects.get(pk=old["incident"]["id"])) == old["incident"]
    assert apps.get_model("audit", "AuditEvent").objects.filter(
        content_type__app_label="grids", content_type__model="incident").count() == len(old["events"])
