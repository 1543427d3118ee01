"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) for incidents, so existing Open311
clients can report and follow cases. A thin adapter: this module knows Open311; the incident core
(incidents.report_incident, permissions.visible_incidents, the categories) knows nothing of it.

    GET  /open311/v2/discovery.{fmt}            where the endpoint is, which formats
    GET  /open311/v2/services.{fmt}             categories: service_code = category code
    GET  /open311/v2/services/{code}.{fmt}      definition: the optional 五办 mode attribute
    POST /open311/v2/requests.{fmt}             report (form-encoded as the spec says, or JSON)
    GET  /open311/v2/requests.{fmt}             the caller's visible cases, last 90 days, ≤ 1000
    GET  /open311/v2/requests/{number}.{fmt}    one case by its case number (404 when not visible)

fmt is json or xml (both implemented). Authentication: api_key (query or form field) = an Open311
client key (keys.py: issued by an administrator, hashed, revocable, rate-limited per key); a user's
`Authorization: Token …` and a signed-in session work too. Services and discovery are public.
Extensions: crs=gcj02 (points from Chinese phone maps; default WGS84) and multipart `media` photo
files. Not supported: address-only reports (lat/long are required), jurisdiction_id (one
jurisdiction: ignored), fetching media_url (noted in the service_notice, not downloaded).
Errors: a JSON array (or <errors>) of {"code": <http status>, "description": …}.
"""
import re
import xml.etree.ElementTree as ET
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import CharField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Cast
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotAuthenticated
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from geogrid.audit.models import AuditEvent
from geogrid.incidents import services as incidents
from geogrid.incidents.models import Incident, IncidentCategory, IncidentMode
from geogrid.incidents.permissions import visible_incidents

from .keys import Open311CallerThrottle, Open311KeyAuthentication, Open311KeyThrottle
from geogrid.workflow.exceptions import WorkflowError
from geogrid.workflow.worktime import date_out_of_range

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-25T00:00:00+08:00"  # when this endpoint last changed (discovery)
FORMATS = {"json": "application/json", "xml": "text/xml"}
MAX_REQUESTS = 1000
MAX_SPAN = timedelta(days=90)
DEFAULT_CRS = "EPSG:4326"  # Open311 points are WGS84
MODE = "mode"  # the one service attribute: the 五办 mode
STATE_LABELS = dict(Incident.State.choices)

# Core field names (report_incident's ValidationError keys) as an Open311 client knows them.
OPEN311_FIELDS = {"category": "service_code", "location": "lat/long", "mode": "attribute[mode]", "photos": "media"}
# XML: the element of each item of a list, by the list's element name.
XML_ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
             "values": "value", "endpoints": "endpoint", "formats": "format"}


class Open311Error(Exception):
    """A refusal in Open311 terms: an HTTP status and one description per problem."""

    def __init__(self, status, *descriptions):
        super().__init__(*descriptions)
        self.status = status
        self.descriptions = [str(d) for d in descriptions]


# --- services -----------------------------------------------------------------------------------
def service(category):
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or None,
        # Every service has attributes (the 五办 mode, and the category's questions): a client
        # fetches the definition to learn them, as the spec asks when metadata is true.
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join([category.name, category.get_default_mode_display()]),
        "group": _("网格事件"),
    }


def service_definition(category):
    return {
        "service_code": category.code,
        "attributes": [{
            "variable": True,
            "code": MODE,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": None,
            "order": 1,
            "description": _("办理方式（五办），不填按类别默认：%(mode)s") % {"mode": category.get_default_mode_display()},
            "values": [{"key": key, "name": str(label)} for key, label in IncidentMode.choices],
        }] + [{
            "variable": True,
            "code": q.code,
            "datatype": q.datatype,
            "required": q.required,
            "datatype_description": None,
            "order": i + 2,
            "description": q.question,
            "values": [{"key": str(v["key"]), "name": str(v["name"])} for v in q.values] if q.datatype in q.LISTS else [],
        } for i, q in enumerate(category.questions.all())],
    }


def active_category(code):
    return IncidentCategory.objects.filter(code=code, active=True).first() if code else None


# --- reporting ----------------------------------------------------------------------------------
def _text(data, key):
    value = data.get(key)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return "" if value is None else str(value).strip()


def submitted_attributes(data):
    """attribute[code]=value fields (form) or {"attribute": {code: value}} (JSON)."""
    out = {}
    nested = data.get("attribute")
    if isinstance(nested, dict):
        out.update({str(k): v for k, v in nested.items()})
    for key in data.keys():
        m = re.fullmatch(r"attribute\[([^\]]+)\](\[\])?", key)
        if m:  # attribute[code][]=a&attribute[code][]=b: a multivaluelist
            many = m.group(2) or (hasattr(data, "getlist") and len(data.getlist(key)) > 1)
            out[m.group(1)] = [str(v).strip() for v in data.getlist(key)] if many and hasattr(data, "getlist") else _text(data, key)
    return out


def report_arguments(data, files=None):
    """report_incident's keyword arguments from an Open311 POST; Open311Error(400) when the
    request cannot be a report at all. The core checks the rest (description, mode, point)."""
    if not hasattr(data, "get"):
        raise Open311Error(400, _("请求体必须是表单字段或 JSON 对象"))
    problems = []
    code = _text(data, "service_code")
    category = active_category(code)
    if not code:
        problems.append(_("缺少 service_code：可用的事件类别见 services.json"))
    elif category is None:
        problems.append(_("未知或已停用的 service_code：%(code)s（可用的见 services.json）") % {"code": code})
    lat, lon = _text(data, "lat"), _text(data, "long")
    if not lat or not lon:
        problems.append(_("缺少 lat/long：请提供 WGS84 经纬度；本系统不支持仅凭 address_string 或 address_id 定位"))
    attributes = submitted_attributes(data)  # the core checks the answers; unknown codes are said here too,
    if problems and category is not None:     # so that one answer lists every problem of the request
        known = {MODE, *category.questions.values_list("code", flat=True)}
        problems += [f"attribute[{n}]：{_('此类别没有这个问题')}" for n in sorted(set(attributes) - known)]
    if problems:
        raise Open311Error(400, *problems)
    return {
        "category": category,
        "description": _text(data, "description"),
        "lon": lon,
        "lat": lat,
        "crs": _text(data, "crs") or DEFAULT_CRS,
        "mode": _text(attributes, MODE) or None,
        "address": _text(data, "address_string"),
        "answers": {k: v for k, v in attributes.items() if k != MODE},
        "photos": files.getlist("media") if files is not None else [],
    }


def report(user, data, files=None):
    """Report a case from an Open311 POST: the created response item."""
    incident = incidents.report_incident(user, **report_arguments(data, files))
    notice = _("案卷 %(number)s 已上报，由%(agency)s受理。") % {"number": incident.number, "agency": agency(incident)}
    if incident.deadline:
        notice += _("本环节时限：%(deadline)s。") % {"deadline": iso(incident.deadline)}
    if _text(data, "media_url"):
        notice += _("media_url 未下载（系统不抓取外部链接），照片请以 media 文件字段上传。")
    return {"service_request_id": incident.number, "service_notice": notice, "account_id": None}


# --- requests -----------------------------------------------------------------------------------
def iso(dt):
    """ISO 8601 with the local offset: 2026-05-01T08:30:00+08:00."""
    return timezone.localtime(dt).isoformat(timespec="seconds") if dt else None


def agency(incident):
    """The name of the grid, community, street or district the case is now the responsibility of."""
    L = Incident.Level
    level = incident.responsible_level
    if level == L.GRID and (incident.grid5 or incident.grid4):
        return (incident.grid5 or incident.grid4).name
    if level in (L.GRID, L.COMMUNITY) and incident.community:
        return incident.community.name
    if level == L.DISTRICT and incident.street.parent:
        return incident.street.parent.name
    return incident.street.name


def with_audit(qs):
    """Annotate last_event_at and last_note (the latest note of a status change) from the audit log:
    two correlated subqueries on its (content_type, object_id, at) index, not a query per case."""
    events = AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(Incident),
                                       object_id=Cast(OuterRef("pk"), CharField())).order_by("-at", "-id")
    return qs.annotate(
        last_event_at=Subquery(events.values("at")[:1]),
        last_note=Subquery(events.exclude(note="").exclude(action="open").values("note")[:1]),
    )


def request_item(incident, request=None):
    """One case as an Open311 service request (a row of request_queryset)."""
    closed = incident.state in incidents.TERMINAL
    photo = next(iter(incident.photo_list), None)
    media_url = None
    if photo is not None and request is not None:
        # The scoped API photo action (token or session), never a public /media/ path.
        media_url = request.build_absolute_uri(reverse("incident-photo", kwargs={"pk": incident.pk, "photo_id": photo.pk, "size": "full"}))
    notice = _("当前环节：%(state)s") % {"state": STATE_LABELS.get(incident.state, incident.state)}
    if not closed and incident.deadline:
        notice += _("，时限 %(deadline)s") % {"deadline": iso(incident.deadline)}
    return {
        "service_request_id": incident.number,
        "status": "closed" if closed else "open",
        "status_notes": incident.last_note or None,
        "service_name": incident.category.name,
        "service_code": incident.category.code,
        "description": incident.description,
        "agency_responsible": agency(incident),
        "service_notice": notice,
        "requested_datetime": iso(incident.reported_at),
        "updated_datetime": iso(incident.closed_at or incident.last_event_at or incident.reported_at),
        "expected_datetime": None,
        "address": incident.address or None,
        "address_id": None,
        "zipcode": None,
        # Stored in CGCS2000, which equals WGS84 at this accuracy (geo.crs).
        "lat": round(incident.geom.y, 7),
        "long": round(incident.geom.x, 7),
        "media_url": media_url,
    }


def public_status():
    """Anyone may follow the status of any case (GEOGRID_OPEN311_PUBLIC_STATUS, on by default), as
    Open311 clients expect to read without a key: public_item's fields only."""
    return getattr(settings, "GEOGRID_OPEN311_PUBLIC_STATUS", True)


