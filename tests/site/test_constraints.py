"""The database itself refuses what the data model forbids (issue 2, "Data model"): invalid
geometries, duplicate codes, an L5 grid without parent, values outside the level/kind choices.
Written against the raw constraints (objects.create, no full_clean), so a bug in a service or an
import that skips validation still cannot store such rows. Also: every geometry column has a
spatial (GiST) index and every model a Chinese verbose name."""
import re

import pytest
from django.apps import apps
from django.contrib.gis.db import models as gis_models
from django.contrib.gis.geos import LineString, MultiLineString, MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from geogrid.boundaries.models import BoundaryLine, BoundaryMarker
from geogrid.facilities.models import Facility
from geogrid.grids.models import AdminArea, Grid
from geogrid.placenames.models import Road
from tests.support import box, square

pytestmark = pytest.mark.django_db

# A bow-tie: the ring crosses itself at (116.75, 36.55).
BOWTIE = MultiPolygon(Polygon(((116.74, 36.54), (116.76, 36.56), (116.76, 36.54), (116.74, 36.56), (116.74, 36.54))), srid=4490)


def refused(make, constraint=None):
    """make() raises IntegrityError naming `constraint` (or one of several that all apply)."""
    with pytest.raises(IntegrityError) as err:
        with transaction.atomic():
            make()
    if constraint:
        names = (constraint,) if isinstance(constraint, str) else constraint
        assert any(n in str(err.value) for n in names), err.value
    return err


@pytest.fixture
def world():
    d = AdminArea.objects.create(code="370112000000", name="测试区", level="district", geom=box(116.70, 36.50, 116.80, 36.60))
    s = AdminArea.objects.create(code="370112001000", name="测试街道", level="street", parent=d, geom=box(116.70, 36.50, 116.80, 36.60))
    c = AdminArea.objects.create(code="370112001001", name="测试社区", level="community", parent=s, geom=box(116.74, 36.54, 116.76, 36.56))
    g4 = Grid.objects.create(code="37011200100101", name="一网格", level=4, community=c, geom=square(116.74, 36.54, 0.01))
    line = BoundaryLine.objects.create(code="B001", name="测试界线", side_a_code="370112000000", side_a_name="测试区",
                                       side_b_code="370113000000", side_b_name="邻区",
                                       geom=MultiLineString(LineString((116.70, 36.50), (116.70, 36.60)), srid=4490))
    return {"district": d, "street": s, "community": c, "g4": g4, "line": line}


def test_a_self_intersecting_polygon_is_refused_by_the_database(world):
    assert not BOWTIE.valid
    refused(lambda: AdminArea.objects.create(code="370112001002", name="蝴蝶社区", level="community", parent=world["street"], geom=BOWTIE),
            "adminarea_geom_valid")
    refused(lambda: Grid.objects.create(code="37011200100102", name="蝴蝶网格", level=4, community=world["community"], geom=BOWTIE),
            "grid_geom_valid")
    assert not AdminArea.objects.filter(code="370112001002").exists()
    assert not Grid.objects.filter(code="37011200100102").exists()


def test_duplicate_codes_are_refused(world):
    refused(lambda: AdminArea.objects.create(code="370112001001", name="重复社区", level="community", parent=world["street"],
                                             geom=square(116.76, 36.54, 0.01)), "code")
    # Two rows of one grid code in force at once: refused; a new version after closing the old: fine.
    refused(lambda: Grid.objects.create(code="37011200100101", name="重复网格", level=4, version=2, community=world["community"],
                                        geom=square(116.75, 36.55, 0.01)), "grid_code_current_unique")
    refused(lambda: Grid.objects.create(code="37011200100101", name="同版本", level=4, version=1, community=world["community"],
                                        valid_to=timezone.now() + timezone.timedelta(days=1), geom=square(116.75, 36.55, 0.01)),
            "grid_code_version_unique")
    now = timezone.now()
    Grid.objects.filter(pk=world["g4"].pk).update(valid_to=now)
    Grid.objects.create(code="37011200100101", name="一网格（重绘）", level=4, version=2, valid_from=now, community=world["community"],
                        geom=square(116.745, 36.54, 0.01))
    assert Grid.objects.filter(code="37011200100101").count() == 2
    assert Grid.objects.current().get(code="37011200100101").version == 2
    refused(lambda: Road.objects.create(code="R1", name="甲路", status="named", geom=MultiLineString(LineString((116.7, 36.5), (116.8, 36.5)), srid=4490))
            and Road.objects.create(code="R1", name="乙路", status="named", geom=MultiLineString(LineString((116.7, 36.6), (116.8, 36.6)), srid=4490)),
            "code")
    refused(lambda: BoundaryMarker.objects.create(number="B001001Q", line=world["line"], geom=Point(116.7, 36.55, srid=4490))
            and BoundaryMarker.objects.create(number="B001001Q", line=world["line"], geom=Point(116.7, 36.56, srid=4490)), "number")


