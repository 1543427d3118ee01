"""REST API of care visits (DRF; session and token auth). Thin: the rules are in services.py.

GET /api/care/subjects/ (masked, scoped), GET /api/care/subjects/{id}/?reveal=1 (the full record,
audited; 403 for a role not allowed), POST /api/care/visits/ (→ 201; a need → an incident number),
GET /api/care/due/ (my due and overdue visits). Out of scope answers 404 like a missing record."""
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.views import APIView
from rest_framework.response import Response

from geogrid.accounts.api import AUTH
from geogrid.accounts.scope import TIER_GRID, scope_of
from geogrid.workflow import deadlines
from geogrid.workflow.drf import ErrorBody
from geogrid.workflow.idempotency import idempotent

from . import serializers as s
from . import services as care
from .models import CareSubject

STATUSES = (deadlines.GREEN, deadlines.YELLOW, deadlines.RED)
REVEAL = OpenApiParameter("reveal", OpenApiTypes.BOOL, description=gettext_lazy("1：完整身份证号和电话（须有权限，记入审计日志）"))


def subject_rows(qs):
    return qs.select_related("household__grid__parent", "responsible").defer("household__grid__geom", "household__grid__parent__geom") \
        .prefetch_related("categories")


def truthy(value):
    return str(value).lower() in ("1", "true", "yes")


@extend_schema(tags=["care"], description=gettext_lazy("关爱对象：仅限本人负责的网格（网格队伍及其社区、街道工作人员）；身份证号和电话脱敏显示，?reveal=1 查看完整信息须有权限并记入审计日志。"))
class CareSubjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """关爱对象: those of the grids the caller is responsible for, numbers masked."""

    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]
    serializer_class = s.CareSubjectSerializer
    queryset = CareSubject.objects.none()  # for the schema; get_queryset scopes
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        qs = care.visible_subjects(self.request.user, CareSubject.objects.filter(active=True))
        grid = self.request.query_params.get("grid")
        if grid:
            qs = qs.filter(household__grid__code=grid)
        status = self.request.query_params.get("status")
        if status:
            if status not in STATUSES:
                raise ValidationError({"status": [gettext_lazy("可选：green、yellow、red")]})
            qs = care.with_schedule(qs).filter(care.colour_q(status, timezone.now()))
        return subject_rows(qs).order_by("household__grid__code", "name", "id")

    @extend_schema(summary=gettext_lazy("关爱对象列表（脱敏）"),
                   parameters=[OpenApiParameter("grid", OpenApiTypes.STR, description=gettext_lazy("五级网格编码")),
                               OpenApiParameter("status", OpenApiTypes.STR, enum=list(STATUSES),
                                                description=gettext_lazy("走访状态：green 正常、yellow 临期、red 超期"))])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary=gettext_lazy("关爱对象（?reveal=1 完整信息，记入审计日志）"), parameters=[REVEAL],
                   responses={200: s.CareSubjectSerializer, 403: OpenApiResponse(ErrorBody, description=gettext_lazy("无权查看完整信息")),
                              404: OpenApiResponse(description=gettext_lazy("不存在或不在您负责的网格"))})
    def retrieve(self, request, *args, **kwargs):
        subject = self.get_object()
        reveal = truthy(request.query_params.get("reveal"))
        if reveal:
            care.reveal_subject(request.user, subject)
        return Response(s.CareSubjectSerializer(subject, context={"reveal": reveal}).data)


