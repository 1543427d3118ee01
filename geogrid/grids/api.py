"""REST API of incidents, 4+N teams and patrols (DRF; session and token auth). Thin: every rule is
in incidents.py, permissions.py, teams.py and patrols.py; refused transitions come back as
409/403/400 through geogrid.workflow.drf.exception_handler."""
import django_filters
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from geogrid.geo.crs import CRSError, point_to_storage

from . import incidents, patrols, teams
from . import serializers as s
from .models import Grid, Incident, IncidentCategory, Patrol
from .permissions import visible_incidents
from .photos import photo_response

# Token first, so an API client without valid credentials gets 401 with "WWW-Authenticate: Token".
AUTH = [TokenAuthentication, SessionAuthentication]

ErrorBody = inline_serializer("WorkflowError", {
    "error": serializers.CharField(), "code": serializers.CharField(), "action": serializers.CharField(required=False),
    "state": serializers.CharField(required=False), "fields": serializers.DictField(required=False),
})


class IncidentFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=Incident.State.choices)
    category = django_filters.CharFilter(field_name="category__code")
    mode = django_filters.ChoiceFilter(choices=Incident.Mode.choices)
    responsible_level = django_filters.ChoiceFilter(choices=Incident.Level.choices)
    grid = django_filters.CharFilter(method="filter_grid", label="网格编码（四级或五级）")
    community = django_filters.CharFilter(field_name="community__code")
    street = django_filters.CharFilter(field_name="street__code")
    number = django_filters.CharFilter(field_name="number")
    reported_after = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")
    deadline_status = django_filters.ChoiceFilter(choices=[("green", "正常"), ("yellow", "临期"), ("red", "超期")], method="filter_deadline")
    open = django_filters.BooleanFilter(method="filter_open", label="未结案")
    mine = django_filters.BooleanFilter(method="filter_mine", label="我上报的")
    assigned_to_me = django_filters.BooleanFilter(method="filter_assigned", label="派给我的")

    class Meta:
        model = Incident
        fields = []

    def filter_grid(self, qs, name, value):
        return qs.filter(Q(grid5__code=value) | Q(grid4__code=value))

    def filter_deadline(self, qs, name, value):
        return incidents.deadline_filter(qs, value, timezone.now())

    def filter_open(self, qs, name, value):
        return qs.filter(state__in=Incident.OPEN_STATES) if value else qs.exclude(state__in=Incident.OPEN_STATES)

    def filter_mine(self, qs, name, value):
        return qs.filter(reporter=self.request.user) if value else qs

    def filter_assigned(self, qs, name, value):
        return qs.filter(assignee=self.request.user) if value else qs


