"""python manage.py coverage --type meal_point [--radius 1000] [--area CODE] [--grids]

Prints the communities (and with --grids the level-5 grids) left uncovered by open facilities of
a type within the radius, ranked by the households not covered, and the district's totals."""
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from geogrid.facilities.coverage import CoverageError, analyse
from geogrid.grids.models import AdminArea


def _pct(part, whole):
    return f"{100 * part / whole:.1f}%" if whole else "—"


class Command(BaseCommand):
    help = _("服务覆盖分析：列出某类设施在半径内未覆盖的社区（按未覆盖户数排序）")

    def add_arguments(self, parser):
        parser.add_argument("--type", required=True, dest="type_code", help=_("设施类型编码，如 meal_point"))
        parser.add_argument("--radius", type=float, default=None, help=_("半径（米，直线距离）；默认取设置 GEOGRID_COVERAGE_RADIUS_M"))
        parser.add_argument("--area", default=None, help=_("只分析此街道或社区（12 位代码）"))
        parser.add_argument("--grids", action="store_true", help=_("同时列出未覆盖的五级网格"))

    def handle(self, type_code, radius, area, grids, **options):
        started = time.monotonic()
        where = None
        if area:
            where = AdminArea.objects.filter(code=area, level__in=["street", "community"]).defer("geom").first()
            if where is None:
                raise CommandError(_("没有代码为 %(c)s 的街道或社区") % {"c": area})
        try:
            cov = analyse(type_code, radius, area=where)
        except CoverageError as exc:
            raise CommandError(str(exc))
        elapsed = time.monotonic() - started
        w = self.stdout.write
        w(_("%(type)s %(r)s 米服务覆盖（按面积占比计算）：五级网格 %(g)s 个，户数 %(h)s，已覆盖 %(c)s（%(p)s），未覆盖 %(u)s")
          % {"type": cov.facility_type.name, "r": f"{cov.radius_m:g}", "g": len(cov.grids), "h": cov.households,
             "c": cov.covered_households, "p": _pct(cov.covered_households, cov.households), "u": cov.uncovered_households})
        left = cov.uncovered_communities()
        w(_("未覆盖的社区 %(n)s 个（按未覆盖户数排序）：") % {"n": len(left)})
        w("\t".join([_("排名"), _("社区代码"), _("社区"), _("街道"), _("未覆盖户数"), _("总户数"), _("覆盖率"),
                     _("未覆盖人口"), _("完全未覆盖的网格"), _("最近设施"), _("距离（米）")]))
        for i, r in enumerate(left, start=1):
            w("\t".join(str(x) for x in (i, r["code"], r["name"], r["street"] or "", r["uncovered_households"], r["households"],
                                         _pct(r["covered_households"], r["households"]), r["uncovered_population"],
                                         f'{r["grids_unreached"]}/{r["grids"]}', r["nearest"] or "—",
                                         "—" if r["distance_m"] is None else f'{r["distance_m"]:.0f}')))
        if grids:
            rows = cov.uncovered_grids()
            w(_("未覆盖的五级网格 %(n)s 个：") % {"n": len(rows)})
            for i, r in enumerate(rows, start=1):
                w("\t".join(str(x) for x in (i, r["code"], r["name"], r["community"], r["uncovered_households"], r["households"],
                                             _pct(r["covered_households"], r["households"]), r["nearest"] or "—",
                                             "—" if r["distance_m"] is None else f'{r["distance_m"]:.0f}')))
        self.stderr.write(_("用时 %(s).2f 秒") % {"s": elapsed})
