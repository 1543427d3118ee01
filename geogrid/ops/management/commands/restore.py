"""python manage.py restore FILE [--into NAME]: a backup into a fresh database; what was there is
kept aside (the old database renamed, the old media directory moved), never deleted."""
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from geogrid.ops.backups import BackupError, restore


class Command(BaseCommand):
    help = _("从备份文件恢复到一个新的数据库和上传文件目录；原有的数据库改名保留，原有文件目录移到旁边保留")

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("make backup 写出的 .tar 文件"))
        parser.add_argument("--into", help=_("恢复到的数据库名（默认当前配置的数据库）"))
        parser.add_argument("--media-root", help=_("恢复上传文件到此目录（默认 MEDIA_ROOT）"))

    def handle(self, *args, **o):
        try:
            r = restore(o["file"], into=o.get("into"), media_root=o.get("media_root"))
        except BackupError as exc:
            raise CommandError(_("恢复失败，未做任何改动：%(e)s") % {"e": exc})
        if r.kept_database:
            self.stdout.write(_("原数据库已改名保留为 %(db)s") % {"db": r.kept_database})
        if r.kept_media:
            self.stdout.write(_("原上传文件目录已移到 %(p)s") % {"p": r.kept_media})
        self.stdout.write(self.style.SUCCESS(_("已恢复数据库 %(db)s 和 %(n)s 个文件；请运行 manage.py migrate（升级后的代码）再启动服务")
                                             % {"db": r.database, "n": r.media_files}))