@extend_schema(tags=["incidents"])
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """事件/案卷: what the signed-in user may see (permissions.visible_incidents)."""

    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]
    filterset_class = IncidentFilter
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = Incident.objects.select_related("category", "grid5", "grid4", "community", "street", "reporter", "assignee", "duplicate_of")
        if self.action == "retrieve" or self.action == "transition":
            qs = qs.prefetch_related("photos")
        return visible_incidents(self.request.user, qs).order_by("-reported_at", "-id")

    def get_serializer_class(self):
        return s.IncidentDetailSerializer if self.action in ("retrieve", "transition") else s.IncidentListSerializer

    @extend_schema(summary="上报事件", request={"application/json": s.IncidentCreateSerializer, "multipart/form-data": s.IncidentCreateSerializer},
                   responses={201: s.IncidentCreatedSerializer, 400: OpenApiResponse(ErrorBody, description="输入有误或点位不在本区"),
                              403: OpenApiResponse(ErrorBody, description="无上报权限")})
    def create(self, request):
        ser = s.IncidentCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        incident = incidents.report_incident(
            request.user, category=d["category"], description=d["description"], lon=d["lon"], lat=d["lat"], crs=d.get("crs") or None,
            mode=d.get("mode") or None, address=d.get("address", ""), photos=d.get("photos") or [],
        )
        return Response(s.IncidentCreatedSerializer(incident).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="事件类别", responses=s.CategorySerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def categories(self, request):
        return Response(s.CategorySerializer(IncidentCategory.objects.filter(active=True), many=True).data)

    @extend_schema(operation_id="incidents_similar_at_point", summary="疑似重复：同类别、附近、近期的未结案件",
                   parameters=[OpenApiParameter("category", OpenApiTypes.STR, required=True), OpenApiParameter("lon", OpenApiTypes.DOUBLE, required=True),
                               OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True), OpenApiParameter("crs", OpenApiTypes.STR)],
                   responses={200: s.SimilarSerializer(many=True), 400: ErrorBody})
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def similar(self, request):
        q = s.SimilarQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        try:
            point = point_to_storage(q.validated_data["lon"], q.validated_data["lat"], q.validated_data.get("crs") or None)
        except CRSError as exc:
            return Response({"error": str(exc)}, status=400)
        found = incidents.similar_open_incidents(q.validated_data["category"], point)[:20]
        return Response(s.SimilarSerializer(found, many=True).data)

    @extend_schema(operation_id="incidents_similar_to_case", summary="同一案卷附近的疑似重复（调度员）", responses=s.SimilarSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="similar", pagination_class=None, filterset_class=None)
    def similar_to(self, request, pk=None):
        incident = self.get_object()
        found = incidents.similar_open_incidents(incident.category, incident.geom, now=incident.reported_at, exclude=incident)
        return Response(s.SimilarSerializer(visible_incidents(request.user, found)[:20], many=True).data)

    @extend_schema(summary="事件照片（原图或缩略图）", parameters=[OpenApiParameter("size", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["full", "thumb"])],
                   responses={(200, "image/*"): OpenApiTypes.BINARY, 404: ErrorBody})
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_id>\d+)/(?P<size>full|thumb)", filterset_class=None, pagination_class=None)
    def photo(self, request, pk=None, photo_id=None, size=None):
        # Photos are served only through the case's scope, never from a public /media/ URL.
        return photo_response(self.get_object(), photo_id, size)

    @extend_schema(
        summary="执行流程操作",
        parameters=[OpenApiParameter("action_name", OpenApiTypes.STR, OpenApiParameter.PATH,
                                     enum=list(incidents.WORKFLOW.actions), description="register, reject, dispatch, accept, report, verify, rework, close, escalate, urge, classify")],
        request=s.TransitionInputSerializer,
        responses={200: s.IncidentDetailSerializer, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody,
                   409: OpenApiResponse(ErrorBody, description="当前状态不允许此操作（含并发操作的后到者）")},
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<action_name>[a-z_]+)", filterset_class=None)
    def transition(self, request, pk=None, action_name=None):
        incident = self.get_object()
        ser = s.TransitionInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        fields = dict(ser.validated_data)
        note = fields.pop("note", "")
        incidents.transition(incident, action_name, request.user, note, **fields)
        incident = self.get_queryset().get(pk=incident.pk)
        return Response(s.IncidentDetailSerializer(incident, context=self.get_serializer_context()).data)


@extend_schema(tags=["teams"])
class GridMemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """4+N 队伍任职：列出（本人网格、辖区），任命（POST），终止（POST …/end/）。"""

    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]
    serializer_class = s.GridMemberSerializer
    filterset_fields = {"role": ["exact"]}

    def get_queryset(self):
        qs = teams.manageable_members(self.request.user).order_by("grid__code", "role", "id")
        grid = self.request.query_params.get("grid")
        if grid:
            qs = qs.filter(grid__code=grid)
        if self.request.query_params.get("active") in ("1", "true"):
            today = timezone.localdate()
            qs = qs.filter(start_date__lte=today).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        return qs

    @extend_schema(summary="任命网格队伍成员", request=s.GridMemberInputSerializer,
                   responses={201: s.GridMemberSerializer, 400: ErrorBody, 403: ErrorBody})
    def create(self, request):
        ser = s.GridMemberInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        from geogrid.accounts.models import User

        grid = Grid.objects.current().filter(code=d["grid"]).first()
        if grid is None:
            return Response({"error": f"网格 {d['grid']} 不存在或已失效", "fields": {"grid": ["不存在"]}}, status=400)
        user = User.objects.filter(pk=d["user"]).first()
        if user is None:
            return Response({"error": "用户不存在", "fields": {"user": ["不存在"]}}, status=400)
        member = teams.assign_member(grid, user, d["role"], by=request.user, start_date=d.get("start_date"), end_date=d.get("end_date"),
                                     phone=d.get("phone", ""), other_kind=d.get("other_kind", ""))
        return Response(s.GridMemberSerializer(member).data, status=201)

    @extend_schema(summary="终止任职", request=s.EndMembershipSerializer, responses={200: s.GridMemberSerializer, 400: ErrorBody, 403: ErrorBody})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        member = self.get_object()
        ser = s.EndMembershipSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        member = teams.end_membership(member, by=request.user, end_date=ser.validated_data.get("end_date"), note=ser.validated_data.get("note", ""))
        return Response(s.GridMemberSerializer(member).data)


