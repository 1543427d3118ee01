"""The boundary part of the demo (called by geogrid.demo.loader): the neighbouring district 长清区
as an area (a strip along the common line, so its inspector has a district to act for — the demo
holds no real outline of it), its inspector's login, and for the line 长清区—泉峪区 a joint
inspection planned for this year with both teams, a 平安边界 agreement due for renewal and an open
dispute. With demo_boundary (泉峪区) a two-party inspection runs by hand: start the field work,
walk the markers (/boundaries/inspections/N/walk/), confirm the other side's checks, draft, sign
on both sides, file. Idempotent: a second run finds everything and writes nothing. Names synthetic.
"""
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.gis.geos import MultiPolygon, Point
from django.utils import timezone

from geogrid.accounts.roles import Role
from geogrid.geo.features import read_features
from geogrid.grids.models import AdminArea

from .models import BoundaryAgreement, BoundaryDispute, BoundaryLine, InspectionMember, JointInspection

NEIGHBOUR = {"code": "370113000000", "name": "长清区", "line": "370113370190"}
STRIP_DEG = 0.02  # how far west of the common line the demo's piece of 长清区 reaches
INSPECTOR = {"username": "demo_boundary_cq", "full_name": "韩立新", "phone": "13845120377"}
OUR_INSPECTOR = "demo_boundary"


def load_neighbours(data_dir, district_code="370190000000"):
    """{code: AdminArea} of the neighbouring district (created once): a strip west of the common line,
    outside our district. Returns (areas, created)."""
    area = AdminArea.objects.filter(code=NEIGHBOUR["code"]).first()
    if area is not None:
        return {area.code: area}, 0
    line = next(f.geom for f in read_features(f"{data_dir}/boundary_lines.geojson") if f.properties["code"] == NEIGHBOUR["line"])
    ours = AdminArea.objects.get(code=district_code).geom
    strip = line.buffer(STRIP_DEG).difference(ours)
    parts = list(strip) if strip.geom_type == "MultiPolygon" else [strip]
    piece = max(parts, key=lambda p: p.area)
    area = AdminArea.objects.create(code=NEIGHBOUR["code"], name=NEIGHBOUR["name"], level=AdminArea.Level.DISTRICT,
                                    geom=MultiPolygon(piece, srid=4490))
    return {area.code: area}, 1


def load_inspection_demo(password, now=None):
    """The neighbour's inspector and the demo inspection, agreement and dispute; returns the number
    of rows created (0 on a second run)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    created = 0
    User = get_user_model()
    cq = User.objects.filter(username=INSPECTOR["username"]).first()
    if cq is None:
        cq = User.objects.create(username=INSPECTOR["username"], full_name=INSPECTOR["full_name"], phone=INSPECTOR["phone"], is_staff=True,
                                 password=make_password(password), area=AdminArea.objects.get(code=NEIGHBOUR["code"]))
        cq.groups.add(Group.objects.get(name=Role.BOUNDARY_INSPECTOR.value))
        created += 1
    ours = User.objects.get(username=OUR_INSPECTOR)
    line = BoundaryLine.objects.get(code=NEIGHBOUR["line"])
    if not JointInspection.objects.filter(line=line, year=today.year).exists():
        start = today + timedelta(days=7)
        insp = JointInspection.objects.create(
            line=line, year=today.year, party_a_code=line.side_a_code, party_a_name=line.side_a_name, party_b_code=line.side_b_code,
            party_b_name=line.side_b_name, planned_start=start, planned_end=start + timedelta(days=4), created_by=ours, created_at=now,
            state_entered_at=now)
        InspectionMember.objects.bulk_create([InspectionMember(inspection=insp, user=cq, side="a", leader=True),
                                              InspectionMember(inspection=insp, user=ours, side="b", leader=True)])
        created += 1
    if not BoundaryAgreement.objects.filter(line=line).exists():
        BoundaryAgreement.objects.create(line=line, title="长清区—泉峪区平安边界共建协议书", party_a_name=line.side_a_name,
                                         party_b_name=line.side_b_name, signed_on=date(today.year - 5, today.month, 1),
                                         valid_until=today + timedelta(days=60))
        created += 1
    if not BoundaryDispute.objects.filter(line=line).exists():
        c = line.geom[0].interpolate_normalized(0.4)
        BoundaryDispute.objects.create(line=line, geom=Point(c.x, c.y, srid=4490), parties="碧水社区与邻村村民",
                                       description="界线附近一处林地的管护范围有争议，双方各执一词。", reported_at=now - timedelta(days=20))
        created += 1
    return created
