"""Test data for the incident tests: a district with two streets, three communities, four L4 grids
and one L5 grid, a user of every role, the seeded categories and functional departments (城管 and
住建 with a user each).

    x: 116.70      116.725       116.75                 116.80
 36.60 +------------+------------+----------------------+
       |  C2 / G4c (street S1)   |                      |
 36.55 +------------+------------+   C3 / G4d (S2)      |
       | G4a (G5a w)|   G4b      |                      |
       |  C1 (street S1)         |                      |
 36.50 +------------+------------+----------------------+
"""
import io
from datetime import timedelta

from django.contrib.auth.models import Group
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from geogrid.accounts.departments import seed_departments
from geogrid.accounts.models import Department, User
from geogrid.accounts.roles import Role
from geogrid.grids.models import AdminArea, Grid, GridMember
from geogrid.incidents.models import IncidentCategory
from geogrid.incidents.seed import seed
from geogrid.incidents.services import report_incident, transition
from tests.support import box

P_G5A = (116.705, 36.52)  # in G5a (and G4a), community C1, street S1
P_G4A = (116.72, 36.52)  # in G4a, not in G5a
P_G4B = (116.74, 36.52)  # in G4b, C1
P_G4C = (116.73, 36.57)  # in G4c, C2
P_G4D = (116.77, 36.52)  # in G4d, C3, street S2
P_OUT = (117.5, 36.0)


def user(username, *roles, area=None, **kw):
    u = User.objects.create_user(username, password="pw-12345678", full_name=kw.pop("full_name", username), area=area, **kw)
    for r in roles:
        u.groups.add(Group.objects.get_or_create(name=str(r))[0])
    return u


def world(working_time=False):
    """The district below. Its categories count time round the clock unless working_time: the
    tests of stage arithmetic read in plain hours; the working-time clock has tests of its own
    (tests/workflow/test_worktime.py, tests/incidents/test_working_time.py)."""
    seed(IncidentCategory)
    IncidentCategory.objects.update(working_time=working_time)
    d = AdminArea.objects.create(code="370112000000", name="测试区", level="district", geom=box(116.70, 36.50, 116.80, 36.60))
    s1 = AdminArea.objects.create(code="370112001000", name="一街道", level="street", parent=d, geom=box(116.70, 36.50, 116.75, 36.60))
    s2 = AdminArea.objects.create(code="370112002000", name="二街道", level="street", parent=d, geom=box(116.75, 36.50, 116.80, 36.60))
    c1 = AdminArea.objects.create(code="370112001001", name="一社区", level="community", parent=s1, geom=box(116.70, 36.50, 116.75, 36.55))
    c2 = AdminArea.objects.create(code="370112001002", name="二社区", level="community", parent=s1, geom=box(116.70, 36.55, 116.75, 36.60))
    c3 = AdminArea.objects.create(code="370112002001", name="三社区", level="community", parent=s2, geom=box(116.75, 36.50, 116.80, 36.60))
    g4a = Grid.objects.create(code="37011200100101", name="甲网格", level=4, community=c1, geom=box(116.70, 36.50, 116.725, 36.55))
    g4b = Grid.objects.create(code="37011200100102", name="乙网格", level=4, community=c1, geom=box(116.725, 36.50, 116.75, 36.55))
    g4c = Grid.objects.create(code="37011200100201", name="丙网格", level=4, community=c2, geom=box(116.70, 36.55, 116.75, 36.60))
    g4d = Grid.objects.create(code="37011200200101", name="丁网格", level=4, community=c3, geom=box(116.75, 36.50, 116.80, 36.60))
    g5a = Grid.objects.create(code="3701120010010101", name="甲一小网格", level=5, parent=g4a, community=c1,
                              geom=box(116.70, 36.50, 116.7125, 36.55))
    w = dict(district=d, s1=s1, s2=s2, c1=c1, c2=c2, c3=c3, g4a=g4a, g4b=g4b, g4c=g4c, g4d=g4d, g5a=g5a)
    w["m_a"] = user("m_a", Role.GRID_MEMBER, full_name="甲网格员")
    w["m_b"] = user("m_b", Role.GRID_MEMBER, full_name="乙网格员")
    w["m_d"] = user("m_d", Role.GRID_MEMBER, full_name="丁网格员")
    w["head_a"] = user("head_a", Role.GRID_HEAD, full_name="甲网格长")
    GridMember.objects.create(user=w["m_a"], grid=g4a, role="fulltime")
    GridMember.objects.create(user=w["m_b"], grid=g4b, role="fulltime")
    GridMember.objects.create(user=w["m_d"], grid=g4d, role="fulltime")
    GridMember.objects.create(user=w["head_a"], grid=g4a, role="head")
    w["cs1"] = user("cs1", Role.COMMUNITY_STAFF, area=c1, full_name="一社区干事")
    w["cs2"] = user("cs2", Role.COMMUNITY_STAFF, area=c2, full_name="二社区干事")
    w["cs3"] = user("cs3", Role.COMMUNITY_STAFF, area=c3, full_name="三社区干事")
    w["sd1"] = user("sd1", Role.STREET_DISPATCHER, area=s1, full_name="一街道调度")
    w["sd2"] = user("sd2", Role.STREET_DISPATCHER, area=s2, full_name="二街道调度")
    w["da"] = user("da", Role.DISTRICT_ADMIN, area=d, full_name="区管理员")
    w["pn"] = user("pn", Role.PLACENAME_STAFF, full_name="地名科")
    # District functional departments (the seed's), each with a handling user.
    seed_departments(Department)
    w["dept_um"] = Department.objects.get(code="urban_management")  # 城管
    w["dept_hc"] = Department.objects.get(code="housing_construction")  # 住建
    w["dp_um"] = user("dp_um", Role.DEPARTMENT_STAFF, department=w["dept_um"], full_name="城管队员")
    w["dp_hc"] = user("dp_hc", Role.DEPARTMENT_STAFF, department=w["dept_hc"], full_name="住建科员")
    return w