@extend_schema(tags=["care"], description=gettext_lazy("登记走访：本网格队伍或本社区工作人员；发现的需求一步转为事件（上门办/帮助办），返回事件编号；输入有误时不写入任何记录。"))
class CareVisitViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """走访记录: a visit of a subject in one's grid; a need found becomes an incident (上门办/帮助办)."""

    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]
    serializer_class = s.CareVisitSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(summary=gettext_lazy("登记走访"), request=s.CareVisitCreateSerializer,
                   responses={201: s.CareVisitSerializer, 400: OpenApiResponse(ErrorBody, description=gettext_lazy("输入有误，未写入任何记录")),
                              403: OpenApiResponse(ErrorBody, description=gettext_lazy("不是本网格的走访人员")),
                              404: OpenApiResponse(description=gettext_lazy("关爱对象不存在或不在您负责的网格"))})
    @idempotent
    def create(self, request):
        ser = s.CareVisitCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        subject = subject_rows(care.visible_subjects(request.user)).filter(pk=d["subject"]).first()
        if subject is None:
            return Response({"error": str(gettext_lazy("关爱对象不存在或不在您负责的网格")), "fields": {"subject": [str(gettext_lazy("不存在"))]}},
                            status=404)
        now = timezone.now()
        visit = care.record_visit(request.user, subject, visited_at=d.get("visited_at") or None, seen=d["seen"], situation=d["situation"],
                                  needs=d.get("needs", ""), need_mode=d.get("need_mode"), photos=request.FILES.getlist("photos"), now=now)
        return Response(s.CareVisitSerializer(visit, context={"now": now}).data, status=201)


class OverseesGrids(BasePermission):
    """The due list: the same rule as the /care/due/ page (accounts.scope.Scope.oversees_grids)."""

    message = gettext_lazy("待走访仅供网格人员和有辖区的工作人员查看")

    def has_permission(self, request, view):
        return scope_of(request.user).oversees_grids


@extend_schema(tags=["care"], summary=gettext_lazy("我的待走访（本周到期与已超期）"),
               description=gettext_lazy("本人负责（或网格内未指定责任人）的关爱对象中，指定天数内到期或已超期的，超期最久的在前；工作人员为其辖区。"),
               parameters=[OpenApiParameter("days", OpenApiTypes.INT, description=gettext_lazy("向前看的天数，默认 7"))])
class CareDueView(ListAPIView):
    """My due and overdue visits: the subjects I am responsible for (or nobody is, in my grids) due
    within `days` or overdue, most overdue first; staff: those of their area (the district tier:
    none, it reads counts on /care/due/); 403 for those who oversee no grid, like the page."""

    authentication_classes = AUTH
    permission_classes = [IsAuthenticated, OverseesGrids]
    serializer_class = s.CareSubjectSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no user to scope by
            return CareSubject.objects.none()
        raw = self.request.query_params.get("days", care.due_ahead_days())
        try:
            days = int(raw)
            if not 0 <= days <= 366:
                raise ValueError
        except (TypeError, ValueError):
            raise ValidationError({"days": [gettext_lazy("应为 0–366 的整数")]})
        mine = scope_of(self.request.user).tier == TIER_GRID
        return subject_rows(care.due_subjects(self.request.user, ahead_days=days, mine=mine))


@extend_schema(tags=["care"], summary=gettext_lazy("关爱统计（汇总数字，公开）"),
               description=gettext_lazy("非本人负责的网格：人数少于 min_cell 的格（及可据以推算出它们的格）为 null，其名称列在 hidden 中。"),
               parameters=[OpenApiParameter("days", OpenApiTypes.INT, description=gettext_lazy("统计最近天数，默认 30"))],
               responses={200: OpenApiTypes.OBJECT, 400: ErrorBody})
class CareStatsView(APIView):
    """Aggregate figures of the district for everyone (no personal data): subjects per category and
    grid, coverage, visits on time, needs found and resolved; small cells of grids outside the
    caller's scope are null (services.statistics)."""

    permission_classes = [AllowAny]

    def get(self, request):
        raw = request.query_params.get("days", "30")
        if not raw.isdigit() or not 1 <= int(raw) <= 366:
            raise ValidationError({"days": [gettext_lazy("应为 1–366 的整数")]})
        now = timezone.now()
        s = care.statistics(now=now, start=now - timedelta(days=int(raw)), end=now, user=request.user)
        return Response({"start": s["start"], "end": s["end"], "categories": s["categories"], "total": s["total"],
                         "per_category": s["per_category"], "hidden": s["hidden"],
                         "min_cell": s["min_cell"],
                         "grids": [dict(r, per_category=dict(zip(s["categories"], r["per_category"]))) for r in s["rows"]]})