def test_a_level5_grid_without_parent_is_refused(world):
    refused(lambda: Grid.objects.create(code="3701120010010101", name="无上级", level=5, community=world["community"],
                                        geom=square(116.74, 36.54, 0.005)), "grid_l5_has_parent")
    Grid.objects.create(code="3701120010010101", name="有上级", level=5, parent=world["g4"], community=world["community"],
                        geom=square(116.74, 36.54, 0.005))
    # full_clean also refuses an L5 whose parent is not a level-4 grid.
    l5 = Grid.objects.get(code="3701120010010101")
    orphan = Grid(code="3701120010010199", name="五下五", level=5, parent=l5, community=world["community"], geom=square(116.74, 36.54, 0.002))
    with pytest.raises(ValidationError) as err:
        orphan.full_clean()
    assert "parent" in err.value.message_dict


def test_a_street_or_community_without_parent_is_refused():
    refused(lambda: AdminArea.objects.create(code="370112001000", name="孤立街道", level="street", geom=square(116.7, 36.5, 0.01)),
            "adminarea_parent_required")


@pytest.mark.parametrize("make, constraint", [
    (lambda w: AdminArea.objects.create(code="370112001009", name="x", level="city", parent=w["street"], geom=square(116.7, 36.5, 0.01)),
     "adminarea_level_valid"),
    (lambda w: AdminArea.objects.create(code="37011200100", name="x", level="community", parent=w["street"], geom=square(116.7, 36.5, 0.01)),
     "adminarea_code_12_digits"),
    (lambda w: Grid.objects.create(code="37011200100109", name="x", level=3, parent=w["g4"], community=w["community"], geom=square(116.7, 36.5, 0.01)),
     "grid_level_4_or_5"),
    (lambda w: Grid.objects.create(code="37011200100109", name="x", level=4, kind="special", community=w["community"],
                                   geom=square(116.7, 36.5, 0.01)), ("grid_kind_valid", "grid_dedicated_type_matches_kind")),
    (lambda w: Grid.objects.create(code="37011200100109", name="x", level=4, kind="dedicated", community=w["community"],
                                   geom=square(116.7, 36.5, 0.01)), "grid_dedicated_type_matches_kind"),
    (lambda w: Grid.objects.create(code="3701-12", name="x", level=4, community=w["community"], geom=square(116.7, 36.5, 0.01)),
     "grid_code_digits"),
    (lambda w: BoundaryLine.objects.create(code="B009", name="x", level="village", side_a_code="1", side_a_name="a", side_b_code="2",
                                           side_b_name="b", geom=MultiLineString(LineString((116.7, 36.5), (116.8, 36.5)), srid=4490)),
     "boundaryline_level_valid"),
    (lambda w: BoundaryMarker.objects.create(number="B001009X", line=w["line"], marker_type="quad", geom=Point(116.7, 36.55, srid=4490)),
     "boundarymarker_type_valid"),
    (lambda w: BoundaryMarker.objects.create(number="B001009Q", line=w["line"], material="wood", geom=Point(116.7, 36.55, srid=4490)),
     "boundarymarker_material_valid"),
    (lambda w: Road.objects.create(code="R9", name="丙路", status="named", category="highway",
                                   geom=MultiLineString(LineString((116.7, 36.5), (116.8, 36.5)), srid=4490)), "road_category_valid"),
    # Facility types are data (a foreign key, tests/facilities/test_models.py); the status is a choice.
    (lambda w: Facility.objects.create(facility_type_id="day_care", status="zoo", name="x", geom=Point(116.7, 36.55, srid=4490)),
     "facility_status_valid"),
], ids=["area-level", "area-code", "grid-level", "grid-kind", "grid-dedicated-type", "grid-code", "line-level", "marker-type",
        "marker-material", "road-category", "facility-status"])
def test_values_outside_the_choices_are_refused(world, make, constraint):
    refused(lambda: make(world), constraint)


def test_the_grid_code_pattern_is_a_setting(world, settings):
    g = Grid(code="3701120010010", name="十三位", level=4, community=world["community"], geom=square(116.75, 36.55, 0.005))
    with pytest.raises(ValidationError) as err:
        g.full_clean()
    assert "3701120010010" in str(err.value.message_dict["code"])
    settings.GEOGRID_GRID_CODE_PATTERNS = {4: r"^\d{13}$", 5: r"^\d{15,16}$"}
    g.full_clean()  # a district whose local rule is 13 digits


def geometry_fields():
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, gis_models.GeometryField) and model._meta.app_label in ("grids", "incidents", "patrols", "placenames", "boundaries", "facilities"):
                yield model, f


def test_every_geometry_column_has_a_spatial_index_and_srid_4490():
    fields = list(geometry_fields())
    assert len(fields) >= 9
    with connection.cursor() as cur:
        cur.execute("SELECT tablename, indexdef FROM pg_indexes WHERE indexdef ILIKE '%USING gist%'")
        gist = cur.fetchall()
    for model, f in fields:
        assert f.srid == 4490, (model, f.name)
        table, column = model._meta.db_table, f.column
        assert any(t == table and re.search(rf"\(\s*{column}\s*\)", d) for t, d in gist), f"{table}.{column} has no GiST index"


def test_every_model_has_a_chinese_verbose_name():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    from django.utils import translation

    with translation.override("zh-hans"):
        for model in apps.get_models():
            if model.__module__.startswith("geogrid."):
                assert cjk.search(str(model._meta.verbose_name)), model
