"""Settings of geogrid. Everything a site may change is read from the environment (see README)."""
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name, default=False):
    return os.environ.get(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def csp_tile_sources(url):
    """The CSP source of a tile URL template's server: http://t{s}.tianditu.gov.cn/… → http://*.tianditu.gov.cn."""
    parts = urlsplit(url)
    if not parts.netloc:
        return []
    labels = parts.netloc.split(".")
    templated = [i for i, label in enumerate(labels) if "{" in label]
    host = ".".join(["*", *labels[templated[-1] + 1:]]) if templated else parts.netloc
    return [f"{parts.scheme}://{host}" if parts.scheme else host]


SECRET_KEY = os.environ.get("GEOGRID_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("GEOGRID_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("GEOGRID_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served by us, not from a CDN
    "django_filters",
    "leaflet",
    "geogrid.accounts",
    "geogrid.audit",
    "geogrid.workflow",
    "geogrid.geo",
    "geogrid.grids",
    "geogrid.patrols",
    "geogrid.incidents",
    "geogrid.stats",
    "geogrid.notifications",
    "geogrid.placenames",
    "geogrid.boundaries",
    "geogrid.facilities",
    "geogrid.care",
    "layers",
    "geogrid.ops",  # backup and restore
    "geogrid.offline",  # the service worker of the phone pages (/sw.js) and the outbox tag
    "geogrid.demo",  # loads every app above: last
    "axes",  # failed-login tracking and lockout (accounts.lockout answers)
    "csp",  # Content-Security-Policy header (the policy: "Security headers" below)
    "django.forms",  # its widget templates, for FORM_RENDERER below
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # in every mode, so dev and the browser tests run under the policy
    "django.middleware.gzip.GZipMiddleware",  # GeoJSON layers compress ~5:1
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "geogrid.requestguard.RequestGuard",  # NUL characters and JSON nested too deep: a 400, not a 500
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into accounts.lockout's answer
]

ROOT_URLCONF = "geogrid.urls"
# Widgets render through TEMPLATES, so templates/leaflet/widget.html (no inline code, CSP) replaces django-leaflet's.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "geogrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "geogrid.navigation.nav",
                "geogrid.notifications.context.unread",
            ],
        },
    },
]


# Database: DATABASE_URL (postgis://user:pass@host:port/name) or the private cluster of
# scripts/pg.sh, reached through its unix socket recorded in var/pgbase.
def _private_cluster():
    pgbase = VAR_DIR / "pgbase"
    host = pgbase.read_text().strip() if pgbase.exists() else str(VAR_DIR / "pg")
    return {
        "ENGINE": "django.contrib.gis.db.backends.postgis",
        # Another database of the same cluster, e.g. the benchmarks' geogrid_scale (generate_scale).
        "NAME": os.environ.get("GEOGRID_DB_NAME", "geogrid"),
        "USER": "geogrid",
        "HOST": host,
        "PORT": "54329",
    }


if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], engine="django.contrib.gis.db.backends.postgis")}
else:
    DATABASES = {"default": _private_cluster()}