def request_queryset(user):
    """The cases a caller may read: every case when the public status view is on (each shown in
    full or public form, see items()), else the caller's visible cases."""
    # Only the names of the related areas are needed: leave their polygons in the database.
    qs = (Incident.objects.select_related("category", "grid5", "grid4", "community", "street__parent")
          .defer("grid5__geom", "grid4__geom", "community__geom", "street__geom", "street__parent__geom")
          .prefetch_related(Prefetch("photos", to_attr="photo_list")))
    return with_audit(qs if public_status() else visible_incidents(user, qs))


def public_item(incident):
    """What everyone may know of a case: its number, status, service, times and the agency, the
    place rounded to 0.001° (about 100 m) — no description, notes, address, photo or reporter."""
    closed = incident.state in incidents.TERMINAL
    return {
        "service_request_id": incident.number,
        "status": "closed" if closed else "open",
        "status_notes": None,
        "service_name": incident.category.name,
        "service_code": incident.category.code,
        "description": None,
        "agency_responsible": agency(incident),
        "service_notice": _("当前环节：%(state)s") % {"state": STATE_LABELS.get(incident.state, incident.state)},
        "requested_datetime": iso(incident.reported_at),
        "updated_datetime": iso(incident.closed_at or incident.last_event_at or incident.reported_at),
        "expected_datetime": None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": round(incident.geom.y, 3),
        "long": round(incident.geom.x, 3),
        "media_url": None,
    }


