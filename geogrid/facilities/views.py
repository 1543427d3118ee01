"""Facility pages (staff): the list with filters, and the coverage analysis with its exports.

/facilities/                        list (filters: type, status, ownership, street, community, text)
/facilities/export.csv              the list under its filter, in the import's columns
/facilities/import/                 upload a CSV/XLSX/GeoJSON file (district admins)
/facilities/coverage/               form, figures, choropleth, uncovered communities and grids
/facilities/coverage/map.geojson    the choropleth's grids, facilities and legend
/facilities/coverage/export.csv     ?by=community|grid, every row, uncovered first
/facilities/coverage/export.xlsx    both tables and what was counted
/facilities/coverage/map.html       the map as a standalone folium HTML report (layers.maps)
Bad input → 400 with the reason; no staff role → 403.
"""
import json

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from geogrid.accounts.pages import refuse
from geogrid.accounts.scope import scope_of
from geogrid.grids.models import AdminArea

from . import coverage
from .filters import FacilityFilter
from .importing import ImportRefused, UnreadableFile, export_csv, import_facilities
from .models import FacilityType
from .services import areas_in_scope, may_read_facilities, visible_facilities

PAGE_SIZE = 50
TOP_GRIDS = 100  # uncovered grids listed on the page (the exports have them all)


def _refused(request):
    return refuse(request, _("民政设施和服务覆盖分析仅供社区工作人员、街道调度员和区级管理员查看"))


@login_required
@require_GET
def facility_list(request):
    if not may_read_facilities(request.user):
        return _refused(request)
    qs = (visible_facilities(request.user).select_related("facility_type", "area__parent")
          .defer("geom", "area__geom", "area__parent__geom").order_by("facility_type__order", "facility_type", "name"))
    f = FacilityFilter(request.GET or None, queryset=qs, user=request.user)
    status = 200
    if f.is_bound and not f.is_valid():
        status = 400
        rows = qs.none()
    else:
        rows = f.qs
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "facilities/list.html", {"filter": f, "page": page, "query": query.urlencode(),
                                                     "errors": f.errors if f.is_bound else {}}, status=status)


@login_required
@require_GET
def facility_csv(request):
    """The list under its filter as CSV in the import's own columns (CGCS2000 lon/lat), so an edited
    copy can be imported again."""
    if not may_read_facilities(request.user):
        return JsonResponse({"error": _("民政设施和服务覆盖分析仅供社区工作人员、街道调度员和区级管理员查看")}, status=403,
                            json_dumps_params={"ensure_ascii": False})
    qs = visible_facilities(request.user).select_related("facility_type", "area").defer("area__geom")
    f = FacilityFilter(request.GET or None, queryset=qs.order_by("facility_type__order", "facility_type", "name"), user=request.user)
    if f.is_bound and not f.is_valid():
        return JsonResponse({"error": "；".join("；".join(e) for e in f.errors.values())}, status=400, json_dumps_params={"ensure_ascii": False})
    return _attachment(export_csv(f.qs).encode("utf-8"), "text/csv; charset=utf-8", _("民政设施"), "csv")


