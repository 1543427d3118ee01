"""Generate the synthetic demo district 泉峪区 (code 370190): a fictional district in the hills
south-west of Jinan. Deterministic (fixed seeds: two runs give byte-identical files), shapely and
pypinyin only (no Django). Run from the repository root:

    .venv/bin/python boundary_data/generate.py [--out DIR]

How the polygons tile exactly: every level (street, community, L4, L5) is first drawn in local
metres as Voronoi cells of seed points clipped to its parent. Then the boundaries of all L5 cells
and the district outline are noded ONCE on a 1e-6° grid and polygonized into faces; every face
goes to one L5 grid, and each parent is the union of its children's faces. So children tile their
parents by construction (shared edges are the same vertices), and the generator checks it.
"""
import argparse
import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import shapely
from pypinyin import lazy_pinyin
from shapely import affinity
from shapely.geometry import LineString, MultiLineString, MultiPoint, Point, Polygon, mapping
from shapely.strtree import STRtree

HERE = Path(__file__).resolve().parent
SEED = 370190
GRID = 1e-6  # degrees: the common precision grid (about 0.1 m), also the 6 decimals written out

# Local metric frame: x east, y north in metres around (LON0, LAT0).
LON0, LAT0 = 116.75, 36.55
KX = 111_320.0 * math.cos(math.radians(LAT0))  # metres per degree of longitude here
KY = 110_950.0  # metres per degree of latitude here

DISTRICT = {"code": "370190000000", "name": "泉峪区"}
SEAT_XY = (6_300.0, 3_700.0)  # 区政府驻地, towards Jinan city (north-east)

# (3-digit code, name, seed in metres, number of communities). 街道 001–099, 镇 100–199.
STREETS = [
    ("001", "泉峪街道", (6_000.0, 3_200.0), 6),
    ("002", "玉河街道", (8_300.0, 5_300.0), 6),
    ("003", "锦屏街道", (8_800.0, 1_500.0), 5),
    ("004", "凤岭街道", (4_200.0, 5_900.0), 5),
    ("101", "石庄镇", (-7_500.0, 3_500.0), 5),
    ("102", "柳峪镇", (-4_500.0, -5_500.0), 5),
    ("103", "桃峪镇", (3_500.0, -6_000.0), 4),
    ("104", "双泉镇", (11_000.0, -3_000.0), 4),
]
URBAN_NAMES = ["泉韵", "龙泉", "清源", "翠微", "东关", "西苑", "文昌", "兴隆", "和平", "康宁", "安泰", "明湖",
               "书院", "花园", "新华", "春晖", "祥和", "丰泽", "碧水", "望岳", "映山", "秀水"]
VILLAGE_NAMES = ["石门", "柳沟", "杏峪", "王家峪", "马山", "西河", "黄崖", "桃园", "梨峪", "白土岗", "上寨", "下寨",
                 "孙家峪", "核桃峪", "苇泉", "大峪", "小峪", "石湾"]
DEDICATED_URBAN = ["school", "market", "hospital", "enterprise", "park", "school"]
DEDICATED_RURAL = ["school", "enterprise", "park", "market"]
CN_NUM = "零一二三四五六七八九十"

SURNAMES = list("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯史陶贺顾毛郝龚邵万钱严武戴孔汤")
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
         "平", "刚", "桂英", "华", "建国", "建华", "玉兰", "志强", "海燕", "红梅", "淑珍", "立新", "春燕", "晓东", "文博",
         "子涵", "雨欣", "浩然", "思远", "宏伟", "振华", "国庆", "秀兰", "凤英", "德胜", "玉芬", "成刚", "丽华", "海涛"]


def cn_number(n):
    if n <= 10:
        return CN_NUM[n]
    if n < 20:
        return "十" + (CN_NUM[n - 10] if n > 10 else "")
    return CN_NUM[n // 10] + "十" + (CN_NUM[n % 10] if n % 10 else "")


# --- geometry helpers ---------------------------------------------------------------------------
def to_deg(geom):
    """Local metres → lon/lat degrees (CGCS2000 values; a synthetic frame, fine at this scale)."""
    return shapely.transform(geom, lambda c: c / np.array([KX, KY]) + np.array([LON0, LAT0]))


def to_m(geom):
    return shapely.transform(geom, lambda c: (c - np.array([LON0, LAT0])) * np.array([KX, KY]))


def xy_to_lonlat(x, y):
    return LON0 + x / KX, LAT0 + y / KY


def round6(geom):
    """Coordinates rounded to 6 decimals: what is written is what was checked."""
    return shapely.transform(geom, lambda c: np.round(c, 6))


def district_outline(rng):
    """An irregular star-shaped polygon of about 420 km² (hilly outline), in metres."""
    n = 180
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(5)]
    amps = [0.16, 0.09, 0.06, 0.035, 0.02]
    freqs = [2, 3, 5, 8, 13]
    pts = []
    for i in range(n):
        t = 2 * math.pi * i / n
        r = 1.0 + sum(a * math.sin(f * t + p) for a, f, p in zip(amps, freqs, phases)) + rng.uniform(-0.012, 0.012)
        pts.append((1.18 * r * math.cos(t), 0.86 * r * math.sin(t)))
    unit = Polygon(pts)
    scale = math.sqrt(420e6 / unit.area)
    return affinity.scale(unit, scale, scale, origin=(0, 0))


def sample_points(rng, poly, n, spread=0.75):
    """n points inside poly, no two closer than spread·sqrt(area/n) (relaxed when crowded)."""
    r = spread * math.sqrt(poly.area / n)
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    pts, tries = [], 0
    while len(pts) < n:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        tries += 1
        if tries > 4000:
            r *= 0.85
            tries = 0
        if not poly.contains(Point(x, y)):
            continue
        if all((x - a) ** 2 + (y - b) ** 2 >= r * r for a, b in pts):
            pts.append((x, y))
    return pts


