"""Gazetteer (地名查询): standard road names found by Chinese, full pinyin or initials (jsl → 经十路),
tolerant of small typos, optionally nearest a point first. Two queries whatever the data: the
names (a city's few thousand rows are scored in Python: no database extension needed), then the
matches' geometry and distance."""
import difflib
import json
import re

from django.contrib.gis.db.models.functions import Centroid, Distance
from django.contrib.gis.geos import Point

from .models import Road
from .pinyin import sound_key

HAN = re.compile(r"[\u3400-\u9fff]")
LIMIT = 20


def initials(sound_key):
    return "".join(s[0] for s in sound_key.split() if s)


def score(q, name, sound_key, q_sound=""):
    """0 (no match) … 100 (the name itself). q_sound: the query's sound (a wrong character of the
    right sound, 经时路 for 经十路, is the commonest typo)."""
    if HAN.search(q):
        if q == name:
            return 100
        if q in name:
            return 90 - (len(name) - len(q))
        if q_sound and q_sound == sound_key:
            return 88
        if q_sound and f" {q_sound} " in f" {sound_key} ":
            return 75 - (len(sound_key) - len(q_sound)) // 4
        ratio = difflib.SequenceMatcher(None, q, name).ratio()
        return int(ratio * 70) if ratio >= 0.6 else 0
    q = re.sub(r"[\s'’-]", "", q.lower()).replace("ü", "v")
    if not q:
        return 0
    full = sound_key.replace(" ", "")
    init = initials(sound_key)
    if q == full:
        return 98
    if q == init:
        return 95
    if full.startswith(q):
        return 85
    if init.startswith(q) and len(q) >= 2:
        return 80
    if q in full:
        return 70
    ratio = difflib.SequenceMatcher(None, q, full).ratio()
    return int(ratio * 65) if ratio >= 0.8 and len(q) >= 4 else 0


def search(q, point=None, limit=LIMIT):
    """[{id, code, name, pinyin, category, area, lon, lat, distance_m, geometry}] best first (or
    nearest first among the good matches when a point is given)."""
    q = (q or "").strip()[:50]
    if not q:
        return []
    q_sound = sound_key(q) if HAN.search(q) else ""
    rows = Road.objects.filter(status=Road.Status.NAMED).exclude(name="").values_list("pk", "name", "sound_key")
    scored = sorted(((score(q, name, key, q_sound), pk) for pk, name, key in rows), reverse=True)
    best = [(s, pk) for s, pk in scored if s > 0][:limit * 3]
    if not best:
        return []
    top = max(s for s, _pk in best)
    keep = {pk: s for s, pk in best if s >= top - 30}
    qs = Road.objects.filter(pk__in=list(keep)).select_related("area").defer("area__geom").annotate(c=Centroid("geom"))
    if point is not None:
        qs = qs.annotate(d=Distance("geom", point))
    out = []
    for r in qs:
        out.append({"id": r.pk, "code": r.code, "name": r.name, "pinyin": r.pinyin, "category": str(r.get_category_display()),
                    "area": r.area.name if r.area_id else "", "lon": round(r.c.x, 6), "lat": round(r.c.y, 6),
                    "distance_m": round(r.d.m, 1) if point is not None else None, "score": keep[r.pk],
                    "geometry": json.loads(r.geom.json)})
    if point is not None:
        out.sort(key=lambda x: (-(x["score"] >= top - 5), x["distance_m"], -x["score"]))
    else:
        out.sort(key=lambda x: (-x["score"], x["name"]))
    return out[:limit]


def parse_point(lon, lat):
    if lon in (None, "") and lat in (None, ""):
        return None
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ValueError("lon/lat")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError("lon/lat")
    return Point(lon, lat, srid=4490)
