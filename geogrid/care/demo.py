"""Demo care data (synthetic): buildings, households and care subjects in the level-5 grids of the
demo community (geogrid.demo.loader calls load_care_demo after the grids and teams). Names are made
up, ID and phone numbers fake but well-formed (valid GB 11643 check digits). The demo grid's
member is responsible for most subjects of its four level-5 grids; their earlier visits are dated
back from the first load so that some are done, some due this week and some overdue.

Rows are keyed naturally (building: grid + name, household: grid + address, subject: household +
name) and made once: a second run finds them and writes nothing (no visits are added then)."""
import random
from datetime import timedelta

from django.contrib.gis.geos import Point
from django.utils import timezone

from geogrid.accounts.models import User
from geogrid.grids.models import Grid, GridMember

from .models import Building, CareCategory, CareSubject, Household
from .privacy import id_check_digit
from .seed import seed
from .services import recompute_schedule, record_visit

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["秀英", "桂兰", "玉珍", "凤英", "建国", "德明", "振华", "淑芬", "国强", "玉兰", "春生", "金凤", "子涵", "浩宇", "雨桐", "文博"]
# category codes per subject, cycled; children get a recent birth year
PLAN = [["elderly_alone"], ["minimum_living"], ["elderly_alone", "disabled"], ["extreme_poverty"], ["child_in_difficulty"],
        ["disabled"], ["elderly_alone", "minimum_living"], ["other"]]
# days since the last visit at which the person was seen, as a fraction of the interval (None: never visited)
LAST_SEEN = [0.2, 0.5, 0.9, 1.4, 0.1, 2.5, None, 0.6]


def _point_in(grid, rnd):
    box = grid.geom.extent
    for _i in range(200):
        p = Point(rnd.uniform(box[0], box[2]), rnd.uniform(box[1], box[3]), srid=4490)
        if grid.geom.contains(p):
            return p
    return grid.geom.point_on_surface


def _id_number(rnd, district, cats):
    year = rnd.randint(2012, 2018) if "child_in_difficulty" in cats else rnd.randint(1935, 1965)
    first = f"{district}{year}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}{rnd.randint(0, 999):03d}"
    return first + id_check_digit(first)


def load_care_demo(community_code, demo_grid, demo_username, now=None):
    """Returns (created, unchanged) subjects."""
    seed(CareCategory)
    now = now or timezone.now()
    rnd = random.Random(15)
    cats = {c.code: c for c in CareCategory.objects.all()}
    grids = list(Grid.objects.current().filter(level=5, community__code=community_code, kind=Grid.Kind.ORDINARY).select_related("parent").order_by("code"))
    members = {}
    for m in GridMember.objects.on_duty().filter(grid__code__in={g.parent.code for g in grids}, role__in=["fulltime", "building"]) \
            .select_related("user", "grid").order_by("grid__code", "role", "id"):
        members.setdefault((m.grid.code, m.role), m)
    demo_user = User.objects.filter(username=demo_username).first()
    created = unchanged = 0
    for gi, grid in enumerate(grids):
        mine = grid.parent.code == demo_grid
        n_homes = 6 if mine else 2
        fulltime = members.get((grid.parent.code, "fulltime"))
        head = members.get((grid.parent.code, "building"))
        building, _new = Building.objects.get_or_create(
            grid=grid, name=f"{gi % 9 + 1}号楼", defaults={"address": f"{grid.name}{gi % 9 + 1}号楼", "geom": _point_in(grid, rnd), "head": head})
        for hi in range(n_homes):
            address = f"{building.name}{hi // 2 + 1}单元{hi % 2 + 1}0{hi % 3 + 1}"
            home, _new = Household.objects.get_or_create(grid=grid, address=address, defaults={
                "building": building, "size": rnd.randint(1, 4), "geom": _point_in(grid, rnd)})
            k = (gi * 7 + hi) % len(PLAN)
            codes = PLAN[k]
            name = SURNAMES[(gi * 3 + hi) % len(SURNAMES)] + GIVEN[(gi + hi * 5) % len(GIVEN)]
            if CareSubject.objects.filter(household=home, name=name).exists():
                unchanged += 1
                continue
            responsible = (demo_user if mine and hi % 4 != 3 else None) if mine else (fulltime.user if fulltime else None)
            interval = min(cats[c].visit_interval_days for c in codes)
            last = LAST_SEEN[(gi + hi) % len(LAST_SEEN)]
            since = now - timedelta(days=interval * 3 + 5)
            subject = CareSubject.objects.create(
                household=home, name=name, id_number=_id_number(rnd, community_code[:6], codes) if hi % 3 != 2 else "",
                phone=f"13{rnd.randint(0, 9)}{rnd.randint(0, 99999999):08d}" if hi % 4 != 1 else "",
                responsible=responsible, since=since)
            subject.categories.set([cats[c] for c in codes])
            recompute_schedule(subject)
            created += 1
            visitor = responsible or (fulltime.user if fulltime else None)
            if visitor is None or last is None:
                continue
            # An earlier visit a full interval before, then the last one (seen), dated back from now.
            at = now - timedelta(days=interval * last)
            subject.household = home
            record_visit(visitor, subject, visited_at=at - timedelta(days=interval), seen=True, situation="身体状况稳定，生活能自理", now=now)
            record_visit(visitor, subject, visited_at=at, seen=hi % 5 != 4, situation="已了解近况，无新需求", now=now)
    return created, unchanged
