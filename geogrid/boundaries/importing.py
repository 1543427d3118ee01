"""Importing boundary markers (界桩) from a CSV or XLSX table, all or nothing.

    result = import_markers("markers.xlsx", input_crs="gcj02", line_code="370113370190")

Columns (header row, English or Chinese names): number/界桩编号, line_code/界线编号 (or the
line_code argument for the whole file), marker_type/界桩类型 (single/paired/triple or 单立/双立/
三立), lon/经度, lat/纬度, material/材质, year/埋设年份, description/位置说明. Coordinates are in
the file's CRS (CGCS2000, WGS84 or GCJ-02: geo.crs converts). Every row is checked before anything
is written; a file with bad rows stores nothing and MarkerImportFailed lists every bad row
(spreadsheet row number, field, what to do). Markers are upserted by number.
"""
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from geogrid.audit.services import record
from geogrid.geo.crs import CRSError, parse_input_crs, point_to_storage

from .models import BoundaryLine, BoundaryMarker, validate_marker_number

COLUMNS = {
    "number": ("number", "界桩编号", "编号"),
    "line_code": ("line_code", "line", "界线编号"),
    "marker_type": ("marker_type", "type", "界桩类型", "类型"),
    "lon": ("lon", "x", "经度"),
    "lat": ("lat", "y", "纬度"),
    "material": ("material", "材质"),
    "year": ("year", "year_installed", "埋设年份", "年份"),
    "description": ("description", "位置说明", "说明"),
}
TYPES = {"single": "single", "单立": "single", "paired": "paired", "双立": "paired", "triple": "triple", "三立": "triple"}
MATERIALS = {m.value: m.value for m in BoundaryMarker.Material} | {str(m.label): m.value for m in BoundaryMarker.Material}


class MarkerImportFailed(Exception):
    """The file stores nothing; .errors = [(row, field, message)] for every bad row."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("\n".join(_("第 %(row)s 行 %(field)s：%(msg)s") % {"row": r, "field": f, "msg": m} for r, f, m in errors))


@dataclass
class MarkerImportResult:
    created: int = 0
    updated: int = 0
    rows: list = field(default_factory=list)  # numbers in file order


def read_table(path_or_file, name=None):
    """[(row_number, {column: text})] of a CSV (UTF-8, with or without BOM; GBK accepted) or XLSX file."""
    name = str(name or getattr(path_or_file, "name", path_or_file))
    data = Path(path_or_file).read_bytes() if isinstance(path_or_file, (str, Path)) else path_or_file.read()
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        except Exception as exc:  # openpyxl raises several kinds for a broken file
            raise MarkerImportFailed([(0, _("文件"), _("无法读取 XLSX 文件（%(e)s）") % {"e": exc})])
        rows = [[("" if v is None else str(v).strip()) for v in r] for r in ws.iter_rows(values_only=True)]
    else:
        for enc in ("utf-8-sig", "gbk"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise MarkerImportFailed([(0, _("文件"), _("无法识别文件编码，请另存为 UTF-8 的 CSV"))])
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
    if not rows:
        raise MarkerImportFailed([(0, _("文件"), _("文件是空的"))])
    header = [h.strip().lower() for h in rows[0]]
    index = {}
    for key, names in COLUMNS.items():
        for n in names:
            if n.lower() in header:
                index[key] = header.index(n.lower())
                break
    missing = [k for k in ("number", "lon", "lat") if k not in index]
    if missing:
        raise MarkerImportFailed([(1, _("表头"), _("缺少列 %(cols)s；表头应有 number/界桩编号、lon/经度、lat/纬度 等")
                                   % {"cols": "、".join(missing)})])
    out = []
    for i, r in enumerate(rows[1:], start=2):
        if not any(r):
            continue
        out.append((i, {k: (r[j] if j < len(r) else "") for k, j in index.items()}))
    return out


def import_markers(path_or_file, *, input_crs="CGCS2000", line_code=None, name=None, actor=None):
    try:
        parse_input_crs(input_crs)
    except CRSError as exc:
        raise MarkerImportFailed([(0, _("坐标系"), str(exc))])
    rows = read_table(path_or_file, name)
    lines = {x.code: x for x in BoundaryLine.objects.all()}
    errors, clean, seen = [], [], {}
    for n, r in rows:
        bad = []
        code = r.get("line_code") or line_code or ""
        line = lines.get(code)
        if line is None:
            bad.append((_("界线编号"), _("界线 %(c)s 不存在，请先建立界线") % {"c": code or "—"}))
        mtype = TYPES.get((r.get("marker_type") or "single").strip().lower())
        if mtype is None:
            bad.append((_("界桩类型"), _("“%(v)s”无效，应为 单立/双立/三立（single/paired/triple）") % {"v": r.get("marker_type")}))
        number = r.get("number", "")
        if line is not None and mtype is not None:
            try:
                validate_marker_number(number, line.code, mtype)
            except ValidationError as exc:
                bad.append((_("界桩编号"), "；".join(exc.messages)))
        if number in seen:
            bad.append((_("界桩编号"), _("与第 %(row)s 行重复") % {"row": seen[number]}))
        seen.setdefault(number, n)
        try:
            point = point_to_storage(r.get("lon"), r.get("lat"), input_crs)
        except CRSError as exc:
            bad.append((_("坐标"), str(exc)))
            point = None
        material = MATERIALS.get((r.get("material") or "granite").strip().lower()) or MATERIALS.get((r.get("material") or "").strip())
        if material is None:
            bad.append((_("材质"), _("“%(v)s”无效，可选：%(opts)s") % {"v": r.get("material"), "opts": "、".join(str(m.label) for m in BoundaryMarker.Material)}))
        year = None
        if r.get("year"):
            try:
                year = int(float(r["year"]))
                if not 1900 <= year <= 2100:
                    raise ValueError
            except ValueError:
                bad.append((_("埋设年份"), _("“%(v)s”不是有效年份") % {"v": r["year"]}))
        if bad:
            errors += [(n, f, m) for f, m in bad]
            continue
        clean.append(dict(number=number, line=line, marker_type=mtype, geom=point, material=material, year_installed=year,
                          description=r.get("description", "")))
    if errors:
        raise MarkerImportFailed(errors)
    result = MarkerImportResult()
    with transaction.atomic():
        existing = {m.number: m for m in BoundaryMarker.objects.select_for_update().filter(number__in=[c["number"] for c in clean])}
        for c in clean:
            m = existing.get(c["number"])
            if m is None:
                m = BoundaryMarker.objects.create(**c)
                result.created += 1
            else:
                for k, v in c.items():
                    setattr(m, k, v)
                m.save()
                result.updated += 1
            result.rows.append(m.number)
        if clean:
            record(clean[0]["line"], "import_markers", actor=actor, created=result.created, updated=result.updated,
                   input_crs=str(input_crs))
    return result