def clip_cells(parent, seeds):
    """Voronoi cells of seeds clipped to parent, one single polygon per seed (float phase)."""
    pad = parent.buffer(2_000).envelope
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=pad, ordered=True)
    parts = [cell.intersection(parent) for cell in cells.geoms]
    # A cell cut by a concave parent can fall in pieces: keep the piece with the seed, give the
    # other pieces to the neighbour sharing most of their outline.
    extras = []
    for i, g in enumerate(parts):
        if g.geom_type != "Polygon":
            polys = [p for p in getattr(g, "geoms", [g]) if p.geom_type == "Polygon" and p.area > 0]
            seed = Point(seeds[i])
            main = next((p for p in polys if p.buffer(1e-6).contains(seed)), max(polys, key=lambda p: p.area))
            extras += [p for p in polys if p is not main]
            parts[i] = main
    for piece in sorted(extras, key=lambda p: -p.area):
        touch = [(parts[j].intersection(piece.buffer(1.0)).area, j) for j in range(len(parts))]
        _, j = max(touch)
        merged = shapely.union(parts[j], piece.buffer(0.01)).intersection(parent)
        parts[j] = merged if merged.geom_type == "Polygon" else max(merged.geoms, key=lambda p: p.area)
    return parts


def partition(rng, parent, n, relax=2, fixed=None):
    """Split parent into n cells: Poisson-ish seeds (or fixed ones), Lloyd-relaxed."""
    seeds = list(fixed) if fixed else sample_points(rng, parent, n)
    for _ in range(relax if not fixed else 0):
        cells = clip_cells(parent, seeds)
        seeds = []
        for c in cells:
            p = c.centroid
            seeds.append((p.x, p.y) if c.contains(p) else (c.representative_point().x, c.representative_point().y))
    return seeds, clip_cells(parent, seeds)


def smooth_path(rng, a, b, wiggle, n=12):
    """A meandering polyline from a to b (metres): sums of sines perpendicular to the chord."""
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    length = math.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    ph = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    pts = []
    for i in range(n + 1):
        t = i / n
        off = wiggle * length * (math.sin(math.pi * t) * (0.6 * math.sin(2 * math.pi * t + ph[0]) + 0.3 * math.sin(5 * math.pi * t + ph[1])
                                                          + 0.1 * math.sin(9 * math.pi * t + ph[2])))
        pts.append((x0 + dx * t + nx * off, y0 + dy * t + ny * off))
    return LineString(pts)


def azimuth(dx, dy):
    """Bearing in degrees, 0 = north, clockwise."""
    return math.degrees(math.atan2(dx, dy)) % 360


# --- pinyin (1984 rules, GB/T 16159-2012; see STANDARDS.md) --------------------------------------
def _word(chars):
    syl = lazy_pinyin(chars)
    out = syl[0]
    for s in syl[1:]:
        out += ("'" if s[0] in "aoe" else "") + s  # 永安 → Yong'an
    return out[:1].upper() + out[1:]


def road_pinyin(specific, generic):
    """泉峪 + 路 → Quanyu Lu; 泉峪东 + 路 → Quanyu Donglu (a one-syllable modifier joins its part)."""
    if len(specific) >= 3 and specific[-1] in "东西南北中":
        specific, generic = specific[:-1], specific[-1] + generic
    return f"{_word(specific)} {_word(generic)}"


# --- the generator --------------------------------------------------------------------------------
class Units:
    """The area hierarchy while it is built: dicts with code, name, parent code, float geometry."""

    def __init__(self):
        self.streets, self.communities, self.l4, self.l5 = [], [], [], []


def build_areas(rng):
    u = Units()
    district_m = district_outline(rng)
    seat = Point(SEAT_XY)
    street_seeds = [s[2] for s in STREETS]
    _, street_cells = partition(rng, district_m, len(STREETS), fixed=street_seeds)
    urban_names, village_names = list(URBAN_NAMES), list(VILLAGE_NAMES)
    for (scode, sname, _seed, ncom), cell in zip(STREETS, street_cells):
        town = scode >= "100"
        code = f"370190{scode}000"
        u.streets.append({"code": code, "name": sname, "geom": cell, "town": town})
        _, com_cells = partition(rng, cell, ncom)
        for k, ccell in enumerate(sorted(com_cells, key=lambda c: (-round(c.centroid.y, -2), c.centroid.x))):
            if town:
                cname = village_names.pop(0) + "村"
                ccode = f"370190{scode}{201 + k:03d}"  # 村委会 200–399
            else:
                cname = urban_names.pop(0) + "社区"
                ccode = f"370190{scode}{1 + k:03d}"  # 居委会 001–199
            u.communities.append({"code": ccode, "name": cname, "parent": code, "geom": ccell, "town": town})
    # Level-4 grids: urban communities get more (and smaller) grids than villages.
    for com in u.communities:
        n4 = rng.randint(4, 6) if com["town"] else rng.randint(8, 11)
        _, g4cells = partition(rng, com["geom"], n4)
        g4cells = sorted(g4cells, key=lambda c: (-round(c.centroid.y, -2), c.centroid.x))
        pool = DEDICATED_RURAL if com["town"] else DEDICATED_URBAN
        ndedicated = (rng.random() < 0.6) if com["town"] else rng.randint(1, 2)
        dedicated_at = set(rng.sample(range(n4), ndedicated))
        ordinary_no = 0
        short = com["name"][:-1] if com["town"] else com["name"][:-2]
        used_types = []
        for k, gcell in enumerate(g4cells):
            code = f"{com['code']}{k + 1:02d}"
            if k in dedicated_at:
                dtype = next(t for t in pool[rng.randrange(len(pool)):] + pool if t not in used_types)
                used_types.append(dtype)
                name = institution_name(rng, short, dtype, com["town"]) + "专属网格"
                kind = "dedicated"
            else:
                ordinary_no += 1
                dtype, kind = "", "ordinary"
                name = f"{com['name']}第{cn_number(ordinary_no)}网格"
            u.l4.append({"code": code, "name": name, "kind": kind, "dedicated_type": dtype, "community": com["code"],
                         "geom": gcell, "town": com["town"]})
    for g4 in u.l4:
        if g4["kind"] == "dedicated":
            n5 = rng.randint(2, 3)
        else:
            n5 = rng.randint(3, 5) if g4["town"] else rng.randint(4, 5)
        _, g5cells = partition(rng, g4["geom"], n5, relax=1)
        g5cells = sorted(g5cells, key=lambda c: (-round(c.centroid.y, -1), c.centroid.x))
        for k, cell in enumerate(g5cells):
            d = cell.centroid.distance(seat)
            if g4["kind"] == "dedicated":
                households = rng.randint(0, 12)
                population = households * 3 + {"school": rng.randint(300, 1200), "hospital": rng.randint(150, 600),
                                                "market": rng.randint(30, 160), "enterprise": rng.randint(80, 500),
                                                "park": rng.randint(120, 700)}[g4["dedicated_type"]]
            else:
                base = 30 + 140 * math.exp(-d / 3_500.0)
                households = max(8, round(base * rng.uniform(0.75, 1.25)))
                population = round(households * rng.uniform(2.5, 3.0))
            u.l5.append({"code": f"{g4['code']}{k + 1:02d}", "name": f"{g4['name']}{k + 1}号微网格", "parent": g4["code"],
                         "community": g4["community"], "kind": g4["kind"], "dedicated_type": g4["dedicated_type"],
                         "households": households, "population": population, "geom": cell})
    return u, district_m


