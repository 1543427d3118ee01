"""Import facilities from a table (CSV or XLSX with lon/lat columns) or a GeoJSON file of points.

    result = import_facilities(path, crs="GCJ-02", keep_good=False, actor=user)

Every row is checked before anything is written; a row that cannot be placed (no or bad
coordinates, a position outside every area we know, an unknown type, a duplicate…) is reported
with its line number (the spreadsheet's row number: the header is line 1; GeoJSON: the feature's
number, from 1) and the reason. All-or-nothing by default: one bad row and nothing is written
(ImportRefused carries the report); keep_good=True writes the good rows and reports the others.
Rows are matched to stored facilities by type + name: a second import of the same file updates,
it does not duplicate. Coordinates are CGCS2000, WGS84 (equal at this accuracy) or GCJ-02
(converted on input, geogrid.geo.crs). Each written facility gets its area from its position
(services.place) and an audit event.
"""
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from geogrid.audit.services import record
from geogrid.geo.crs import CRSError, parse_input_crs, point_to_storage
from layers.versions import bump_model

from .models import Facility, FacilityType, Ownership, Status
from .services import place

FORMATS = ("csv", "xlsx", "geojson")
# Header names accepted for each field (Chinese as the bureau's spreadsheets have them, or English).
COLUMNS = {
    "facility_type": ("facility_type", "type", "类型", "设施类型"),
    "name": ("name", "名称", "设施名称"),
    "address": ("address", "地址"),
    "lon": ("lon", "lng", "longitude", "x", "经度"),
    "lat": ("lat", "latitude", "y", "纬度"),
    "capacity": ("capacity", "容量", "床位", "座位", "床位数", "座位数"),
    "operator": ("operator", "运营单位", "运营方"),
    "ownership": ("ownership", "性质", "公办民办"),
    "status": ("status", "运营状态", "状态"),
    "phone": ("phone", "电话", "联系电话"),
}
TEXT_LIMITS = {"name": 100, "address": 200, "operator": 100, "phone": 20}
CAPACITY_MAX = 2147483647  # the column's (PostgreSQL integer): above it the row is refused, not a 500


@dataclass
class RowError:
    line: int
    reason: str

    def __str__(self):
        return _("第 %(line)s 行：%(reason)s") % {"line": self.line, "reason": self.reason}


@dataclass
class ImportResult:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # [RowError]
    written: bool = False

    @property
    def refused(self):
        return len(self.errors)

    def summary(self):
        return _("读取 %(read)s 行：新增 %(created)s，更新 %(updated)s，未变 %(unchanged)s，拒收 %(refused)s") % {
            "read": self.read, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "refused": self.refused}


class UnreadableFile(ValueError):
    """The whole file cannot be read (format, header, CRS): nothing was written."""


class ImportRefused(ValueError):
    """Some rows are bad and keep_good was not chosen: nothing was written. .result has the report."""

    def __init__(self, result):
        self.result = result
        super().__init__(_("有 %(n)s 行无法导入，未写入任何数据（可改正后重新导入，或选择只导入正确的行）") % {"n": result.refused})


