"""Publishing of the registered layers: the list, GeoJSON, vector tiles and the map page.

Public and read-only for now: these are the bureau's base data (areas, grids, roads, signs,
boundaries, facilities). Scope them per user here when that changes.
"""
from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, gettext as _
from django.views.decorators.http import require_GET

from . import exports, publish, versions
from .registry import LayerError, registry


def _layer_or_404(name, request):
    """The layer, or 404 when there is none or it is not for this user (a visitor asking for a
    login_required layer learns nothing about it)."""
    try:
        layer = registry.get(name)
    except LayerError:
        layer = None
    if layer is None or not layer.visible_to(request.user):
        raise Http404(_("没有名为“%(name)s”的图层") % {"name": name})
    return layer


def _bad_request(message):
    return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})


@require_GET
def layer_list(request):
    layers = []
    visible = [layer for layer in registry if layer.visible_to(request.user)]
    extents = versions.cached_extents(visible)
    for layer in visible:
        info = layer.describe()
        extent = extents.get(layer.name)
        info["extent"] = extent[:4] if extent else None  # [w, s, e, n]: the map opens on the fit layers' extent
        info["count"] = extent[4] if extent else None
        info["tiled"] = layer.is_tiled(info["count"])  # large layers from tiles, small ones as GeoJSON
        info["geojson_url"] = reverse("layers:geojson", args=[layer.name])
        # A template, not a reversible path: Leaflet/MapLibre fill in {z}/{x}/{y}.
        info["tiles_url"] = reverse("layers:tile", args=[layer.name, 0, 0, 0]).replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")
        layers.append(info)
    return JsonResponse({"layers": layers}, json_dumps_params={"ensure_ascii": False})


@require_GET
def layer_geojson(request, name):
    layer = _layer_or_404(name, request)
    try:
        bbox = publish.parse_bbox(request.GET.get("bbox"))
    except publish.PublishError as exc:
        return _bad_request(str(exc))
    qs = layer.get_user_queryset(request.user) if layer.login_required else None
    return HttpResponse(publish.geojson(layer, bbox, queryset=qs), content_type="application/geo+json")


@require_GET
def layer_export(request, name, fmt):
    """The layer as a file (gpkg, shp, geojson, csv, xlsx); ?bbox= and ?<property>=<value> narrow it."""
    layer = _layer_or_404(name, request)
    try:
        bbox = publish.parse_bbox(request.GET.get("bbox"))
        filters = {k: v for k, v in request.GET.items() if k != "bbox"}
        qs = layer.get_user_queryset(request.user) if layer.login_required else None
        data, content_type, filename = exports.export(layer, fmt, queryset=qs, filters=filters, bbox=bbox)
    except (publish.PublishError, exports.ExportError) as exc:
        return _bad_request(str(exc))
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if layer.login_required:
        response["Cache-Control"] = "private, no-store"
    return response


TILE_MAX_AGE = 60  # seconds a browser reuses a tile unasked; after that a revalidation is a 304


def _etag_matches(request, etag):
    # GZipMiddleware weakens ETags (W/"…") on the way out: compare the opaque part.
    tokens = [t.strip().removeprefix("W/") for t in request.headers.get("If-None-Match", "").split(",")]
    return etag in tokens or "*" in tokens


@require_GET
def layer_tile(request, name, z, x, y):
    """A vector tile: a primary-key lookup of the layer's version, then the tile from the cache or
    one PostGIS statement (none when the tile lies outside the layer's extent or below its zoom).
    The ETag is the version: a revalidation costs that one lookup and answers 304."""
    layer = _layer_or_404(name, request)
    try:
        publish.check_tile(z, x, y)
    except publish.PublishError as exc:
        return _bad_request(str(exc))
    if layer.login_required:  # the user's own rows: built each time, kept by nobody else
        data = publish.tile(layer, z, x, y, queryset=layer.get_user_queryset(request.user))
        response = HttpResponse(data, content_type="application/vnd.mapbox-vector-tile") if data else HttpResponse(status=204)
        response["Cache-Control"] = "private, no-store"
        return response
    lang = get_language() or settings.LANGUAGE_CODE  # choice labels in tiles follow the language
    version = versions.version(layer.name)
    etag = f'"{layer.name}.{version}.{lang}.{z}.{x}.{y}"'
    if _etag_matches(request, etag):
        response = HttpResponseNotModified()
    else:
        cache = versions.tile_cache()
        key = f"tile:{layer.name}:{version}:{lang}:{z}:{x}:{y}"
        data = cache.get(key)
        if data is None:
            extent_key = f"extent:{layer.name}:{version}"
            extent = cache.get(extent_key, False)
            if extent is False:
                extent = publish.layer_extent(layer)
                cache.set(extent_key, extent)
            data = b"" if z < layer.min_zoom or publish.tile_misses(extent, z, x, y) else publish.tile(layer, z, x, y)
            cache.set(key, data)
        response = HttpResponse(data, content_type="application/vnd.mapbox-vector-tile") if data else HttpResponse(status=204)
    response["ETag"] = etag
    response["Cache-Control"] = f"max-age={TILE_MAX_AGE}"
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


