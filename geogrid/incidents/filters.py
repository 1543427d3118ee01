"""The one incident filter, used by the API (IncidentFilter) and the console page (ConsoleFilter,
the same filters under the console's URL names). Each filter is written once, here."""
import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from geogrid.workflow.deadlines import STATUS_LABELS

from . import services as incidents
from .models import Incident

OPEN, ALL = "open", "all"
DEADLINE_CHOICES = [(colour, STATUS_LABELS[colour]) for colour in incidents.COLOURS]  # red, yellow, green


class IncidentFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=Incident.State.choices, method="filter_state")
    category = django_filters.CharFilter(field_name="category__code")
    mode = django_filters.ChoiceFilter(choices=Incident.Mode.choices)
    responsible_level = django_filters.ChoiceFilter(choices=Incident.Level.choices)
    grid = django_filters.CharFilter(method="filter_grid", label=_("网格编码（四级或五级）"))
    community = django_filters.CharFilter(field_name="community__code")
    street = django_filters.CharFilter(field_name="street__code")
    department = django_filters.CharFilter(field_name="department__code", label=_("承办部门编码"))
    number = django_filters.CharFilter(field_name="number")
    reported_after = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="gte")
    reported_before = django_filters.IsoDateTimeFilter(field_name="reported_at", lookup_expr="lt")
    deadline_status = django_filters.ChoiceFilter(choices=DEADLINE_CHOICES, method="filter_deadline")
    open = django_filters.BooleanFilter(method="filter_open", label=_("未结案"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("我上报的"))
    assigned_to_me = django_filters.BooleanFilter(method="filter_assigned", label=_("派给我的"))

    class Meta:
        model = Incident
        fields = []

    def filter_queryset(self, queryset, without=()):
        """The queryset under every valid filter of the request but those named in `without` (the
        console counts each filter's choices under the others). A value that does not validate is
        left out (the API answers 400 before getting here)."""
        for name, value in self.form.cleaned_data.items():
            if name not in without:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_state(self, qs, name, values):
        return qs.filter(state__in=values)

    def filter_grid(self, qs, name, value):
        """A level-4 or level-5 grid code: the cases located in any version of that grid."""
        return qs.filter(Q(grid5__code=value) | Q(grid4__code=value))

    def filter_deadline(self, qs, name, value):
        return incidents.deadline_filter(qs, value, timezone.now())

    def filter_open(self, qs, name, value):
        return qs.filter(state__in=Incident.OPEN_STATES) if value else qs.exclude(state__in=Incident.OPEN_STATES)

    def filter_mine(self, qs, name, value):
        return qs.filter(reporter=self.request.user) if value else qs

    def filter_assigned(self, qs, name, value):
        return qs.filter(assignee=self.request.user) if value else qs


STATE_CHOICES = [(OPEN, _("未结案件")), (ALL, _("全部"))] + list(Incident.State.choices)


class ConsoleForm(forms.Form):
    def clean(self):
        data = super().clean()
        # The console opens on the open cases; a state it does not know is shown as an error and
        # the open cases are listed.
        data["state"] = data.get("state") or OPEN
        return data


class ConsoleFilter(IncidentFilter):
    """The console page's parameters — state=open|all|<state>, mode, grid, deadline=<colour> — over
    IncidentFilter's filters (the home page links to the console with them)."""

    state = django_filters.ChoiceFilter(label=_("状态"), choices=STATE_CHOICES, method="filter_console_state", empty_label=None)
    mode = django_filters.ChoiceFilter(label=_("办理方式"), choices=Incident.Mode.choices, empty_label=_("全部"))
    grid = django_filters.CharFilter(label=_("网格编码"), method="filter_grid", max_length=20)
    deadline = django_filters.ChoiceFilter(label=_("时限"), choices=DEADLINE_CHOICES, method="filter_deadline", empty_label=_("全部"))

    class Meta(IncidentFilter.Meta):
        form = ConsoleForm

    def filter_console_state(self, qs, name, value):
        if value == OPEN:
            return self.filter_open(qs, name, True)
        if value == ALL:
            return qs
        return self.filter_state(qs, name, [value])
