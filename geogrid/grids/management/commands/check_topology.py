"""python manage.py check_topology [--json] [--tolerance M2] [--kind K]: overlaps, gaps and children
outside their parents, with areas in m², and grid codes that do not start with their community's or
parent grid's code; exits 1 when any is found."""
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from geogrid.cli import table
from geogrid.grids.topology import KINDS, check_topology


class Command(BaseCommand):
    help = _("检查行政区划与现行网格的拓扑：重叠、空隙、超出上级范围（面积单位 m²），以及网格编码是否以所属社区或上级网格的编码开头；"
             "发现问题时退出码为 1")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help=_("以 JSON 输出（供程序读取）"))
        parser.add_argument("--tolerance", type=float, default=None,
                            help=_("忽略小于此面积（m²）的碎片；默认取设置 GEOGRID_TOPOLOGY_SLIVER_M2"))
        parser.add_argument("--kind", action="append", choices=sorted(KINDS), help=_("只做这些检查（可重复）"))

    def handle(self, *args, **options):
        tolerance, kind = options["tolerance"], options["kind"]
        if tolerance is not None and tolerance < 0:
            raise CommandError(_("--tolerance 不能为负数"))
        report = check_topology(tolerance_m2=tolerance, kinds=kind)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            rows = [(p.label, p.code, p.other or "—", *(("—", "—") if p.kind == "code" else (f"{p.area_m2:,.1f}", p.pieces)),
                     f"{p.lon:.6f},{p.lat:.6f}") for p in report.problems]  # a code has no area; "other" is its expected prefix
            if rows:
                for line in table([_("问题"), _("编码"), _("相关编码"), _("面积（m²）"), _("块数"), _("位置（经度,纬度）")], rows, "lllrrl"):
                    self.stdout.write(line)
            c = report.checked
            self.stdout.write(_("已检查：区县 %(d)s，街道 %(s)s，社区 %(c)s，四级网格 %(g4)s，五级网格 %(g5)s（现行）；"
                                "碎片容差 %(tol)s m²；投影 EPSG:%(zone)s；用时 %(t).2f 秒") % {
                "d": c["district"], "s": c["street"], "c": c["community"], "g4": c["grid4"], "g5": c["grid5"],
                "tol": report.tolerance_m2, "zone": report.zone_epsg or "—", "t": report.elapsed_s})
            for k, n in report.by_kind.items():
                self.stdout.write(f"  {KINDS[k]}: {n}")
        if not report.ok:
            total = sum(p.area_m2 for p in report.problems)
            raise CommandError(_("发现 %(n)s 处拓扑问题（合计 %(m2)s m²），见上表；修正数据后重新导入并再次检查")
                               % {"n": len(report.problems), "m2": f"{total:,.1f}"})
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS(_("拓扑检查通过：没有重叠、空隙或超出上级范围的部分，网格编码都以所属社区或上级网格的编码开头")))

