"""OGC API - Features at /ogc/: thin views over layers/ogc.py — parse, call, answer as JSON/GeoJSON
or HTML (?f=json|html, else the Accept header). Errors are the OGC exception body {code,
description} with 400/404/406."""
import json
from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from . import ogc

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"


def _format(request, json_type=JSON):
    f = request.GET.get("f")
    if f:
        if f in ("json", "geojson"):
            return json_type
        if f == "html":
            return HTML
        raise ogc.OgcError(400, "InvalidParameterValue", _("f 只能是 json 或 html"))
    accept = request.headers.get("Accept", "")
    html_at, json_at = accept.find("text/html"), max(accept.find("json"), -1)
    return HTML if html_at >= 0 and (json_at < 0 or html_at < json_at) else json_type


def _url(request, name, *args, **params):
    path = reverse(f"layers:{name}", args=args)
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return request.build_absolute_uri(path + ("?" + urlencode(params) if params else ""))


def _error(exc):
    body = {"code": exc.code, "description": exc.description}
    return JsonResponse(body, status=exc.status, json_dumps_params={"ensure_ascii": False})


def ogc_view(func):
    def wrapper(request, *args, **kwargs):
        try:
            return func(request, *args, **kwargs)
        except ogc.OgcError as exc:
            return _error(exc)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return require_safe(wrapper)


def _links(request, name, *args, fmt, json_type=JSON, title="", **params):
    """self + alternate links of a resource in its two encodings."""
    out = []
    for ftype, f in ((json_type, "json"), (HTML, "html")):
        out.append({"href": _url(request, name, *args, **{**params, "f": f}), "rel": "self" if ftype == fmt else "alternate",
                    "type": ftype, "title": title + (" (HTML)" if ftype == HTML else " (JSON)")})
    return out


def _answer(request, fmt, body, template_context, content_type=JSON, status=200, headers=None):
    if fmt == HTML:
        response = render(request, "layers/ogc.html", {**template_context, "links": body.get("links", [])}, status=status)
    else:
        response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type=content_type, status=status)
    for k, v in (headers or {}).items():
        response[k] = v
    return response


@ogc_view
def landing(request):
    fmt = _format(request)
    title = _("geogrid 空间数据服务（OGC API - Features）")
    body = {
        "title": title,
        "description": _("网格、行政区划、道路、路名牌、界线界桩、民政设施等图层，可用 QGIS、GDAL、OWSLib 读取"),
        "links": _links(request, "ogc-landing", fmt=fmt, title=title) + [
            {"href": _url(request, "ogc-api"), "rel": "service-desc", "type": OPENAPI, "title": _("接口定义（OpenAPI 3.0）")},
            {"href": _url(request, "ogc-api", f="html"), "rel": "service-doc", "type": HTML, "title": _("接口说明")},
            {"href": _url(request, "ogc-conformance"), "rel": "conformance", "type": JSON, "title": _("符合的标准类")},
            {"href": _url(request, "ogc-collections"), "rel": "data", "type": JSON, "title": _("数据集")},
        ],
    }
    return _answer(request, fmt, body, {"kind": "landing", "title": title, "body": body})


@ogc_view
def conformance(request):
    fmt = _format(request)
    body = {"conformsTo": ogc.CONFORMANCE, "links": _links(request, "ogc-conformance", fmt=fmt, title=_("符合的标准类"))}
    return _answer(request, fmt, body, {"kind": "conformance", "title": _("符合的标准类"), "body": body})


def _collection_body(request, c, extent, fmt=JSON):
    body = {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "links": _links(request, "ogc-collection", c.id, fmt=fmt, title=c.title) + [
            {"href": _url(request, "ogc-items", c.id), "rel": "items", "type": GEOJSON, "title": _("要素") + " (GeoJSON)"},
            {"href": _url(request, "ogc-items", c.id, f="html"), "rel": "items", "type": HTML, "title": _("要素") + " (HTML)"},
        ],
        "crs": [crs.uri for crs in ogc.supported_crs()],
        "storageCrs": ogc.EPSG_URI.format(ogc.STORAGE_SRID),
    }
    if extent:
        body["extent"] = {"spatial": {"bbox": [[round(v, 7) for v in extent]], "crs": ogc.CRS84}}
    return body


@ogc_view
def collections(request):
    fmt = _format(request)
    cols = list(ogc.collections(request.user).values())
    extents = ogc.extents(cols)
    body = {"links": _links(request, "ogc-collections", fmt=fmt, title=_("数据集")),
            "collections": [_collection_body(request, c, extents[c.id]) for c in cols],
            "crs": [crs.uri for crs in ogc.supported_crs()]}
    return _answer(request, fmt, body, {"kind": "collections", "title": _("数据集"), "body": body})


