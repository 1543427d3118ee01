from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from geogrid import views

admin.site.site_header = _("geogrid 网格治理与地名管理")
admin.site.site_title = "geogrid"

urlpatterns = [
    path("", views.home, name="home"),
    # First: the map's tiles and the OGC API are the most asked URLs, and every app's patterns
    # tried before them cost a tile ~0.3 ms of resolving.
    path("", include("layers.urls")),
    path("", include("geogrid.grids.urls")),
    path("", include("geogrid.patrols.urls")),
    path("", include("geogrid.incidents.urls")),
    path("", include("geogrid.stats.urls")),
    path("", include("geogrid.notifications.urls")),
    path("", include("geogrid.facilities.urls")),
    path("", include("geogrid.care.urls")),
    path("", include("geogrid.placenames.urls")),
    path("", include("geogrid.boundaries.urls")),
    path("", include("geogrid.offline.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Split: the page and its start-up script come apart, so the docs need no inline code (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
# No /media/ URL, not even with GEOGRID_DEBUG: case photos leave the server only through the case's
# scope (incidents.photos.photo_response, behind the case page and the API).
# The database out of reach: 503 + Retry-After, not a traceback page (geogrid/unavailable.py).
handler500 = "geogrid.unavailable.server_error_or_unavailable"
