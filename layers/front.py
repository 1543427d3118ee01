"""The tile front: stored tiles asked with their version (the map's URLs, ?v=) are answered from
the shared store (layers/tilestore.py) before Django, as nginx's try_files answers a tile server's
files before the application. A stored file is that version's tile for good, so nothing but the
file is needed: no URL resolution, middleware, session or query. Anything else — no ?v=, a file
not stored yet, a layer not public, plain HTTP where HTTPS is required — goes to Django, which
builds and stores the tile (layers/views.layer_tile).

The answer is the one Django gives for the same file (tests/layers/test_tile_front.py compares
them): the tile in the request's language (cookie, then Accept-Language, as LocaleMiddleware
decides without i18n URL prefixes), gzip from the stored .gz when the client accepts it (a weak
ETag then, as GZipMiddleware makes it), 304 on a matching If-None-Match, and the security headers
of SecurityMiddleware, XFrameOptionsMiddleware and django-csp. (Django pads its gzip with random
bytes against BREACH and sends a tile of a few hundred bytes unpacked when the padding makes it no
smaller; the front sends the stored gzip whenever it is smaller: either is a correct answer.)
"""
import os
import re

from django.conf import settings
from django.http.cookie import parse_cookie
from django.utils import translation

from . import tilestore
from .registry import LayerError, registry

_TILE = re.compile(r"/tiles/([-a-zA-Z0-9_]+)/(\d{1,2})/(\d{1,8})/(\d{1,8})\.pbf", re.ASCII)
_VERSION = re.compile(r"v=(\d{1,18})", re.ASCII)
_GZIP = re.compile(r"\bgzip\b")
TYPE = "application/vnd.mapbox-vector-tile"


class _Request:
    """What get_language_from_request reads of a request."""

    def __init__(self, environ):
        self.META = environ
        self.COOKIES = parse_cookie(environ.get("HTTP_COOKIE", ""))


def _secure(environ):
    header = settings.SECURE_PROXY_SSL_HEADER
    if header:
        name, value = header
        return environ.get(name, "").split(",")[0].strip() == value
    return environ.get("wsgi.url_scheme") == "https"


def _etag_matches(environ, etag):
    tokens = [t.strip().removeprefix("W/") for t in environ.get("HTTP_IF_NONE_MATCH", "").split(",")]
    return etag.removeprefix("W/") in tokens or "*" in tokens


class TileFront:
    def __init__(self, app):
        self.app = app
        self._headers = None

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            tile = _TILE.fullmatch(environ.get("PATH_INFO", ""))
            version = tile and _VERSION.fullmatch(environ.get("QUERY_STRING", ""))
            if version:
                answer = self._stored(environ, tile, int(version.group(1)))
                if answer is not None:
                    status, headers, body = answer
                    start_response(status, headers)
                    return [body] if environ["REQUEST_METHOD"] == "GET" else []
        return self.app(environ, start_response)

    def security_headers(self):
        """The headers Django's middleware adds to every answer (computed once: settings)."""
        if self._headers is None:
            from csp.utils import build_policy

            headers = [("X-Frame-Options", settings.X_FRAME_OPTIONS)]
            if csp := build_policy():
                headers.append(("Content-Security-Policy", csp))
            if csp_ro := build_policy(report_only=True):
                headers.append(("Content-Security-Policy-Report-Only", csp_ro))
            if settings.SECURE_CONTENT_TYPE_NOSNIFF:
                headers.append(("X-Content-Type-Options", "nosniff"))
            if settings.SECURE_REFERRER_POLICY:
                policy = settings.SECURE_REFERRER_POLICY
                headers.append(("Referrer-Policy", policy if isinstance(policy, str) else ",".join(policy)))
            if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
                headers.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
            self._headers = headers
        return self._headers

    def _stored(self, environ, tile, version):
        """(status, headers, body) of the stored tile, or None to let Django answer."""
        secure = _secure(environ)
        if settings.SECURE_SSL_REDIRECT and not secure:
            return None
        name, z, x, y = tile.group(1), *(int(v) for v in tile.groups()[1:])
        try:
            layer = registry.get(name)
        except LayerError:
            return None
        if layer is None or layer.login_required or not (0 <= x < (1 << z) and 0 <= y < (1 << z)):
            return None
        lang = translation.get_language_from_request(_Request(environ))
        path = tilestore.tile_file(name, version, lang, z, x, y)
        etag = f'"{name}.{version}.{lang}.{z}.{x}.{y}"'
        headers = [("Cache-Control", "max-age=86400, immutable"), ("Content-Language", lang)]
        if _etag_matches(environ, etag):
            if not os.path.exists(path):
                return None
            status, data = "304 Not Modified", b""
            headers += [("ETag", etag), ("Vary", "Accept-Language, Cookie")]
        else:
            packed = None
            try:
                if _GZIP.search(environ.get("HTTP_ACCEPT_ENCODING", "")):
                    try:
                        with open(f"{path}.gz", "rb") as f:
                            packed = f.read()
                    except FileNotFoundError:
                        pass
                if packed is None:
                    with open(path, "rb") as f:
                        data = f.read()
                elif os.path.exists(path):  # the .gz is written first: the tile is stored once y.pbf is
                    data = packed
                else:
                    return None
            except (FileNotFoundError, NotADirectoryError):
                return None
            big = packed is not None or len(data) >= tilestore.GZIP_MIN  # GZipMiddleware varies on these
            headers += [("ETag", f"W/{etag}" if packed is not None else etag),
                        ("Vary", "Accept-Language, Cookie" + (", Accept-Encoding" if big else ""))]
            if not data:
                status = "204 No Content"
            else:
                status = "200 OK"
                headers += [("Content-Type", TYPE), ("Content-Length", str(len(data)))]
                if packed is not None:
                    headers.append(("Content-Encoding", "gzip"))
        headers += self.security_headers()
        if secure and settings.SECURE_HSTS_SECONDS:
            hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
            if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
                hsts += "; includeSubDomains"
            if settings.SECURE_HSTS_PRELOAD:
                hsts += "; preload"
            headers.append(("Strict-Transport-Security", hsts))
        return status, headers, data