INDUSTRY = ["建材", "机械", "食品", "纺织", "新材料", "物流", "制药"]


def institution_name(rng, short, dtype, town):
    if dtype == "school":
        return f"{short}{'小学' if town or rng.random() < 0.5 else '中学'}"
    if dtype == "market":
        return f"{short}农贸市场"
    if dtype == "hospital":
        return f"{short}社区卫生服务中心"
    if dtype == "enterprise":
        return f"泉峪{short}{rng.choice(INDUSTRY)}有限公司"
    return f"{short}{'农业' if town else '科创'}产业园"


def node_and_tile(u, district_m):
    """The exact tiling on the 1e-6° grid (see the module docstring). Replaces every unit's float
    geometry by its degree geometry built from shared faces."""
    l5_deg = [to_deg(g["geom"]) for g in u.l5]
    lines = [to_deg(district_m).boundary] + [g.boundary for g in l5_deg]
    noded = shapely.union_all(lines, grid_size=GRID)
    faces = [round6(f) for f in shapely.polygonize(list(getattr(noded, "geoms", [noded]))).geoms]
    faces = [f for f in faces if f.area > 0]
    tree = STRtree(l5_deg)
    owner = []
    for f in faces:
        rp = f.representative_point()
        hits = [int(i) for i in tree.query(rp, predicate="intersects")]
        if len(hits) != 1:
            cands = [int(i) for i in tree.query(f)] or [int(tree.nearest(rp))]
            hits = [max(cands, key=lambda i: l5_deg[i].intersection(f).area)]
        owner.append(hits[0])
    owner = fix_components(faces, owner, len(u.l5))
    by_l5 = [[] for _ in u.l5]
    for f, o in zip(faces, owner):
        by_l5[o].append(f)
    for g, fs in zip(u.l5, by_l5):
        g["geom"] = round6(shapely.union_all(fs, grid_size=GRID))
    roll_up(u)


def fix_components(faces, owner, n):
    """Give every face of a unit's minor (disconnected) pieces to the neighbour sharing the most
    edge with that piece, until each unit is one piece."""
    tree = STRtree(faces)
    for _round in range(10):
        changed = False
        groups = {}
        for i, o in enumerate(owner):
            groups.setdefault(o, []).append(i)
        for o, idx in sorted(groups.items()):
            merged = shapely.union_all([faces[i] for i in idx], grid_size=GRID)
            if merged.geom_type == "Polygon":
                continue
            main = max(merged.geoms, key=lambda p: p.area)
            for piece in merged.geoms:
                if piece is main or piece.equals(main):
                    continue
                members = [i for i in idx if piece.contains(faces[i].representative_point())]
                share = {}
                for i in members:
                    for j in tree.query(faces[i], predicate="intersects"):
                        j = int(j)
                        if owner[j] != o:
                            share[owner[j]] = share.get(owner[j], 0) + faces[i].intersection(faces[j]).length
                if share:
                    target = max(sorted(share), key=lambda k: share[k])
                    for i in members:
                        owner[i] = target
                    changed = True
        if not changed:
            return owner
    raise SystemExit("could not make every grid one piece")


def roll_up(u):
    """Parents as unions of their children (exact, same vertices)."""
    def union_of(children):
        return round6(shapely.union_all([c["geom"] for c in children], grid_size=GRID))

    for g4 in u.l4:
        g4["children"] = [g for g in u.l5 if g["parent"] == g4["code"]]
        g4["geom"] = union_of(g4["children"])
    for c in u.communities:
        c["children"] = [g for g in u.l4 if g["community"] == c["code"]]
        c["geom"] = union_of(c["children"])
    for s in u.streets:
        s["children"] = [c for c in u.communities if c["parent"] == s["code"]]
        s["geom"] = union_of(s["children"])
    u.district = {"code": DISTRICT["code"], "name": DISTRICT["name"], "geom": union_of(u.streets), "children": u.streets}


def verify_tiling(u):
    """Children tile parents: same area within 1e-9 (relative), no overlaps, valid, one piece."""
    parents = [u.district] + u.streets + u.communities + u.l4
    for p in parents:
        kids = p["children"]
        total = sum(k["geom"].area for k in kids)
        rel = abs(total - p["geom"].area) / p["geom"].area
        if rel > 1e-9:
            raise SystemExit(f"{p['code']}: children area differs by {rel:.2e}")
        geoms = [k["geom"] for k in kids]
        tree = STRtree(geoms)
        for i, g in enumerate(geoms):
            for j in tree.query(g, predicate="intersects"):
                if int(j) > i and g.intersection(geoms[int(j)]).area > 0:
                    raise SystemExit(f"overlap between {kids[i]['code']} and {kids[int(j)]['code']}")
    for g in parents + u.l5:
        if not g["geom"].is_valid or g["geom"].geom_type != "Polygon":
            raise SystemExit(f"{g['code']}: {shapely.is_valid_reason(g['geom'])} {g['geom'].geom_type}")