# Keep connections between requests (a new PostgreSQL backend pays PROJ's set-up on its first
# ST_Transform, ~0.2 s), checked before reuse so a restarted database is reconnected by itself.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("GEOGRID_CONN_MAX_AGE", "300"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Separate test databases let several test runs share one cluster.
if os.environ.get("GEOGRID_TEST_DB"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["GEOGRID_TEST_DB"]}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Repeated failed logins (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one username
# from one address, that pair is locked for the cool-off; a success resets the count. The account
# itself stays usable from elsewhere, so a stranger cannot lock a grid member out of their phone.
AUTHENTICATION_BACKENDS = ["geogrid.accounts.lockout.LockoutBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("GEOGRID_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("GEOGRID_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "geogrid.accounts.lockout.locked_out"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("GEOGRID_MEDIA_ROOT", BASE_DIR / "var" / "media"))

# --- Security headers (every mode) and production mode (GEOGRID_ENV=production) -----------------
# Content-Security-Policy (django-csp), sent by dev, `make run` and the tests alike so every browser
# test runs under it. Scripts only from our own files: no inline code, no eval (the Leaflet maps start
# from static/geogrid/leafletmap.js). Styles allow 'unsafe-inline': Leaflet and our pages set style
# attributes; scripts are what matter. A base map from another server (GEOGRID_BASEMAP_URL) is
# allowed as images.
CONTENT_SECURITY_POLICY = {"DIRECTIVES": {
    "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:", *csp_tile_sources(os.environ.get("GEOGRID_BASEMAP_URL", ""))],
    "connect-src": ["'self'"], "worker-src": ["'self'"], "font-src": ["'self'"], "object-src": ["'none'"],
    "base-uri": ["'self'"], "form-action": ["'self'"], "frame-ancestors": ["'none'"],
}}
GEOGRID_ENV = os.environ.get("GEOGRID_ENV", "demo")
if GEOGRID_ENV not in ("demo", "production"):
    raise ImproperlyConfigured(f"GEOGRID_ENV={GEOGRID_ENV!r}: use 'production' (or leave it unset for the demo mode of make run / make dev)")
if GEOGRID_ENV == "production":
    # Nothing insecure by default: the key and the host names must come from the environment.
    SECRET_KEY = os.environ.get("GEOGRID_SECRET_KEY", "")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("dev-only-"):
        raise ImproperlyConfigured(
            "GEOGRID_ENV=production needs GEOGRID_SECRET_KEY: a random secret of 50 characters or more, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'")
    ALLOWED_HOSTS = [h.strip() for h in os.environ.get("GEOGRID_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("GEOGRID_ENV=production needs GEOGRID_ALLOWED_HOSTS: the site's host names, comma-separated "
                                   "(e.g. geogrid.example.gov.cn)")
    DEBUG = False
    # HTTPS only. The front server (nginx) ends TLS and says so in X-Forwarded-Proto; it must set that
    # header itself (never pass the client's). GEOGRID_TRUST_X_FORWARDED_PROTO=0 when gunicorn serves TLS.
    if env_bool("GEOGRID_TRUST_X_FORWARDED_PROTO", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("GEOGRID_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GEOGRID_HSTS_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("GEOGRID_HSTS_PRELOAD", True)
    # Static files from STATIC_ROOT (collectstatic) with hashed names, compressed, cached for ever;
    # served by gunicorn through whitenoise, or by the front server from the same folder.
    WHITENOISE_USE_FINDERS = False
    STORAGES = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    STATIC_ROOT = Path(os.environ.get("GEOGRID_STATIC_ROOT", STATIC_ROOT))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Open311 client keys (incidents.open311.keys): requests per key.
    "DEFAULT_THROTTLE_RATES": {"open311_key": os.environ.get("GEOGRID_OPEN311_KEY_RATE", "120/min")},
}
# API rate limits (geogrid/workflow/throttling.py), counted in CACHES["throttle"] below, shared by every
# worker. Reads are generous (the map's tiles and layers are not DRF views and never counted); writes
# allow an offline phone's replay burst (its already-answered Idempotency-Keys count as reads); visitors
# are counted per address, and many phones behind one intranet NAT address read public data as one
# visitor: hence 1200/min. Behind a front server set GEOGRID_NUM_PROXIES=1 (else every visitor is the proxy).
# "off" leaves a bucket uncounted (the benchmarks' load tools: one address, thousands of requests).
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["geogrid.workflow.throttling.ApiRateThrottle"]
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].update({
    bucket: None if (rate := os.environ.get(variable, default)).strip().lower() == "off" else rate
    for bucket, variable, default in (("user_read", "GEOGRID_API_READ_RATE", "600/min"),
                                      ("user_write", "GEOGRID_API_WRITE_RATE", "60/min"),
                                      ("anon", "GEOGRID_API_ANON_RATE", "1200/min"))
})
REST_FRAMEWORK["NUM_PROXIES"] = int(os.environ["GEOGRID_NUM_PROXIES"]) if os.environ.get("GEOGRID_NUM_PROXIES") else None
# The default cache stays per process (nothing shared relies on it); the throttle counts go to a table of
# the project's database (made by migration workflow/0003, so migrate, restore and a fresh clone have it).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Django's DatabaseCache, writing with one upsert (workflow/throttling.py): two statements a request.
    "throttle": {"BACKEND": "geogrid.workflow.throttling.ThrottleCache", "LOCATION": "geogrid_throttle"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "geogrid API",
    "DESCRIPTION": "Grid governance, place names and boundaries of a district civil-affairs bureau.",
    "VERSION": "0.1.0",
    # /api/docs/ must work on an intranet: Swagger UI's files come from drf-spectacular-sidecar.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge that sends our schema URL to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# --- Geography -------------------------------------------------------------------------------
GEOGRID_STORAGE_SRID = 4490  # CGCS2000 geographic
# The shared vector-tile store of every server process (layers/tilestore.py), made on demand.
GEOGRID_TILE_DIR = Path(os.environ.get("GEOGRID_TILE_DIR", VAR_DIR / "tiles"))
# Base map: a tile URL template (e.g. Tianditu with a key, or a local tile server). Empty = none,
# so the map works on an intranet with no internet.
GEOGRID_BASEMAP_URL = os.environ.get("GEOGRID_BASEMAP_URL", "")
GEOGRID_BASEMAP_ATTRIBUTION = os.environ.get("GEOGRID_BASEMAP_ATTRIBUTION", "")
# Grid code patterns (GB/T 30428 style, unverified, hence settings): 14 digits for a level-4 grid
# (6 county + 3 street + 3 community + 2 sequence); level 5 appends 2–3 digits.
GEOGRID_GRID_CODE_PATTERNS = {4: r"^\d{14}$", 5: r"^\d{16,17}$"}

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (36.55, 116.75),
    "DEFAULT_ZOOM": 11,
    "MIN_ZOOM": 3,
    "MAX_ZOOM": 18,
    "TILES": [(_("底图"), GEOGRID_BASEMAP_URL, {"attribution": GEOGRID_BASEMAP_ATTRIBUTION})] if GEOGRID_BASEMAP_URL else [],
    "SRID": 3857,
    "RESET_VIEW": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Debian 12 ships GDAL 3.6; the protection this warns about needs 3.9. Spatial references only
# come from our own data and authenticated imports.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Incidents and the workflow core (geogrid.workflow, geogrid.incidents) ---------------
# Refused transitions → 409/403/400 with a clear body in every API.
REST_FRAMEWORK["EXCEPTION_HANDLER"] = "geogrid.workflow.drf.exception_handler"
# Every /api/ operation lists the refusals the handler gives (400/401/403/404… in one shape).
SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"] = ["drf_spectacular.hooks.postprocess_schema_enums", "geogrid.workflow.drf.document_errors"]
# Office hours of the working-time clock (geogrid.workflow.worktime): time limits of categories
# that count working time run in these hours on working days (China's statutory holidays and
# adjusted working days from chinese-calendar, overridden by the admin's work calendar).
GEOGRID_OFFICE_HOURS = (("08:30", "12:00"), ("13:30", "17:30"))
# A stage turns yellow when this fraction of its allowed time is used; red past the deadline.
GEOGRID_DEADLINE_YELLOW_AT = float(os.environ.get("GEOGRID_DEADLINE_YELLOW_AT", "0.8"))
# Duplicate suggestion: open cases of the same category within this radius and time window.
GEOGRID_DUPLICATE_RADIUS_M = float(os.environ.get("GEOGRID_DUPLICATE_RADIUS_M", "50"))
GEOGRID_DUPLICATE_WINDOW_H = float(os.environ.get("GEOGRID_DUPLICATE_WINDOW_H", "72"))
# Open311: anyone (no key) may read the status of any case, without its description, notes, address,
# photo or reporter and with the place rounded to ~100 m; the full record goes to callers in scope.
GEOGRID_OPEN311_PUBLIC_STATUS = os.environ.get("GEOGRID_OPEN311_PUBLIC_STATUS", "1") == "1"
# Photos of a case: at most this many, each at most this size; thumbnails this many pixels wide.
GEOGRID_PHOTO_MAX_COUNT = 3
GEOGRID_PHOTO_MAX_BYTES = int(os.environ.get("GEOGRID_PHOTO_MAX_BYTES", str(8 * 1024 * 1024)))
GEOGRID_PHOTO_MAX_PIXELS = 40_000_000
GEOGRID_PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
GEOGRID_THUMBNAIL_PX = 320
# Hours allowed per incident stage (set locally, unverified: a category's own time_limits win),
# scaled by the case's 五办 mode.
GEOGRID_INCIDENT_STAGE_HOURS = {"reported": 4, "registered": 8, "dispatched": 4, "handling": 72, "handled": 24, "verified": 24}
GEOGRID_INCIDENT_MODE_FACTORS = {"immediate": 0.5, "expedite": 0.5, "help": 2.0, "visit": 1.0, "proactive": 1.0}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {"IncidentModeEnum": "geogrid.incidents.models.IncidentMode"}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({  # place names: priority and difficulty share one scale
    "NamingLevelEnum": "geogrid.placenames.models.NamingApplication.Level", "NamingStateEnum": "geogrid.placenames.models.NamingApplication.State"})
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update({  # named, not hashed (check --deploy warns of the collision otherwise)
    "IncidentStateEnum": "geogrid.incidents.models.Incident.State", "MarkerConditionEnum": "geogrid.boundaries.models.MarkerCheck.Condition"})

# --- Notifications (geogrid.notifications) ------------------------------------------------------
# Mail notifications too (to users with an address) through Django's mail settings below; off
# until the bureau has a mail server. GEOGRID_SITE_URL starts the links in the mails.
GEOGRID_NOTIFY_EMAIL = env_bool("GEOGRID_NOTIFY_EMAIL", False)
GEOGRID_SITE_URL = os.environ.get("GEOGRID_SITE_URL", "")
EMAIL_HOST = os.environ.get("GEOGRID_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("GEOGRID_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("GEOGRID_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("GEOGRID_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("GEOGRID_EMAIL_TLS", False)
EMAIL_TIMEOUT = 10  # a slow mail server delays the step that notified by at most this (s)
DEFAULT_FROM_EMAIL = os.environ.get("GEOGRID_EMAIL_FROM", "geogrid@localhost")

# --- Topology check (geogrid.grids.topology, manage.py check_topology) -------------------------
# Overlap/gap/outside pieces smaller than this (m², Gauss-Krüger zone) are noise of shared edges.
GEOGRID_TOPOLOGY_SLIVER_M2 = float(os.environ.get("GEOGRID_TOPOLOGY_SLIVER_M2", "1"))
# Service coverage (facilities): the default straight-line radius in metres (a meal point within 1 km).
GEOGRID_COVERAGE_RADIUS_M = float(os.environ.get("GEOGRID_COVERAGE_RADIUS_M", "1000"))

# Care visits (geogrid.care): the incident category a need found on a visit becomes, and how many
# days ahead "my visits this week" looks.
GEOGRID_CARE_NEED_CATEGORY = "person_in_need"
GEOGRID_CARE_DUE_AHEAD_DAYS = 7
# Public care statistics: a grid's count below this is hidden from those not responsible for it.
GEOGRID_CARE_STATS_MIN_CELL = 3

# --- Place names (geogrid.placenames) ----------------------------------------------------------
# Public notice (公示) period in days: the national text sets none, local rules do. Filing (备案) and
# announcement (公告) are due 15 days after approval (地名管理条例 Art. 13, 14). Ordinals as Arabic
# numerals (经五路 → Jing 5 Lu) unless SPELLED_NUMBERS (→ Jingwu Lu). BUILT_UP_AREA: AdminArea codes
# of the built-up area duplicates are checked in; empty = every road stored (the whole city).
GEOGRID_PLACENAME_NOTICE_DAYS = int(os.environ.get("GEOGRID_PLACENAME_NOTICE_DAYS", "30"))
GEOGRID_PLACENAME_FILING_DAYS = 15
GEOGRID_PLACENAME_ANNOUNCE_DAYS = 15
GEOGRID_PLACENAME_SPELLED_NUMBERS = env_bool("GEOGRID_PLACENAME_SPELLED_NUMBERS", False)
GEOGRID_PLACENAME_BUILT_UP_AREA = [c for c in os.environ.get("GEOGRID_PLACENAME_BUILT_UP_AREA", "").split(",") if c]
GEOGRID_PLACENAME_SIGN_REPAIR_DAYS = 15  # a sign repair order is due this many days after dispatch (local practice)
GEOGRID_PLACENAME_SIGN_ACCEPT_DAYS = 5
GEOGRID_PLACENAME_OPINION_DAYS = 10  # the bureau answers the housing department within this many days (local practice)

# Boundaries (#11): marker numbers ({line} is the line code; default line code + 3-digit sequence +
# type letter, STANDARDS: county numbering unverified), the joint-inspection interval (条例 Art. 12:
# every 5 years) and how long before an agreement ends its renewal is due.
GEOGRID_MARKER_NUMBER_PATTERN = r"^{line}\d{{3}}[QABCDE]$"
GEOGRID_BOUNDARY_INSPECTION_YEARS = 5
GEOGRID_AGREEMENT_RENEWAL_DAYS = 90
# A marker check measured further than this from the registered position is kept (an offline check
# arrives long after it was entered: a refusal would lose it) but flagged as suspect (swapped lon/lat,
# wrong CRS, the fix of another marker); the report waits until it is re-measured or called moved/lost.
GEOGRID_MARKER_SUSPECT_OFFSET_M = 1000
