"""The statistics pages and exports (/stats/…): parse the filter, call stats.services, render.

/stats/              page: filter form, tables per street, community, level-4 and level-5 grid, choropleth map
/stats/map.geojson   the choropleth's features (EPSG:4326) and legend, for the page's map
/stats/export.csv    one grouping (?by=grid|grid5|community|street; grid is level 4) as CSV (UTF-8 with BOM)
/stats/export.xlsx   every grouping, one sheet each
/stats/map.html      the choropleth as a self-contained folium HTML map for reports
All take the same GET filter; bad input → 400 with the reason, no scope → 403.
"""
import json

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from geogrid.incidents.models import Incident, IncidentCategory
from geogrid.workflow.worktime import date_out_of_range

from . import services as stats


class StatsForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("上报日期起"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("上报日期止"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    category = forms.ModelChoiceField(label=gettext_lazy("事件类别"), queryset=IncidentCategory.objects.order_by("order", "code"),
                                      to_field_name="code", required=False, empty_label=gettext_lazy("全部类别"))
    mode = forms.ChoiceField(label=gettext_lazy("办理方式"), required=False,
                             choices=[("", gettext_lazy("全部方式"))] + list(Incident.Mode.choices))
    street = forms.ModelChoiceField(label=gettext_lazy("街道"), queryset=None, to_field_name="code", required=False,
                                    empty_label=gettext_lazy("全部街道"))
    community = forms.ModelChoiceField(label=gettext_lazy("社区"), queryset=None, to_field_name="code", required=False,
                                       empty_label=gettext_lazy("全部社区"))
    by = forms.ChoiceField(label=gettext_lazy("地图分级"), required=False, initial=stats.BY_GRID,
                           choices=[(stats.BY_GRID, gettext_lazy("按网格")), (stats.BY_GRID5, gettext_lazy("按五级网格")),
                                    (stats.BY_COMMUNITY, gettext_lazy("按社区")), (stats.BY_STREET, gettext_lazy("按街道"))])
    metric = forms.ChoiceField(label=gettext_lazy("着色指标"), required=False, initial=stats.COUNT,
                               choices=[(stats.COUNT, gettext_lazy("案件数")), (stats.RATE, gettext_lazy("每千人案件数"))])

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only areas in the user's scope can be chosen: another area's code is a form error (400).
        self.fields["street"].queryset = stats.streets_in_scope(user)
        self.fields["community"].queryset = stats.communities_in_scope(user).select_related("parent")
        self.fields["community"].label_from_instance = lambda c: f"{c.parent.name} · {c.name}"

    def clean(self):
        data = super().clean()
        a, b = data.get("date_from"), data.get("date_to")
        for name, day in (("date_from", a), ("date_to", b)):
            wrong = date_out_of_range(day)
            if wrong:
                self.add_error(name, wrong)
                return data
        if a and b and a > b:
            raise forms.ValidationError(_("上报日期起（%(a)s）晚于上报日期止（%(b)s），请调换或更正") % {"a": a, "b": b})
        street, community = data.get("street"), data.get("community")
        if street and community and community.parent_id != street.pk:
            self.add_error("community", _("社区“%(c)s”不属于街道“%(s)s”") % {"c": community.name, "s": street.name})
        return data

    def stats_filter(self):
        d = self.cleaned_data
        return stats.StatsFilter(date_from=d.get("date_from"), date_to=d.get("date_to"), category=d.get("category"),
                                 mode=d.get("mode") or "", street=d.get("street"), community=d.get("community"))

    def choice(self, name):
        return self.cleaned_data.get(name) or self.fields[name].initial

    def error_text(self):
        parts = []
        for name, errs in self.errors.items():
            label = self.fields[name].label if name in self.fields else ""
            parts.append(f"{label}：{'；'.join(errs)}" if label else "；".join(errs))
        return "；".join(parts)


class BadFilter(Exception):
    def __init__(self, form):
        super().__init__(form.error_text())
        self.form = form


def parse(request):
    """(form, StatsFilter) of the request; PermissionDenied without a stats scope, BadFilter for bad input."""
    if not stats.may_read_stats(request.user):
        raise PermissionDenied(_("事件统计仅供社区工作人员、街道调度员和区级管理员查看"))
    form = StatsForm(request.user, request.GET or None)
    if form.is_bound and not form.is_valid():
        raise BadFilter(form)
    if not form.is_bound:
        form.cleaned_data = {}
    return form, form.stats_filter()


def denied(request, exc):
    return render(request, "stats/stats.html", {"denied": str(exc) or _("您无权查看事件统计")}, status=403)


def plain_error(message, status=400):
    return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})


def attachment(content, content_type, stem, ext):
    resp = HttpResponse(content, content_type=content_type)
    filename = f"{stem}-{timezone.localdate():%Y%m%d}.{ext}"
    resp["Content-Disposition"] = content_disposition_header(True, filename)
    return resp