# --- roads and signs ------------------------------------------------------------------------------
def build_roads(rng, u, district_deg):
    """~80 roads: an urban grid round the seat, arterials to the towns, town streets, village
    roads, old-town lanes; some unnamed (规划X路) and a few proposed or retired."""
    district_m = to_m(district_deg)
    sx, sy = SEAT_XY
    roads = []  # dicts: line (metres), specific, generic, category, status, working_name

    def add(line, specific="", generic="", category="branch", status="named", working=""):
        clipped = line.intersection(district_m)
        if clipped.is_empty or clipped.length < 200:
            return
        roads.append({"line": clipped, "specific": specific, "generic": generic, "category": category,
                      "status": status, "working_name": working})

    names = iter(["泉峪", "玉河", "锦屏", "凤岭", "龙泉", "文昌", "兴隆", "和平", "康宁", "永安", "明湖", "春晖",
                  "祥和", "丰泽", "碧水", "望岳", "映山", "秀水", "清源", "翠微", "新安", "崇文", "育英", "金桥", "福泉",
                  "鹊山", "华阳", "仁里", "广福", "瑞泉", "荷花", "松岭", "柏园", "银杏", "紫荆", "青龙", "白马"])
    # Urban grid, turned 8° like an old town laid out along the valley.
    ang = math.radians(8)
    ca, sa = math.cos(ang), math.sin(ang)

    def rot(x, y):
        return (sx + x * ca - y * sa, sy + x * sa + y * ca)

    ew = [-3000, -2400, -1800, -1200, -600, 0, 600, 1200, 1800, 2400, 3000]
    ns = [-3500, -2800, -2100, -1400, -700, 0, 700, 1400, 2100, 2800, 3500]
    for k, y in enumerate(ew):
        half = 3600 - abs(y) * 0.3
        pts = [rot(x, y + rng.uniform(-25, 25)) for x in np.linspace(-half, half, 9)]
        if y == 0:
            add(LineString(pts), "泉峪", "大道", "arterial")
        elif k == 9:
            add(LineString(pts), "", "", "secondary", "unnamed", "规划一路")
        else:
            add(LineString(pts), next(names), "路", "secondary" if abs(y) <= 1200 else "branch")
    for k, x in enumerate(ns):
        half = 3300 - abs(x) * 0.3
        pts = [rot(x + rng.uniform(-25, 25), y) for y in np.linspace(-half, half, 9)]
        if x == 0:
            add(LineString(pts), "玉河", "大街", "arterial")
        elif k == 9:
            add(LineString(pts), "", "", "branch", "unnamed", "规划二路")
        else:
            add(LineString(pts), next(names), "街", "secondary" if abs(x) <= 1400 else "branch")
    # Old-town lanes (巷) near the seat.
    for k, lane in enumerate(["书院", "槐花", "石板", "井泉", "文庙", "鼓楼", "芙蓉", "花墙子"]):
        x0, y0 = rot(-600 + 260 * k, -350 + 120 * (k % 3))
        add(LineString([(x0, y0), (x0 + 60, y0 + 180), (x0 + 40, y0 + 380)]), lane, "巷", "lane")
    # New-town planned roads south-east of the seat: built, not yet named.
    for k in range(6):
        x0, y0 = rot(-1800 + 900 * k, -4300)
        add(LineString([(x0, y0), rot(-1800 + 900 * k, -3400)]), "", "", "branch", "unnamed", f"规划{cn_number(k + 3)}路")
    # Arterials from the seat to the three towns.
    town_seeds = [s[2] for s in STREETS if s[0] >= "100"]
    arterial_names = [("石庄", "大道"), ("柳峪", "路"), ("桃峪", "路"), ("双泉", "路")]
    for (x, y), (spec, gen) in zip(town_seeds, arterial_names):
        add(smooth_path(rng, (sx, sy), (x, y), 0.06, 24), spec, gen, "arterial")
    # Town streets and village roads.
    towns = [s for s in u.streets if s["town"]]
    for (tx, ty), town in zip(town_seeds, towns):
        tspec = town["name"][:-1]
        add(smooth_path(rng, (tx - 1400, ty - 200), (tx + 1400, ty + 200), 0.02), tspec + "东", "路", "secondary")
        add(smooth_path(rng, (tx - 200, ty - 1300), (tx + 200, ty + 1300), 0.02), tspec + "中", "街", "secondary")
        add(smooth_path(rng, (tx - 300, ty + 500), (tx + 900, ty + 700), 0.03), tspec, "巷", "lane")
        for village in [c for c in u.communities if c["parent"] == town["code"]]:
            vp = to_m(village["geom"]).representative_point()
            if math.hypot(vp.x - tx, vp.y - ty) < 500:
                continue
            vname = village["name"][:-1]
            add(smooth_path(rng, (tx, ty), (vp.x, vp.y), 0.08, 16), vname, "路", "rural")
        # Village-to-village roads take a character of each village: 石门 + 柳沟 → 石柳路.
        villages = [c for c in u.communities if c["parent"] == town["code"]]
        for a, b in zip(villages, villages[2:]):
            pa, pb = to_m(a["geom"]).representative_point(), to_m(b["geom"]).representative_point()
            add(smooth_path(rng, (pa.x, pa.y), (pb.x, pb.y), 0.07, 16), a["name"][0] + b["name"][0], "路", "rural")
    # Connectors between towns: one county road, one unnamed.
    (ax, ay), (bx, by), (cx, cy), _ = town_seeds
    add(smooth_path(rng, (ax, ay), (bx, by), 0.07, 24), "松岭", "路", "secondary")
    add(smooth_path(rng, (bx, by), (cx, cy), 0.05, 24), "", "", "rural", "unnamed", "规划九路")
    add(smooth_path(rng, (cx + 300, cy + 800), (sx + 2500, sy - 2600), 0.04, 16), "", "", "rural", "unnamed", "规划十路")
    # A few proposed names (applications under way) and one retired name.
    named = [r for r in roads if r["status"] == "named" and r["category"] in ("branch", "rural")]
    for r in named[3:6]:
        r["status"] = "proposed"
    named[-1]["status"] = "retired"
    return roads


