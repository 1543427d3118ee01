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
from django.views.decorators.http import require_safe

from . import exports, publish, tilestore, versions
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


@require_safe
def layer_list(request):
    layers = []
    visible = [layer for layer in registry if layer.visible_to(request.user)]
    extents, vers = versions.extents_and_versions(visible)
    for layer in visible:
        info = layer.describe()
        extent = extents.get(layer.name)
        info["extent"] = extent[:4] if extent else None  # [w, s, e, n]: the map opens on the fit layers' extent
        info["count"] = extent[4] if extent else None
        info["tiled"] = layer.is_tiled(info["count"])  # large layers from tiles, small ones as GeoJSON
        info["geojson_url"] = reverse("layers:geojson", args=[layer.name])
        # A template, not a reversible path: Leaflet/MapLibre fill in {z}/{x}/{y}.
        info["tiles_url"] = reverse("layers:tile", args=[layer.name, 0, 0, 0]).replace("/0/0/0.pbf", "/{z}/{x}/{y}.pbf")
        if layer.name in vers:  # the version in the URL: stored tiles are served without a query
            info["tiles_url"] += f"?v={vers[layer.name]}"
        layers.append(info)
    return JsonResponse({"layers": layers}, json_dumps_params={"ensure_ascii": False})


@require_safe
def layer_geojson(request, name):
    layer = _layer_or_404(name, request)
    try:
        bbox = publish.parse_bbox(request.GET.get("bbox"))
    except publish.PublishError as exc:
        return _bad_request(str(exc))
    qs = layer.get_user_queryset(request.user) if layer.login_required else None
    return HttpResponse(publish.geojson(layer, bbox, queryset=qs), content_type="application/geo+json")


@require_safe
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
# A tile asked with its layer's version (?v=, the map's URLs from the layer list) never changes:
# an edit makes a new version and the map's next layer list asks for new URLs.
VERSIONED_MAX_AGE = 24 * 3600


def _etag_matches(request, etag):
    # GZipMiddleware weakens ETags (W/"…") on the way out: compare the opaque part.
    tokens = [t.strip().removeprefix("W/") for t in request.headers.get("If-None-Match", "").split(",")]
    return etag in tokens or "*" in tokens


def _tile_response(request, layer, version, lang, z, x, y, data, max_age):
    etag = f'"{layer.name}.{version}.{lang}.{z}.{x}.{y}"'
    if _etag_matches(request, etag):
        response = HttpResponseNotModified()
    elif data:
        response = HttpResponse(data, content_type="application/vnd.mapbox-vector-tile")
    else:
        response = HttpResponse(status=204)
    response["ETag"] = etag
    response["Cache-Control"] = f"max-age={max_age}" + (", immutable" if max_age == VERSIONED_MAX_AGE else "")
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def _build_tile(layer, version, lang, z, x, y, known_missing=False):
    """The tile of the layer at this version: from the shared store, else built and stored (the
    extent, stored beside, spares the database the tiles outside the layer)."""
    data = None if known_missing else tilestore.read(layer.name, version, lang, z, x, y)
    if data is None:
        extent = tilestore.read_extent(layer.name, version)
        if extent is tilestore._NO_EXTENT:
            extent = publish.layer_extent(layer)
            tilestore.write_extent(layer.name, version, extent)
        if z < layer.min_zoom or publish.tile_misses(extent, z, x, y):
            return b""  # known without the database: not worth a file
        data = publish.tile(layer, z, x, y, version=version)
        tilestore.write(layer.name, version, lang, z, x, y, data)
    return data


@require_safe
def layer_tile(request, name, z, x, y):
    """A vector tile of the shared tile store (layers/tilestore.py), built by one PostGIS
    statement the first time (none when the tile lies outside the layer's extent or below its
    zoom). Asked with the layer's current version (?v=, as the map asks), a stored tile costs no
    query at all; without it, one primary-key lookup of the version. The ETag is the version: a
    revalidation costs that lookup and answers 304."""
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
    asked = request.GET.get("v", "")
    asked = int(asked) if asked.isdigit() and len(asked) < 19 else None
    if asked is not None:
        data = tilestore.read(layer.name, asked, lang, z, x, y)
        if data is not None:  # a stored file is that version's tile for good
            return _tile_response(request, layer, asked, lang, z, x, y, data, VERSIONED_MAX_AGE)
    version = versions.version(layer.name)
    if version is None:  # no counter row yet (migrate makes them): built, not kept
        data = b"" if z < layer.min_zoom else publish.tile(layer, z, x, y)
        response = HttpResponse(data, content_type="application/vnd.mapbox-vector-tile") if data else HttpResponse(status=204)
        response["Cache-Control"] = "no-cache"
        return response
    etag = f'"{layer.name}.{version}.{lang}.{z}.{x}.{y}"'
    if _etag_matches(request, etag):
        data = b""
    else:
        data = _build_tile(layer, version, lang, z, x, y, known_missing=asked == version)
    # An older (or unknown) ?v= gets the current tile, revalidated like an unversioned one.
    return _tile_response(request, layer, version, lang, z, x, y, data, VERSIONED_MAX_AGE if asked == version else TILE_MAX_AGE)


@require_safe
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


@require_safe
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


@require_safe
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
