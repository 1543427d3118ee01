"""REST API of place names (DRF). Thin: the rules are in services.py, refusals come back through
geogrid.workflow.drf.exception_handler (400 with fields, 403, 404, 409)."""
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from geogrid.accounts.api import AUTH
from geogrid.patrols import services as patrols
from geogrid.patrols.models import Patrol
from geogrid.workflow.drf import ErrorBody
from geogrid.workflow.idempotency import PARAMETER as IDEMPOTENCY_KEY, idempotent

from . import serializers as s
from . import services, signpatrol, signrepair
from .models import NamingApplication, NamingBatch, Road
from .workflow import WORKFLOW

TRUE = ("1", "true", "yes")


class PlacenameAccess(BasePermission):
    """Place-name staff (and district admins, reading): accounts.scope.Scope.placenames."""

    message = gettext_lazy("只有地名科工作人员可以使用地名功能")

    def has_permission(self, request, view):
        return services.may_view(request.user)


class GazetteerView(APIView):
    """Public: standard names only."""

    authentication_classes = AUTH
    permission_classes = []

    @extend_schema(tags=["placenames"], summary=gettext_lazy("地名查询：汉字、全拼或首字母（jsl → 经十路），容错，可按距离排序"),
                   parameters=[OpenApiParameter("q", OpenApiTypes.STR, required=True, description="经十路 / jingshilu / jsl"),
                               OpenApiParameter("lon", OpenApiTypes.DOUBLE), OpenApiParameter("lat", OpenApiTypes.DOUBLE)],
                   responses={200: s.GazetteerSerializer(many=True), 400: ErrorBody})
    def get(self, request):
        from . import gazetteer

        q = (request.query_params.get("q") or "").strip()
        if not q:
            raise ValidationError({"q": [_("请输入要查询的地名、拼音或首字母")]})
        try:
            point = gazetteer.parse_point(request.query_params.get("lon"), request.query_params.get("lat"))
        except ValueError:
            raise ValidationError({"lon": [_("经纬度无效")]})
        return Response(gazetteer.search(q, point))


