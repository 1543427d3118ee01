"""REST API of the 4+N teams (DRF; session and token auth). Thin: the rules are in teams.py."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from geogrid.accounts.api import AUTH
from geogrid.accounts.scope import scope_of
from geogrid.workflow.drf import ErrorBody

from . import serializers as s
from . import teams
from .locate import mask_phone
from .models import Grid


@extend_schema(tags=["teams"], description=_("4+N 队伍任职：列出（本人网格、辖区），任命（POST），终止（POST …/end/）。"))
class GridMemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Memberships of the 4+N teams: list (one's grids, one's area), appoint (POST), end (POST …/end/)."""

    lookup_value_regex = r"\d+"  # /…/abc/ is a 404, not a failed int() (found by the API fuzzing)
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
            qs = qs.on_duty()
        return qs

    @extend_schema(summary=_("任命网格队伍成员"), request=s.GridMemberInputSerializer,
                   responses={201: s.GridMemberSerializer, 400: ErrorBody, 403: ErrorBody})
    def create(self, request):
        ser = s.GridMemberInputSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        d = ser.validated_data
        from geogrid.accounts.models import User

        grid = Grid.objects.current().filter(code=d["grid"]).first()
        if grid is None:
            return Response({"error": _("网格 %(code)s 不存在或已失效") % {"code": d["grid"]}, "fields": {"grid": [_("不存在")]}}, status=400)
        user = User.objects.filter(pk=d["user"]).first()
        if user is None:
            return Response({"error": _("用户不存在"), "fields": {"user": [_("不存在")]}}, status=400)
        member = teams.assign_member(grid, user, d["role"], by=request.user, start_date=d.get("start_date"), end_date=d.get("end_date"),
                                     phone=d.get("phone", ""), other_kind=d.get("other_kind", ""))
        return Response(s.GridMemberSerializer(member).data, status=201)

    @extend_schema(summary=_("终止任职"), request=s.EndMembershipSerializer, responses={200: s.GridMemberSerializer, 400: ErrorBody, 403: ErrorBody})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        member = self.get_object()
        ser = s.EndMembershipSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        member = teams.end_membership(member, by=request.user, end_date=ser.validated_data.get("end_date"), note=ser.validated_data.get("note", ""))
        return Response(s.GridMemberSerializer(member).data)


class GridTeamView(APIView):
    """The team on duty of a grid (current version), for signed-in users; full phone numbers for
    the grid's own team and the staff over it, masked for everyone else (accounts.scope)."""

    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["teams"], summary=_("网格的 4+N 队伍（在岗）"), description=_("网格（现行版本）在岗的 4+N 队伍，仅限登录用户；本网格队伍和辖区工作人员看到完整电话号码，其他人看到部分隐藏的号码。"), responses=inline_serializer("GridTeam", {
        "grid": serializers.CharField(), "name": serializers.CharField(),
        "members": inline_serializer("GridTeamMember", {"name": serializers.CharField(), "role": serializers.CharField(),
                                                        "role_code": serializers.CharField(), "phone": serializers.CharField(),
                                                        "grid": serializers.CharField()}, many=True)}))
    def get(self, request, code):
        grid = get_object_or_404(Grid.objects.current().select_related("parent", "community__parent").defer(
            "geom", "parent__geom", "community__geom", "community__parent__geom"), code=code)
        street = grid.community.parent
        full = scope_of(request.user).sees_team_contacts(
            [grid.code, grid.parent.code if grid.parent_id else None], grid.community_id, street.pk if street else None,
            street.parent_id if street else None)
        members = [m if full else {**m, "phone": mask_phone(m["phone"])} for m in teams.grid_team(grid)]
        return Response({"grid": grid.code, "name": grid.name, "members": members})
