"""REST API of notifications (DRF; token or session auth): the signed-in user's own only.

GET /api/notifications/[?unread=true|false][&kind=…] · GET /api/notifications/unread-count/ ·
POST /api/notifications/{id}/read/ · POST /api/notifications/read-all/. Thin: services.py."""
import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from geogrid.accounts.api import AUTH

from . import serializers as s
from . import services
from .models import Notification


class NotificationFilter(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("只看未读（true）或已读（false）"))
    kind = django_filters.ChoiceFilter(choices=Notification.Kind.choices, label=_("类型"))

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


@extend_schema(tags=["notifications"])
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """通知：本人的通知，最新的在前。"""

    authentication_classes = AUTH
    permission_classes = [IsAuthenticated]
    serializer_class = s.NotificationSerializer
    filterset_class = NotificationFilter
    queryset = Notification.objects.none()  # for the schema; get_queryset narrows to the user's own
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return services.notifications_of(self.request.user)

    @extend_schema(summary=_("我的通知"))
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary=_("一条通知"))
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(summary=_("未读通知数"), responses=s.UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count", pagination_class=None, filterset_class=None)
    def unread_count(self, request):
        return Response({"unread": services.unread_count(request.user)})

    @extend_schema(summary=_("标为已读"), request=None, responses=s.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.mark_read(request.user, notification.pk)
        notification.refresh_from_db(fields=["read_at"])
        return Response(s.NotificationSerializer(notification).data)

    @extend_schema(summary=_("全部标为已读"), request=None, responses=s.MarkedSerializer)
    @action(detail=False, methods=["post"], url_path="read-all", filterset_class=None)
    def read_all(self, request):
        return Response({"marked": services.mark_read(request.user)})