@ogc_view
def collection(request, cid):
    fmt = _format(request)
    c = ogc.get_collection(request.user, cid)
    body = _collection_body(request, c, ogc.extents([c])[c.id], fmt)
    # The HTML page offers the whole layer(s) as files too (layers.exports).
    downloads = [(str(layer.title), [(label, reverse("layers:export", args=[layer.name, fmt_]))
                                     for fmt_, label in (("gpkg", "GeoPackage"), ("shp", "Shapefile"), ("geojson", "GeoJSON"),
                                                         ("csv", "CSV"), ("xlsx", "Excel"))]) for layer in c.layers]
    return _answer(request, fmt, body, {"kind": "collection", "title": c.title, "body": body, "downloads": downloads})


@ogc_view
def items(request, cid):
    fmt = _format(request, GEOJSON)
    c = ogc.get_collection(request.user, cid)
    params = {k: request.GET[k] for k in request.GET}
    q = ogc.parse_items_query(c, params)
    matched, features = ogc.items(c, request.user, q)
    returned = max(0, min(q.limit, matched - q.offset))
    links = _links(request, "ogc-items", cid, fmt=fmt, json_type=GEOJSON, title=c.title, **{**params, "f": None})
    keep = {k: v for k, v in params.items() if k != "offset"}
    if q.offset + returned < matched:
        links.append({"href": _url(request, "ogc-items", cid, **{**keep, "offset": q.offset + q.limit}), "rel": "next",
                      "type": HTML if fmt == HTML else GEOJSON, "title": _("下一页")})
    if q.offset > 0:
        links.append({"href": _url(request, "ogc-items", cid, **{**keep, "offset": max(0, q.offset - q.limit)}), "rel": "prev",
                      "type": HTML if fmt == HTML else GEOJSON, "title": _("上一页")})
    links.append({"href": _url(request, "ogc-collection", cid), "rel": "collection", "type": JSON, "title": c.title})
    head = {"type": "FeatureCollection", "numberMatched": matched, "numberReturned": returned,
            "timeStamp": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"), "links": links}
    headers = {"Content-Crs": f"<{q.crs.uri}>"}
    if fmt == HTML:
        feats = json.loads(features)
        return _answer(request, fmt, head, {"kind": "items", "title": c.title, "collection": c, "features": _rows(c, feats),
                                            "head": head, "crs": q.crs, "crs84_uri": ogc.CRS84,
                                            "geojson": {"type": "FeatureCollection", "features": feats}}, headers=headers)
    # The features are PostGIS's JSON text: spliced in, never parsed and dumped again.
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": ' + features + "}"
    response = HttpResponse(text, content_type=GEOJSON)
    for k, v in headers.items():
        response[k] = v
    return response


def _rows(c, feats):
    keys = [k for k, _label in c.layer.popup_fields()]
    labels = [label for _k, label in c.layer.popup_fields()]
    return {"labels": labels, "rows": [(f["id"], [f["properties"].get(k) for k in keys], f["geometry"]) for f in feats]}


@ogc_view
def item(request, cid, fid):
    fmt = _format(request, GEOJSON)
    c = ogc.get_collection(request.user, cid)
    crs = ogc.parse_crs(request.GET.get("crs"), "crs")
    unknown = [k for k in request.GET if k not in ("f", "crs")]
    if unknown:
        raise ogc.bad_request(_("未知的查询参数：%(names)s") % {"names": ", ".join(unknown)})
    feature = ogc.item(c, request.user, fid, crs)
    if feature is None:
        raise ogc.OgcError(404, "NotFound", _("数据集“%(c)s”中没有编号为 %(id)s 的要素") % {"c": cid, "id": fid})
    links = _links(request, "ogc-item", cid, fid, fmt=fmt, json_type=GEOJSON, title=c.title, crs=request.GET.get("crs")) + [
        {"href": _url(request, "ogc-collection", cid), "rel": "collection", "type": JSON, "title": c.title}]
    headers = {"Content-Crs": f"<{crs.uri}>"}
    if fmt == HTML:
        f = json.loads(feature)
        return _answer(request, fmt, {"links": links}, {"kind": "item", "title": f"{c.title} #{fid}", "collection": c,
                                                        "features": _rows(c, [f]), "crs": crs, "crs84_uri": ogc.CRS84,
                                                        "geojson": {"type": "FeatureCollection", "features": [f]}}, headers=headers)
    response = HttpResponse(feature[:-1] + ', "links": ' + json.dumps(links, ensure_ascii=False) + "}", content_type=GEOJSON)
    for k, v in headers.items():
        response[k] = v
    return response