def category(code="environment"):
    return IncidentCategory.objects.get(code=code)


def pt(lonlat):
    return Point(*lonlat, srid=4490)


def jpeg_bytes(size=(640, 480), color=(200, 60, 60), fmt="JPEG", gps=False):
    """An image; gps=True adds the EXIF a phone camera writes (make and GPS position)."""
    buf = io.BytesIO()
    extra = {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "TestCam"  # Make
        exif[0x8825] = {1: "N", 2: (36.0, 31.0, 12.0), 3: "E", 4: (116.0, 42.0, 18.0)}  # GPSInfo
        extra["exif"] = exif
    Image.new("RGB", size, color).save(buf, fmt, **extra)
    return buf.getvalue()


def jpeg_upload(name="photo.jpg", **kw):
    return SimpleUploadedFile(name, jpeg_bytes(**kw), content_type="image/jpeg")


def report(w, who="m_a", at=P_G5A, cat="environment", **kw):
    return report_incident(w[who], category=category(cat), description=kw.pop("description", "垃圾堆放"), lon=at[0], lat=at[1], **kw)


def walk(w, incident, *steps):
    """Perform (action, user key, fields) steps in order; returns the incident."""
    for action, who, *rest in steps:
        fields = rest[0] if rest else {}
        incident = transition(incident, action, w[who], **fields)
    return incident


# --- a case set with known figures (statistics, home, query budget) -----------------------------------
G4A, G4B, G4C, G4D = "37011200100101", "37011200100102", "37011200100201", "37011200200101"


def step(inc, action, user, at, **fields):
    return transition(inc, action, user, fields.pop("note", "ok"), now=at, **fields)


def close_case(w, inc, t0, hours):
    """register, dispatch, accept, report back, verify, close at t0 + these hours."""
    for (action, who, extra), h in zip(
        [("register", "cs1", {}), ("dispatch", "cs1", {"assignee": w["m_a"]}), ("accept", "m_a", {}), ("report", "m_a", {}),
         ("verify", "cs1", {}), ("close", "cs1", {})], hours):
        inc = step(inc, action, w[who], t0 + timedelta(hours=h), **extra)
    return inc


def built():
    """The purpose-built case set (environment, immediate: stage limits 2/4/2/12/12/12 h):

    A  G4a v1  closed on time, 7 h                 B  G4a v1 (G5a)  closed, 1st stage late, 9 h
    F  G4a v2  reported now, open                  C  G4b  dispute, open, overdue since t0+4 h
    D  G4c     reported now by cs1 (C1 staff), open E  G4d  rejected (street S2)
    """
    w = world()
    t0 = timezone.now() - timedelta(days=10)
    Grid.objects.update(valid_from=t0 - timedelta(days=1))
    Grid.objects.filter(code=G4A).update(population=2000)
    Grid.objects.filter(code=G4B).update(population=0)
    Grid.objects.filter(code=G4D).update(population=500)
    w["t0"] = t0
    w["A"] = close_case(w, report(w, at=P_G4A, now=t0), t0, [1, 2, 3, 5, 6, 7])
    w["B"] = close_case(w, report(w, at=P_G5A, now=t0), t0, [3, 4, 5, 6, 7, 9])
    w["C"] = report(w, at=P_G4B, cat="dispute", now=t0)
    w["E"] = step(report(w, who="m_d", at=P_G4D, now=t0), "reject", w["sd2"], t0 + timedelta(hours=1), note="不属实")
    # Redraw G4a (version 2, more people): the new case lands in v2, counted with v1 by code.
    g = w["g4a"]
    cut = timezone.now() - timedelta(days=1)
    Grid.objects.filter(pk=g.pk).update(valid_to=cut)
    w["g4a2"] = Grid.objects.create(code=G4A, name="甲网格（新）", level=4, community=g.community, geom=g.geom, version=2,
                                    valid_from=cut, population=3000)
    w["F"] = report(w, at=P_G4A)
    w["D"] = report(w, who="cs1", at=P_G4C)
    return w