def road_records(rng, u, roads):
    """Features for roads.geojson and road_signs.geojson (degrees, 6 decimals)."""
    streets_deg = [(s["code"], s["geom"]) for s in u.streets]
    seen = set()
    features, signs = [], []
    total_named = sum(r["line"].length for r in roads if r["status"] == "named")
    spacing = total_named / 500.0
    for k, r in enumerate(roads, start=1):
        code = f"370190DL{k:03d}"
        line_deg = round6(shapely.set_precision(to_deg(r["line"]), GRID))
        parts = [p for p in getattr(line_deg, "geoms", [line_deg]) if p.length > 0]
        mline = MultiLineString(parts)
        name = (r["specific"] + r["generic"]) if r["specific"] else ""
        if name:
            assert name not in seen, name
            seen.add(name)
        pinyin = road_pinyin(r["specific"], r["generic"]) if name else ""
        # The street holding most of the road, else the district.
        shares = sorted(((mline.intersection(g).length / mline.length, c) for c, g in streets_deg), reverse=True)
        area_code = shares[0][1] if shares[0][0] > 0.95 else DISTRICT["code"]
        props = {"code": code, "name": name, "specific": r["specific"], "generic": r["generic"], "pinyin": pinyin,
                 "working_name": r["working_name"], "category": r["category"], "status": r["status"],
                 "area_code": area_code, "named_on": "2016-05-20" if r["status"] in ("named", "retired") else None,
                 "meaning": meaning_of(r) if name else ""}
        features.append((props, mline))
        if r["status"] != "named":
            continue
        line_m = r["line"] if r["line"].geom_type == "LineString" else max(r["line"].geoms, key=lambda g: g.length)
        n = max(2, round(line_m.length / spacing))
        dx0, dy0 = line_m.coords[-1][0] - line_m.coords[0][0], line_m.coords[-1][1] - line_m.coords[0][1]
        direction = "↑北 南↓" if abs(dy0) > abs(dx0) else "←西 东→"
        for i in range(n):
            d = (i + 0.5) / n * line_m.length
            p, q = line_m.interpolate(max(0.0, d - 5)), line_m.interpolate(min(line_m.length, d + 5))
            tx, ty = q.x - p.x, q.y - p.y
            tl = math.hypot(tx, ty) or 1.0
            side = 1 if i % 2 == 0 else -1
            off = rng.uniform(4.0, 8.0) * side
            c = line_m.interpolate(d)
            sxm, sym = c.x - ty / tl * off, c.y + tx / tl * off
            lon, lat = xy_to_lonlat(sxm, sym)
            facing = round(azimuth(c.x - sxm, c.y - sym)) % 360  # the plate faces the road
            cond = rng.choices(["good", "dirty", "faded", "damaged", "tilted", "missing"], [82, 7, 5, 3, 2, 1])[0]
            lo = 1 + 2 * rng.randint(0, 40) + (0 if side > 0 else 1)
            signs.append(({"code": f"{code}-{i + 1:02d}", "road_code": code, "name_text": name, "pinyin_text": pinyin.upper(),
                           "facing": facing, "direction_text": direction, "door_range": f"{lo}-{lo + 2 * rng.randint(5, 30)}号",
                           "condition": cond, "installed_year": rng.choice([2012, 2015, 2016, 2018, 2019, 2021, 2023])},
                          Point(round(lon, 6), round(lat, 6))))
    return features, signs


def meaning_of(r):
    g = r["generic"]
    if r["category"] == "rural":
        return f"以沿线{r['specific']}村命名"
    if g == "巷":
        return f"沿用旧称{r['specific']}巷"
    return f"取“{r['specific']}”寓意，沿用片区名称"


# --- boundaries ---------------------------------------------------------------------------------------
NEIGHBOURS = [
    # line code, neighbour code, neighbour name, arc of the outline (degrees from east, ccw), reverse?
    ("370113370190", "370113000000", "长清区", (112.0, 262.0), False),  # north → south
    ("370103370190", "370103000000", "市中区", (12.0, 78.0), True),  # reversed: north → east
]


def arc_of(ring_coords, a0, a1):
    """The run of outline vertices whose angle around the district centre lies in [a0, a1]."""
    cx, cy = np.mean(np.array(ring_coords[:-1]), axis=0)
    ang = [(math.degrees(math.atan2((y - cy) * KY, (x - cx) * KX)) % 360) for x, y in ring_coords[:-1]]
    start = min(range(len(ang)), key=lambda i: (ang[i] - a0) % 360)
    out, i = [], start
    while True:
        out.append(ring_coords[i])
        if not (0 <= (ang[i] - a0) % 360 <= (a1 - a0)):
            break
        i = (i + 1) % len(ang)
        if i == start:
            break
    return out[:-1]


def build_boundaries(rng, u):
    ring = list(shapely.orient_polygons(u.district["geom"]).exterior.coords)
    lines, markers = [], []
    for code, ncode, nname, (a0, a1), reverse in NEIGHBOURS:
        coords = arc_of(ring, a0, a1)
        if reverse:
            coords = coords[::-1]
        line = LineString(coords)
        lines.append(({"code": code, "name": f"{nname}—泉峪区界线", "level": "county", "side_a_code": ncode,
                       "side_a_name": nname, "side_b_code": DISTRICT["code"], "side_b_name": DISTRICT["name"],
                       "description": f"{nname}与泉峪区的共同边界，自北向南（自西向东）沿山脊、河谷走向，界桩自北向南编号。"},
                      MultiLineString([line])))
        line_m = to_m(line)
        nseq = 30 if code.startswith("370113") else 24
        pairs = set(rng.sample(range(2, nseq), 3 if nseq == 30 else 2))
        for s in range(1, nseq + 1):
            d = (s - 0.5) / nseq * line_m.length
            at = [(d, "Q")] if s not in pairs else [(d - 15.0, "A"), (d + 15.0, "B")]
            for dd, letter in at:
                p = to_deg(line_m.interpolate(dd))
                near = min(u.communities, key=lambda c: c["geom"].distance(p))
                markers.append(({"number": f"{code}{s:03d}{letter}", "line_code": code,
                                 "marker_type": "single" if letter == "Q" else "paired",
                                 "material": rng.choice(["granite", "granite", "granite", "concrete"]),
                                 "year_installed": rng.choice([2003, 2003, 2008, 2013]),
                                 "description": f"位于{near['name']}{rng.choice(['北侧山脊', '西侧山坡', '南侧河谷', '东侧路口', '山顶'])}"},
                                Point(round(p.x, 6), round(p.y, 6))))
    return lines, markers


# --- facilities -------------------------------------------------------------------------------------
OPERATORS = ["颐康养老服务有限公司", "福寿康养老服务中心", "安心居家养老服务有限公司", "夕阳红养老服务中心", "泉峪区民政局"]


def point_in(rng, poly):
    minx, miny, maxx, maxy = poly.bounds
    while True:
        p = Point(round(rng.uniform(minx, maxx), 6), round(rng.uniform(miny, maxy), 6))
        if poly.contains(p):
            return p


MEAL_RADIUS_M = 900.0  # a placed meal point serves the grids whose centres lie this close (the analysis asks 1 km)


def meal_sites(u, com, k):
    """Up to k meal-point sites in a community, placed greedily as a bureau would: each at the
    centre of the level-5 grid whose circle reaches the most households not yet served."""
    grids = [(g["households"], to_m(g["geom"]).representative_point()) for g in u.l5 if g["community"] == com["code"]]
    sites, left = [], list(grids)
    for _ in range(k):
        if not left:
            break
        best = max(left, key=lambda c: (sum(h for h, p in left if p.distance(c[1]) <= MEAL_RADIUS_M), c[0], -c[1].x))
        sites.append(best[1])
        left = [(h, p) for h, p in left if p.distance(best[1]) > MEAL_RADIUS_M]
    return [round6(to_deg(p)) for p in sites]


