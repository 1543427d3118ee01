"""REST API of patrols (DRF; session and token auth). Thin: the rules are in services.py; findings
are reported through the incidents API (/api/patrols/{id}/findings/, incidents.api)."""
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from geogrid.accounts.api import AUTH
from geogrid.grids.models import Grid
from geogrid.workflow.drf import ErrorBody
from geogrid.workflow.idempotency import PARAMETER as IDEMPOTENCY_KEY, idempotent

from . import serializers as s
from . import services as patrols
from .filters import PatrolFilter
from .models import Patrol


@extend_schema(tags=["patrols"], description=_("巡查：本人的巡查（工作人员另见辖区内的）。POST 开始，…/track/ 追加轨迹，…/end/ 结束，…/findings/ 上报发现。"
                                               "路径中的巡查可用 id，或开始时手机给的 client_key（UUID）。"))
class PatrolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Patrols: one's own (staff also those of their area). POST starts one, …/end/ ends it, …/findings/ reports a finding."""

    lookup_value_regex = r"\d+"  # /…/abc/ is a 404, not a failed int() (found by the API fuzzing)
    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]
    serializer_class = s.PatrolSerializer
    queryset = Patrol.objects.none()  # for the schema; get_queryset scopes
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_class = PatrolFilter  # the staff page's filters: grid, member, started_from/_to, state
    # A patrol is named by its id or by the client key the phone gave it (queued before it had an id).
    lookup_value_regex = r"\d+|[0-9a-fA-F-]{32,36}"

    def get_queryset(self):
        return (patrols.visible_patrols(self.request.user).select_related("grid", "user").defer("grid__geom")
                .prefetch_related("findings").order_by("-started_at", "-id"))

    def get_object(self):
        patrol = get_object_or_404(patrols.by_ref(self.get_queryset(), self.kwargs[self.lookup_field], self.request.user))
        self.check_object_permissions(self.request, patrol)
        return patrol

    @extend_schema(summary=_("开始巡查"), request=s.PatrolStartSerializer,
                   responses={201: s.PatrolSerializer, 200: s.PatrolSerializer, 403: ErrorBody, 409: ErrorBody})
    @idempotent
    def create(self, request):
        ser = s.PatrolStartSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        grid = Grid.objects.current().filter(code=ser.validated_data["grid"]).first()
        if grid is None:
            return Response({"error": _("网格 %(code)s 不存在或已失效") % {"code": ser.validated_data["grid"]},
                             "fields": {"grid": [_("不存在")]}}, status=400)
        patrol = patrols.start_patrol(request.user, grid, note=ser.validated_data.get("note", ""),
                                      client_key=ser.validated_data.get("client_key"), now=patrols.phone_time(ser.validated_data.get("started_at")))
        return Response(s.PatrolSerializer(patrol).data, status=201 if patrol.started else 200)

    @extend_schema(summary=_("结束巡查（可附轨迹）"), parameters=[IDEMPOTENCY_KEY], request=s.PatrolEndSerializer, responses={200: s.PatrolSerializer, 400: ErrorBody, 403: ErrorBody, 409: ErrorBody})
    @action(detail=True, methods=["post"])
    @idempotent
    def end(self, request, pk=None):
        patrol = self.get_object()
        ser = s.PatrolEndSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        patrol = patrols.end_patrol(patrol, request.user, track=d.get("track"), crs=d.get("crs") or None, note=d.get("note"),
                                    now=patrols.phone_time(d.get("ended_at"), not_before=patrol.started_at))
        return Response(s.PatrolSerializer(patrol).data)

    @extend_schema(summary=_("追加轨迹点（巡查途中分批发送）"), parameters=[IDEMPOTENCY_KEY], request=s.PatrolTrackSerializer,
                   responses={200: s.PatrolTrackAnswerSerializer, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody})
    @action(detail=True, methods=["post"])
    @idempotent
    def track(self, request, pk=None):
        # Only one's own patrol: anyone else's looks missing, as an id that does not exist does.
        patrol = get_object_or_404(patrols.by_ref(Patrol.objects.filter(user=request.user), pk, request.user))
        ser = s.PatrolTrackSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        total, added, length = patrols.append_track(patrol, request.user, d["points"], offset=d["offset"], crs=d.get("crs") or None)
        return Response({"id": patrol.pk, "points": total, "added": added, "length_m": length})
