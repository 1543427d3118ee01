"""python manage.py backup [--dir var/backups]: the database and the uploaded files in one tar."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from geogrid.ops.backups import BackupError, backup


class Command(BaseCommand):
    help = _("备份数据库（pg_dump 自定义格式）和上传的文件（照片等），写成一个 tar 文件")

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=str(Path(settings.BASE_DIR) / "var" / "backups"), help=_("备份目录（默认 var/backups）"))

    def handle(self, *args, **o):
        try:
            b = backup(o["dir"])
        except BackupError as exc:
            raise CommandError(_("备份失败：%(e)s") % {"e": exc})
        self.stdout.write(self.style.SUCCESS(_("已备份数据库 %(db)s 和 %(n)s 个文件：%(p)s（%(mb).1f MB）")
                                             % {"db": b.database, "n": b.media_files, "p": b.path, "mb": b.size / 1e6}))