class ExportView(APIView):
    """国家地名数据库: CSV or XLSX of the standard and historical road names with their place codes.
    A GET only reads: codes are given when a name becomes standard (export.py)."""

    authentication_classes = AUTH
    permission_classes = [IsAuthenticated, PlacenameAccess]

    @extend_schema(tags=["placenames"], summary=gettext_lazy("导出国家地名数据库格式（CSV/XLSX）"),
                   parameters=[OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["csv", "xlsx"])],
                   responses={(200, "text/csv"): OpenApiTypes.BINARY, 403: ErrorBody, 404: ErrorBody})
    def get(self, request, fmt):
        from django.http import HttpResponse

        from . import export

        data, missing = export.rows()
        if fmt == "csv":
            resp = HttpResponse(export.to_csv(data), content_type="text/csv; charset=utf-8")
        else:
            resp = HttpResponse(export.to_xlsx(data), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="placenames.{fmt}"'
        resp["X-Place-Codes-Missing"] = str(missing)  # rows exported without a code (export.py says why)
        return resp


class CheckView(APIView):
    authentication_classes = AUTH
    permission_classes = [IsAuthenticated, PlacenameAccess]

    @extend_schema(tags=["placenames"], summary=gettext_lazy("地名检查：专名/通名、拼音、路牌文字、多音字、重名、同音、问题"),
                   parameters=[OpenApiParameter("name", OpenApiTypes.STR, required=True, description="泉城路"),
                               OpenApiParameter("spelled_numbers", OpenApiTypes.BOOL, description="序数词拼写为拼音（经五路 → Jingwu Lu）")],
                   responses={200: s.CheckSerializer, 400: ErrorBody, 403: ErrorBody})
    def get(self, request):
        name = services.clean_name(request.query_params.get("name"))
        if not name:
            raise ValidationError({"name": [_("请填写名称：?name=泉城路")]})
        if len(name) > 50:
            raise ValidationError({"name": [_("名称过长")]})
        spelled = request.query_params.get("spelled_numbers")
        spelled = None if spelled in (None, "") else spelled.lower() in TRUE
        return Response(services.check_name(name, spelled_numbers=spelled))


class ReadingView(APIView):
    authentication_classes = AUTH
    permission_classes = [IsAuthenticated, PlacenameAccess]

    @extend_schema(tags=["placenames"], summary=gettext_lazy("审定多音字读音（以后的名称沿用）"), request=s.ReadingInputSerializer,
                   responses={201: s.ReadingSerializer, 400: ErrorBody, 403: ErrorBody})
    def post(self, request):
        ser = s.ReadingInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        row = services.fix_reading(request.user, ser.validated_data["phrase"], ser.validated_data["syllables"])
        return Response({"phrase": row.phrase, "syllables": row.syllables}, status=status.HTTP_201_CREATED)


@extend_schema(tags=["placenames"])
class BatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """命名批次 with the number of applications per state."""

    lookup_value_regex = r"\d+"  # /…/abc/ is a 404, not a failed int() (found by the API fuzzing)
    authentication_classes = AUTH
    permission_classes = [IsAuthenticated, PlacenameAccess]
    serializer_class = s.BatchSerializer
    queryset = NamingBatch.objects.all()
    pagination_class = None

    def get_serializer_context(self):
        return dict(super().get_serializer_context(), counts=services.state_counts())

    @extend_schema(request=s.BatchInputSerializer, responses={201: s.BatchSerializer, 400: ErrorBody, 403: ErrorBody})
    def create(self, request):
        ser = s.BatchInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        batch = services.create_batch(request.user, ser.validated_data["title"], ser.validated_data.get("note", ""))
        return Response(s.BatchSerializer(batch, context={"counts": {}}).data, status=201)


@extend_schema(tags=["placenames"])
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """命名申请; ?batch=<id> narrows the list. Sorted urgent first, easy first."""

    authentication_classes = AUTH
    permission_classes = [IsAuthenticated, PlacenameAccess]
    serializer_class = s.ApplicationSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = NamingApplication.objects.select_related("batch", "road").defer("road__geom", "geom").order_by("priority", "difficulty", "pk")
        batch = self.request.query_params.get("batch")
        if batch and batch.isdigit():
            qs = qs.filter(batch_id=int(batch))
        return qs

    @extend_schema(request=s.ApplicationInputSerializer, responses={201: s.ApplicationSerializer, 400: ErrorBody, 403: ErrorBody})
    def create(self, request):
        ser = s.ApplicationInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = dict(ser.validated_data)
        batch = NamingBatch.objects.filter(pk=d.pop("batch")).first()
        if batch is None:
            raise ValidationError({"batch": [_("批次不存在")]})
        code = d.pop("road", "")
        road = None
        if code:
            road = Road.objects.filter(code=code).first()
            if road is None:
                raise ValidationError({"road": [_("道路编码不存在")]})
        app = services.create_application(request.user, batch, road=road, **d)
        return Response(s.ApplicationSerializer(self.get_queryset().get(pk=app.pk)).data, status=201)

    @extend_schema(summary=gettext_lazy("执行流程操作"),
                   parameters=[OpenApiParameter("action_name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=WORKFLOW.actions)],
                   request=s.NamingTransitionInputSerializer,
                   responses={200: s.ApplicationSerializer, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody})
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<action_name>[a-z_]+)")
    def transition(self, request, pk=None, action_name=None):
        app = self.get_object()
        ser = s.NamingTransitionInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        fields = {k: v for k, v in ser.validated_data.items() if v not in (None, "")}
        note = fields.pop("note", "")
        services.transition(app, action_name, request.user, note, **fields)
        return Response(s.ApplicationSerializer(self.get_queryset().get(pk=app.pk)).data)


# --- road-name sign patrols (a patrol of the patrols app with signs as targets) ----------------------------
@extend_schema(tags=["placenames"], description=gettext_lazy(
    "路名牌巡查：POST 选一条道路（road）或一个街道/社区（area）开始巡查，按沿路顺序列出路名牌；"
    "…/inspections/ 记录一块路名牌的状况（可附照片）；…/end/ 结束。写操作可带 Idempotency-Key 安全重发。"
    "路径中的巡查可用 id，或开始时手机给的 client_key（UUID，仅本人的巡查）。"))
class SignPatrolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sign patrols: list (the latest 50), one with its signs in order, start, record a sign, end."""

    # A walk is named by its id or by the client key the phone gave it (its checks and end were queued
    # before it had an id); anything else is a 404, not a failed int() (found by the API fuzzing).
    lookup_value_regex = r"\d+|[0-9a-fA-F-]{32,36}"
    authentication_classes = AUTH
    permission_classes = [IsAuthenticated, PlacenameAccess]
    serializer_class = s.SignPatrolSerializer
    queryset = Patrol.objects.none()  # for the schema; get_queryset scopes
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    pagination_class = None

    def get_queryset(self):
        qs = signpatrol.visible_sign_patrols(self.request.user).select_related("user").order_by("-started_at", "-pk")
        if self.action == "list":
            return qs.annotate(n_signs=Count("targets"), n_visited=Count("targets", filter=Q(targets__visited_at__isnull=False)))[:50]
        return qs

    def get_serializer_class(self):
        return s.SignPatrolListSerializer if self.action == "list" else s.SignPatrolSerializer

    def get_object(self):
        patrol = get_object_or_404(patrols.by_ref(self.get_queryset(), self.kwargs[self.lookup_field], self.request.user))
        self.check_object_permissions(self.request, patrol)
        return patrol

    @extend_schema(summary=gettext_lazy("开始路名牌巡查（一条道路或一个区域的路名牌，按顺序）"), request=s.SignPatrolStartSerializer,
                   responses={201: s.SignPatrolSerializer, 200: s.SignPatrolSerializer, 400: ErrorBody, 403: ErrorBody, 409: ErrorBody})
    @idempotent
    def create(self, request):
        ser = s.SignPatrolStartSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        patrol = signpatrol.start_sign_patrol(request.user, road=d.get("road"), area=d.get("area"), client_key=d.get("client_key"),
                                              now=patrols.phone_time(d.get("started_at")))
        return Response(s.SignPatrolSerializer(self.get_queryset().get(pk=patrol.pk)).data, status=201 if patrol.started else 200)

    @extend_schema(summary=gettext_lazy("记录一块路名牌的巡查结果（状况、是否清洗、照片、备注）"), parameters=[IDEMPOTENCY_KEY],
                   request={"multipart/form-data": s.SignInspectionCreateSerializer, "application/json": s.SignInspectionCreateSerializer},
                   responses={201: s.SignInspectionSerializer, 400: ErrorBody, 403: ErrorBody, 409: ErrorBody})
    @action(detail=True, methods=["post"])
    @idempotent
    def inspections(self, request, pk=None):
        patrol = self.get_object()
        ser = s.SignInspectionCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        insp = signpatrol.record_inspection(patrol, request.user, sign=d["sign"], condition=d["condition"], cleaned=d.get("cleaned", False),
                                            photo=d.get("photo"), note=d.get("note", ""),
                                            now=patrols.phone_time(d.get("inspected_at"), not_before=patrol.started_at))
        return Response(s.SignInspectionSerializer(insp).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=gettext_lazy("结束路名牌巡查（可附轨迹）"), parameters=[IDEMPOTENCY_KEY], request=s.SignPatrolEndSerializer,
                   responses={200: s.SignPatrolSerializer, 400: ErrorBody, 403: ErrorBody, 409: ErrorBody})
    @action(detail=True, methods=["post"])
    @idempotent
    def end(self, request, pk=None):
        patrol = self.get_object()
        ser = s.SignPatrolEndSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        signpatrol.end_sign_patrol(patrol, request.user, track=d.get("track"), crs=d.get("crs") or None, note=d.get("note"),
                                   now=patrols.phone_time(d.get("ended_at"), not_before=patrol.started_at))
        return Response(s.SignPatrolSerializer(self.get_queryset().get(pk=patrol.pk)).data)


class SignFiguresView(APIView):
    authentication_classes = AUTH
    permission_classes = [IsAuthenticated, PlacenameAccess]

    @extend_schema(tags=["placenames"], summary=gettext_lazy("路名牌年度统计：巡查、清洗、派单、维修验收"),
                   responses={200: s.SignFiguresSerializer(many=True), 403: ErrorBody})
    def get(self, request):
        return Response(s.SignFiguresSerializer(signrepair.yearly_figures(), many=True).data)
