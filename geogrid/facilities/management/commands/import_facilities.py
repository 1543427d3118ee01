"""python manage.py import_facilities PATH [--crs WGS84|CGCS2000|GCJ-02] [--format csv|xlsx|geojson] [--keep-good]"""
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from geogrid.facilities.importing import ImportRefused, UnreadableFile, import_facilities


class Command(BaseCommand):
    help = _("从 CSV/XLSX（经度、纬度列）或 GeoJSON 导入民政设施；有错误行时默认全部不导入")

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--crs", default="WGS84", choices=["WGS84", "CGCS2000", "GCJ-02", "EPSG:4326", "EPSG:4490", "gcj02"],
                            help=_("经纬度的坐标系：WGS84、CGCS2000（两者在此精度下相同）或 GCJ-02（高德、腾讯、微信坐标，导入时转换）"))
        parser.add_argument("--format", choices=["csv", "xlsx", "geojson"], default=None, help=_("不指定时按文件扩展名"))
        parser.add_argument("--keep-good", action="store_true", help=_("有错误行时仍导入正确的行（默认：全部不导入）"))

    def handle(self, path, crs, format, keep_good, **options):
        started = time.monotonic()
        try:
            result = import_facilities(path, fmt=format, crs=crs, keep_good=keep_good)
        except UnreadableFile as exc:
            raise CommandError(_("导入失败，未写入任何数据：%(e)s") % {"e": exc})
        except ImportRefused as exc:  # the error names every bad line and why
            for error in exc.result.errors:
                self.stderr.write(str(error))
            raise CommandError("\n".join([str(exc), *(str(error) for error in exc.result.errors)]))
        for error in result.errors:
            self.stderr.write(str(error))
        self.stdout.write(result.summary() + _("，用时 %(s).1f 秒") % {"s": time.monotonic() - started})
