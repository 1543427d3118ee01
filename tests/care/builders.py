"""Care test data on top of tests.support.world: a second level-5 grid (G5d in G4d, street S2), a
building and households in G5a (inside G4a, where m_a and head_a are on duty) and G5d (m_d), and
care subjects with well-formed fake ID and phone numbers.

    G5a (116.70–116.7125, C1, S1): 1号楼 — household H1 王秀英 (独居/空巢老人, 7 days, m_a)
                                          household H2 李建国 (低保对象, 30 days, nobody)
    G5d (116.75–116.775, C3, S2):         household H3 赵德明 (残疾人, 30 days, m_d)
"""
from datetime import timedelta

from django.utils import timezone

from geogrid.care.models import Building, CareCategory, CareSubject, Household
from geogrid.care.privacy import id_check_digit
from geogrid.care.seed import seed
from geogrid.care.services import recompute_schedule
from geogrid.grids.models import Grid
from tests.support import box
from tests.support.world import pt, world

P_H1 = (116.705, 36.52)
P_H2 = (116.706, 36.53)
P_H3 = (116.76, 36.52)


def id_number(first17):
    return first17 + id_check_digit(first17)


def subject(household, name, cats, responsible=None, since=None, id17="37010219450101123", phone="13812345678"):
    s = CareSubject.objects.create(household=household, name=name, id_number=id_number(id17) if id17 else "", phone=phone,
                                   responsible=responsible, since=since or timezone.now())
    s.categories.set(CareCategory.objects.filter(code__in=cats))
    return recompute_schedule(s)


def care_world(t0=None):
    """world() plus the care data above (subjects sub1, sub2, sub3); subjects taken into care at t0 (default: 10 days ago)."""
    return add_care(world(), t0)


def add_care(w, t0=None):
    """The care data above on a world() built already (tests/support/records.py adds it to the boundary world)."""
    seed(CareCategory)
    t0 = t0 or timezone.now() - timedelta(days=10)
    w["t0"] = t0
    w["g5d"] = Grid.objects.create(code="3701120020010101", name="丁一小网格", level=5, parent=w["g4d"], community=w["c3"],
                                   geom=box(116.75, 36.50, 116.775, 36.55))
    Grid.objects.update(valid_from=t0 - timedelta(days=1))  # visits (and the cases of needs) are dated from t0 on
    for key in ("g4a", "g4b", "g4c", "g4d", "g5a", "g5d"):
        w[key].refresh_from_db()
    w["b1"] = Building.objects.create(grid=w["g5a"], name="1号楼", address="甲路1号", geom=pt(P_H1))
    w["h1"] = Household.objects.create(grid=w["g5a"], building=w["b1"], address="甲路1号1单元101", size=1, geom=pt(P_H1))
    w["h2"] = Household.objects.create(grid=w["g5a"], address="甲路3号", size=3, geom=pt(P_H2))
    w["h3"] = Household.objects.create(grid=w["g5d"], address="丁路8号", size=2, geom=pt(P_H3))
    w["sub1"] = subject(w["h1"], "王秀英", ["elderly_alone"], w["m_a"], since=t0, id17="37010219450101123", phone="13812345678")
    w["sub2"] = subject(w["h2"], "李建国", ["minimum_living"], None, since=t0, id17="37010219700505432", phone="053188886666")
    w["sub3"] = subject(w["h3"], "赵德明", ["disabled"], w["m_d"], since=t0, id17="37011219600303765", phone="13998765432")
    return w
