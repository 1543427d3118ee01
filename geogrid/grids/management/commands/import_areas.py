"""python manage.py import_areas PATH --level street [--input-crs gcj02] [--code-field adcode] …"""
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from geogrid.cli import Progress, table
from geogrid.grids.importing import ImportFailed, import_areas

INPUT_CRS_CHOICES = ["EPSG:4326", "EPSG:4490", "gcj02"]


def print_result(cmd, result, started):
    for line in table([_("代码"), _("名称"), _("面积（km²）")], [(c, n, f"{a:,.3f}") for c, n, a in result.rows], "llr"):
        cmd.stdout.write(line)
    cmd.stdout.write(cmd.style.SUCCESS(
        _("共 %(n)s 个要素：新建 %(c)s，更新 %(u)s，未变 %(s)s；合计 %(km2)s km²；用时 %(t).1f 秒") % {
            "n": len(result.rows), "c": result.created, "u": result.updated, "s": result.unchanged,
            "km2": f"{sum(a for _c, _n, a in result.rows):,.3f}", "t": time.monotonic() - started}))


class Command(BaseCommand):
    help = _("从 GeoJSON/Shapefile/GeoPackage 导入行政区划（区县、街道/乡镇、社区/村），全部成功或全部不导入")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--level", required=True, choices=["district", "street", "community"])
        parser.add_argument("--input-crs", choices=INPUT_CRS_CHOICES, default=None,
                            help=_("文件坐标系；不指定时采用文件自身的坐标系"))
        parser.add_argument("--code-field", default="code", help=_("区划代码字段（12 位；6/9 位补零）"))
        parser.add_argument("--name-field", default="name")
        parser.add_argument("--parent-code", default=None, help=_("所有要素的上级区划代码"))
        parser.add_argument("--parent-field", default=None, help=_("每个要素的上级区划代码字段；都不给则按代码前缀推出"))

    def handle(self, path, level, input_crs, code_field, name_field, parent_code, parent_field, **options):
        started = time.monotonic()
        try:
            result = import_areas(path, level=level, input_crs=input_crs, code_field=code_field, name_field=name_field,
                                  parent_code=parent_code, parent_field=parent_field, progress=Progress(self.stderr, _("导入")))
        except ImportFailed as exc:
            raise CommandError(_("导入失败，未写入任何数据。%(e)s") % {"e": exc})
        print_result(self, result, started)
