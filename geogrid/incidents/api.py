"""REST API of incidents (DRF; session and token auth). Thin: every rule is in services.py and
permissions.py; refused transitions come back as 409/403/400 through
geogrid.workflow.drf.exception_handler."""
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from geogrid.accounts.api import AUTH
from geogrid.geo.crs import CRSError, point_to_storage
from geogrid.patrols.services import by_ref, visible_patrols
from geogrid.workflow.drf import ErrorBody
from geogrid.workflow.idempotency import idempotent

from . import serializers as s
from . import services as incidents
from .filters import IncidentFilter
from .models import Incident, IncidentCategory
from .permissions import visible_incidents
from .photos import photo_response


@extend_schema(tags=["incidents"])
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """事件/案卷: what the signed-in user may see (permissions.visible_incidents)."""

    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]
    filterset_class = IncidentFilter
    lookup_value_regex = r"\d+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        # The answers name the grids and areas by code: their polygons stay in the database.
        qs = (Incident.objects.select_related("category", "grid5", "grid4", "community", "street", "reporter", "assignee", "duplicate_of",
                                              "department")
              .defer("grid5__geom", "grid4__geom", "community__geom", "street__geom"))
        if self.action == "retrieve" or self.action == "transition":
            qs = qs.prefetch_related("photos")
        return visible_incidents(self.request.user, qs).order_by("-reported_at", "-id")

    def get_serializer_class(self):
        return s.IncidentDetailSerializer if self.action in ("retrieve", "transition") else s.IncidentListSerializer

    @extend_schema(summary=gettext_lazy("上报事件"), request={"application/json": s.IncidentCreateSerializer, "multipart/form-data": s.IncidentCreateSerializer},
                   responses={201: s.IncidentCreatedSerializer, 400: OpenApiResponse(ErrorBody, description=gettext_lazy("输入有误或点位不在本区")),
                              403: OpenApiResponse(ErrorBody, description=gettext_lazy("无上报权限"))})
    @idempotent
    def create(self, request):
        ser = s.IncidentCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        incident = incidents.report_incident(
            request.user, category=d["category"], description=d["description"], lon=d["lon"], lat=d["lat"], crs=d.get("crs") or None,
            mode=d.get("mode") or None, address=d.get("address", ""), photos=d.get("photos") or [], answers=d.get("answers"),
        )
        return Response(s.IncidentCreatedSerializer(incident).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=gettext_lazy("事件类别"), responses=s.CategorySerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def categories(self, request):
        return Response(s.CategorySerializer(IncidentCategory.objects.filter(active=True), many=True).data)

    @extend_schema(operation_id="incidents_similar_at_point", summary=gettext_lazy("疑似重复：同类别、附近、近期的未结案件"),
                   parameters=[OpenApiParameter("category", OpenApiTypes.STR, required=True), OpenApiParameter("lon", OpenApiTypes.DOUBLE, required=True),
                               OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True), OpenApiParameter("crs", OpenApiTypes.STR)],
                   responses={200: s.SimilarSerializer(many=True), 400: ErrorBody, 403: ErrorBody})
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def similar(self, request):
        # The hint is for someone about to report at that spot (it names cases outside their scope,
        # without descriptions); accounts that cannot report have no use for it.
        if not request.user.has_role(*incidents.REPORTER_ROLES):
            return Response({"error": gettext("只有可以上报事件的网格员和工作人员能查询附近的疑似重复案件")}, status=403)
        q = s.SimilarQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        try:
            point = point_to_storage(q.validated_data["lon"], q.validated_data["lat"], q.validated_data.get("crs") or None)
        except CRSError as exc:
            return Response({"error": str(exc)}, status=400)
        found = incidents.similar_open_incidents(q.validated_data["category"], point)[:20]
        return Response(s.SimilarSerializer(found, many=True).data)

    @extend_schema(operation_id="incidents_similar_to_case", summary=gettext_lazy("同一案卷附近的疑似重复（调度员）"),
                   description=gettext_lazy("同类别、附近、在本案上报前后时间窗内的未结案件。仍为“已上报”的可不予立案并入本案："
                                  "POST …/{id}/actions/reject/ {note, duplicate_of: 本案 id}。"),
                   responses=s.SimilarSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="similar", pagination_class=None, filterset_class=None)
    def similar_to(self, request, pk=None):
        incident = self.get_object()
        found = incidents.similar_open_incidents(incident.category, incident.geom, at=incident.reported_at, exclude=incident)
        return Response(s.SimilarSerializer(visible_incidents(request.user, found)[:20], many=True).data)

    @extend_schema(summary=gettext_lazy("事件照片（原图或缩略图）"), parameters=[OpenApiParameter("size", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["full", "thumb"])],
                   responses={(200, "image/*"): OpenApiTypes.BINARY, 404: ErrorBody})
    @action(detail=True, methods=["get"], url_path=r"photos/(?P<photo_id>\d+)/(?P<size>full|thumb)", filterset_class=None, pagination_class=None)
    def photo(self, request, pk=None, photo_id=None, size=None):
        # Photos are served only through the case's scope, never from a public /media/ URL.
        return photo_response(self.get_object(), photo_id, size)

    @extend_schema(
        summary=gettext_lazy("执行流程操作"),
        parameters=[OpenApiParameter("action_name", OpenApiTypes.STR, OpenApiParameter.PATH,
                                     enum=list(incidents.WORKFLOW.actions), description=", ".join(incidents.WORKFLOW.actions))],
        request=s.TransitionInputSerializer,
        responses={200: s.IncidentDetailSerializer, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody,
                   409: OpenApiResponse(ErrorBody, description=gettext_lazy("当前状态不允许此操作（含并发操作的后到者）"))},
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


@extend_schema(tags=["patrols"])
class PatrolFindingsView(APIView):
    """A finding of one's own patrol becomes a case (POST /api/patrols/{id}/findings/; the patrol by its
    id or by the client key its phone gave it)."""

    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(summary=gettext_lazy("巡查发现转为事件"), request={"application/json": s.IncidentCreateSerializer, "multipart/form-data": s.IncidentCreateSerializer},
                   responses={201: s.IncidentCreatedSerializer, 400: ErrorBody, 403: ErrorBody})
    @idempotent
    def post(self, request, pk):
        patrol = get_object_or_404(by_ref(visible_patrols(request.user), pk, request.user))
        ser = s.IncidentCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        incident = incidents.report_finding(
            patrol, request.user, category=d["category"], description=d["description"], lon=d["lon"], lat=d["lat"], crs=d.get("crs") or None,
            mode=d.get("mode") or None, address=d.get("address", ""), photos=d.get("photos") or [],
        )
        return Response(s.IncidentCreatedSerializer(incident).data, status=201)


