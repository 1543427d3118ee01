"""GET /api/locate?lon=&lat=[&crs=] — what a point falls in (MapIt-style): district, street,
community, level-4/5 grid and the grid's 4+N team on duty. The rule is services.locate."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from geogrid.accounts.scope import scope_of
from geogrid.geo.crs import CRSError, point_to_storage

from .services import locate

PUBLIC_KEYS = ("district", "street", "community", "grid4", "grid5")


def _ref_serializer(name):
    return inline_serializer(name, {"code": serializers.CharField(), "name": serializers.CharField()}, allow_null=True)


LocateResult = inline_serializer("LocateResult", {
    **{key: _ref_serializer(f"LocateRef_{key}") for key in PUBLIC_KEYS},
    "members": inline_serializer("LocateMember", {
        "name": serializers.CharField(), "role": serializers.CharField(), "phone": serializers.CharField(),
        "grid": serializers.CharField(),
    }, many=True),
})
LocateError = inline_serializer("LocateError", {"error": serializers.CharField()})


def mask_phone(phone):
    """138****5678: enough for a citizen to recognise the number on the grid notice board,
    not a bulk-scrapable list of staff phones (PIPL: minimum necessary)."""
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else ""


class LocateView(APIView):
    """Public: a citizen may look up the grid and the grid member responsible for a place.
    Full phone numbers only for the grid's own team and the staff over it (accounts.scope);
    everyone else sees them masked."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="locate",
        summary=_("点位所在的行政区划、网格及网格员"),
        description=_("公开接口：市民可查询某处所属的网格和负责的网格员；本网格队伍和辖区工作人员看到完整电话号码，其他人看到的号码部分隐藏。"),
        parameters=[
            OpenApiParameter("lon", OpenApiTypes.DOUBLE, required=True, description=_("经度")),
            OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True, description=_("纬度")),
            OpenApiParameter("crs", OpenApiTypes.STR, required=False,
                             description=_("输入坐标系：EPSG:4490（默认）、EPSG:4326、gcj02（高德/腾讯/微信定位）")),
        ],
        responses={
            200: LocateResult,
            400: OpenApiResponse(LocateError, description=_("坐标或坐标系有误")),
            404: OpenApiResponse(LocateError, description=_("点位不在任何已知区域内")),
        },
        examples=[OpenApiExample("outside", value={"error": _("该点不在本系统的任何区域内（区、街道、社区、网格）")}, status_codes=["404"], response_only=True)],
    )
    def get(self, request):
        lon, lat = request.query_params.get("lon"), request.query_params.get("lat")
        if lon in (None, "") or lat in (None, ""):
            return Response({"error": _("缺少参数 lon（经度）或 lat（纬度）")}, status=400)
        try:
            point = point_to_storage(lon, lat, request.query_params.get("crs") or None)
        except CRSError as exc:
            return Response({"error": str(exc)}, status=400)
        found = locate(point)
        if found is None:
            return Response({"error": _("该点不在本系统的任何区域内（区、街道、社区、网格）")}, status=404)
        body = {key: found[key] for key in PUBLIC_KEYS}
        objs = found["grid_objects"]
        full = scope_of(request.user).sees_team_contacts(
            [(found[k] or {}).get("code") for k in ("grid5", "grid4")], *(getattr(objs[k], "pk", None) for k in ("community", "street", "district")))
        body["members"] = [
            {"name": m["name"], "role": m["role"], "phone": m["phone"] if full else mask_phone(m["phone"]), "grid": m["grid"]}
            for m in found["members"]
        ]
        return Response(body)
