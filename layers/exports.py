"""File exports of a layer, whole or filtered: GeoPackage, zipped Shapefile, GeoJSON, CSV, XLSX.

    data, content_type, filename = export(registry.get("grids_l5"), "gpkg", queryset=..., filters={"kind": "dedicated"})

The rows come from PostGIS in one statement (the layer's published properties, as everywhere);
GeoPackage and Shapefile are written by GDAL (ogr2ogr, the system package) from that GeoJSON, in
EPSG:4490 (CGCS2000, the numbers as stored); the Shapefile is zipped with a .cpg saying UTF-8 so
Chinese text opens right in ArcGIS and QGIS. CSV (UTF-8 with BOM, for Excel) and XLSX (openpyxl)
carry the pop-up labels as headers and the geometry as WKT; a text cell that a spreadsheet would
run as a formula (= + - @, tab, CR first) is neutralised with a leading apostrophe (OWASP).
"""
import csv
import io
import json
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from geogrid.geo.crs import STORAGE_SRID

from . import publish

FORMATS = {
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
    "shp": ("application/zip", "shp.zip"),
    "geojson": ("application/geo+json", "geojson"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 500_000  # beyond this an export is a job for ogr2ogr against the OGC API


class ExportError(ValueError):
    """An export that cannot be made as asked (unknown format or property, too many rows)."""


def neutralise(value):
    """A cell value safe to open in a spreadsheet: text starting like a formula gets a "'"."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def filter_keys(layer):
    """Published properties an export (or a query) may filter on: stored values, not labels."""
    cols = layer.property_columns()
    keys = {k for k, _e, _l in cols}
    return [k for k, _e, _l in cols if not (k.endswith("_display") and k.removesuffix("_display") in keys)]


def _where(layer, keys, filters, bbox):
    conds, params = [], []
    if bbox is not None:  # a Polygon in lon/lat (CRS84 = the stored numbers)
        conds.append(f"ST_Intersects(t.gg_geom, ST_GeomFromText(%s, {STORAGE_SRID}))")
        params.append(bbox.wkt)
    allowed = filter_keys(layer)
    for key, value in (filters or {}).items():
        if key not in allowed:
            raise ExportError(_("不能按“%(key)s”筛选；可用：%(keys)s") % {"key": key, "keys": ", ".join(allowed)})
        conds.append(f"t.p{keys.index(key)}::text = %s")
        params.append(str(value))
    return ("WHERE " + " AND ".join(conds)) if conds else "", params


def rows(layer, queryset=None, filters=None, bbox=None):
    """(keys, [(id, [values], wkt)]) of the layer's rows (or of `queryset`), filtered."""
    qs = layer.get_queryset() if queryset is None else queryset
    inner, params, keys = publish._columns_sql(layer, qs)
    where, wparams = _where(layer, keys, filters, bbox)
    cols = ", ".join(f"t.p{i}" for i in range(len(keys)))
    with connection.cursor() as cur:
        cur.execute(f"SELECT t.gg_id{', ' + cols if cols else ''}, ST_AsText(t.gg_geom) FROM ({inner}) t {where} "
                    f"ORDER BY t.gg_id LIMIT {MAX_ROWS + 1}", [*params, *wparams])
        found = cur.fetchall()
    if len(found) > MAX_ROWS:
        raise ExportError(_("超过 %(n)s 个要素，请缩小范围或用 OGC API 分批读取") % {"n": MAX_ROWS})
    return keys, [(r[0], list(r[1:-1]), r[-1]) for r in found]


def feature_collection(layer, queryset=None, filters=None, bbox=None):
    """RFC 7946 GeoJSON text of the filtered rows: one statement."""
    qs = layer.get_queryset() if queryset is None else queryset
    inner, params, keys = publish._columns_sql(layer, qs)
    where, wparams = _where(layer, keys, filters, bbox)
    props = ", ".join(f"%s, t.p{i}" for i in range(len(keys)))
    sql = f"""
        SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(json_build_object(
            'type', 'Feature', 'id', t.gg_id,
            'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(t.gg_geom), {publish.GEOJSON_DECIMALS + 1}, 0)::json,
            'properties', json_build_object({props})) ORDER BY t.gg_id), '[]'::json))::text
        FROM (SELECT * FROM ({inner}) t {where}) t
    """
    with connection.cursor() as cur:
        cur.execute(sql, [*keys, *params, *wparams])
        return cur.fetchone()[0]


def _ogr2ogr(src, driver, out_path, layer_name, extra=()):
    exe = shutil.which("ogr2ogr")
    if not exe:
        raise ExportError(_("服务器未安装 GDAL（gdal-bin），无法导出该格式"))
    cmd = [exe, "-f", driver, str(out_path), str(src), "-nln", layer_name, "-a_srs", f"EPSG:{STORAGE_SRID}", *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise ExportError(_("GDAL 导出失败：%(err)s") % {"err": done.stderr.strip()[-300:]})


def _spatial(layer, fmt, text):
    with tempfile.TemporaryDirectory(prefix="geogrid-export-") as tmp:
        src = Path(tmp) / "source.geojson"
        src.write_text(text, encoding="utf-8")
        if fmt == "gpkg":
            out = Path(tmp) / f"{layer.name}.gpkg"
            _ogr2ogr(src, "GPKG", out, layer.name)
            return out.read_bytes()
        folder = Path(tmp) / "shp"
        folder.mkdir()
        # ENCODING=UTF-8 writes the .cpg (and a UTF-8 .dbf); GDAL shortens field names to 10 characters.
        _ogr2ogr(src, "ESRI Shapefile", folder / f"{layer.name}.shp", layer.name, ("-lco", "ENCODING=UTF-8"))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for part in sorted(folder.iterdir()):
                z.write(part, part.name)
        return buf.getvalue()


def _headers(layer, keys):
    labels = {k: str(label) for k, _e, label in layer.property_columns()}
    with_display = {k for k in keys if f"{k}_display" in labels}
    heads = []
    for k in keys:
        if k in with_display:
            heads.append(_("%(label)s（代码）") % {"label": labels[k]})
        else:
            heads.append(labels[k])
    return ["ID", *heads, _("几何（WKT，CGCS2000 经纬度）")]


def _cell(value):
    if value is None:
        return ""
    if hasattr(value, "isoformat"):  # dates and times as ISO text, in local time when aware
        if getattr(value, "tzinfo", None) is not None:
            value = timezone.localtime(value)
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _tabular(layer, fmt, keys, found):
    head = _headers(layer, keys)
    table = ([fid, *[neutralise(_cell(v)) for v in values], wkt] for fid, values, wkt in found)
    if fmt == "csv":
        buf = io.StringIO()
        buf.write("\ufeff")  # Excel opens UTF-8 Chinese text only with the BOM
        w = csv.writer(buf)
        w.writerow([neutralise(h) for h in head])
        w.writerows(table)
        return buf.getvalue().encode("utf-8")
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(layer.title)[:31])
    ws.append(head)
    for row in table:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export(layer, fmt, queryset=None, filters=None, bbox=None):
    """(bytes, content type, file name) of the layer (or `queryset` of its model) in `fmt`,
    optionally only rows whose published properties equal `filters` and that meet `bbox`."""
    if fmt not in FORMATS:
        raise ExportError(_("不支持的导出格式“%(fmt)s”；可用：%(list)s") % {"fmt": fmt, "list": ", ".join(FORMATS)})
    if queryset is not None and queryset.model is not layer.model:
        raise ExportError(f"layer {layer.name}: the queryset is of {queryset.model.__name__}, not {layer.model.__name__}")
    content_type, ext = FORMATS[fmt]
    if fmt in ("csv", "xlsx"):
        keys, found = rows(layer, queryset, filters, bbox)
        data = _tabular(layer, fmt, keys, found)
    else:
        text = feature_collection(layer, queryset, filters, bbox)
        data = text.encode("utf-8") if fmt == "geojson" else _spatial(layer, fmt, text)
    return data, content_type, f"{layer.name}-{timezone.localdate():%Y%m%d}.{ext}"