def items(rows, request):
    """Open311 items of these cases: in full for the ones in the caller's scope (one query), public
    for the rest."""
    rows = list(rows)
    full = set()
    if rows and request.user.is_authenticated:
        full = set(visible_incidents(request.user, Incident.objects.filter(pk__in=[r.pk for r in rows])).values_list("pk", flat=True))
    return [request_item(r, request) if r.pk in full else public_item(r) for r in rows]


def parse_when(value, name, end=False):
    """An ISO 8601 datetime (or date) from the query string. A '+' of the offset that arrived
    unencoded (as a space) is put back; a naive time is local time."""
    raw = value.strip()
    fixed = re.sub(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$", r"\1+\2", raw)
    try:
        dt = parse_datetime(fixed)
        if dt is None:
            day = parse_date(raw)
            if day is not None:
                dt = datetime.combine(day, time.max if end else time.min)
    except ValueError:
        dt = None
    if dt is None:
        raise Open311Error(400, _("%(name)s 不是 ISO 8601 时间：%(value)s（如 2026-05-01T08:00:00+08:00）") % {"name": name, "value": value})
    wrong = date_out_of_range(dt)
    if wrong:
        raise Open311Error(400, f"{name}：{wrong}")
    return timezone.make_aware(dt) if timezone.is_naive(dt) else dt


def find_requests(user, params, now=None):
    """The visible cases matching the Open311 query, newest first, at most MAX_REQUESTS.
    service_request_id (comma list of case numbers) overrides every other filter, as the spec says;
    otherwise the window is at most 90 days (the last 90 days by default)."""
    qs = request_queryset(user)
    numbers = [n.strip() for n in (params.get("service_request_id") or "").split(",") if n.strip()]
    if numbers:
        return qs.filter(number__in=numbers).order_by("-reported_at", "-id")[:MAX_REQUESTS]
    now = now or timezone.now()
    code = (params.get("service_code") or "").strip()
    if code:
        if not IncidentCategory.objects.filter(code=code).exists():
            raise Open311Error(400, _("未知的 service_code：%(code)s（可用的见 services.json）") % {"code": code})
        qs = qs.filter(category__code=code)
    start = parse_when(params["start_date"], "start_date") if params.get("start_date") else None
    end = parse_when(params["end_date"], "end_date", end=True) if params.get("end_date") else None
    if start is None and end is None:
        start, end = now - MAX_SPAN, now
    elif end is None:
        end = start + MAX_SPAN
    elif start is None:
        start = end - MAX_SPAN
    if start > end:
        raise Open311Error(400, _("start_date 晚于 end_date"))
    if end - start > MAX_SPAN:
        raise Open311Error(400, _("start_date 到 end_date 不能超过 90 天"))
    qs = qs.filter(reported_at__gte=start, reported_at__lte=end)
    statuses = {s.strip() for s in (params.get("status") or "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status 只能是 open 或 closed（可用逗号分隔）"))
    if statuses == {"open"}:
        qs = qs.filter(state__in=Incident.OPEN_STATES)
    elif statuses == {"closed"}:
        qs = qs.filter(state__in=incidents.TERMINAL)
    return qs.order_by("-reported_at", "-id")[:MAX_REQUESTS]


def discovery(endpoint_url):
    return {
        "changeset": CHANGESET,
        "contact": _("区民政局网格管理平台"),
        "key_service": _("api_key 是系统用户的 API 令牌：由管理员在后台“令牌”中签发，或运行 manage.py drf_create_token 用户名"),
        "endpoints": [{
            "specification": SPECIFICATION, "url": endpoint_url, "changeset": CHANGESET, "type": "production",
            "formats": list(FORMATS.values()),
        }],
    }


# --- rendering ----------------------------------------------------------------------------------
def to_xml(root, data):
    """Open311's XML: lists become repeated item elements (<services><service>…), None is empty."""
    def fill(el, value):
        if isinstance(value, list):
            for item in value:
                fill(ET.SubElement(el, XML_ITEMS[el.tag]), item)
        elif isinstance(value, dict):
            for key, item in value.items():
                fill(ET.SubElement(el, key), item)
        elif isinstance(value, bool):
            el.text = "true" if value else "false"
        elif value is not None:
            el.text = str(value)

    el = ET.Element(root)
    fill(el, data)
    return ET.tostring(el, encoding="utf-8", xml_declaration=True)


def render(data, fmt, root, status=200):
    if fmt == "xml":
        return HttpResponse(to_xml(root, data), status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(data, safe=False, status=status, json_dumps_params={"ensure_ascii": False})


def field_name(key):
    """A core error key as the client's field: answers.<code> is attribute[<code>]."""
    return f"attribute[{key[len('answers.'):]}]" if key.startswith("answers.") else OPEN311_FIELDS.get(key, key)


def error_descriptions(exc, detail=None):
    """What was wrong, in the client's field names, one string per problem."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            return [f"{field_name(k)}：{m}" for k, msgs in exc.message_dict.items() for m in msgs]
        return [str(m) for m in exc.messages]
    if isinstance(exc, WorkflowError):
        return [exc.message] + [f"{field_name(k)}：{m}" for k, m in exc.fields.items()]

    def flat(d, key=None):
        if isinstance(d, dict):
            return [m for k, v in d.items() for m in flat(v, k)]
        if isinstance(d, list):
            return [m for v in d for m in flat(v, key)]
        return [f"{key}：{d}" if key and key != "detail" else str(d)]

    return flat(detail) if detail is not None else [str(exc)]


# --- views ----------------------------------------------------------------------------------------
class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = Open311KeyAuthentication
    name = "open311ApiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "query", "name": "api_key"}


FMT = OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(FORMATS), description=gettext_lazy("json 或 xml"))
API_KEY = OpenApiParameter("api_key", OpenApiTypes.STR, description=gettext_lazy("Open311 客户端密钥（管理员签发）；系统用户也可用请求头 Authorization: Token …"))
# A raw schema: drf-spectacular documents a list serializer of an error status as a single object.
ErrorList = {"type": "array", "items": {"type": "object", "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
                                        "required": ["code", "description"]}}
ServiceList = inline_serializer("Open311Service", many=True, fields={
    "service_code": serializers.CharField(), "service_name": serializers.CharField(), "description": serializers.CharField(allow_null=True),
    "metadata": serializers.BooleanField(), "type": serializers.CharField(), "keywords": serializers.CharField(), "group": serializers.CharField(),
})
RequestList = inline_serializer("Open311Request", many=True, fields={
    **{f: serializers.CharField() for f in ("service_request_id", "status", "service_code", "requested_datetime")},
    **{f: serializers.CharField(allow_null=True) for f in ("status_notes", "service_name", "description", "agency_responsible",
                                                           "service_notice", "updated_datetime", "expected_datetime", "address",
                                                           "address_id", "zipcode", "media_url")},
    "lat": serializers.FloatField(), "long": serializers.FloatField(),
})
CreatedBody = inline_serializer("Open311Created", {
    "service_request_id": serializers.CharField(), "service_notice": serializers.CharField(), "account_id": serializers.CharField(allow_null=True),
}, many=True)
ReportBody = inline_serializer("Open311Report", {
    "service_code": serializers.CharField(), "lat": serializers.FloatField(), "long": serializers.FloatField(),
    "description": serializers.CharField(), "address_string": serializers.CharField(required=False),
    "attribute[mode]": serializers.ChoiceField(IncidentMode.choices, required=False),
    "crs": serializers.CharField(required=False, help_text=gettext_lazy("扩展：gcj02 表示高德/腾讯/微信坐标；默认 WGS84")),
    "api_key": serializers.CharField(required=False), "media": serializers.FileField(required=False),
})


class Open311View(APIView):
    """Base: api_key/token/session auth; every refusal as an Open311 error list in the URL's format."""

    authentication_classes = [TokenAuthentication, Open311KeyAuthentication, SessionAuthentication]
    throttle_classes = [Open311KeyThrottle, Open311CallerThrottle]
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    parser_classes = [FormParser, MultiPartParser, JSONParser]
    root = None  # XML root element

    @property
    def fmt(self):
        fmt = self.kwargs.get("fmt")
        return fmt if fmt in FORMATS else "json"

    def perform_content_negotiation(self, request, force=False):
        # The format is the URL's suffix, not the Accept header.
        renderer = self.get_renderers()[0]
        return renderer, renderer.media_type

    def initial(self, request, *args, **kwargs):
        if kwargs.get("fmt") not in FORMATS:
            raise Open311Error(400, _("不支持的格式 .%(fmt)s：可用 .json 或 .xml") % {"fmt": kwargs.get("fmt")})
        super().initial(request, *args, **kwargs)

    def require_user(self, request):
        if not request.user.is_authenticated:
            raise NotAuthenticated(_("需要 api_key（管理员签发的 Open311 客户端密钥），或请求头 Authorization: Token …"))

    def respond(self, data, status=200):
        return render(data, self.fmt, self.root, status)

    def handle_exception(self, exc):
        headers = {}
        if isinstance(exc, Open311Error):
            status, descriptions = exc.status, exc.descriptions
        else:
            # DRF's handling gives the status and auth headers (and re-raises what is a real 500).
            response = super().handle_exception(exc)
            status = response.status_code
            descriptions = error_descriptions(exc, getattr(response, "data", None))
            headers = {h: response[h] for h in ("WWW-Authenticate", "Allow", "Retry-After") if response.has_header(h)}
        out = render([{"code": status, "description": d} for d in descriptions], self.fmt, "errors", status)
        for key, value in headers.items():
            out[key] = value
        return out


class DiscoveryView(Open311View):
    authentication_classes = []
    root = "discovery"

    @extend_schema(tags=["open311"], operation_id="open311_discovery", summary=gettext_lazy("Open311 发现文档"), parameters=[FMT], responses={200: OpenApiTypes.OBJECT, 400: ErrorList})
    def get(self, request, fmt):
        return self.respond(discovery(request.build_absolute_uri(reverse("open311_discovery", args=[fmt]).rsplit("/", 1)[0] + "/")))


class ServicesView(Open311View):
    authentication_classes = []
    root = "services"

    @extend_schema(tags=["open311"], operation_id="open311_services", summary=gettext_lazy("Open311 服务列表（事件类别）"), parameters=[FMT], responses={200: ServiceList, 400: ErrorList})
    def get(self, request, fmt):
        return self.respond([service(c) for c in IncidentCategory.objects.filter(active=True)])


class ServiceDefinitionView(Open311View):
    authentication_classes = []
    root = "service_definition"

    @extend_schema(tags=["open311"], operation_id="open311_service_definition", summary=gettext_lazy("Open311 服务定义（五办属性）"), parameters=[FMT],
                   responses={200: OpenApiTypes.OBJECT, 400: ErrorList, 404: ErrorList})
    def get(self, request, code, fmt):
        category = active_category(code)
        if category is None:
            raise Open311Error(404, _("未知或已停用的 service_code：%(code)s（可用的见 services.json）") % {"code": code})
        return self.respond(service_definition(category))


class RequestsView(Open311View):
    root = "service_requests"

    @extend_schema(tags=["open311"], operation_id="open311_requests_list", summary=gettext_lazy("Open311 查询案卷（默认近 90 天，最多 1000 条；可见范围内的完整，其余只有公开状态）"), parameters=[
        FMT, API_KEY, OpenApiParameter("service_request_id", OpenApiTypes.STR, description=gettext_lazy("案卷编号，逗号分隔（优先于其他条件）")),
        OpenApiParameter("service_code", OpenApiTypes.STR), OpenApiParameter("start_date", OpenApiTypes.DATETIME),
        OpenApiParameter("end_date", OpenApiTypes.DATETIME), OpenApiParameter("status", OpenApiTypes.STR, description=gettext_lazy("open、closed，逗号分隔")),
    ], responses={200: RequestList, 400: ErrorList, 401: ErrorList})
    def get(self, request, fmt):
        if not public_status():
            self.require_user(request)
        return self.respond(items(find_requests(request.user, request.query_params), request))

    @extend_schema(tags=["open311"], operation_id="open311_requests_create", summary=gettext_lazy("Open311 上报事件"), parameters=[FMT, API_KEY],
                   request={"application/x-www-form-urlencoded": ReportBody, "multipart/form-data": ReportBody, "application/json": ReportBody},
                   responses={201: CreatedBody, 400: ErrorList, 401: ErrorList, 403: ErrorList})
    def post(self, request, fmt):
        self.require_user(request)
        return self.respond([report(request.user, request.data, request.FILES)], status=201)


class RequestView(Open311View):
    root = "service_requests"

    @extend_schema(tags=["open311"], operation_id="open311_request", summary=gettext_lazy("Open311 单个案卷（按案卷编号）"), parameters=[FMT, API_KEY],
                   responses={200: RequestList, 400: ErrorList, 401: ErrorList, 404: ErrorList})
    def get(self, request, number, fmt):
        if not public_status():
            self.require_user(request)
        incident = request_queryset(request.user).filter(number=number).first()
        if incident is None:
            raise Open311Error(404, _("案卷 %(number)s 不存在或不在您的可见范围内") % {"number": number})
        # An array of one, as GeoReport v2 and its clients have it.
        return self.respond(items([incident], request))
