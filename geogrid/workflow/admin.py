from django.contrib import admin, messages
from django.utils.translation import gettext as _

from . import worktime
from .models import WorkCalendarDay


def _span(years):
    years = list(years)
    return f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]) if years else "—"


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(admin.ModelAdmin):
    """The State Council's yearly notice, entered day by day; the list says which years the
    working-time clock knows (the library's and this table's) and which fall back to Mon–Fri."""

    list_display = ("date", "kind", "name")
    list_filter = ("kind",)
    date_hierarchy = "date"
    search_fields = ("name",)

    def changelist_view(self, request, extra_context=None):
        messages.info(request, _("工作时间已覆盖的年份：%(lib)s（chinese-calendar 库）；本表录入：%(table)s。其他年份按周一至周五计算。") % {
            "lib": _span(worktime.library_years()), "table": "、".join(map(str, worktime.table_years())) or "—"})
        missing = worktime.uncovered_years()
        if missing:
            messages.warning(request, _("%(years)s 年尚未录入：请按国务院办公厅通知录入节假日和调休上班日。") % {"years": "、".join(map(str, missing))})
        return super().changelist_view(request, extra_context)