# --- reading ------------------------------------------------------------------------------------------
def _format_of(name, fmt):
    fmt = (fmt or Path(str(name)).suffix.lstrip(".")).lower()
    fmt = {"json": "geojson", "xls": "xlsx"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise UnreadableFile(_("不支持的文件格式 %(f)r：请用 CSV、XLSX 或 GeoJSON") % {"f": fmt})
    return fmt


def _decode(data):
    """CSV text: UTF-8 (with or without BOM), else GB18030 (what Excel saves on a Chinese Windows)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise UnreadableFile(_("无法识别 CSV 文件的编码：请保存为 UTF-8 或 GBK"))


def _header(cells):
    """{field: column index} of a header row; UnreadableFile naming what is missing."""
    names = [str(c or "").strip().lower() for c in cells]
    found = {}
    for key, aliases in COLUMNS.items():
        for i, n in enumerate(names):
            if n in aliases:
                found[key] = i
                break
    missing = [COLUMNS[k][-1] if k != "facility_type" else "设施类型" for k in ("facility_type", "name", "lon", "lat") if k not in found]
    if missing:
        raise UnreadableFile(_("表头缺少列：%(cols)s（第 1 行须有 设施类型、名称、经度、纬度，或 facility_type、name、lon、lat）")
                           % {"cols": "、".join(missing)})
    return found


def _table_rows(rows):
    """(line, {field: value}) of a table whose first row is the header; blank rows are skipped."""
    rows = iter(rows)
    try:
        line, head = next(rows)
    except StopIteration:
        raise UnreadableFile(_("文件是空的"))
    cols = _header(head)
    for line, cells in rows:
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        yield line, {k: (cells[i] if i < len(cells) else None) for k, i in cols.items()}


def _csv_rows(data):
    reader = csv.reader(io.StringIO(_decode(data)))
    # line_num: the physical line a record ends on, so a quoted multi-line cell is counted right.
    return _table_rows((reader.line_num, row) for row in reader)


def _xlsx_rows(data):
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean "not a readable workbook"
        raise UnreadableFile(_("无法读取 XLSX 文件（%(e)s）") % {"e": exc})
    ws = wb.worksheets[0]
    return _table_rows((i, list(r)) for i, r in enumerate(ws.iter_rows(values_only=True), start=1))


def _geojson_rows(data):
    """Features as rows: properties by the same column names, the Point's coordinates as lon/lat.
    Read as JSON (not through GDAL) so one broken feature is reported, not the whole file."""
    try:
        fc = json.loads(_decode(data))
    except ValueError as exc:
        raise UnreadableFile(_("不是有效的 GeoJSON（%(e)s）") % {"e": exc})
    if not isinstance(fc, dict) or fc.get("type") != "FeatureCollection" or not isinstance(fc.get("features"), list):
        raise UnreadableFile(_("GeoJSON 须是 FeatureCollection"))
    aliases = {a: k for k, names in COLUMNS.items() for a in names}
    for n, feat in enumerate(fc["features"], start=1):
        props = feat.get("properties") if isinstance(feat, dict) else None
        if props is not None and not isinstance(props, dict):
            row = {"_properties": True}  # reported with the row, not a crash
        else:
            row = {aliases[k.lower()]: v for k, v in (props or {}).items() if k.lower() in aliases}
        geom = feat.get("geometry") if isinstance(feat, dict) else None
        coords = geom.get("coordinates") if isinstance(geom, dict) else None
        if isinstance(geom, dict) and geom.get("type") == "Point" and isinstance(coords, list) and len(coords) >= 2:
            row["lon"], row["lat"] = coords[0], coords[1]
        else:
            row["lon"] = row["lat"] = None
            row["_geometry"] = geom.get("type") if isinstance(geom, dict) else None
        yield n, row


# --- checking -----------------------------------------------------------------------------------------
def _text(v):
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # a phone number Excel stored as a number
    return str(v).strip()


def _choice(value, choices, what):
    v = _text(value)
    if not v:
        return None
    for code, label in choices:
        if v.lower() == code or v == str(label):
            return code
    raise ValueError(_("%(what)s“%(v)s”无效，可用：%(ok)s") % {"what": what, "v": v, "ok": "、".join(str(label) for _c, label in choices)})


def _check(row, types, crs):
    """A dict of Facility field values for a row; ValueError with the reasons (several, if so)."""
    reasons, out = [], {}
    if row.get("_properties"):
        reasons.append(_("要素的属性（properties）须是对象"))
    if any("\x00" in _text(v) for v in row.values()):
        # PostgreSQL text cannot hold it: a damaged or binary file
        reasons.append(_("含有空字符（NUL），文件可能已损坏"))
    t = _text(row.get("facility_type"))
    ftype = types.get(t) or types.get(t.lower())
    if not t:
        reasons.append(_("缺少设施类型"))
    elif ftype is None:
        reasons.append(_("未知设施类型“%(t)s”") % {"t": t})
    else:
        out["facility_type"] = ftype
    name = _text(row.get("name"))
    if not name:
        reasons.append(_("缺少名称"))
    out["name"] = name
    for key in ("address", "operator", "phone"):
        out[key] = _text(row.get(key))
    for key, limit in TEXT_LIMITS.items():
        if len(out[key]) > limit:
            reasons.append(_("%(field)s超过 %(n)s 个字") % {"field": str(Facility._meta.get_field(key).verbose_name), "n": limit})
    cap = row.get("capacity")
    if _text(cap):
        try:
            value = float(_text(cap))
            if value < 0 or not value.is_integer():
                raise ValueError
            if value > CAPACITY_MAX:
                reasons.append(_("容量“%(v)s”过大（最多 %(max)s）") % {"v": _text(cap), "max": CAPACITY_MAX})
            else:
                out["capacity"] = int(value)
        except ValueError:
            reasons.append(_("容量“%(v)s”须是非负整数") % {"v": _text(cap)})
    else:
        out["capacity"] = None
    for key, choices, what in (("ownership", Ownership.choices, _("性质")), ("status", Status.choices, _("运营状态"))):
        try:
            out[key] = _choice(row.get(key), choices, what) or Facility._meta.get_field(key).default
        except ValueError as exc:
            reasons.append(str(exc))
    if "_geometry" in row:
        reasons.append(_("几何须是点（Point），此处为 %(t)s") % {"t": row["_geometry"] or _("空")})
    elif _text(row.get("lon")) == "" or _text(row.get("lat")) == "":
        reasons.append(_("缺少经度或纬度"))
    else:
        try:
            out["geom"] = point_to_storage(_text(row["lon"]), _text(row["lat"]), crs)
        except CRSError as exc:  # says when lon and lat look swapped (geo.crs)
            reasons.append(str(exc))
    if reasons:
        raise ValueError("；".join(reasons))
    return out


# --- the import ---------------------------------------------------------------------------------------
def read_rows(data, name="", fmt=None):
    """(line, row dict) of a file's bytes; UnreadableFile if the file as a whole cannot be read."""
    fmt = _format_of(name, fmt)
    return list({"csv": _csv_rows, "xlsx": _xlsx_rows, "geojson": _geojson_rows}[fmt](data))


def import_facilities(source, fmt=None, crs="WGS84", keep_good=False, actor=None, name=None):
    """Import a file (a path, or bytes with `name`/`fmt`). Returns an ImportResult; raises
    UnreadableFile (unreadable file) or ImportRefused (bad rows, keep_good False) having written nothing."""
    if isinstance(source, (bytes, bytearray)):
        data, name = bytes(source), name or ""
    else:
        path = Path(source)
        if not path.exists():
            raise UnreadableFile(_("文件不存在：%(p)s") % {"p": path})
        data, name = path.read_bytes(), name or path.name
    try:
        crs_value = parse_input_crs(crs)
    except CRSError as exc:
        raise UnreadableFile(str(exc))
    rows = read_rows(data, name, fmt)
    types = {}
    for t in FacilityType.objects.all():
        types[t.code] = types[t.name] = t
    result = ImportResult(read=len(rows))
    good, seen = [], {}
    for line, row in rows:
        try:
            values = _check(row, types, crs_value)
        except ValueError as exc:
            result.errors.append(RowError(line, str(exc)))
            continue
        key = (values["facility_type"].code, values["name"])
        if key in seen:
            result.errors.append(RowError(line, _("与第 %(other)s 行重复（同一类型同名设施）") % {"other": seen[key]}))
            continue
        facility = place(Facility(**values))
        if facility.area is None:
            p = values["geom"]
            result.errors.append(RowError(line, _("位置（%(lon).6f, %(lat).6f）不在任何已知行政区内（坐标系是否选对？）")
                                          % {"lon": p.x, "lat": p.y}))
            continue
        seen[key] = line
        good.append(facility)
    if result.errors and not keep_good:
        raise ImportRefused(result)
    _write(good, result, actor, name)
    return result


FIELDS = ("address", "geom", "capacity", "operator", "ownership", "status", "phone", "area")


def _same(a, b, name):
    x, y = getattr(a, name if name != "area" else "area_id"), getattr(b, name if name != "area" else "area_id")
    if name == "geom":
        return x.equals_exact(y, 1e-7)  # under a centimetre: the same place (exports write 7 decimals)
    return x == y


def _write(good, result, actor, source_name):
    """Create new facilities and update stored ones (by type + name), one transaction."""
    with transaction.atomic():
        existing = {(f.facility_type_id, f.name): f for f in Facility.objects.filter(
            name__in=[f.name for f in good]).select_for_update()}
        new = []
        for f in good:
            old = existing.get((f.facility_type_id, f.name))
            if old is None:
                new.append(f)
                continue
            changed = [n for n in FIELDS if not _same(old, f, n)]
            if not changed:
                result.unchanged += 1
                continue
            for n in changed:
                setattr(old, n, getattr(f, n))
            old.save(update_fields=changed)
            record(old, "import_change", actor=actor, note=source_name, fields=changed)
            result.updated += 1
        Facility.objects.bulk_create(new, batch_size=500)
        if new:
            bump_model(Facility)  # bulk_create sends no signals: the map's tiles must still change
        for f in new:
            record(f, "import_add", actor=actor, note=source_name)
        result.created = len(new)
    result.written = True
    if result.created:
        # Fresh planner statistics: the coverage query picks its index by how many facilities there are.
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("ANALYZE facilities_facility")


# The export writes the headers the import reads first, and labels it understands (type names,
# ownership and status labels), so an exported list comes back unchanged.
EXPORT_COLUMNS = ("设施类型", "名称", "地址", "经度", "纬度", "容量", "运营单位", "性质", "运营状态", "电话")


def export_csv(facilities):
    """CSV text (BOM for Excel) of facilities (a queryset with facility_type selected), CGCS2000."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow(list(EXPORT_COLUMNS) + [str(_("所在行政区"))])
    for f in facilities:
        w.writerow([f.facility_type.name, f.name, f.address, f"{f.geom.x:.7f}", f"{f.geom.y:.7f}",
                    "" if f.capacity is None else f.capacity, f.operator, f.get_ownership_display(), f.get_status_display(), f.phone,
                    f.area.name if f.area else ""])
    return buf.getvalue()
