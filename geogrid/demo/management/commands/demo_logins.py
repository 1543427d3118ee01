"""python manage.py demo_logins: the demo logins (README.md, "Demo logins")."""
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from geogrid.cli import table
from geogrid.demo.loader import demo_logins


class Command(BaseCommand):
    help = _("列出演示账号（用户名、密码、角色、所属区域、入口页面）")

    def handle(self, *args, **options):
        self.stdout.write(_("演示账号（虚构数据，仅供演示）："))
        for line in table([_("用户名"), _("密码"), _("角色"), _("所属区域"), _("从这里开始")], demo_logins(), "lllll"):
            self.stdout.write(line)