def cell_view(value, kind):
    """(text, sort value) of a table cell: numbers shown short, missing figures as a dash."""
    num = kind != "text"
    if value is None:
        return {"text": "—", "sort": "", "num": num}
    if kind == "pct":
        return {"text": f"{value:.1f}", "sort": value, "num": num}
    if kind == "float":
        return {"text": f"{value:.2f}".rstrip("0").rstrip("."), "sort": value, "num": num}
    return {"text": str(value), "sort": value, "num": num}


BY_LABELS = {stats.BY_GRID: gettext_lazy("网格"), stats.BY_GRID5: gettext_lazy("五级网格"), stats.BY_COMMUNITY: gettext_lazy("社区"),
             stats.BY_STREET: gettext_lazy("街道")}


def _export(view):
    """login required; 403 without scope, 400 for a bad filter (with the reason)."""
    @login_required
    @require_GET
    def wrapped(request):
        try:
            form, f = parse(request)
        except PermissionDenied as exc:
            return plain_error(str(exc), status=403)
        except BadFilter as exc:
            return plain_error(str(exc))
        return view(request, form, f)
    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@login_required
@require_GET
def stats_page(request):
    try:
        form, f = parse(request)
    except PermissionDenied as exc:
        return denied(request, exc)
    except BadFilter as exc:
        return render(request, "stats/stats.html", {"form": exc.form, "error": str(exc)}, status=400)
    now = timezone.now()
    cats = stats.categories()
    summary = stats.summary(request.user, f, now=now, cats=cats)
    tables = []
    for by, title in ((stats.BY_STREET, _("按街道")), (stats.BY_COMMUNITY, _("按社区")), (stats.BY_GRID, _("按网格")),
                      (stats.BY_GRID5, _("按五级网格"))):
        # On the page, category and state columns that are zero everywhere are left out (the
        # exports keep every column, so their layout does not change with the data).
        cols = [c for c in stats.columns(by, cats) if ":" not in c[0] or stats.cell(summary, c[0])]
        rows = stats.group_stats(request.user, by, f, now=now, cats=cats)
        tables.append({"by": by, "title": title, "columns": [{"key": k, "label": label, "kind": kind} for k, label, kind in cols],
                       "rows": [[cell_view(stats.cell(r, k), kind) for k, _l, kind in cols] for r in rows]})
    query = request.GET.urlencode()
    config = {
        "geojsonUrl": reverse("stats_geojson") + ("?" + query if query else ""),
        "text": {"legend": _("图例"), "loadFailed": _("地图数据加载失败"), "none": _("没有可绘制的区域")},
        "fields": [["code", _("编码")], *([["grid4", _("所属四级网格")]] if form.choice("by") == stats.BY_GRID5 else []),
                   ["total", _("案件总数")], ["open", _("办理中")], ["closed", _("已结案")],
                   ["overdue_open", _("超期未结")], ["on_time_rate", _("按期结案率（%）")], ["avg_handling_h", _("平均办理时长（小时）")],
                   ["satisfaction_rate", _("满意率（%）")], ["population", _("人口")], ["rate_per_1000", _("每千人案件数")]],
        "metricLabel": _("案件数") if form.choice("metric") == stats.COUNT else _("每千人案件数"),
    }
    return render(request, "stats/stats.html", {
        "form": form, "summary": summary, "tables": tables,
        "scope": stats.scope_label(request.user), "query": query, "map_config": config, "categories": cats,
        "by_label": BY_LABELS[form.choice("by")],
    })


@_export
def stats_geojson(request, form, f):
    """The choropleth of the page (?by=, ?metric=): features with figures and colours, and the legend."""
    fc, legend = stats.choropleth(request.user, form.choice("by"), form.choice("metric"), f)
    fc["legend"] = legend
    return HttpResponse(json.dumps(fc, ensure_ascii=False), content_type="application/geo+json")


@_export
def export_csv(request, form, f):
    by = form.choice("by")
    return attachment(stats.to_csv(request.user, by, f).encode("utf-8"), "text/csv; charset=utf-8", f"事件统计-按{BY_LABELS[by]}", "csv")


@_export
def export_xlsx(request, form, f):
    return attachment(stats.to_xlsx(request.user, f), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "事件统计", "xlsx")


@_export
def export_map(request, form, f):
    by = form.choice("by")
    html = stats.folium_html(request.user, by, form.choice("metric"), f, basemap_url=settings.GEOGRID_BASEMAP_URL,
                             basemap_attribution=settings.GEOGRID_BASEMAP_ATTRIBUTION)
    return attachment(html.encode("utf-8"), "text/html; charset=utf-8", f"事件统计地图-按{BY_LABELS[by]}", "html")