def ownership_of(operator):
    if operator.endswith(("民政局", "人民政府", "委员会")):
        return "public"
    return "public_private" if "中心" in operator else "private"


def build_facilities(rng, u):
    """Civil-affairs facilities. Meal points are placed so that the coverage analysis has an answer
    worth reading: most urban communities are served throughout, three (every seventh, from the
    sixth) have only one point at their busiest spot, and a third of the villages (every third,
    from the third) have none yet — three of those have one being built (status planned)."""
    out = []
    seat_com = next(c for c in u.communities if c["geom"].contains(Point(*xy_to_lonlat(*SEAT_XY))))

    def add(ftype, name, com, capacity, operator, at=None, status="open"):
        out.append(({"facility_type": ftype, "name": name, "address": f"{street_name(u, com)}{com['name']}",
                     "capacity": capacity, "operator": operator, "ownership": ownership_of(operator), "status": status,
                     "phone": f"0531-8{rng.randint(1000000, 9999999)}", "area_code": com["code"]},
                    at if at is not None else point_in(rng, com["geom"])))

    add("marriage_registry", "泉峪区婚姻登记处", seat_com, 60, "泉峪区民政局")
    add("elderly_centre", "泉峪区养老服务指导中心", seat_com, 120, "泉峪区民政局")
    for s in u.streets:
        coms = [c for c in u.communities if c["parent"] == s["code"]]
        add("elderly_centre", f"{s['name']}综合养老服务中心", coms[0], rng.randint(40, 120), rng.choice(OPERATORS))
        add("social_work", f"{s['name']}社会工作服务站", coms[-1], rng.randint(10, 30), f"{s['name'][:-2] if not s['town'] else s['name'][:-1]}社会工作服务中心")
        if s["town"]:
            add("nursing_home", f"{s['name']}敬老院", coms[1], rng.randint(60, 160), f"{s['name']}人民政府")
            add("cemetery", f"{s['name']}公益性公墓", coms[-2], rng.randint(2000, 8000), f"{s['name']}人民政府")
    for k, label in enumerate(["颐养院", "康养中心", "福寿苑", "安养院", "松鹤园"]):
        com = u.communities[(k * 7 + 3) % len(u.communities)]
        add("nursing_home", f"泉峪{label}", com, rng.randint(80, 300), rng.choice(OPERATORS[:4]))
    urban = [c for c in u.communities if not c["town"]]
    villages = [c for c in u.communities if c["town"]]
    for com in u.communities:
        if com["town"]:
            add("rural_happiness", f"{com['name']}农村幸福院", com, rng.randint(10, 30), f"{com['name']}村民委员会")
            i = villages.index(com)
            if i % 3 != 2:
                (site,) = meal_sites(u, com, 1)
                add("meal_point", f"{com['name']}助餐点", com, rng.randint(20, 50), f"{com['name']}村民委员会", at=site)
            elif i % 6 == 2:  # being built: does not count until it opens
                (site,) = meal_sites(u, com, 1)
                add("meal_point", f"{com['name']}助餐点", com, rng.randint(20, 50), f"{com['name']}村民委员会", at=site,
                    status="planned")
        else:
            add("day_care", f"{com['name']}日间照料中心", com, rng.randint(20, 60), rng.choice(OPERATORS),
                status="suspended" if urban.index(com) == 4 else "open")
            k = 1 if urban.index(com) % 7 == 5 else rng.randint(2, 4)
            for m, site in enumerate(meal_sites(u, com, k)):
                add("meal_point", f"{com['name']}长者助餐点（{cn_number(m + 1)}）", com, rng.randint(30, 120), rng.choice(OPERATORS), at=site)
        add("child_welfare", f"{com['name']}儿童之家", com, rng.randint(20, 60), f"{com['name']}{'村民委员会' if com['town'] else '居民委员会'}")
    return out


def street_name(u, com):
    return next(s["name"] for s in u.streets if s["code"] == com["parent"])


# --- people: 4+N teams, staff, demo users -------------------------------------------------------------
# The codes of the district's functional departments (区职能部门) as geogrid seeds them
# (geogrid/accounts/departments.py; the loader refuses a code the database does not have).
DEPARTMENTS = ["urban_management", "housing_construction", "market_regulation", "police_station", "civil_affairs",
               "emergency_management"]
DEMO_DEPARTMENT = "urban_management"  # 城管: demo_department handles its cases


def person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def build_people(rng, u):
    phones = iter(f"138{n:08d}" for n in rng.sample(range(10 ** 8), 4000))
    seat = Point(*xy_to_lonlat(*SEAT_XY))
    # The demo grid: the ordinary L4 grid at (or nearest to) the district seat.
    demo_grid = min((g for g in u.l4 if g["kind"] == "ordinary"), key=lambda g: (g["geom"].distance(seat), g["code"]))
    demo_com = next(c for c in u.communities if c["code"] == demo_grid["community"])
    teams = []
    for g in u.l4:
        short = g["code"][6:]
        members = []

        def member(suffix, role, other_kind="", username=None):
            members.append({"username": username or f"g{short}-{suffix}", "full_name": person(rng), "role": role,
                            "other_kind": other_kind, "phone": next(phones)})

        is_demo = g is demo_grid
        member("head", "head", username="demo_head" if is_demo else None)
        member("ft", "fulltime", username="demo_member" if is_demo else None)
        nb = 1 if (g["town"] or g["kind"] == "dedicated") else 2
        for i in range(nb):
            member(f"b{i + 1}", "building")
        for i in range(rng.randint(1, 2)):
            member(f"v{i + 1}", "volunteer")
        if rng.random() < 0.6:
            kinds = ["党员", "民警", "乡贤"] if g["town"] else ["党员", "民警", "物业", "社会组织"]
            member("n1", "other", rng.choice(kinds))
        teams.append({"grid_code": g["code"], "community_code": g["community"], "start_date": "2024-01-01", "members": members})
    staff = []
    for c in u.communities:
        staff.append({"username": f"sq{c['code'][6:]}", "full_name": person(rng), "role": "community_staff",
                      "area_code": c["code"], "phone": next(phones)})
    for s in u.streets:
        staff.append({"username": f"jd{s['code'][6:9]}", "full_name": person(rng), "role": "street_dispatcher",
                      "area_code": s["code"], "phone": next(phones)})
    demo_street = demo_com["parent"]
    demo = [
        {"username": "demo_member", "role": "grid_member", "area_code": demo_com["code"], "grid_code": demo_grid["code"]},
        {"username": "demo_head", "role": "grid_head", "area_code": demo_com["code"], "grid_code": demo_grid["code"]},
        {"username": "demo_community", "role": "community_staff", "area_code": demo_com["code"]},
        {"username": "demo_street", "role": "street_dispatcher", "area_code": demo_street},
        {"username": "demo_admin", "role": "district_admin", "area_code": DISTRICT["code"], "superuser": True},
        {"username": "demo_placename", "role": "placename_staff", "area_code": DISTRICT["code"]},
        {"username": "demo_boundary", "role": "boundary_inspector", "area_code": DISTRICT["code"]},
        {"username": "demo_department", "role": "department_staff", "area_code": DISTRICT["code"], "department_code": DEMO_DEPARTMENT},
    ]
    in_team = {m["username"]: m for t in teams for m in t["members"]}
    for d in demo:
        same = in_team.get(d["username"], {})
        d["full_name"] = same.get("full_name") or person(rng)
        d["phone"] = same.get("phone") or next(phones)
    # A handling user for every functional department (demo_department's colleague at 城管), drawn
    # after the demo logins so that their names and phones stay as they were.
    for code in DEPARTMENTS:
        staff.append({"username": f"bm-{code}", "full_name": person(rng), "role": "department_staff", "area_code": DISTRICT["code"],
                      "department_code": code, "phone": next(phones)})
    return {"demo_grid": demo_grid["code"], "demo": demo, "staff": staff, "teams": teams}


