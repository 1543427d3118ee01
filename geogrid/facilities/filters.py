"""The facility list's filter (django-filter): type, status, ownership, street, community, text."""
import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from geogrid.grids.models import AdminArea

from .models import Facility, FacilityType, Ownership, Status
from .services import areas_in_scope


class FacilityFilter(django_filters.FilterSet):
    facility_type = django_filters.ModelChoiceFilter(label=_("设施类型"), queryset=FacilityType.objects.all(), to_field_name="code",
                                                     empty_label=_("全部类型"))
    status = django_filters.ChoiceFilter(label=_("运营状态"), choices=Status.choices, empty_label=_("全部状态"))
    ownership = django_filters.ChoiceFilter(label=_("性质"), choices=Ownership.choices, empty_label=_("全部"))
    street = django_filters.ModelChoiceFilter(label=_("街道"), queryset=AdminArea.objects.none(), to_field_name="code",
                                              method="filter_street", empty_label=_("全部街道"))
    community = django_filters.ModelChoiceFilter(label=_("社区"), queryset=AdminArea.objects.none(), to_field_name="code",
                                                 field_name="area", empty_label=_("全部社区"))
    q = django_filters.CharFilter(label=_("名称或地址"), method="filter_text")

    class Meta:
        model = Facility
        fields = []

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only areas in the user's scope can be chosen: another area's code is a form error.
        self.filters["street"].queryset = areas_in_scope(user, AdminArea.Level.STREET)
        self.filters["community"].queryset = areas_in_scope(user, AdminArea.Level.COMMUNITY)
        self.filters["facility_type"].queryset = FacilityType.objects.filter(active=True)

    def filter_street(self, qs, name, street):
        return qs.filter(Q(area=street) | Q(area__parent=street))

    def filter_text(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(address__icontains=value))
