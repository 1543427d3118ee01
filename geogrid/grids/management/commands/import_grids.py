"""python manage.py import_grids PATH --level 4 [--input-crs gcj02] [--code-field F] …"""
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from geogrid.cli import Progress
from geogrid.grids.importing import ImportFailed, import_grids
from geogrid.grids.management.commands.import_areas import INPUT_CRS_CHOICES, print_result


class Command(BaseCommand):
    help = _("从 GeoJSON/Shapefile/GeoPackage 导入四级或五级网格（按编码更新，形状变化则生成新版本），全部成功或全部不导入")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--level", required=True, type=int, choices=[4, 5])
        parser.add_argument("--input-crs", choices=INPUT_CRS_CHOICES, default=None,
                            help=_("文件坐标系；不指定时采用文件自身的坐标系"))
        parser.add_argument("--code-field", default="code")
        parser.add_argument("--name-field", default="name")
        parser.add_argument("--parent-field", default="parent_code", help=_("五级网格的上级四级网格编码；缺省时按位置"))
        parser.add_argument("--community-field", default="community_code", help=_("所属社区代码；缺省时按位置"))
        parser.add_argument("--kind-field", default="kind")
        parser.add_argument("--dedicated-type-field", default="dedicated_type")
        parser.add_argument("--households-field", default="households")
        parser.add_argument("--population-field", default="population")

    def handle(self, path, level, input_crs, **o):
        started = time.monotonic()
        try:
            result = import_grids(
                path, level=level, input_crs=input_crs, code_field=o["code_field"], name_field=o["name_field"],
                parent_field=o["parent_field"], community_field=o["community_field"], kind_field=o["kind_field"],
                dedicated_type_field=o["dedicated_type_field"], households_field=o["households_field"],
                population_field=o["population_field"], progress=Progress(self.stderr, _("导入")))
        except ImportFailed as exc:
            raise CommandError(_("导入失败，未写入任何数据。%(e)s") % {"e": exc})
        print_result(self, result, started)
