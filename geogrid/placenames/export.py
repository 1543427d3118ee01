"""Export of road names for the national place-name database (第二次全国地名普查 form fields, see
STANDARDS.md): CSV and XLSX, one row per standard or historical road name, with its 20-digit place
code = 6 county + 3 township + 5 category (PlaceCategoryCode table) + 6 sequence.

The export only reads. A road is given its code when its name becomes standard: at the announcement
of its naming (services.give_road_its_name), when staff save a named road in the admin (or run its
action), and for names loaded from elsewhere by `manage.py give_place_codes`. Once given, a code
stays (the table may change later); new roads continue the sequence of their prefix. A row without
a code (no area, or a category without a code) is exported with the code empty and counted.
"""
import csv
import io
from collections import defaultdict
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from . import tables
from .models import Road

COLUMNS = [
    ("place_code", "地名代码"), ("name", "标准名称"), ("alias", "别名"), ("abbreviation", "简称"), ("pinyin", "罗马字母拼写"),
    ("generic_spelling", "通名罗马字母拼写"), ("current", "现名/曾用名"), ("named_on", "命名时间"), ("established", "设立年份"),
    ("abolished", "废止年份"), ("signs", "地名标志数量"), ("lon_min", "东经起"), ("lon_max", "东经止"), ("lat_min", "北纬起"),
    ("lat_max", "北纬止"), ("crs", "坐标系"), ("survey", "实测/图解"), ("category", "地名类别"), ("category_code", "类别代码"),
    ("meaning", "含义"), ("history", "历史沿革"), ("description", "地理实体概况"), ("source", "资料来源"), ("area", "所在行政区"),
    ("area_code", "行政区划代码"),
]
SOURCE = "区民政局地名档案"


def prefix_of(road, categories):
    """The first 14 digits of a road's place code: county, township, category; None when unknown."""
    code = categories.get(road.category)
    area = road.area.code if road.area_id else ""
    if not code or len(area) < 9:
        return None
    return area[:6] + area[6:9] + code


EXPORTED = ("named", "retired")  # standard and historical names


def give_place_codes(roads=None):
    """Give the exported roads without a place code (all of them, or those of `roads`) the next code
    of their prefix; returns how many were given. Inside the caller's transaction, under a lock, so
    two announcements at once cannot take the same number."""
    from django.db import connection

    categories = tables.category_codes()
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('geogrid.placenames.place_code'))")
        if roads is None:
            roads = Road.objects.filter(status__in=EXPORTED, place_code="").exclude(name="").select_related("area").defer("geom", "area__geom")
        todo = [r for r in roads if not r.place_code and r.status in EXPORTED and r.name and prefix_of(r, categories)]
        if not todo:
            return 0
        used = defaultdict(int)
        prefixes = {prefix_of(r, categories) for r in todo}
        taken = reduce(or_, (Q(place_code__startswith=p) for p in prefixes))
        for code in Road.objects.filter(taken).values_list("place_code", flat=True):
            used[code[:14]] = max(used[code[:14]], int(code[14:]))
        for r in sorted(todo, key=lambda r: r.code):
            prefix = prefix_of(r, categories)
            used[prefix] += 1
            r.place_code = f"{prefix}{used[prefix]:06d}"
        Road.objects.bulk_update(todo, ["place_code"])
    return len(todo)


def rows():
    """(rows as dicts, number of rows without a place code). Reads only; three queries whatever the data."""
    categories = tables.category_codes()
    generics = tables.generics()
    roads = list(Road.objects.filter(status__in=EXPORTED).exclude(name="")
                 .select_related("area").defer("area__geom").annotate(n_signs=Count("signs")).order_by("code"))
    out = []
    for r in roads:
        xmin, ymin, xmax, ymax = r.geom.extent
        parts = [p for p in (r.start_point and _("起于%(p)s") % {"p": r.start_point}, r.end_point and _("止于%(p)s") % {"p": r.end_point}) if p]
        description = "，".join(parts + [_("长约 %(m)s 米") % {"m": round(r.length_m)}, str(r.get_category_display())])
        out.append({
            "place_code": r.place_code, "name": r.name, "alias": "", "abbreviation": "", "pinyin": r.pinyin,
            "generic_spelling": generics.get(r.generic, ""), "current": "现名" if r.status == Road.Status.NAMED else "曾用名",
            "named_on": r.named_on.isoformat() if r.named_on else "", "established": r.named_on.year if r.named_on else "",
            "abolished": "", "signs": r.n_signs, "lon_min": round(xmin, 6), "lon_max": round(xmax, 6), "lat_min": round(ymin, 6),
            "lat_max": round(ymax, 6), "crs": "CGCS2000", "survey": "图解", "category": str(r.get_category_display()),
            "category_code": categories.get(r.category, ""), "meaning": r.meaning, "history": r.history, "description": description,
            "source": SOURCE, "area": r.area.name if r.area_id else "", "area_code": r.area.code if r.area_id else "",
        })
    return out, sum(1 for r in roads if not r.place_code)


def to_csv(data):
    buf = io.StringIO()
    buf.write("\ufeff")  # Excel opens UTF-8 CSV as such only with a BOM
    w = csv.writer(buf)
    w.writerow([label for _k, label in COLUMNS])
    for row in data:
        w.writerow([row[k] for k, _l in COLUMNS])
    return buf.getvalue().encode("utf-8")


def to_xlsx(data):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "地名"
    ws.append([label for _k, label in COLUMNS])
    for row in data:
        ws.append([row[k] for k, _l in COLUMNS])
    ws.column_dimensions["A"].width = 24
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
