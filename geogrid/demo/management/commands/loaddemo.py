"""python manage.py loaddemo: load the synthetic demo district from boundary_data/ (idempotent)."""
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from geogrid.cli import Progress, table
from geogrid.demo.loader import DATA_DIR, DemoDataError, load_demo
from geogrid.geo.features import FeatureError
from geogrid.grids.importing import ImportFailed
from geogrid.workflow.exceptions import WorkflowError


class Command(BaseCommand):
    help = _("载入演示数据：泉峪区（虚构）的区划、网格、道路、路名牌、界线界桩、民政设施、4+N 队伍、演示用户和事件；可重复执行")

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=str(DATA_DIR), help=_("演示数据目录（默认 boundary_data/）"))

    def handle(self, *args, **options):
        data_dir = Path(options["data_dir"])
        if not (data_dir / "teams.json").exists():
            raise CommandError(_("%(d)s 中没有演示数据：请运行 .venv/bin/python boundary_data/generate.py") % {"d": data_dir})
        progress = Progress(self.stdout, _("网格")) if options["verbosity"] > 1 else None
        try:
            result = load_demo(data_dir, progress=progress)
        except (ImportFailed, FeatureError, DemoDataError, WorkflowError, ValidationError) as exc:
            raise CommandError(_("演示数据载入失败，未写入任何数据：%(e)s") % {"e": exc})
        rows = [(label, c.created, c.updated, c.unchanged) for label, c in result.counts.items()]
        for line in table([_("数据"), _("新建"), _("更新"), _("未变")], rows, "lrrr"):
            self.stdout.write(line)
        self.stdout.write(_("数据库现有：") + "，".join(f"{k} {v}" for k, v in result.totals.items()))
        if result.changed:
            self.stdout.write(self.style.SUCCESS(_("演示数据已载入，用时 %(t).1f 秒") % {"t": result.elapsed_s}))
        else:
            self.stdout.write(self.style.SUCCESS(_("演示数据已是最新，没有改动（用时 %(t).1f 秒）") % {"t": result.elapsed_s}))
