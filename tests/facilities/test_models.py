"""Facility types as data: the data migration keeps existing facilities' types; database
constraints (foreign key to the types, CHECKs) with raw inserts; the admin derives the area; the
map layer publishes the type's name."""
import pytest
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError

from geogrid.accounts.models import User
from geogrid.facilities.models import Facility, FacilityType
from geogrid.facilities.seed import TYPES
from layers.registry import registry
from tests.support.district import small_district


@pytest.mark.django_db(transaction=True)
def test_migration_turns_the_choices_into_types_and_keeps_each_facility_type():
    before, after = [("facilities", "0001_initial")], [("facilities", "0002_types_as_data")]
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(before)
        with connection.cursor() as cur:
            cur.execute("INSERT INTO facilities_facility (facility_type, name, address, geom, operator, phone) VALUES "
                        "('meal_point', '旧助餐点', '', ST_SetSRID(ST_MakePoint(116.7, 36.5), 4490), '', ''), "
                        "('child_welfare', '旧儿童之家', '', ST_SetSRID(ST_MakePoint(116.7, 36.5), 4490), '', '')")
        MigrationExecutor(connection).migrate(after)
        with connection.cursor() as cur:
            cur.execute("SELECT f.name, t.code, t.name, f.status, f.ownership FROM facilities_facility f "
                        "JOIN facilities_facilitytype t ON t.code = f.facility_type_id ORDER BY f.name")
            assert cur.fetchall() == [("旧儿童之家", "child_welfare", "儿童之家", "open", "public"),
                                      ("旧助餐点", "meal_point", "助餐点", "open", "public")]
            cur.execute("SELECT count(*) FROM facilities_facilitytype")
            assert cur.fetchone()[0] == len(TYPES) == 12
    finally:
        call_command("migrate", verbosity=0, interactive=False)


@pytest.fixture
def types(db):
    return small_district()


def refused(sql, constraint):
    with pytest.raises(IntegrityError, match=constraint):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign key is deferred to the commit otherwise
            cur.execute(sql)


@pytest.mark.parametrize("values,constraint", [
    ("'zoo', '动物园', 'open', 'public'", "facility_type_id_.*_fk_"),
    ("'meal_point', '', 'open', 'public'", "facility_name_not_blank"),
    ("'meal_point', '甲', 'gone', 'public'", "facility_status_valid"),
    ("'meal_point', '乙', 'open', 'state'", "facility_ownership_valid"),
    ("'day_care', '测试日间照料中心', 'open', 'public'", "facility_type_name_unique"),
])
def test_facility_constraints(types, values, constraint):
    refused("INSERT INTO facilities_facility (facility_type_id, name, status, ownership, address, geom, operator, phone) "
            f"VALUES ({values}, '', ST_SetSRID(ST_MakePoint(116.7, 36.5), 4490), '', '')", constraint)


@pytest.mark.parametrize("color,icon,name,constraint", [
    ("red", "餐", "新类型", "facility_type_color_hex"), ("#12345", "餐", "新类型", "facility_type_color_hex"),
    ("#123456", "", "新类型", "facility_type_icon_not_blank"), ("#123456", "餐", "", "facility_type_name_not_blank"),
])
def test_type_constraints(types, color, icon, name, constraint):
    refused(f"INSERT INTO facilities_facilitytype (code, name, icon, color, description, active, \"order\") "
            f"VALUES ('new', '{name}', '{icon}', '{color}', '', true, 0)", constraint)


def test_a_type_in_use_cannot_be_deleted(types):
    with pytest.raises(ProtectedError):
        FacilityType.objects.get(code="day_care").delete()
    FacilityType.objects.get(code="funeral_home").delete()  # unused: fine


def test_admin_derives_the_area_from_the_position_and_audits(types, client):
    boss = User.objects.create_superuser("boss", "b@example.cn", "pw-123456", full_name="局长")
    client.force_login(boss)
    r = client.post("/admin/facilities/facility/add/", {
        "facility_type": "meal_point", "name": "后台助餐点", "address": "", "geom": Point(116.745, 36.545, srid=4490).geojson,
        "capacity": "", "operator": "", "ownership": "public", "status": "open", "phone": ""})
    assert r.status_code == 302, r.content.decode()[:2000]
    f = Facility.objects.get(name="后台助餐点")
    assert f.area == types["community"]
    from geogrid.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="admin_add", object_id=str(f.pk)).exists()
    r = client.get("/admin/facilities/facilitytype/")
    assert r.status_code == 200 and "助餐点" in r.content.decode()
    # A type is data: its name, icon and colour are edited in the admin (audited); its code stays.
    t = FacilityType.objects.get(code="meal_point")
    r = client.post(f"/admin/facilities/facilitytype/{t.pk}/change/", {
        "code": "renamed", "name": "老年助餐点", "icon": "食", "color": "#00aa00", "description": "", "active": "on", "order": "5"})
    assert r.status_code == 302, r.content.decode()[:2000]
    t.refresh_from_db()
    assert (t.code, t.name, t.icon, t.color) == ("meal_point", "老年助餐点", "食", "#00aa00")
    assert AuditEvent.objects.filter(action="admin_change", object_id=str(t.pk)).exists()
    r = client.post(f"/admin/facilities/facilitytype/{t.pk}/change/", {"name": "老年助餐点", "icon": "食", "color": "green", "order": "5"})
    assert r.status_code == 200 and FacilityType.objects.get(pk=t.pk).color == "#00aa00"  # the form refuses a non-hex colour


def test_layer_publishes_the_type_name_and_leaves_closed_facilities_out(types, client):
    layer = registry.get("facilities")
    assert ("facility_type_display", "设施类型") in [(k, str(label)) for k, _e, label in layer.property_columns()]
    # Each marker is filled with its type's colour (admin data): published, read by the map, not a pop-up row.
    assert layer.describe()["color_property"] == "facility_type_color"
    assert "facility_type_color" not in dict(layer.popup_fields())
    FacilityType.objects.filter(code="day_care").update(color="#123abc")
    Facility.objects.create(facility_type_id="meal_point", name="已关闭助餐点", status="closed", geom=Point(116.745, 36.545, srid=4490))
    names = [f["properties"]["name"] for f in client.get("/layers/facilities.geojson").json()["features"]]
    assert names == ["测试日间照料中心"]
    props = client.get("/layers/facilities.geojson").json()["features"][0]["properties"]
    assert props["facility_type_display"] == "日间照料中心" and props["facility_type_color"] == "#123abc"


def test_the_map_tiles_change_with_a_type_name_and_an_import(types):
    from layers.versions import version

    from geogrid.facilities.importing import import_facilities

    v0 = version("facilities")
    t = FacilityType.objects.get(code="day_care")
    t.name = "日间照料站"
    t.save()
    v1 = version("facilities")
    assert v1 != v0
    import_facilities("设施类型,名称,经度,纬度\n助餐点,新助餐点,116.745,36.545\n".encode(), name="f.csv")
    assert version("facilities") != v1