INCIDENT_TEXTS = {
    "safety_hazard": ["楼道内电动车充电，存在安全隐患", "山坡落石松动，靠近村道", "井盖缺失，行人易跌落"],
    "fire_hazard": ["消防通道被杂物堵塞", "小区灭火器过期未更换", "沿街商铺私拉电线"],
    "dispute": ["邻里因漏水问题发生纠纷", "土地边界争议，双方情绪激动", "物业费收取引发矛盾"],
    "person_in_need": ["独居老人行动不便，需要上门帮扶", "困难家庭申请临时救助", "残疾人家庭取暖困难"],
    "environment": ["道路两侧垃圾堆积", "河道漂浮物较多", "建筑垃圾乱倒"],
    "damaged_facility": ["路灯不亮，夜间出行不便", "健身器材损坏", "路名牌倾斜"],
    "illegal_construction": ["楼顶私搭彩钢房", "占用绿地私建棚屋"],
    "other": ["群众反映公交站牌信息过时", "建议增设休息座椅"],
}
# How far each demo case gets through the workflow (counts add up to 40).
INCIDENT_PLAN = [("reported", 6), ("registered", 5), ("dispatched", 5), ("handling", 6), ("handled", 4), ("verified", 3),
                 ("closed", 8), ("rejected", 3)]


def build_incidents(rng, u, people):
    team = {t["grid_code"]: t for t in people["teams"]}
    staff = {s["area_code"]: s["username"] for s in people["staff"] if s["role"] == "community_staff"}
    urban = [g for g in u.l5 if g["kind"] == "ordinary" and not next(c for c in u.communities if c["code"] == g["community"])["town"]]
    rural = [g for g in u.l5 if g not in urban]
    out = []
    for state, count in INCIDENT_PLAN:
        for _ in range(count):
            g5 = rng.choice(urban) if rng.random() < 0.7 else rng.choice(rural)
            members = team[g5["parent"]]["members"]
            reporter = next(m["username"] for m in members if m["role"] == "fulltime")
            cat = rng.choice(list(INCIDENT_TEXTS))
            days = round(rng.uniform(0.2, 3.0) if state in ("reported", "registered") else rng.uniform(1.5, 20.0), 2)
            out.append(({"grid_code": g5["code"], "category": cat, "description": rng.choice(INCIDENT_TEXTS[cat]),
                         "target_state": state, "days_ago": days, "reporter": reporter, "handler": staff[g5["community"]],
                         "assignee": reporter}, point_in(rng, g5["geom"])))
    return out


# Cases in the demo grid that the demo logins take part in, so that each of them finds work and
# news of it: (category, description, reporter, target state, deadline colour of an open case or
# working days since a closed one, steps). A step is [action, username, fields] and the loader
# performs them in order at times it counts back from the moment it runs. Three go to functional
# departments as 帮助办: one handled by demo_department (城管), one waiting for 城管, one for 住建.
DEMO_STORIES = [
    ("environment", "小区东侧空地建筑垃圾大量堆放，需调车清运", "demo_member", "handling", "yellow", [
        ["register", "demo_community", {"mode": "help"}],
        ["to_department", "demo_street", {"department": "urban_management", "note": "需城管调派车辆清运"}],
        ["accept", "demo_department", {}]]),
    ("illegal_construction", "居民楼顶私搭彩钢房，疑似违法建设", "demo_member", "dispatched", "green", [
        ["register", "demo_community", {}],
        ["to_department", "demo_street", {"department": "urban_management", "note": "请城管核实查处"}]]),
    ("damaged_facility", "老旧小区外墙瓷砖脱落，威胁行人安全", "demo_head", "dispatched", "green", [
        ["register", "demo_community", {}],
        ["to_department", "demo_street", {"department": "housing_construction", "note": "涉及房屋外立面维修，请住建部门处理"}]]),
    ("dispute", "楼上住户装修噪音扰民，邻里产生矛盾", "demo_member", "dispatched", "green", [
        ["register", "demo_community", {}],
        ["dispatch", "demo_community", {"assignee": "demo_member"}]]),
    ("person_in_need", "独居老人近两日未出门，需上门探望", "demo_head", "dispatched", "green", [
        ["register", "demo_community", {}],
        ["dispatch", "demo_community", {"assignee": "demo_head"}]]),
    ("environment", "绿化带内垃圾堆积，气味较大", "demo_member", "handled", "yellow", [
        ["register", "demo_community", {}],
        ["dispatch", "demo_community", {"assignee": "demo_member"}],
        ["accept", "demo_member", {}],
        ["report", "demo_member", {"note": "已联系保洁清理完毕"}]]),
    ("dispute", "小区停车位纠纷，涉及物业和多户居民", "demo_member", "registered", "red", [
        ["register", "demo_community", {}],
        ["dispatch", "demo_community", {"assignee": "demo_member"}],
        ["accept", "demo_member", {}],
        ["escalate", "demo_member", {"note": "涉及物业公司和多户业主，网格内调解未果"}],
        ["escalate", "demo_community", {"note": "需街道牵头协调物业与业主"}],
        ["urge", "demo_admin", {"note": "请街道尽快协调处理"}]]),
    ("damaged_facility", "河道护栏大面积锈蚀松动", "demo_member", "registered", "yellow", [
        ["register", "demo_community", {}],
        ["dispatch", "demo_community", {"assignee": "demo_member"}],
        ["accept", "demo_member", {}],
        ["escalate", "demo_member", {"note": "护栏锈蚀范围大，网格无力处置"}],
        ["escalate", "demo_community", {"note": "需街道协调维修资金"}],
        ["escalate", "demo_street", {"note": "涉及河道管理，需区级部门处理"}]]),
    ("environment", "小区垃圾桶破损，垃圾外溢", "demo_member", "closed", 3.0, [
        ["register", "demo_community", {}],
        ["dispatch", "demo_community", {"assignee": "demo_member"}],
        ["accept", "demo_member", {}],
        ["report", "demo_member", {"note": "已更换新垃圾桶"}],
        ["verify", "demo_community", {}],
        ["close", "demo_community", {}],
        ["evaluate", "demo_member", {"satisfaction": "satisfied", "note": "更换及时，很满意"}]]),
]


