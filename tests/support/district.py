"""A tiny purpose-built district with one of every spatial model (layers, locate, map, admin tests)."""
from django.contrib.gis.geos import LineString, MultiLineString, Point
from django.utils import timezone

from geogrid.accounts.models import User
from geogrid.boundaries.models import BoundaryLine, BoundaryMarker
from geogrid.facilities.models import Facility, FacilityType
from geogrid.facilities.seed import seed as seed_facility_types
from geogrid.grids.models import AdminArea, Grid, GridMember
from geogrid.placenames.models import Road, RoadSign
from tests.support import box


def mline(*coords):
    return MultiLineString(LineString(*coords), srid=4490)


def small_district():
    """One of everything around 116.75E 36.55N: district ⊃ street ⊃ community ⊃ two L4 grids
    (west A, east B, sharing the meridian 116.75) and one L5 grid in A; a road along 36.55N, a sign,
    a boundary line on the west edge with a marker, a facility at exactly 116.75, 36.55."""
    d = AdminArea.objects.create(code="370112000000", name="测试区", level="district", geom=box(116.70, 36.50, 116.80, 36.60))
    s = AdminArea.objects.create(code="370112001000", name="测试街道", level="street", parent=d, geom=box(116.70, 36.50, 116.80, 36.60))
    c = AdminArea.objects.create(code="370112001001", name="测试社区", level="community", parent=s, geom=box(116.74, 36.54, 116.76, 36.56))
    a = Grid.objects.create(code="37011200100101", name="西网格", level=4, community=c, households=120, population=300,
                            geom=box(116.74, 36.54, 116.75, 36.56))
    b = Grid.objects.create(code="37011200100102", name="东网格", level=4, community=c, kind="dedicated", dedicated_type="school",
                            geom=box(116.75, 36.54, 116.76, 36.56))
    a5 = Grid.objects.create(code="3701120010010101", name="西一小网格", level=5, parent=a, community=c, geom=box(116.74, 36.54, 116.75, 36.55))
    # An earlier version of B, closed: must not be published.
    Grid.objects.create(code="37011200100103", name="旧网格", level=4, community=c, geom=box(116.75, 36.54, 116.76, 36.56),
                        valid_from=timezone.now() - timezone.timedelta(days=30), valid_to=timezone.now() - timezone.timedelta(days=1))
    user = User.objects.create_user("wgy", password="x", full_name="王网格", phone="13800000001")
    GridMember.objects.create(user=user, grid=a, role="fulltime", phone="13800000001")
    road = Road.objects.create(code="R001", name="测试路", specific="测试", generic="路", pinyin="Ceshi Lu", category="arterial",
                               status="named", geom=mline((116.72, 36.55), (116.78, 36.55)), area=s)
    RoadSign.objects.create(code="S001", road=road, geom=Point(116.755, 36.551, srid=4490), name_text="测试路", pinyin_text="CESHI LU",
                            condition="damaged")
    line = BoundaryLine.objects.create(code="B001", name="测试区—邻区界线", side_a_code="370112000000", side_a_name="测试区",
                                       side_b_code="370113000000", side_b_name="邻区", area_a=d, geom=mline((116.70, 36.50), (116.70, 36.60)))
    BoundaryMarker.objects.create(number="B001001Q", line=line, geom=Point(116.70, 36.58, srid=4490), year_installed=2003)
    seed_facility_types(FacilityType)  # data (a migration seeds them; a transactional test's flush removes them)
    Facility.objects.create(facility_type_id="day_care", name="测试日间照料中心", address="测试路1号", geom=Point(116.75, 36.55, srid=4490),
                            capacity=40, area=c)
    return {"district": d, "street": s, "community": c, "grid_a": a, "grid_b": b, "grid_a5": a5, "road": road, "line": line}
