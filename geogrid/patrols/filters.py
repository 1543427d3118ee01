"""The one patrol filter, used by the staff page (/patrols/all/) and the API (/api/patrols/): grid
code (a level-4 code takes in its level-5 grids), member, started between two dates (the site's
time zone) and open / ended. The rows it narrows are already scoped (services.visible_patrols)."""
import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Patrol

OPEN, ENDED = "open", "ended"


class PatrolFilter(django_filters.FilterSet):
    grid = django_filters.CharFilter(label=_("网格编码"), method="filter_grid", max_length=20,
                                     help_text=_("四级或五级网格编码；四级网格含其五级网格"))
    member = django_filters.ModelChoiceFilter(label=_("巡查人"), field_name="user", queryset=get_user_model().objects.none(),
                                              empty_label=_("全部"), help_text=_("巡查人的用户 id"))
    started_from = django_filters.DateFilter(label=_("开始日期起"), field_name="started_at", lookup_expr="date__gte")
    started_to = django_filters.DateFilter(label=_("开始日期止"), field_name="started_at", lookup_expr="date__lte")
    state = django_filters.ChoiceFilter(label=_("状态"), choices=[(OPEN, _("进行中")), (ENDED, _("已结束"))], method="filter_state",
                                        empty_label=_("全部"))

    class Meta:
        model = Patrol
        fields = []

    def __init__(self, data=None, queryset=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        # The members to choose from: those with a patrol among the rows (one query, by name).
        User = get_user_model()
        ids = queryset.order_by().values("user_id") if queryset is not None else []
        self.filters["member"].queryset = User.objects.filter(pk__in=ids).order_by("full_name", "username").only(
            "pk", "username", "full_name")

    def filter_grid(self, qs, name, value):
        return qs.filter(Q(grid__code=value) | Q(grid__parent__code=value))

    def filter_state(self, qs, name, value):
        return qs.filter(ended_at__isnull=(value == OPEN))
