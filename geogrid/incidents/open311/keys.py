"""Open311 client keys: issue, check, revoke, and the per-key rate limit. A key reads
`<prefix>.<secret>`; the prefix finds the row, the secret's SHA-256 is compared in constant time."""
import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from geogrid.audit.services import record
from geogrid.workflow.throttling import ApiRateThrottle, SharedRateThrottle

from ..models import Open311Key
from ..services import REPORTER_ROLES


def _digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def key_problem(user):
    """Why `user` cannot hold an Open311 key (a key reports as its user), or None."""
    if not user.is_active or not user.has_role(*REPORTER_ROLES):
        return _("用户 %(u)s 不能上报事件，不能为其签发 Open311 密钥") % {"u": user.username}
    return None


def issue_key(user, name, *, by=None):
    """A new key for a client acting as `user`: (Open311Key, the key text, shown only now)."""
    problem = key_problem(user)
    if problem:
        raise ValidationError({"user": [problem]})
    if not (name or "").strip():
        raise ValidationError({"name": [_("请填写客户端名称")]})
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    key = Open311Key.objects.create(name=name.strip(), user=user, prefix=prefix, hashed=_digest(secret))
    record(key, "issue", actor=by, note=key.name)
    return key, f"{prefix}.{secret}"


def revoke_key(key, *, by=None):
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        record(key, "revoke", actor=by, note=key.name)
    return key


def check_key(text):
    """The active Open311Key of this key text, or None."""
    prefix, _dot, secret = (text or "").strip().partition(".")
    if not prefix or not secret:
        return None
    key = Open311Key.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.hashed, _digest(secret)):
        return None
    return key


class Open311KeyAuthentication(BaseAuthentication):
    """Open311's api_key (query string, or a field of a POST body): only Open311 client keys. A
    user's login token works in the Authorization header, never as api_key."""

    def authenticate(self, request):
        text = request.query_params.get("api_key")
        if not text and request.method == "POST" and hasattr(request.data, "get"):
            text = request.data.get("api_key")
        if not text:
            return None
        key = check_key(str(text))
        if key is None or not key.user.is_active:
            raise AuthenticationFailed(_("api_key 无效或已吊销：请使用管理员签发的 Open311 客户端密钥"))
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):  # not a write per request
            Open311Key.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.user, key

    def authenticate_header(self, request):
        return "Token"


class Open311KeyThrottle(SharedRateThrottle):
    """Requests per key (GEOGRID_OPEN311_KEY_RATE, e.g. "120/min"), counted for every server process
    together; callers without a key are not counted here."""

    scope = "open311_key"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, Open311Key):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}
        return None


class Open311CallerThrottle(ApiRateThrottle):
    """The API's own limits (per user, per visitor's address) for Open311 callers without a key; a
    key's calls are counted by Open311KeyThrottle alone (its rate, not its user's)."""

    def allow_request(self, request, view):
        return isinstance(request.auth, Open311Key) or super().allow_request(request, view)
