"""The one incident filter, used by the console page and the API alike."""
import django_filters
from django.db.models import Q
from django.utils import timezone

from . import services as incidents
from .models import Incident


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