# --- import -----------------------------------------------------------------------------------------
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件（CSV、XLSX 或 GeoJSON）"))
    crs = forms.ChoiceField(label=gettext_lazy("坐标系"), initial="WGS84",
                            choices=[("WGS84", "WGS84"), ("CGCS2000", "CGCS2000"), ("GCJ-02", gettext_lazy("GCJ-02（高德、腾讯、微信）"))])
    keep_good = forms.BooleanField(label=gettext_lazy("有错误行时仍导入正确的行"), required=False,
                                   help_text=gettext_lazy("不勾选时：只要有一行有错，全部不导入"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件超过 %(n)s MB") % {"n": MAX_UPLOAD_BYTES // (1024 * 1024)})
        return f


@login_required
def facility_import(request):
    """Upload a facility file: every bad row reported with its line; all-or-nothing unless the user
    ticks keep_good. Needs the permission to add facilities (district admins)."""
    if not request.user.has_perm("facilities.add_facility"):
        return refuse(request, _("导入民政设施需要区级管理员权限"))
    result, refused, error, status = None, None, "", 200
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            f = form.cleaned_data["file"]
            try:
                result = import_facilities(f.read(), name=f.name, crs=form.cleaned_data["crs"],
                                           keep_good=form.cleaned_data["keep_good"], actor=request.user)
            except UnreadableFile as exc:
                error, status = str(exc), 400
            except ImportRefused as exc:
                refused, error, status = exc.result, str(exc), 400
        else:
            status = 400
    else:
        form = ImportForm()
    row_errors = (refused or result).errors if (refused or result) else []
    return render(request, "facilities/import.html", {"form": form, "result": result, "row_errors": row_errors, "error": error},
                  status=status)


# --- coverage ---------------------------------------------------------------------------------------
class CoverageForm(forms.Form):
    type = forms.ModelChoiceField(label=gettext_lazy("设施类型"), queryset=FacilityType.objects.filter(active=True), to_field_name="code",
                                  empty_label=None)
    radius = forms.FloatField(label=gettext_lazy("半径（米）"), min_value=1, max_value=50000, required=False)
    area = forms.ModelChoiceField(label=gettext_lazy("范围"), queryset=AdminArea.objects.none(), to_field_name="code", required=False,
                                  empty_label=gettext_lazy("我的全部辖区"))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["radius"].widget.attrs.update(step="50", placeholder=f"{coverage.default_radius():g}")
        streets = areas_in_scope(user, AdminArea.Level.STREET)
        communities = areas_in_scope(user, AdminArea.Level.COMMUNITY)
        self.fields["area"].queryset = (streets | communities).order_by("code")
        self.fields["area"].label_from_instance = lambda a: a.name if a.level == AdminArea.Level.STREET else f"· {a.name}"

    def error_text(self):
        return "；".join(f"{self.fields[n].label}：{'；'.join(e)}" if n in self.fields else "；".join(e) for n, e in self.errors.items())


def _analysis(request, geometry=False):
    """(form, Coverage or None, error text, status) of the request."""
    data = request.GET.copy()
    if "type" not in data:
        data["type"] = "meal_point" if FacilityType.objects.filter(code="meal_point", active=True).exists() else \
            (FacilityType.objects.filter(active=True).values_list("code", flat=True).first() or "")
    form = CoverageForm(request.user, data)
    if not form.is_valid():
        return form, None, form.error_text(), 400
    d = form.cleaned_data
    try:
        cov = coverage.analyse(d["type"], d.get("radius"), user=request.user, area=d.get("area"), geometry=geometry)
    except coverage.CoverageError as exc:
        return form, None, str(exc), 400
    return form, cov, "", 200


def scope_label(user):
    scope = scope_of(user)
    if scope.everything or not user.area_id:
        return _("全区")
    return user.area.name


@login_required
@require_GET
def coverage_page(request):
    if not may_read_facilities(request.user):
        return _refused(request)
    form, cov, error, status = _analysis(request)
    ctx = {"form": form, "error": error, "cov": cov, "scope": scope_label(request.user), "default_radius": coverage.default_radius()}
    if cov is not None:
        query = form.data.urlencode()
        ctx.update(
            query=query,
            communities=cov.uncovered_communities(),
            grids=cov.uncovered_grids()[:TOP_GRIDS],
            grids_total=len(cov.uncovered_grids()),
            unreached=sum(1 for r in cov.communities if r["grids_unreached"] == r["grids"]),
            share_pct=None if cov.share is None else round(100 * cov.share, 1),
            map_config={
                "geojsonUrl": reverse("coverage_geojson") + "?" + query,
                "text": {"legend": _("图例"), "loadFailed": _("地图数据加载失败"), "none": _("没有可绘制的网格"),
                         "radius": _("服务半径"), "facilities": _("设施")},
                "fields": [["code", _("编码")], ["community", _("所属社区")], ["households", _("户数")],
                           ["covered_households", _("已覆盖户数")], ["uncovered_households", _("未覆盖户数")],
                           ["share_pct", _("覆盖率（%）")], ["nearest", _("最近设施")], ["distance_m", _("最近距离（米）")]],
            },
        )
    return render(request, "facilities/coverage.html", ctx, status=status)


def _export(view):
    @login_required
    @require_GET
    def wrapped(request):
        if not may_read_facilities(request.user):
            return JsonResponse({"error": _("民政设施和服务覆盖分析仅供社区工作人员、街道调度员和区级管理员查看")}, status=403,
                                json_dumps_params={"ensure_ascii": False})
        form, cov, error, status = _analysis(request, geometry=view.__name__ in ("coverage_geojson", "coverage_map"))
        if cov is None:
            return JsonResponse({"error": error}, status=status, json_dumps_params={"ensure_ascii": False})
        return view(request, cov)
    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _attachment(content, content_type, stem, ext):
    resp = HttpResponse(content, content_type=content_type)
    resp["Content-Disposition"] = content_disposition_header(True, f"{stem}-{timezone.localdate():%Y%m%d}.{ext}")
    return resp


def _stem(cov):
    return _("服务覆盖-%(type)s-%(r)s米") % {"type": cov.facility_type.name, "r": f"{cov.radius_m:g}"}


@_export
def coverage_geojson(request, cov):
    return HttpResponse(json.dumps(coverage.geojson(cov), ensure_ascii=False), content_type="application/geo+json")


@_export
def coverage_csv(request, cov):
    by = coverage.BY_GRID if request.GET.get("by") == coverage.BY_GRID else coverage.BY_COMMUNITY
    label = _("按五级网格") if by == coverage.BY_GRID else _("按社区")
    return _attachment(coverage.to_csv(cov, by).encode("utf-8"), "text/csv; charset=utf-8", f"{_stem(cov)}-{label}", "csv")


@_export
def coverage_map(request, cov):
    """The analysis as a standalone folium HTML map (no outside assets; the configured basemap if any)."""
    html = coverage.folium_html(cov, scope_label(request.user), tiles=settings.GEOGRID_BASEMAP_URL or None,
                                attribution=settings.GEOGRID_BASEMAP_ATTRIBUTION)
    return _attachment(html.encode("utf-8"), "text/html; charset=utf-8", _stem(cov), "html")


@_export
def coverage_xlsx(request, cov):
    return _attachment(coverage.to_xlsx(cov, scope_label(request.user)),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _stem(cov), "xlsx")


