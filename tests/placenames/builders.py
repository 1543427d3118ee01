"""A small purpose-built town for the place-name tests: two districts of one city, roads in both.

    x: 116.70            116.75            116.80           116.85
 36.60 +-------------------+-----------------+----------------+
       |  测试区 370112 (street 一街道)     |  邻区 370113    |
       |   泉城路 ————————                   |   全程路 ———     |   (named roads, homophones)
       |   规划一路 ———— (unnamed)           |                 |
       |   规划二路 ———— (unnamed)           |                 |
 36.50 +-------------------+-----------------+----------------+
"""
from django.contrib.auth.models import Group
from django.contrib.gis.geos import LineString, MultiLineString

from geogrid.accounts.models import User
from geogrid.accounts.roles import Role
from geogrid.grids.models import AdminArea
from geogrid.placenames.models import Road
from tests.support import box

PASSWORD = "pw-12345678"


def mline(*coords):
    return MultiLineString(LineString(*coords), srid=4490)


def user(username, *roles, **kw):
    u = User.objects.create_user(username, password=PASSWORD, full_name=kw.pop("full_name", username), **kw)
    for r in roles:
        u.groups.add(Group.objects.get_or_create(name=str(r))[0])
    return u


def road(code, name, y, x0=116.71, x1=116.74, status=None, area=None, **kw):
    status = status or ("named" if name else "unnamed")
    specific, generic = (name[:-1], name[-1]) if name else ("", "")
    return Road.objects.create(code=code, name=name, specific=specific, generic=generic, status=status, area=area,
                               geom=mline((x0, y), (x1, y)), **kw)


def town():
    d = AdminArea.objects.create(code="370112000000", name="测试区", level="district", geom=box(116.70, 36.50, 116.80, 36.60))
    s = AdminArea.objects.create(code="370112001000", name="一街道", level="street", parent=d, geom=box(116.70, 36.50, 116.80, 36.60))
    other = AdminArea.objects.create(code="370113000000", name="邻区", level="district", geom=box(116.80, 36.50, 116.85, 36.60))
    w = {"district": d, "street": s, "other": other}
    w["quancheng"] = road("370112DL001", "泉城路", 36.58, area=s, pinyin="Quancheng Lu")
    w["quancheng_other"] = road("370113DL001", "全程路", 36.58, 116.81, 116.84, area=other, pinyin="Quancheng Lu")
    w["retired"] = road("370112DL002", "大石路", 36.57, status="retired", area=s)
    w["unnamed1"] = road("370112DL010", "", 36.55, area=s, working_name="规划一路")
    w["unnamed2"] = road("370112DL011", "", 36.54, area=s, working_name="规划二路")
    w["unnamed3"] = road("370112DL012", "", 36.53, area=s, working_name="规划三路")
    w["pn"] = user("pn", Role.PLACENAME_STAFF, full_name="地名科小李")
    w["da"] = user("da", Role.DISTRICT_ADMIN, full_name="区管理员", area=d)
    w["gm"] = user("gm", Role.GRID_MEMBER, full_name="网格员")
    return w