def build_stories(rng, u, people):
    """The demo stories as cases to report, at points in the level-5 grids of the demo grid."""
    g5s = [g for g in u.l5 if g["parent"] == people["demo_grid"]]
    out = []
    for category, description, reporter, state, when, steps in DEMO_STORIES:
        g5 = rng.choice(g5s)
        props = {"grid_code": g5["code"], "category": category, "description": description, "target_state": state,
                 "reporter": reporter, "steps": steps}
        props.update({"days_ago": when} if state == "closed" else {"colour": when})
        out.append((props, point_in(rng, g5["geom"])))
    return out


# --- writing -------------------------------------------------------------------------------------------
def geometry_json(geom):
    geom = shapely.orient_polygons(geom) if geom.geom_type in ("Polygon", "MultiPolygon") else geom  # RFC 7946: ccw outer
    return mapping(round6(geom))


def write_collection(path, name, features):
    lines = [json.dumps({"type": "Feature", "properties": props, "geometry": geometry_json(geom)}, ensure_ascii=False,
                        separators=(",", ":")) for props, geom in features]
    text = '{"type":"FeatureCollection","name":' + json.dumps(name) + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def area_features(units, with_parent=True):
    return [({"code": a["code"], "name": a["name"], **({"parent_code": a["parent"]} if with_parent else {})}, a["geom"]) for a in units]


def grid_features(units, level):
    out = []
    for g in units:
        props = {"code": g["code"], "name": g["name"]}
        if level == 5:
            props["parent_code"] = g["parent"]
        props.update({"community_code": g["community"], "kind": g["kind"], "dedicated_type": g["dedicated_type"],
                      "households": g["households"], "population": g["population"]})
        out.append((props, g["geom"]))
    return out


def main(out_dir=HERE, quiet=False):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(SEED)
    u, district_m = build_areas(rng)
    node_and_tile(u, district_m)
    verify_tiling(u)
    for g4 in u.l4:
        g4["households"] = sum(c["households"] for c in g4["children"])
        g4["population"] = sum(c["population"] for c in g4["children"])
    roads = build_roads(random.Random(SEED + 1), u, u.district["geom"])
    road_feats, sign_feats = road_records(random.Random(SEED + 2), u, roads)
    line_feats, marker_feats = build_boundaries(random.Random(SEED + 3), u)
    facility_feats = build_facilities(random.Random(SEED + 4), u)
    people = build_people(random.Random(SEED + 5), u)
    incident_feats = build_incidents(random.Random(SEED + 6), u, people) + build_stories(random.Random(SEED + 7), u, people)

    write_collection(out_dir / "district.geojson", "district", [({"code": DISTRICT["code"], "name": DISTRICT["name"]}, u.district["geom"])])
    write_collection(out_dir / "streets.geojson", "streets", area_features(u.streets, with_parent=False))
    write_collection(out_dir / "communities.geojson", "communities", area_features(u.communities))
    write_collection(out_dir / "grids_l4.geojson", "grids_l4", grid_features(u.l4, 4))
    write_collection(out_dir / "grids_l5.geojson", "grids_l5", grid_features(u.l5, 5))
    write_collection(out_dir / "roads.geojson", "roads", road_feats)
    write_collection(out_dir / "road_signs.geojson", "road_signs", sign_feats)
    write_collection(out_dir / "boundary_lines.geojson", "boundary_lines", line_feats)
    write_collection(out_dir / "boundary_markers.geojson", "boundary_markers", marker_feats)
    write_collection(out_dir / "facilities.geojson", "facilities", facility_feats)
    write_collection(out_dir / "incidents.geojson", "incidents", incident_feats)
    (out_dir / "teams.json").write_text(json.dumps(people, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    stats = {
        "district_km2": round(to_m(u.district["geom"]).area / 1e6, 1),
        "streets": sum(1 for s in u.streets if not s["town"]), "towns": sum(1 for s in u.streets if s["town"]),
        "communities": sum(1 for c in u.communities if not c["town"]), "villages": sum(1 for c in u.communities if c["town"]),
        "grids_l4": len(u.l4), "dedicated_l4": sum(1 for g in u.l4 if g["kind"] == "dedicated"), "grids_l5": len(u.l5),
        "households": sum(g["households"] for g in u.l5), "population": sum(g["population"] for g in u.l5),
        "roads": len(road_feats), "unnamed_roads": sum(1 for p, _ in road_feats if p["status"] == "unnamed"),
        "signs": len(sign_feats), "boundary_lines": len(line_feats), "markers": len(marker_feats),
        "facilities": len(facility_feats), "team_members": sum(len(t["members"]) for t in people["teams"]),
        "staff": len(people["staff"]), "incidents": len(incident_feats),
    }
    if not quiet:
        size = sum(p.stat().st_size for p in out_dir.iterdir() if p.suffix in (".geojson", ".json"))
        print(" ".join(f"{k}={v}" for k, v in stats.items()), f"bytes={size}")
    return stats


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(HERE), help="output folder (default: boundary_data/)")
    args = ap.parse_args()
    sys.exit(0 if main(args.out) else 1)