@ogc_view
def api(request):
    fmt = _format(request, OPENAPI)
    doc = openapi(request)
    if fmt == HTML:
        return render(request, "layers/ogc.html", {"kind": "api", "title": doc["info"]["title"], "doc": doc,
                                                   "paths": sorted(doc["paths"].items()),
                                                   "links": _links(request, "ogc-api", fmt=HTML, json_type=OPENAPI)})
    return HttpResponse(json.dumps(doc, ensure_ascii=False), content_type=OPENAPI)


def openapi(request):
    """The OpenAPI 3.0 document of this service, with one items path per collection (their
    property filters as query parameters)."""
    cols = ogc.collections(request.user)

    def param(name, description, schema, where="query", required=False, **more):
        return {"name": name, "in": where, "description": description, "required": required, "schema": schema, **more}

    crs_enum = [crs.uri for crs in ogc.supported_crs()]
    f = param("f", _("返回格式"), {"type": "string", "enum": ["json", "html"]})
    common = [f]
    item_params = [
        f,
        param("bbox", _("范围：按 bbox-crs 的轴顺序给出最小、最小、最大、最大四个数（默认 CRS84：经度,纬度）"),
              {"type": "array", "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}], "items": {"type": "number"}},
              style="form", explode=False),
        param("datetime", _("时间或区间（RFC 3339，开放的一端写 ..）；这些数据集没有时间属性，所有要素都符合"), {"type": "string"},
              style="form", explode=False),
        param("bbox-crs", _("bbox 的坐标参考系"), {"type": "string", "format": "uri", "enum": [*crs_enum, ogc.CRS84H],
                                               "default": ogc.CRS84}),
        param("crs", _("返回坐标的参考系"), {"type": "string", "format": "uri", "enum": crs_enum, "default": ogc.CRS84}),
        param("limit", _("每页要素数"), {"type": "integer", "minimum": 1, "maximum": ogc.MAX_LIMIT, "default": ogc.DEFAULT_LIMIT}),
        param("offset", _("跳过的要素数"), {"type": "integer", "minimum": 0, "default": 0}),
    ]
    ok = {"description": "OK"}
    errors = {"400": {"description": _("参数错误")}, "404": {"description": _("不存在")}}
    paths = {
        "/": {"get": {"summary": _("服务首页"), "operationId": "getLandingPage", "parameters": common, "responses": {"200": ok}}},
        "/conformance": {"get": {"summary": _("符合的标准类"), "operationId": "getConformance", "parameters": common,
                                 "responses": {"200": ok}}},
        "/api": {"get": {"summary": _("接口定义"), "operationId": "getApi", "parameters": common, "responses": {"200": ok}}},
        "/collections": {"get": {"summary": _("数据集"), "operationId": "getCollections", "parameters": common,
                                 "responses": {"200": ok}}},
    }
    for c in cols.values():
        filters = [param(k, _("按属性 %(key)s 筛选（等于）") % {"key": k}, {"type": "string"}) for k in c.filter_keys()]
        paths[f"/collections/{c.id}"] = {"get": {"summary": c.title, "operationId": f"describe-{c.id}",
                                                 "parameters": common, "responses": {"200": ok, **errors}}}
        paths[f"/collections/{c.id}/items"] = {"get": {
            "summary": _("%(title)s：要素") % {"title": c.title}, "operationId": f"getFeatures-{c.id}",
            "parameters": item_params + filters,
            "responses": {"200": {"description": "OK", "content": {GEOJSON: {"schema": {"type": "object"}}}}, **errors}}}
        paths[f"/collections/{c.id}/items/{{featureId}}"] = {"get": {
            "summary": _("%(title)s：单个要素") % {"title": c.title}, "operationId": f"getFeature-{c.id}",
            "parameters": [f, param("crs", _("返回坐标的参考系"), {"type": "string", "format": "uri", "enum": crs_enum}),
                           param("featureId", "", {"type": "integer"}, where="path", required=True)],
            "responses": {"200": {"description": "OK", "content": {GEOJSON: {"schema": {"type": "object"}}}}, **errors}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": _("geogrid 空间数据服务（OGC API - Features）"), "version": "1.0.0",
                 "description": _("坐标按所选坐标系定义的轴顺序：CRS84 为经度,纬度；EPSG:4490 与 EPSG:4326 为纬度,经度；高斯-克吕格投影为北坐标,东坐标")},
        "servers": [{"url": request.build_absolute_uri(reverse("layers:ogc-landing")).rstrip("/")}],
        "paths": paths,
    }
