"""REST API of boundaries (DRF; token and session auth). Thin: the rules are in services.py.

/api/boundaries/lines/, /markers/ (everyone signed in reads), /inspections/ (the parties' inspectors
and district admins), /inspections/{id}/checks/ (GET list, POST a check → 201 with displacement_m),
/inspections/{id}/transition/, /checks/{id}/confirm/."""
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from geogrid.accounts.api import AUTH
from geogrid.patrols.serializers import PatrolSerializer
from geogrid.patrols.services import phone_time
from geogrid.workflow.drf import ErrorBody
from geogrid.workflow.idempotency import PARAMETER as IDEMPOTENCY_KEY
from geogrid.workflow.idempotency import idempotent

from . import serializers as s
from . import services as boundaries
from .models import BoundaryLine, BoundaryMarker, InspectionMember, JointInspection, MarkerCheck, MarkerPhoto


@extend_schema(tags=["boundaries"], description=_("行政区域界线（登录用户均可查看）"))
class LineViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"\d+"  # /…/abc/ is a 404, not a failed int() (found by the API fuzzing)
    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]
    serializer_class = s.LineSerializer
    queryset = BoundaryLine.objects.none()

    def get_queryset(self):
        return boundaries.visible_lines(self.request.user).order_by("code")


@extend_schema(tags=["boundaries"], description=_("界桩（登录用户均可查看）；?line=界线编号 筛选"))
class MarkerViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"\d+"  # /…/abc/ is a 404, not a failed int() (found by the API fuzzing)
    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]
    serializer_class = s.MarkerSerializer
    queryset = BoundaryMarker.objects.none()

    def get_queryset(self):
        qs = BoundaryMarker.objects.filter(line__in=boundaries.visible_lines(self.request.user)).select_related("line").defer("line__geom") \
            .prefetch_related(Prefetch("photos", queryset=MarkerPhoto.objects.only("pk", "marker_id").order_by("pk")))
        line = self.request.query_params.get("line")
        return (qs.filter(line__code=line) if line else qs).order_by("number")


@extend_schema(tags=["boundaries"], description=_("界线联检：界线双方的联检人员和区级管理员可见"))
class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"  # /…/abc/ is a 404, not a failed int() (found by the API fuzzing)
    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]
    serializer_class = s.InspectionSerializer
    queryset = JointInspection.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return boundaries.visible_inspections(self.request.user).select_related("line", "signed_a_by", "signed_b_by").defer("line__geom") \
            .prefetch_related(Prefetch("members", queryset=InspectionMember.objects.select_related("user"))).order_by("-year", "line__code")

    @extend_schema(summary=_("本次联检的界桩检查"), responses={200: s.CheckSerializer(many=True)}, methods=["GET"])
    @extend_schema(summary=_("录入界桩检查（返回偏移米数 displacement_m）"), request=s.CheckCreateSerializer,
                   responses={201: s.CheckSerializer, 200: s.CheckSerializer, 400: ErrorBody, 403: ErrorBody, 409: ErrorBody}, methods=["POST"],
                   parameters=[IDEMPOTENCY_KEY])
    @action(detail=True, methods=["get", "post"])
    @idempotent  # with the client_id: an offline queue's replay makes no second check
    def checks(self, request, pk=None):
        inspection = get_object_or_404(boundaries.visible_inspections(request.user).select_related("line"), pk=pk)
        if request.method == "GET":
            rows = inspection.checks.select_related("marker", "checked_by", "confirmed_a_by", "confirmed_b_by").order_by("marker__number")
            return Response(s.CheckSerializer(rows, many=True).data)
        ser = s.CheckCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        check, created = boundaries.record_check(
            inspection, request.user, marker=d["marker"], condition=d["condition"], lon=d.get("lon"), lat=d.get("lat"),
            crs=d.get("crs") or None, notes=d.get("notes", ""), photos=request.FILES.getlist("photos"), client_id=d.get("client_id") or None)
        return Response(s.CheckSerializer(check).data, status=201 if created else 200)

    @extend_schema(summary=_("记录界线段：方位物与界线辨认（同一段再次记录即更新）"), request=s.SectionCreateSerializer,
                   responses={201: s.SectionSerializer, 400: ErrorBody, 403: ErrorBody, 409: ErrorBody}, parameters=[IDEMPOTENCY_KEY])
    @action(detail=True, methods=["post"])
    @idempotent
    def sections(self, request, pk=None):
        inspection = get_object_or_404(boundaries.visible_inspections(request.user).select_related("line"), pk=pk)
        ser = s.SectionCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        section = boundaries.record_section(inspection, request.user, **ser.validated_data)
        return Response(s.SectionSerializer(section).data, status=201)

    @extend_schema(summary=_("开始界桩巡查（本方联检人员，外业阶段；结束用 /api/patrols/{id 或 client_key}/end/）"), request=s.WalkStartSerializer,
                   responses={201: PatrolSerializer, 200: PatrolSerializer, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody},
                   parameters=[IDEMPOTENCY_KEY])
    @action(detail=True, methods=["post"])
    @idempotent
    def walk(self, request, pk=None):
        inspection = get_object_or_404(boundaries.visible_inspections(request.user).select_related("line"), pk=pk)
        ser = s.WalkStartSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        patrol = boundaries.start_walk(inspection, request.user, client_key=ser.validated_data.get("client_key"),
                                       now=phone_time(ser.validated_data.get("started_at")))
        return Response(PatrolSerializer(patrol).data, status=201 if patrol.started else 200)

    @extend_schema(summary=_("联检流程操作（start_fieldwork / draft_report / sign / revise / file）"), request=s.TransitionSerializer,
                   responses={200: s.InspectionSerializer, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        inspection = self.get_object()
        ser = s.TransitionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        fields = {"report": d["report"]} if d.get("report") else {}
        boundaries.transition(inspection, d["action"], request.user, d.get("note", ""), **fields)
        return Response(s.InspectionSerializer(self.get_object()).data)


@extend_schema(tags=["boundaries"], description=_("界桩检查：另一方确认后即为双方确认"))
class CheckViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"  # /…/abc/ is a 404, not a failed int() (found by the API fuzzing)
    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]
    serializer_class = s.CheckSerializer
    queryset = MarkerCheck.objects.none()

    def get_queryset(self):
        return MarkerCheck.objects.filter(inspection__in=boundaries.visible_inspections(self.request.user)).select_related(
            "inspection", "marker", "checked_by", "confirmed_a_by", "confirmed_b_by")

    @extend_schema(summary=_("确认界桩检查（本方）"), request=None, responses={200: s.CheckSerializer, 403: ErrorBody, 409: ErrorBody})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        check = boundaries.confirm_check(self.get_object(), request.user)
        return Response(s.CheckSerializer(self.get_queryset().get(pk=check.pk)).data)
