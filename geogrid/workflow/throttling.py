"""API rate limits (issue #13), REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]: every DRF view counts
its callers in three buckets, with the rates of REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]:

    user_read   reads (GET, HEAD, OPTIONS) of a signed-in user, per user
    user_write  writes of a signed-in user, per user
    anon        visitors (not signed in), per client address

A write that replays an Idempotency-Key this user already has an answer for (the phone's outbox
sending again after a lost answer, idempotency.py) is counted as a read: the replay is not refused
for the writes before it, and a replay loop is still bounded.

The counts live in CACHES["throttle"], a table of the project's PostgreSQL (migration
workflow/0003), so every gunicorn worker counts into the same numbers. Over the limit: 429 with
Retry-After in the API's error shape (drf.py). The map's vector tiles and layer GeoJSON are plain
Django views (layers/), not DRF: a person using the map is never counted here.
"""
import base64
import logging
import pickle
from datetime import datetime, timezone

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router
from django.utils.timezone import now as tz_now
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .idempotency import HEADER
from .models import IdempotentRequest

CACHE = "throttle"
log = logging.getLogger(__name__)


class ThrottleCache(DatabaseCache):
    """Django's DatabaseCache (same table, `createcachetable`'s) that writes with one statement: an
    upsert, where Django's counts the table, reads the row and updates it in a transaction (five
    statements on every API request). Expired rows go now and then (one write in CULL_EVERY) rather
    than past MAX_ENTRIES, so the table holds about the callers of the last minutes."""

    CULL_EVERY = 200

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        timeout = self.get_backend_timeout(timeout)
        exp = datetime.max if timeout is None else datetime.fromtimestamp(timeout, tz=timezone.utc)
        connection = connections[router.db_for_write(self.cache_model_class)]
        table = connection.ops.quote_name(self._table)
        value = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        with connection.cursor() as cursor:
            # The cull rides in the same statement (one in CULL_EVERY draws it; never this key's row),
            # so a request is always the same statements: pages and APIs keep a fixed query count.
            cursor.execute(f"WITH culled AS (DELETE FROM {table} WHERE (SELECT random() * %s < 1) AND expires < %s AND cache_key <> %s) "
                           f"INSERT INTO {table} (cache_key, value, expires) VALUES (%s, %s, %s) ON CONFLICT (cache_key) "
                           "DO UPDATE SET value = EXCLUDED.value, expires = EXCLUDED.expires",
                           [self.CULL_EVERY, connection.ops.adapt_datetimefield_value(tz_now()), key,
                            key, value, connection.ops.adapt_datetimefield_value(exp.replace(microsecond=0))])


def replays_a_stored_key(request):
    """Does this write carry an Idempotency-Key the user already has an answer for? (One indexed lookup,
    only for writes that carry a key.)"""
    key = (request.headers.get(HEADER) or "").strip()
    if not key or len(key) > 255:
        return False
    return IdempotentRequest.objects.filter(user=request.user, key=key, status__gt=0).exists()


class SharedRateThrottle(SimpleRateThrottle):
    """DRF's sliding window (the times of a caller's last requests) in the cache every process shares,
    at the rate the settings give now (DRF's own reads them once, at import)."""

    @property
    def cache(self):
        return caches[CACHE]

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        """Counted, or let through when the count cannot be kept (the database unreachable, the table
        not migrated yet, no database at all): a limit must not take the API down with it. A view that
        needs the database answers 503 by itself then (geogrid/unavailable.py)."""
        try:
            return super().allow_request(request, view)
        except Exception as exc:  # noqa: BLE001 (whatever the cache raised: logged, not the caller's problem)
            log.warning("rate limit not counted (%s %s): %r", request.method, request.path, exc)
            return True

    def wait(self):
        """Seconds until the window has room again: when the num_requests-th newest request leaves it
        (DRF's estimate gives none when more are counted than the rate allows: a lowered rate, a race)."""
        if self.num_requests and len(self.history) >= self.num_requests:
            return max(1.0, self.duration - (self.now - self.history[self.num_requests - 1]))
        return super().wait()


class ApiRateThrottle(SharedRateThrottle):
    """The bucket (user_read, user_write, anon) is chosen per request."""

    def __init__(self):  # the rate depends on the request: chosen in allow_request
        pass

    def bucket(self, request):
        if not (request.user and request.user.is_authenticated):
            return "anon"
        if request.method in SAFE_METHODS or replays_a_stored_key(request):
            return "user_read"
        return "user_write"

    def allow_request(self, request, view):
        self.scope = self.bucket(request)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        ident = request.user.pk if self.scope != "anon" else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
