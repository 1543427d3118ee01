"""python manage.py generate_scale --grids5 100000 --incidents 1000000: a city-sized data set for
the benchmarks, in its own database of the same cluster (default geogrid_scale), never in the
demo's. Serve or benchmark it with GEOGRID_DB_NAME=geogrid_scale."""
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.utils.translation import gettext as _

from geogrid.cli import table
from geogrid.demo.scale import generate
from geogrid.grids.importing import ImportFailed
from geogrid.grids.models import Grid

DEFAULT_DISTRICTS = Path(settings.BASE_DIR) / "tests" / "data" / "realdata" / "jinan_districts_370100.geojson"


class Command(BaseCommand):
    help = _("生成城市规模的基准测试数据（区划、四/五级网格、道路、路名牌、事件），写入单独的数据库")

    def add_arguments(self, parser):
        parser.add_argument("--grids5", type=int, default=100_000, help=_("五级网格数（约数，默认 100000）"))
        parser.add_argument("--incidents", type=int, default=1_000_000, help=_("事件数（默认 1000000）"))
        parser.add_argument("--districts", default=str(DEFAULT_DISTRICTS), help=_("区县边界文件（默认济南市 12 个区县）"))
        parser.add_argument("--input-crs", default="gcj02", help=_("区县边界文件的坐标系（默认 gcj02）"))
        parser.add_argument("--code-field", default="adcode")
        parser.add_argument("--name-field", default="name")
        parser.add_argument("--database-name", default="geogrid_scale", help=_("目标数据库（同一集群内，默认 geogrid_scale）"))
        parser.add_argument("--replace", action="store_true", help=_("目标数据库已有数据时删除重建"))
        parser.add_argument("--keep", action="store_true", help=_("目标数据库已有数据时保留，不再生成（make bench 用）"))
        parser.add_argument("--here", action="store_true", help=_("写入当前数据库（仅供测试，须为空库）"))

    def handle(self, *args, **o):
        if o["grids5"] < 1 or o["incidents"] < 0:
            raise CommandError(_("网格数须为正数，事件数不能为负"))
        if not Path(o["districts"]).exists():
            raise CommandError(_("找不到区县边界文件 %(f)s") % {"f": o["districts"]})
        started = time.monotonic()
        if not o["here"]:
            self._use_database(o["database_name"], o["replace"])
        if Grid.objects.exists():
            if o["keep"]:
                self.stdout.write(_("数据库 %(db)s 已有规模数据，保留") % {"db": connections["default"].settings_dict["NAME"]})
                return
            raise CommandError(_("数据库 %(db)s 已有网格；规模数据只写入空库（加 --replace 重建）")
                               % {"db": connections["default"].settings_dict["NAME"]})
        try:
            result = generate(o["districts"], grids5=o["grids5"], incidents=o["incidents"], input_crs=o["input_crs"],
                              code_field=o["code_field"], name_field=o["name_field"], stdout=self.stdout)
        except ImportFailed as exc:
            raise CommandError(_("区县边界导入失败，未写入任何数据：%(e)s") % {"e": exc})
        rows = [(what, f"{n:,}", f"{result.seconds[what]:.1f}") for what, n in result.counts.items()]
        for line in table([_("数据"), _("条数"), _("秒")], rows, "lrr"):
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(_("规模数据已写入 %(db)s，五级网格边长 %(e).0f 米，用时 %(t).0f 秒")
                                             % {"db": connections["default"].settings_dict["NAME"], "e": result.edge_m,
                                                "t": time.monotonic() - started}))

    def _use_database(self, name, replace):
        """Create (or with --replace recreate) the database `name` in the cluster, point the default
        connection at it and migrate it."""
        conn = connections["default"]
        if name == conn.settings_dict["NAME"]:
            raise CommandError(_("规模数据不能写入当前数据库 %(db)s") % {"db": name})
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cur.fetchone() is not None
            quoted = conn.ops.quote_name(name)
            if exists and replace:
                cur.execute(f"DROP DATABASE {quoted} WITH (FORCE)")
                exists = False
            if not exists:
                cur.execute(f"CREATE DATABASE {quoted}")
        conn.close()
        conn.settings_dict["NAME"] = name
        self.stdout.write(_("数据库 %(db)s：迁移中") % {"db": name})
        call_command("migrate", verbosity=0)