@require_GET
def layer_at(request):
    """The features at a point of the map, one per layer asked (?layers=a,b), for the pop-ups of
    tiled layers: ?lon=&lat=&z= (the tolerance for lines and points is 6 pixels at zoom z)."""
    try:
        lon, lat, z = float(request.GET["lon"]), float(request.GET["lat"]), int(request.GET.get("z", 16))
    except (KeyError, ValueError):
        return _bad_request(_("需要 lon、lat 两个数字和整数 z"))
    if not (-180 <= lon <= 180 and -90 <= lat <= 90 and 0 <= z <= publish.MAX_ZOOM):
        return _bad_request(_("lon、lat 或 z 超出范围"))
    names = [n for n in request.GET.get("layers", "").split(",") if n]
    layers = [layer for layer in registry if layer.name in names and layer.visible_to(request.user) and z >= layer.min_zoom]
    tolerance = 6 * 360 / (256 * (1 << z))
    found = publish.features_at(layers, lon, lat, tolerance, user=request.user)
    return JsonResponse({"features": [{"layer": layer.name, "id": fid, "properties": props} for layer, fid, props in found]},
                        json_dumps_params={"ensure_ascii": False})


@require_GET
def layer_search(request):
    """?q=: features of the searchable layers whose codes or names contain q (exact first), with
    their extent, for the map's search box."""
    q = request.GET.get("q", "").strip()
    if not q or len(q) > 100:
        return _bad_request(_("请输入 1~100 个字的搜索词"))
    layers = [layer for layer in registry if layer.search_fields and layer.visible_to(request.user)]
    found = publish.search(layers, q, user=request.user)
    # Apps' own searches first (the gazetteer finds 经十路 from "jsl" or a typo), then the rest.
    own = [(layer, fid, props, bbox) for layer in layers if registry.search_of(layer.name)
           for fid, props, bbox in publish.features_by_id(layer, registry.search_of(layer.name)(q), user=request.user)]
    seen = {(layer.name, fid) for layer, fid, _p, _b in own}
    found = own + [hit for hit in found if (hit[0].name, hit[1]) not in seen]
    return JsonResponse({"results": [{"layer": layer.name, "id": fid, "properties": props, "bbox": bbox}
                                     for layer, fid, props, bbox in found[:10]]}, json_dumps_params={"ensure_ascii": False})


@require_GET
def map_page(request):
    # Texts the script shows, in the request's language; the layers themselves come from /layers/.
    config = {
        "layersUrl": reverse("layers:list"),
        "atUrl": reverse("layers:at"),
        "searchUrl": reverse("layers:search"),
        # What the apps offer at a clicked point to this user (e.g. report an incident there).
        "actions": [a.describe() for a in registry.actions_for(request.user)],
        # Details a layer declares for signed-in users only are not asked for by visitors.
        "signedIn": request.user.is_authenticated,
        "loginUrl": f"{resolve_url(settings.LOGIN_URL)}?next={reverse('layers:map')}",
        "text": {
            "legend": _("图例"),
            "loading": _("正在加载图层…"),
            "loadFailed": _("图层加载失败"),
            "notFound": _("没有找到“%s”"),
            "found": _("找到 %s 个，已定位到第一个"),
            "empty": _("（空）"),
            "detailFailed": _("未能加载"),
            "here": _("此处"),
            "searching": _("正在搜索…"),
        },
    }
    return render(request, "layers/map.html", {"map_config": config})