class GridTeamView(APIView):
    """The team on duty of a grid (current version), for signed-in users."""

    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["teams"], summary="网格的 4+N 队伍（在岗）", responses=inline_serializer("GridTeam", {
        "grid": serializers.CharField(), "name": serializers.CharField(),
        "members": inline_serializer("GridTeamMember", {"name": serializers.CharField(), "role": serializers.CharField(),
                                                        "role_code": serializers.CharField(), "phone": serializers.CharField(),
                                                        "grid": serializers.CharField()}, many=True)}))
    def get(self, request, code):
        grid = get_object_or_404(Grid.objects.current(), code=code)
        return Response({"grid": grid.code, "name": grid.name, "members": teams.grid_team(grid)})


@extend_schema(tags=["patrols"])
class PatrolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """巡查：本人的巡查（工作人员另见辖区内的）。POST 开始，…/end/ 结束，…/findings/ 上报发现。"""

    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]
    serializer_class = s.PatrolSerializer
    queryset = Patrol.objects.none()  # for the schema; get_queryset scopes
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return patrols.visible_patrols(self.request.user).select_related("grid", "user").prefetch_related("findings")

    @extend_schema(summary="开始巡查", request=s.PatrolStartSerializer, responses={201: s.PatrolSerializer, 403: ErrorBody, 409: ErrorBody})
    def create(self, request):
        ser = s.PatrolStartSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        grid = Grid.objects.current().filter(code=ser.validated_data["grid"]).first()
        if grid is None:
            return Response({"error": f"网格 {ser.validated_data['grid']} 不存在或已失效"}, status=400)
        patrol = patrols.start_patrol(request.user, grid, note=ser.validated_data.get("note", ""))
        return Response(s.PatrolSerializer(patrol).data, status=201)

    @extend_schema(summary="结束巡查（可附轨迹）", request=s.PatrolEndSerializer, responses={200: s.PatrolSerializer, 400: ErrorBody, 403: ErrorBody, 409: ErrorBody})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        patrol = self.get_object()
        ser = s.PatrolEndSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        patrol = patrols.end_patrol(patrol, request.user, track=d.get("track"), crs=d.get("crs") or None, note=d.get("note"))
        return Response(s.PatrolSerializer(patrol).data)

    @extend_schema(summary="巡查发现转为事件", request={"application/json": s.IncidentCreateSerializer, "multipart/form-data": s.IncidentCreateSerializer},
                   responses={201: s.IncidentCreatedSerializer, 400: ErrorBody, 403: ErrorBody})
    @action(detail=True, methods=["post"])
    def findings(self, request, pk=None):
        patrol = self.get_object()
        ser = s.IncidentCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        incident = patrols.report_finding(
            patrol, request.user, category=d["category"], description=d["description"], lon=d["lon"], lat=d["lat"], crs=d.get("crs") or None,
            mode=d.get("mode") or None, address=d.get("address", ""), photos=d.get("photos") or [],
        )
        return Response(s.IncidentCreatedSerializer(incident).data, status=201)


